{#
  Two source rows with the same id and different content are an anomaly of the extraction,
  never a silent pick: one row is kept by a documented rule (rank_same_id_rows: the most
  complete content, then the content fingerprint; never the file order) and the others are
  counted in rpt_reconciliation__lignes as doublon_id_contenu_different. This test warns with
  their number (fail_calc: the sum of the rows left, not the number of tables), so the data
  office sees it in the build's output and asks the source's owner.
#}
{{ config(severity='warn', fail_calc='coalesce(sum(lignes_ecartees), 0)') }}

select
    base_source,
    table_source,
    lignes_ecartees
from {{ ref('rpt_reconciliation__lignes') }}
where motif = 'doublon_id_contenu_different' and lignes_ecartees > 0
