{#
  Door of the identifying zone: the loader's sources, one row per source of a loaded run of
  pipase load (loaded, or absent: declared with --without), with files and rows: counts only.
  Staging is private to the identifying zone; this door names the columns that may leave it,
  one by one (an allow-list: a column added to the staging model stays behind).
#}
with

source_rows as (
    select * from {{ ref('stg_pipase_load__load_sources') }}
),

final as (
    select
        ---------- ids
        load_id,
        ---------- dates
        extraction_date,
        ---------- source
        base_source,
        status,
        ---------- counts
        files_loaded,
        rows_read,
        rows_loaded,
        rows_rejected
    from source_rows
)

select * from final
