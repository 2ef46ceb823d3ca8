-- Door for coded attributes of stg_iodas_dpas__aides: named columns only, no identity or address.
with

aides as (select * from {{ ref('stg_iodas_dpas__aides') }}),

final as (
    select
        ---------- ids
        aides.id_demande,
        ---------- attributes
        aides.dispositif,
        aides.sexe,
        aides.commune_residence,
        aides.type_aide,
        aides.nature,
        aides.decision,
        aides.motif_refus,
        aides.date_decision,
        aides.date_paiement,
        aides.montant_accorde,
        aides.ressources_mensuelles,
        aides.type_hebergement,
        aides.statut_occupation,
        aides.situation_familiale,
        aides.situation_professionnelle,
        ---------- lineage
        aides._fichier,
        aides._ligne
    from aides
)

select * from final
