{#
  Iodas-ASE placements, one row per id_placement: the row kept for its id by rank_same_id_rows
  in the door (rang_meme_id = 1: the most complete content, then the content fingerprint; never
  the order of the files). A placement exported twice is one placement; the other rows are
  counted in rpt_reconciliation__lignes (doublon_identique, or doublon_id_contenu_different: an
  anomaly, warned about). The door int_keys__iodas_ase__placements's columns.
#}
with

kept_rows as (
    select * from {{ ref('int_keys__iodas_ase__placements') }}
    where rang_meme_id = 1
),

final as (
    select
        ---------- ids
        id_placement,
        id_mesure,
        id_individu,
        ---------- organisation, minimised at the door
        code_organisme_placement,
        ---------- dates, minimised at the door
        mois_debut_placement,
        mois_fin_placement,
        ---------- attributes
        nature_placement,
        departement_lieu,
        ---------- rows sharing the id
        rang_meme_id,
        est_copie_identique,
        ---------- lineage
        _fichier,
        _ligne
    from kept_rows
)

select * from final
