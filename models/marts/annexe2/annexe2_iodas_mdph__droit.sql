-- Annex 2, Iodas-MDPH, group "droit": one row per right granted to a cohort member (CDAPH
-- decision "Accord"; rejections and deferrals grant no right and are not sent). A decision
-- exported twice counts once. The right is a code of ref_iodas_mdph__droits (a code missing
-- from it leaves as 'autre'), the commune an INSEE code (code_from_list, commune_code).
with

decisions as (
    select distinct
        crossing.cle_hachage,
        crossing.code_prestation,
        crossing.type_decision,
        crossing.date_decision,
        crossing.date_debut_droit,
        crossing.date_fin_droit,
        crossing.commune_residence
    from {{ ref('int_crossing__iodas_mdph') }} as crossing
    where crossing.type_decision = 'Accord'
),

communes as (
    select * from {{ ref('int_minimisation__communes') }}
),

final as (
    select
        decisions.cle_hachage,
        {{ month_year('decisions.date_debut_droit') }} as mois_debut_droit,
        {{ month_year('decisions.date_fin_droit') }} as mois_fin_droit,
        {{ commune_code('communes.code_insee', 'decisions.commune_residence') }} as commune_residence,
        {{ code_from_list(
            'decisions.code_prestation', 'ref_iodas_mdph__droits', 'code_prestation', 'code_prestation'
        ) }} as droit_accorde
    from decisions
    left join communes
        on
            decisions.commune_residence = communes.valeur_source
            and communes.code_postal is null
)

select * from final
