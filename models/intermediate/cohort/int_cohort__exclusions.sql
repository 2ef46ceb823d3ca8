{#
  Counts of Iodas-ASE ids by cohort status, for the linkage report: why an id is not in the
  cohort (ne_apres_2004, aucune_mesure_depuis_2000, sans_cle_<reason>), and the ids retained
  (retenu). The counts add up to the number of individus rows; on the retenu row,
  nombre_id_iodas - nombre_personnes is the number of duplicate ids collapsed. Counts only.
#}
with

statuses as (
    select * from {{ ref('int_keys__iodas_ase__cohorte') }}
),

final as (
    select
        statut_cohorte,
        cast(count(*) as integer) as nombre_id_iodas,
        cast(count(distinct cle_hachage) as integer) as nombre_personnes,
        not bool_or(est_dans_cohorte) as est_exclusion
    from statuses
    group by statut_cohorte
)

select * from final
