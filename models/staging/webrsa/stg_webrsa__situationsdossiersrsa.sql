with

source as (
    select * from {{ source('webrsa', 'situationsdossiersrsa') }}
),

renamed as (
    select
        ---------- ids
        cast(dossier_id as integer) as dossier_id,
        ---------- dates
        cast(dtclorsa as date) as dtclorsa,
        ---------- attributes
        cast(etatdosrsa as varchar) as etatdosrsa,
        cast(moticlorsa as varchar) as moticlorsa,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
