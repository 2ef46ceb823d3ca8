{#
  Door of the identifying zone: The loader's rejects, one row per rejected value: where and
  which rule, never the value (it stays in raw.load_rejects).
  Staging is private to the identifying zone; this door names the columns that may leave it,
  one by one (an allow-list: a column added to the staging model stays behind).
#}
with

source_rows as (
    select * from {{ ref('stg_pipase_load__load_rejects') }}
),

final as (
    select
        ---------- ids
        load_id,
        ---------- where
        base_source,
        table_name,
        file_name,
        line_number,
        column_name,
        ---------- rule
        rule_name
    from source_rows
)

select * from final
