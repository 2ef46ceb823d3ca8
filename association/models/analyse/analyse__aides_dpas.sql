-- One row per youth, financial-aid scheme (FSL, FAG, FAJ, FSE), kind of aid and decision
-- (Iodas-DPAS as annex 2 gives them): requests, aids received and amount received.

with

aides as (
    select
        cle_hachage,
        dispositif,
        type_aide,
        accord_refus,
        montant_percu,
        (mois_perception_aide is not null or coalesce(montant_percu, 0) > 0) as percue
    from {{ source('annexe2', 'annexe2_iodas_dpas__aide') }}
),

final as (
    select
        cle_hachage,
        dispositif,
        type_aide,
        accord_refus,
        count(*) as nombre_demandes,
        count(*) filter (where percue) as nombre_aides_percues,
        sum(coalesce(montant_percu, 0)) as montant_percu
    from aides
    group by cle_hachage, dispositif, type_aide, accord_refus
)

select * from final
