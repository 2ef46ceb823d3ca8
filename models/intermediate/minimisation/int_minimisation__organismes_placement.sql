{#
  The table of placement organisation codes: annex 2, Iodas-ASE, Placement, "Organisme de
  placement : Minimisé en code". One row per code (organisation_code, computed at the door
  int_keys__iodas_ase__placements from the normalised name, which never leaves the
  identifying zone): whether its placements are in the 93, outside, or both, and the months
  of its first and last placement. Snapshotted (snap_minimisation__organismes_placement) so
  that successive extractions keep every code ever sent.
#}
with

placements as (
    select
        code_organisme_placement,
        {{ placement_location('departement_lieu') }} as lieu_placement,
        mois_debut_placement
    from {{ ref('int_keys__iodas_ase__placements') }}
    where code_organisme_placement is not null
),

final as (
    select
        code_organisme_placement,
        cast(count(*) as integer) as nombre_placements,
        case
            when count(distinct lieu_placement) > 1 then '93 et hors 93'
            else min(lieu_placement)
        end as lieu_placement,
        min(mois_debut_placement) as mois_premier_placement,
        max(mois_debut_placement) as mois_dernier_placement
    from placements
    group by code_organisme_placement
)

select * from final
