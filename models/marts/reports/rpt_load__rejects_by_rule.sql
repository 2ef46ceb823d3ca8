-- Values rejected by pipase load, counted by load, source, table, column and rule. Counts only:
-- never a value, never a line number.
with

rejects as (
    select * from {{ ref('int_keys__pipase_load__load_rejects') }}
),

final as (
    select
        rejects.load_id,
        rejects.base_source,
        rejects.table_name,
        rejects.column_name,
        rejects.rule_name,
        count(*) as values_rejected,
        count(distinct rejects.file_name || ':' || cast(rejects.line_number as varchar)) as rows_rejected
    from rejects
    group by
        rejects.load_id,
        rejects.base_source,
        rejects.table_name,
        rejects.column_name,
        rejects.rule_name
)

select * from final
