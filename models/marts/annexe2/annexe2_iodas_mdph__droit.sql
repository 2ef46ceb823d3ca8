-- Annex 2, Iodas-MDPH, group "droit": one row per right granted to a cohort member (CDAPH
-- decision "Accord"; rejections and deferrals grant no right and are not sent). A decision
-- exported twice counts once.
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

droits as (
    select * from {{ ref('ref_iodas_mdph__droits') }}
),

communes as (
    select * from {{ ref('int_minimisation__communes') }}
),

final as (
    select
        decisions.cle_hachage,
        {{ month_year('decisions.date_debut_droit') }} as mois_debut_droit,
        {{ month_year('decisions.date_fin_droit') }} as mois_fin_droit,
        communes.code_insee as commune_residence,
        droits.code_prestation as droit_accorde
    from decisions
    left join droits
        on decisions.code_prestation = droits.code_prestation
    left join communes
        on
            decisions.commune_residence = communes.valeur_source
            and communes.code_postal is null
)

select * from final
