-- Iodas-DPAS aids crossed with the ASE cohort: one row per aid row matched to a cohort member,
-- carrying the cohort's key and the aid's coded attributes (raw codes; minimised in the mart).
-- Rows that match nobody stop here (counted in rpt_linkage__by_source). A request exported
-- twice (same id_demande) is one aid: the row kept for its id by rank_same_id_rows (most complete
-- content, then content fingerprint; never the file order); the others are counted in
-- rpt_reconciliation__lignes (doublon_identique, or doublon_id_contenu_different: an anomaly).
with

appariements as (
    select * from {{ ref('int_crossing__appariements') }}
    where base_source = 'iodas_dpas' and cle_hachage is not null
),

aides as (
    select * from {{ ref('int_keys__iodas_dpas__aides_attributs') }}
    where rang_meme_id = 1
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
