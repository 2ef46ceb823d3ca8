-- Iodas-DPAS aids crossed with the ASE cohort: one row per aid row matched to a cohort member,
-- carrying the cohort's key and the aid's coded attributes (raw codes; minimised in the mart).
-- Rows that match nobody stop here (counted in rpt_linkage__by_source).
with

appariements as (
    select * from {{ ref('int_crossing__appariements') }}
    where base_source = 'iodas_dpas' and cle_hachage is not null
),

aides as (
    select * from {{ ref('stg_iodas_dpas__aides_attributs') }}
),

final as (
    select
        ---------- keys
        appariements.cle_hachage,
        appariements.methode_appariement,
        ---------- source ids
        aides.id_demande,
        ---------- dates
        aides.date_decision,
        aides.date_paiement,
        ---------- attributes
        aides.dispositif,
        aides.commune_residence,
        aides.type_aide,
        aides.decision,
        aides.motif_refus,
        aides.montant_accorde,
        aides.ressources_mensuelles,
        aides.type_hebergement,
        aides.statut_occupation,
        aides.situation_familiale,
        aides.situation_professionnelle,
        ---------- lineage
        appariements._fichier,
        appariements._ligne
    from appariements
    inner join aides
        on
            appariements._fichier = aides._fichier
            and appariements._ligne = aides._ligne
)

select * from final
