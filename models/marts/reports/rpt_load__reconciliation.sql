-- Every file of every load: rows read = rows loaded + rows rejected, and the rows rejected
-- agree with the distinct lines listed in load_rejects. Counts only.
with

report as (
    select * from {{ ref('int_keys__pipase_load__load_report') }}
),

rejects as (
    select * from {{ ref('int_keys__pipase_load__load_rejects') }}
),

rejected_lines as (
    select
        rejects.load_id,
        rejects.base_source,
        rejects.file_name,
        count(distinct rejects.line_number) as lines_in_rejects
    from rejects
    group by rejects.load_id, rejects.base_source, rejects.file_name
),

final as (
    select
        report.load_id,
        report.extraction_date,
        report.base_source,
        report.table_name,
        report.file_name,
        report.status,
        report.rows_read,
        report.rows_loaded,
        report.rows_rejected,
        coalesce(rejected_lines.lines_in_rejects, 0) as lines_in_rejects,
        report.rows_read = report.rows_loaded + report.rows_rejected as rows_reconcile,
        report.rows_rejected = coalesce(rejected_lines.lines_in_rejects, 0) as rejects_reconcile
    from report
    left join rejected_lines
        on
            report.load_id = rejected_lines.load_id
            and report.base_source = rejected_lines.base_source
            and report.file_name = rejected_lines.file_name
)

select * from final
