{#
  Iodas-ASE ASE measures, one row per id_mesure: the row kept for its id by rank_same_id_rows in
  the door (rang_meme_id = 1: the most complete content, then the content fingerprint; never the
  order of the files). A measure exported twice is one measure; the other rows are counted in
  rpt_reconciliation__lignes (doublon_identique, or doublon_id_contenu_different: an anomaly,
  warned about). The door int_keys__iodas_ase__mesures's columns.
#}
with

kept_rows as (
    select * from {{ ref('int_keys__iodas_ase__mesures') }}
    where rang_meme_id = 1
),

final as (
    select
        ---------- ids
        id_mesure,
        id_individu,
        ---------- dates, minimised at the door
        mois_debut_mesure,
        mois_cloture_mesure,
        duree_mesure_jours,
        est_ouverte,
        est_active_depuis_2000,
        ---------- attributes (IODAS labels)
        cadre,
        type_mesure,
        ---------- rows sharing the id
        rang_meme_id,
        est_copie_identique,
        ---------- lineage
        _fichier,
        _ligne
    from kept_rows
)

select * from final
