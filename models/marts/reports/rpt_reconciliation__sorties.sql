{#
  Cross-check of rpt_reconciliation__lignes against the leaving tables (grain: one row per
  source table whose leaving table has one row per kept source row; counts only): the
  Iodas-ASE measures, placements, IP, CJM payments and periods outside placement (one row per
  id of a cohort member), the Iodas-DPAS aids (one per id_demande matched) and the Iodas-MDPH
  decisions (one per distinct right granted). lignes_conservees (the fate of the rows) must equal
  lignes_sortantes (the rows of the leaving table): a fate model that drifts from the mart it
  describes makes concordent false, and its accepted_values test fails. A model of its own (not
  a singular test on the leaving tables) so that a build of one leaving model does not pull it.
#}
with

kept as (
    select distinct
        reconciliation.base_source,
        reconciliation.table_source,
        reconciliation.lignes_conservees
    from {{ ref('rpt_reconciliation__lignes') }} as reconciliation
),

leaving as (
    select
        'iodas_ase' as base_source,
        'mesures' as table_source,
        'annexe2_iodas_ase__mesure' as table_sortante,
        count(*) as lignes_sortantes
    from {{ ref('annexe2_iodas_ase__mesure') }}
    union all
    select
        'iodas_ase' as base_source,
        'placements' as table_source,
        'annexe2_iodas_ase__placement' as table_sortante,
        count(*) as lignes_sortantes
    from {{ ref('annexe2_iodas_ase__placement') }}
    union all
    select
        'iodas_ase' as base_source,
        'informations_preoccupantes' as table_source,
        'annexe2_iodas_ase__ip' as table_sortante,
        count(*) as lignes_sortantes
    from {{ ref('annexe2_iodas_ase__ip') }}
    union all
    select
        'iodas_ase' as base_source,
        'aides_cjm' as table_source,
        'annexe2_iodas_ase__cjm' as table_sortante,
        count(*) as lignes_sortantes
    from {{ ref('annexe2_iodas_ase__cjm') }}
    union all
    select
        'iodas_ase' as base_source,
        'hors_placement' as table_source,
        'annexe2_iodas_ase__hors_placement' as table_sortante,
        count(*) as lignes_sortantes
    from {{ ref('annexe2_iodas_ase__hors_placement') }}
    union all
    select
        'iodas_dpas' as base_source,
        'aides' as table_source,
        'annexe2_iodas_dpas__aide' as table_sortante,
        count(*) as lignes_sortantes
    from {{ ref('annexe2_iodas_dpas__aide') }}
    union all
    select
        'iodas_mdph' as base_source,
        'decisions' as table_source,
        'annexe2_iodas_mdph__droit' as table_sortante,
        count(*) as lignes_sortantes
    from {{ ref('annexe2_iodas_mdph__droit') }}
),

final as (
    select
        leaving.base_source,
        leaving.table_source,
        leaving.table_sortante,
        cast(kept.lignes_conservees as bigint) as lignes_conservees,
        cast(leaving.lignes_sortantes as bigint) as lignes_sortantes,
        coalesce(kept.lignes_conservees = leaving.lignes_sortantes, false) as concordent
    from leaving
    left join kept
        on leaving.base_source = kept.base_source and leaving.table_source = kept.table_source
)

select * from final
