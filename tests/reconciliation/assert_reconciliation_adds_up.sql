{#
  Nothing is dropped without a count: for every source table of rpt_reconciliation__lignes,
  rows loaded = rows kept + the sum of the rows left over all its reasons. One failing row per
  table that does not add up (a row lost or doubled between staging and the fate of the rows),
  with the counts only. Error severity: the export gate copies this report.
#}
{{ config(severity='error') }}

with

tables as (
    select
        base_source,
        table_source,
        count(distinct lignes_chargees) as nombre_valeurs_chargees,
        count(distinct lignes_conservees) as nombre_valeurs_conservees,
        max(lignes_chargees) as lignes_chargees,
        max(lignes_conservees) as lignes_conservees,
        sum(lignes_ecartees) as lignes_ecartees
    from {{ ref('rpt_reconciliation__lignes') }}
    group by base_source, table_source
)

select
    base_source,
    table_source,
    lignes_chargees,
    lignes_conservees,
    lignes_ecartees
from tables
where
    lignes_chargees is null
    or nombre_valeurs_chargees <> 1
    or nombre_valeurs_conservees <> 1
    or lignes_chargees <> lignes_conservees + lignes_ecartees
