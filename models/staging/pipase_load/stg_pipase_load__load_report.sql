-- One row per file per load: rows read, loaded and rejected, status.
with

source as (
    select * from {{ source('pipase_load', 'load_report') }}
),

renamed as (
    select
        ---------- ids
        cast(load_id as varchar) as load_id,
        ---------- dates
        cast(loaded_at as timestamp) as loaded_at,
        cast(extraction_date as date) as extraction_date,
        ---------- file
        cast(source as varchar) as base_source,
        -- "table" is reserved in DuckDB: quoted on purpose
        cast("table" as varchar) as table_name,  -- noqa: RF06
        cast(file as varchar) as file_name,
        cast(file_sha256 as varchar) as file_sha256,
        ---------- counts
        cast(rows_read as bigint) as rows_read,
        cast(rows_loaded as bigint) as rows_loaded,
        cast(rows_rejected as bigint) as rows_rejected,
        cast(rows_with_warnings as bigint) as rows_with_warnings,
        ---------- status
        cast(status as varchar) as status,
        cast(detail as varchar) as detail
    from source
)

select * from renamed
