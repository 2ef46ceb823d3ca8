{#
  Iodas-ASE periods outside placement, one row per id_hors_placement: the row kept for its id by
  rank_same_id_rows in the door (rang_meme_id = 1: the most complete content, then the content
  fingerprint; never the order of the files). A period exported twice is one period; the other
  rows are counted in rpt_reconciliation__lignes (doublon_identique, or
  doublon_id_contenu_different: an anomaly, warned about). The door
  int_keys__iodas_ase__hors_placement's columns.
#}
with

kept_rows as (
    select * from {{ ref('int_keys__iodas_ase__hors_placement') }}
    where rang_meme_id = 1
),

final as (
    select
        ---------- ids
        id_hors_placement,
        id_individu,
        id_placement,
        ---------- dates, minimised at the door
        mois_debut,
        mois_fin,
        duree_jours,
        ---------- attributes (IODAS label)
        type_hors_placement,
        ---------- rows sharing the id
        rang_meme_id,
        est_copie_identique,
        ---------- lineage
        _fichier,
        _ligne
    from kept_rows
)

select * from final
