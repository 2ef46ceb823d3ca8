-- Every source of every loaded run: loaded or absent (the Department does not have it), its
-- files and rows, and whether they agree with the per-file report. Counts only.
with

sources as (
    select * from {{ ref('int_keys__pipase_load__load_sources') }}
),

report as (
    select * from {{ ref('int_keys__pipase_load__load_report') }}
),

report_by_source as (
    select
        report.load_id,
        report.base_source,
        count(*) as files_reported,
        count(*) filter (where report.status = 'absent') as files_absent,
        coalesce(sum(report.rows_read), 0) as rows_read_reported,
        coalesce(sum(report.rows_loaded), 0) as rows_loaded_reported,
        coalesce(sum(report.rows_rejected), 0) as rows_rejected_reported
    from report
    group by report.load_id, report.base_source
),

final as (
    select
        sources.load_id,
        sources.extraction_date,
        sources.base_source,
        sources.status,
        sources.files_loaded,
        sources.rows_read,
        sources.rows_loaded,
        sources.rows_rejected,
        coalesce(report_by_source.files_reported, 0) as files_reported,
        sources.rows_read = sources.rows_loaded + sources.rows_rejected as rows_reconcile,
        coalesce(
            sources.rows_read = report_by_source.rows_read_reported
            and sources.rows_loaded = report_by_source.rows_loaded_reported
            and sources.rows_rejected = report_by_source.rows_rejected_reported
            and (
                sources.status = 'loaded'
                or (
                    report_by_source.files_absent = report_by_source.files_reported
                    and sources.rows_read = 0
                    and sources.files_loaded = 0
                )
            ),
            false
        ) as report_reconciles
    from sources
    left join report_by_source
        on
            sources.load_id = report_by_source.load_id
            and sources.base_source = report_by_source.base_source
)

select * from final
