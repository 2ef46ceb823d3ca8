{#
  Door of the identifying zone: The loader's report, one row per file per run of pipase load:
  counts and status, no person and no value.
  Staging is private to the identifying zone; this door names the columns that may leave it,
  one by one (an allow-list: a column added to the staging model stays behind).
#}
with

source_rows as (
    select * from {{ ref('stg_pipase_load__load_report') }}
),

final as (
    select
        ---------- ids
        load_id,
        ---------- dates
        loaded_at,
        extraction_date,
        ---------- file
        base_source,
        table_name,
        file_name,
        file_sha256,
        ---------- counts
        rows_read,
        rows_loaded,
        rows_rejected,
        rows_with_warnings,
        ---------- status
        status,
        detail
    from source_rows
)

select * from final
