{#
  Iodas-ASE informations préoccupantes, one row per id_ip: the row kept for its id by
  rank_same_id_rows in the door (rang_meme_id = 1: the most complete content, then the content
  fingerprint; never the order of the files). A IP exported twice is one IP; the other rows are
  counted in rpt_reconciliation__lignes (doublon_identique, or doublon_id_contenu_different: an
  anomaly, warned about). The door int_keys__iodas_ase__informations_preoccupantes's columns.
#}
with

kept_rows as (
    select * from {{ ref('int_keys__iodas_ase__informations_preoccupantes') }}
    where rang_meme_id = 1
),

final as (
    select
        ---------- ids
        id_ip,
        id_individu,
        ---------- dates, minimised at the door
        mois_ouverture_ip,
        mois_cloture_ip,
        ---------- attributes (IODAS labels)
        prescripteur,
        motif,
        suite_donnee,
        ---------- rows sharing the id
        rang_meme_id,
        est_copie_identique,
        ---------- lineage
        _fichier,
        _ligne
    from kept_rows
)

select * from final
