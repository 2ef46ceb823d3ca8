{#
  Iodas-ASE placements, one row per id_placement: the row kept for its id by rank_same_id_rows in the
  door (rang_meme_id = 1: the most complete content, then the content fingerprint; never the
  order of the files). A placement exported twice is one placement; the other rows are counted in
  rpt_reconciliation__lignes (doublon_identique, or doublon_id_contenu_different: an anomaly,
  warned about). Same columns as the door int_keys__iodas_ase__placements.
#}
select * from {{ ref('int_keys__iodas_ase__placements') }}
where rang_meme_id = 1
