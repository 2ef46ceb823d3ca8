with

source as (
    select * from {{ source('iodas_ase', 'individus') }}
),

renamed as (
    select
        ---------- ids
        cast(id_individu as varchar) as id_individu,
        cast(num_dossier_familial as varchar) as num_dossier_familial,
        ---------- identity: identifying zone only
        cast(nom_usage as varchar) as nom_usage,
        cast(nom_naissance as varchar) as nom_naissance,
        cast(prenom as varchar) as prenom,
        cast(date_naissance as date) as date_naissance,
        cast(motif_date_naissance as varchar) as motif_date_naissance,
        ---------- attributes (IODAS labels)
        cast(sexe as varchar) as sexe,
        cast(statut_mna as varchar) as statut_mna,
        cast(nationalite as varchar) as nationalite,
        cast(circonscription as varchar) as circonscription,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
