with

source as (
    select * from {{ source('iodas_dpas', 'aides') }}
),

renamed as (
    select
        ---------- ids
        cast(id_demande as varchar) as id_demande,
        ---------- identity: identifying zone only
        cast(nom_usage as varchar) as nom_usage,
        cast(nom_naissance as varchar) as nom_naissance,
        cast(prenom as varchar) as prenom,
        cast(date_naissance as date) as date_naissance,
        cast(motif_date_naissance as varchar) as motif_date_naissance,
        cast(adresse as varchar) as adresse,
        ---------- dates
        cast(date_decision as date) as date_decision,
        cast(date_paiement as date) as date_paiement,
        ---------- attributes
        cast(dispositif as varchar) as dispositif,
        cast(sexe as varchar) as sexe,
        cast(commune_residence as varchar) as commune_residence,
        cast(type_aide as varchar) as type_aide,
        cast(nature as varchar) as nature,
        cast(decision as varchar) as decision,
        cast(motif_refus as varchar) as motif_refus,
        cast(montant_accorde as decimal(12, 2)) as montant_accorde,
        cast(ressources_mensuelles as decimal(12, 2)) as ressources_mensuelles,
        cast(type_hebergement as varchar) as type_hebergement,
        cast(statut_occupation as varchar) as statut_occupation,
        cast(situation_familiale as varchar) as situation_familiale,
        cast(situation_professionnelle as varchar) as situation_professionnelle,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
