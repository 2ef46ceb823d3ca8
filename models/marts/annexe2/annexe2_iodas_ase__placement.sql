{#
  Annex 2, Iodas-ASE, group "Placement": one row per placement of a cohort member (per IODAS
  id_placement: a row exported twice counts once). The organisation is a code (coded at the
  door from its normalised name), the place '93' / 'hors 93' (placement_location, codes of
  ref_annexe2__lieu_placement; 'non_renseigne' without département), dates in months; the
  nature a project label of ref_iodas_ase__nature_placement ('autre' when missing,
  'non_renseigne' when empty).
#}
with

ids as (
    select * from {{ ref('int_cohort__ids_iodas') }}
),

placements as (
    select * from {{ ref('int_crossing__iodas_ase__placements') }}
    qualify row_number() over (partition by id_placement order by _fichier, _ligne) = 1
),

labels as (
    select * from {{ ref('int_minimisation__libelles_iodas_ase') }}
    where liste = 'nature_placement'
),

final as (
    select
        ids.cle_hachage,
        coalesce(labels.libelle, '{{ special_codes().empty }}') as nature_placement,
        placements.code_organisme_placement,
        coalesce({{ placement_location('placements.departement_lieu') }}, '{{ special_codes().empty }}')
            as lieu_placement,
        placements.mois_debut_placement,
        placements.mois_fin_placement
    from placements
    inner join ids on placements.id_individu = ids.id_individu
    left join labels on placements.nature_placement = labels.libelle_iodas
)

select * from final
