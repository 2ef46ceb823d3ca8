{#
  Iodas-ASE contrat jeune majeur aid payments, one row per id_aide: the row kept for its id by
  rank_same_id_rows in the door (rang_meme_id = 1: the most complete content, then the content
  fingerprint; never the order of the files). A payment exported twice is one payment; the other
  rows are counted in rpt_reconciliation__lignes (doublon_identique, or
  doublon_id_contenu_different: an anomaly, warned about). The door
  int_keys__iodas_ase__aides_cjm's columns.
#}
with

kept_rows as (
    select * from {{ ref('int_keys__iodas_ase__aides_cjm') }}
    where rang_meme_id = 1
),

final as (
    select
        ---------- ids
        id_aide,
        id_individu,
        ---------- amount and month
        montant_aide_financiere,
        mois_reception_aide_financiere,
        ---------- rows sharing the id
        rang_meme_id,
        est_copie_identique,
        ---------- lineage
        _fichier,
        _ligne
    from kept_rows
)

select * from final
