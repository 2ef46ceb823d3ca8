{#
  Annex 2, Iodas-ASE, group "Hors placement": one row per period outside placement of a
  cohort member (per IODAS id_hors_placement: a row exported twice counts once). Months of
  start and end; duration in days computed at the door on the exact dates (duration_days),
  NULL out of its documented range (numeric_ranges). The type is a project label of
  ref_iodas_ase__type_hors_placement ('autre' when missing, 'non_renseigne' when empty).
#}
with

ids as (
    select * from {{ ref('int_cohort__ids_iodas') }}
),

periods as (
    select * from {{ ref('int_crossing__iodas_ase__hors_placement') }}
    qualify row_number() over (partition by id_hors_placement order by _fichier, _ligne) = 1
),

labels as (
    select * from {{ ref('int_minimisation__libelles_iodas_ase') }}
    where liste = 'type_hors_placement'
),

final as (
    select
        ids.cle_hachage,
        coalesce(labels.libelle, '{{ special_codes().empty }}') as type_hors_placement,
        periods.mois_debut,
        periods.mois_fin,
        {{ within_range('periods.duree_jours', 'duree_jours') }} as duree_jours
    from periods
    inner join ids on periods.id_individu = ids.id_individu
    left join labels on periods.type_hors_placement = labels.libelle_iodas
)

select * from final
