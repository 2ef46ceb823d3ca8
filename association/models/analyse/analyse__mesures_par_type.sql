-- One row per youth and kind of measure (type_mesure as annex 2 gives it): how many measures of
-- that kind and their total duration in days.

with

mesures as (
    select
        cle_hachage,
        type_mesure,
        duree_mesure_jours
    from {{ source('annexe2', 'annexe2_iodas_ase__mesure') }}
),

final as (
    select
        cle_hachage,
        type_mesure,
        count(*) as nombre_mesures,
        sum(coalesce(duree_mesure_jours, 0)) as duree_jours
    from mesures
    group by cle_hachage, type_mesure
)

select * from final
