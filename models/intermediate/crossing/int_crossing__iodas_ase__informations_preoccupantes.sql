{#
  Iodas-ASE informations préoccupantes, one row per id_ip: the row kept for its id by rank_same_id_rows in the
  door (rang_meme_id = 1: the most complete content, then the content fingerprint; never the
  order of the files). A IP exported twice is one IP; the other rows are counted in
  rpt_reconciliation__lignes (doublon_identique, or doublon_id_contenu_different: an anomaly,
  warned about). Same columns as the door int_keys__iodas_ase__informations_preoccupantes.
#}
select * from {{ ref('int_keys__iodas_ase__informations_preoccupantes') }}
where rang_meme_id = 1
