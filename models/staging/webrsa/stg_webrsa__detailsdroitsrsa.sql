with

source as (
    select * from {{ source('webrsa', 'detailsdroitsrsa') }}
),

renamed as (
    select
        ---------- ids
        cast(dossier_id as integer) as dossier_id,
        ---------- attributes
        cast(nbenfautcha as integer) as nbenfautcha,
        cast(oridemrsa as varchar) as oridemrsa,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
