-- One row per source of a loaded run: loaded, or absent (declared with pipase load --without).
with

source as (
    select * from {{ source('pipase_load', 'load_sources') }}
),

renamed as (
    select
        ---------- ids
        cast(load_id as varchar) as load_id,
        ---------- dates
        cast(extraction_date as date) as extraction_date,
        ---------- source
        cast(source as varchar) as base_source,
        cast(status as varchar) as status,
        ---------- counts
        cast(files as integer) as files_loaded,
        cast(rows_read as bigint) as rows_read,
        cast(rows_loaded as bigint) as rows_loaded,
        cast(rows_rejected as bigint) as rows_rejected
    from source
)

select * from renamed
