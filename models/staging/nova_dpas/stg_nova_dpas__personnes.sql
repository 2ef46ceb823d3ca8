with

source as (
    select * from {{ source('nova_dpas', 'personnes') }}
),

renamed as (
    select
        ---------- ids
        cast(id_personne as varchar) as id_personne,
        cast(id_foyer as varchar) as id_foyer,
        ---------- identity: identifying zone only
        cast(nom_usage as varchar) as nom_usage,
        cast(nom_naissance as varchar) as nom_naissance,
        cast(prenom as varchar) as prenom,
        cast(date_naissance as date) as date_naissance,
        cast(motif_date_naissance as varchar) as motif_date_naissance,
        ---------- attributes
        cast(sexe as varchar) as sexe,
        cast(lien_usager as varchar) as lien_usager,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
