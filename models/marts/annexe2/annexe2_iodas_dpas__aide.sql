-- Annex 2, Iodas-DPAS, group "aide": one row per aid request / decision of a cohort member
-- (FSL, FAG, FAJ, FSE), exactly the annex's thirteen fields, minimised. A row exported twice
-- (same request, same values) counts once.
with

aides as (
    select distinct
        crossing.cle_hachage,
        crossing.id_demande,
        crossing.dispositif,
        crossing.commune_residence,
        crossing.type_aide,
        crossing.decision,
        crossing.motif_refus,
        crossing.date_decision,
        crossing.date_paiement,
        crossing.montant_accorde,
        crossing.ressources_mensuelles,
        crossing.type_hebergement,
        crossing.statut_occupation,
        crossing.situation_familiale,
        crossing.situation_professionnelle
    from {{ ref('int_crossing__iodas_dpas') }} as crossing
),

decisions as (
    select * from {{ ref('ref_iodas_dpas__decisions') }}
),

communes as (
    select * from {{ ref('int_minimisation__communes') }}
),

final as (
    select
        aides.dispositif,
        aides.cle_hachage,
        communes.code_insee as commune_residence,
        aides.type_aide,
        decisions.accord_refus,
        case when decisions.accord_refus = 'refus' then aides.motif_refus end as motif_refus,
        case
            when decisions.accord_refus = 'accord' then {{ month_year('aides.date_paiement') }}
        end as mois_perception_aide,
        case
            when decisions.accord_refus = 'accord' and aides.date_paiement is not null
                then cast(aides.montant_accorde as decimal(10, 2))
        end as montant_percu,
        -- "Ressources financières": the household's monthly resources in OLINPE RESMENAG bands,
        -- never the exact amount (an exact figure helps re-identify a household)
        case
            when aides.ressources_mensuelles < 0 then null
            when aides.ressources_mensuelles < 1000 then '0-999 €'
            when aides.ressources_mensuelles < 2000 then '1000-1999 €'
            when aides.ressources_mensuelles < 3000 then '2000-2999 €'
            when aides.ressources_mensuelles >= 3000 then '3000 € et plus'
        end as ressources_financieres,
        aides.type_hebergement,
        aides.statut_occupation,
        aides.situation_familiale,
        aides.situation_professionnelle
    from aides
    left join decisions
        on aides.decision = decisions.decision
    left join communes
        on
            aides.commune_residence = communes.valeur_source
            and communes.code_postal is null
)

select * from final
