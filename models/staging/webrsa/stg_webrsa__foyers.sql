with

source as (
    select * from {{ source('webrsa', 'foyers') }}
),

renamed as (
    select
        ---------- ids
        cast(id as integer) as id,
        cast(dossier_id as integer) as dossier_id,
        ---------- attributes
        cast(sitfam as varchar) as sitfam,
        cast(typeocclog as varchar) as typeocclog,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
