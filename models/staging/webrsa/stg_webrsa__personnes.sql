with

source as (
    select * from {{ source('webrsa', 'personnes') }}
),

renamed as (
    select
        ---------- ids
        cast(id as integer) as id,
        cast(foyer_id as integer) as foyer_id,
        ---------- identity: identifying zone only
        cast(nom as varchar) as nom,
        cast(nomnai as varchar) as nomnai,
        cast(prenom as varchar) as prenom,
        cast(prenom2 as varchar) as prenom2,
        cast(dtnai as date) as dtnai,
        cast(motif_dtnai as varchar) as motif_dtnai,
        cast(nir as varchar) as nir,
        ---------- attributes
        cast(qual as varchar) as qual,
        cast(typedtnai as varchar) as typedtnai,
        cast(sexe as varchar) as sexe,
        cast(nati as varchar) as nati,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
