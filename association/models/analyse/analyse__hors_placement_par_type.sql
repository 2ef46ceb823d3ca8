-- One row per youth and kind of time outside placement (type_hors_placement as annex 2 gives
-- it: runaway, stay with the family, hospital...): number of periods and total days.

with

periodes as (
    select
        cle_hachage,
        type_hors_placement,
        duree_jours
    from {{ source('annexe2', 'annexe2_iodas_ase__hors_placement') }}
),

final as (
    select
        cle_hachage,
        type_hors_placement,
        count(*) as nombre_periodes,
        sum(coalesce(duree_jours, 0)) as duree_jours
    from periodes
    group by cle_hachage, type_hors_placement
)

select * from final
