{#
  Door of the identifying zone for the coded attributes of Iodas-DPAS aid requests: one row per
  aides row, named columns only (no identity or address). A request exported twice shares its
  id_demande: rank_same_id_rows says which row is kept for the id (rang_meme_id = 1, by
  content, not by file order) and whether the others are exact copies of it.
#}
with

aides as (
    {{ rank_same_id_rows(ref('stg_iodas_dpas__aides'), 'id_demande') }}
),

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
        ---------- rows sharing the id (rank_same_id_rows): 1 = the row kept
        aides.rang_meme_id,
        aides.est_copie_identique,
        ---------- lineage
        aides._fichier,
        aides._ligne
    from aides
)

select * from final
