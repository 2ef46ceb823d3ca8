with

source as (
    select * from {{ source('webrsa', 'dossiers') }}
),

renamed as (
    select
        ---------- ids
        cast(id as integer) as id,
        ---------- identity: identifying zone only
        cast(numdemrsa as varchar) as numdemrsa,
        cast(matricule as varchar) as matricule,
        ---------- dates
        cast(dtdemrsa as date) as dtdemrsa,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
