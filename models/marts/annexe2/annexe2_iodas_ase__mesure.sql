{#
  Annex 2, Iodas-ASE, group "Mesures": one row per measure of a cohort member (per IODAS
  id_mesure: a row exported twice counts once). Months of start and end; the duration in days
  was computed at the door on the exact dates (duration_days: both days count, an open
  measure ends at the extraction date; out of its documented range, NULL: numeric_ranges). The
  type is a project label of ref_iodas_ase__type_mesure ('autre' when missing from the seed,
  'non_renseigne' when empty).
#}
with

ids as (
    select * from {{ ref('int_cohort__ids_iodas') }}
),

measures as (
    select * from {{ ref('int_crossing__iodas_ase__mesures') }}
    qualify row_number() over (partition by id_mesure order by _fichier, _ligne) = 1
),

labels as (
    select * from {{ ref('int_minimisation__libelles_iodas_ase') }}
    where liste = 'type_mesure'
),

final as (
    select
        ids.cle_hachage,
        coalesce(labels.libelle, '{{ special_codes().empty }}') as type_mesure,
        measures.mois_debut_mesure,
        measures.mois_cloture_mesure,
        {{ within_range('measures.duree_mesure_jours', 'duree_jours') }} as duree_mesure_jours
    from measures
    inner join ids on measures.id_individu = ids.id_individu
    left join labels on measures.type_mesure = labels.libelle_iodas
)

select * from final
