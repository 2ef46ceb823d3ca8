-- One row per rejected value of a load: where and which rule. The value (`valeur`) and the
-- message are left in the raw table: reports count, they never show a value.
with

source as (
    select * from {{ source('pipase_load', 'load_rejects') }}
),

renamed as (
    select
        ---------- ids
        cast(load_id as varchar) as load_id,
        ---------- where
        cast(source as varchar) as base_source,
        -- "table" is reserved in DuckDB: quoted on purpose
        cast("table" as varchar) as table_name,  -- noqa: RF06
        cast(file as varchar) as file_name,
        cast(line as bigint) as line_number,
        cast("column" as varchar) as column_name,
        ---------- rule
        cast(rule as varchar) as rule_name
    from source
)

select * from renamed
