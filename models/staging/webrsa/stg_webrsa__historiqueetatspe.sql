with

source as (
    select * from {{ source('webrsa', 'historiqueetatspe') }}
),

renamed as (
    select
        ---------- ids
        cast(personne_id as integer) as personne_id,
        ---------- dates
        -- WebRSA's own column name, kept as in every staging model
        cast(date as date) as date,  -- noqa: RF04
        ---------- attributes
        cast(etat as varchar) as etat,
        cast(code as varchar) as code,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
