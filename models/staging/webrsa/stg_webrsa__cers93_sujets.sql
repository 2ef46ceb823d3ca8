with

source as (
    select * from {{ source('webrsa', 'cers93_sujets') }}
),

renamed as (
    select
        ---------- ids
        cast(contratinsertion_id as integer) as contratinsertion_id,
        cast(personne_id as integer) as personne_id,
        cast(sujetcer93_id as integer) as sujetcer93_id,
        ---------- dates
        cast(dd_ci as date) as dd_ci,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
