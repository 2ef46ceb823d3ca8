-- Annex 2, Iodas-DPAS, group "aide": one row per aid request / decision of a cohort member
-- (FSL, FAG, FAJ, FSE), exactly the annex's thirteen fields, minimised. A row exported twice
-- (same request, same values) counts once. Every text field is a code of a closed list
-- (code_from_list: a source label missing from its seed leaves as 'autre', an empty one as
-- 'non_renseigne'): the labels IODAS writes, which may hold free text, never leave. Amounts
-- outside their documented range (numeric_ranges) leave as NULL / 'non_renseigne'.
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

communes as (
    select * from {{ ref('int_minimisation__communes') }}
),

resource_bands as (
    select * from {{ ref('ref_iodas_dpas__ressources') }}
),

coded as (
    select
        aides.*,
        {{ code_from_list('aides.dispositif', 'ref_iodas_dpas__dispositifs') }} as code_dispositif,
        {{ code_from_list('aides.decision', 'ref_iodas_dpas__decisions', 'decision', 'accord_refus') }}
            as accord_refus,
        {{ within_range('aides.ressources_mensuelles', 'ressources_mensuelles') }} as ressources_retenues
    from aides
),

final as (
    select
        coded.code_dispositif as dispositif,
        coded.cle_hachage,
        {{ commune_code('communes.code_insee', 'coded.commune_residence') }} as commune_residence,
        {{ code_from_list('coded.type_aide', 'ref_iodas_dpas__type_aide') }} as type_aide,
        coded.accord_refus,
        case
            when coded.accord_refus = 'refus'
                then {{ code_from_list('coded.motif_refus', 'ref_iodas_dpas__motif_refus') }}
        end as motif_refus,
        case
            when coded.accord_refus = 'accord' then {{ month_year('coded.date_paiement') }}
        end as mois_perception_aide,
        case
            when coded.accord_refus = 'accord' and coded.date_paiement is not null
                then cast({{ within_range('coded.montant_accorde', 'montant_aide') }} as decimal(10, 2))
        end as montant_percu,
        -- "Ressources financières": the household's monthly resources in OLINPE RESMENAG bands
        -- (ref_iodas_dpas__ressources), never the exact amount (an exact figure helps
        -- re-identify a household); empty or out of range: non_renseigne
        coalesce(resource_bands.code, 'non_renseigne') as ressources_financieres,
        {{ code_from_list('coded.type_hebergement', 'ref_iodas_dpas__type_hebergement') }} as type_hebergement,
        {{ code_from_list('coded.statut_occupation', 'ref_iodas_dpas__statut_occupation') }} as statut_occupation,
        {{ code_from_list('coded.situation_familiale', 'ref_iodas_dpas__situation_familiale') }}
            as situation_familiale,
        {{ code_from_list('coded.situation_professionnelle', 'ref_iodas_dpas__situation_professionnelle') }}
            as situation_professionnelle
    from coded
    left join communes
        on
            coded.commune_residence = communes.valeur_source
            and communes.code_postal is null
    left join resource_bands
        on
            coded.ressources_retenues >= resource_bands.minimum
            and (resource_bands.maximum is null or coded.ressources_retenues < resource_bands.maximum)
)

select * from final
