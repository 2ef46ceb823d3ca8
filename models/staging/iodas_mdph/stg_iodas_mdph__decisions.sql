with

source as (
    select * from {{ source('iodas_mdph', 'decisions') }}
),

renamed as (
    select
        ---------- identity: identifying zone only
        cast(num_dossier_mdph as varchar) as num_dossier_mdph,
        cast(nom_usage as varchar) as nom_usage,
        cast(nom_naissance as varchar) as nom_naissance,
        cast(prenom as varchar) as prenom,
        cast(date_naissance as date) as date_naissance,
        cast(motif_date_naissance as varchar) as motif_date_naissance,
        cast(adresse as varchar) as adresse,
        ---------- dates
        cast(date_decision as date) as date_decision,
        cast(date_debut_droit as date) as date_debut_droit,
        cast(date_fin_droit as date) as date_fin_droit,
        ---------- attributes
        cast(sexe as varchar) as sexe,
        cast(commune_residence as varchar) as commune_residence,
        cast(code_prestation as varchar) as code_prestation,
        cast(libelle_prestation as varchar) as libelle_prestation,
        cast(type_decision as varchar) as type_decision,
        cast(taux_incapacite as varchar) as taux_incapacite,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
