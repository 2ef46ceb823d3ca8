with

source as (
    select * from {{ source('webrsa', 'orientsstructs') }}
),

renamed as (
    select
        ---------- ids
        cast(id as integer) as id,
        cast(personne_id as integer) as personne_id,
        ---------- dates
        cast(date_valid as date) as date_valid,
        ---------- attributes
        cast(typeorient_parent as varchar) as typeorient_parent,
        cast(statut_orient as varchar) as statut_orient,
        cast(rgorient as integer) as rgorient,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
