-- Annex 2, WebRSA, group "allocataire": one row per cohort member who is an RSA allocataire
-- (demandeur or conjoint), exactly the annex's sixteen fields, minimised. Every text field is
-- a code of a closed list (code_from_list; commune_code for the INSEE code): a WebRSA code
-- missing from its seed leaves as 'autre', an empty one as 'non_renseigne'.
with

allocataires as (
    select * from {{ ref('int_crossing__webrsa_allocataires') }}
),

sujets_cer as (
    select * from {{ ref('ref_webrsa__sujets_cer') }}
),

-- "Domicile : minimisé en commune": WebRSA stores the INSEE code (adresses.numcom), mapped by
-- the one commune rule (int_minimisation__communes, which lists WebRSA's values)
communes as (
    select * from {{ ref('int_minimisation__communes') }}
),

-- "CER : problématiques rencontrées (emploi, formation, santé, autonomie sociale)": the four
-- annex words among the person's CER subjects, in the order of the subject ids
cer_problematiques as (
    select
        allocataires.cle_hachage,
        list(sujets_cer.problematique order by sujets_cer.sujetcer93_id) filter (
            where sujets_cer.problematique is not null
        ) as cer_problematiques
    from allocataires
    cross join unnest(allocataires.sujets_cer) as subjects (sujetcer93_id)
    inner join sujets_cer
        on subjects.sujetcer93_id = sujets_cer.sujetcer93_id
    group by allocataires.cle_hachage
),

final as (
    select
        allocataires.cle_hachage,
        -- genre_code at the keys door already fell back on the civilité
        {{ code_from_list('allocataires.genre', 'ref_annexe2__genre') }} as genre,
        {{ code_from_list('allocataires.nati', 'ref_webrsa__nationalites', 'nati', 'nationalite') }} as nationalite,
        {{ code_from_list('allocataires.sitfam', 'ref_webrsa__sitfam', 'code', 'libelle') }} as situation_conjugale,
        cast(allocataires.nombre_enfants_a_charge as integer) as nombre_enfants_a_charge,
        cast(allocataires.annees_naissance_enfants as integer[]) as annees_naissance_enfants,
        {{ commune_code('communes.code_insee', 'allocataires.numcom') }} as commune_domicile,
        {{ code_from_list('allocataires.deractromev3_code', 'ref_rome', 'code_rome', 'code_rome') }}
            as derniere_activite_rome,
        {{ code_from_list('allocataires.actrechromev3_code', 'ref_rome', 'code_rome', 'code_rome') }}
            as emploi_recherche_rome,
        {{ month_year('allocataires.dtdemrsa') }} as mois_demande_rsa,
        case
            when allocataires.etatdosrsa in ('5', '6') then {{ month_year('allocataires.dtclorsa') }}
        end as mois_fin_droits_rsa,
        {{ code_from_list('allocataires.natlog', 'ref_webrsa__natlog', 'code', 'libelle') }} as nature_logement,
        {{ code_from_list('allocataires.nivetu', 'ref_webrsa__nivetu', 'code', 'libelle') }} as niveau_etude,
        {{ code_from_list(
            'allocataires.typeorient_parent', 'ref_webrsa__orientations', 'typeorient_parent', 'orientation'
        ) }} as orientation,
        case
            when allocataires.sujets_cer is not null
                then coalesce(cer_problematiques.cer_problematiques, [])
        end as cer_problematiques,
        case
            when allocataires.dernier_etat_pe is not null then allocataires.dernier_etat_pe = 'inscription'
            when allocataires.accoemploi = '1802' then true
            when allocataires.accoemploi in ('1801', '1803') then false
        end as accompagnement_pole_emploi
    from allocataires
    left join cer_problematiques
        on allocataires.cle_hachage = cer_problematiques.cle_hachage
    left join communes
        on
            allocataires.numcom = communes.valeur_source
            and communes.code_postal is null
)

select * from final
