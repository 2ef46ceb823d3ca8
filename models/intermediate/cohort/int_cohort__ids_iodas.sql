{#
  Every IODAS id of a cohort member, with the person's primary key: the join from the
  Iodas-ASE tables (keyed by id_individu) to the cohort (keyed by cle_hachage). Several ids
  may share a key (duplicate files of one person). IODAS ids are pseudonymous source ids:
  they may be used in the crossing zone, never in a leaving table.
#}
with

statuses as (
    select * from {{ ref('int_keys__iodas_ase__cohorte') }}
),

final as (
    select
        id_individu,
        cle_hachage
    from statuses
    where est_dans_cohorte
)

select * from final
