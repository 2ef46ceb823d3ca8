-- Annex 2, WebRSA, group "allocataire": one row per cohort member who is an RSA allocataire
-- (demandeur or conjoint), exactly the annex's sixteen fields, minimised.
with

allocataires as (
    select * from {{ ref('int_crossing__webrsa_allocataires') }}
),

nationalites as (
    select * from {{ ref('ref_webrsa__nationalites') }}
),

sitfam as (
    select * from {{ ref('ref_webrsa__sitfam') }}
),

natlog as (
    select * from {{ ref('ref_webrsa__natlog') }}
),

nivetu as (
    select * from {{ ref('ref_webrsa__nivetu') }}
),

orientations as (
    select * from {{ ref('ref_webrsa__orientations') }}
),

sujets_cer as (
    select * from {{ ref('ref_webrsa__sujets_cer') }}
),

-- "Domicile : minimisé en commune": WebRSA stores the INSEE code (adresses.numcom); kept when
-- it is a code of ref_communes (a municipal arrondissement becomes its commune), as in
-- int_minimisation__communes
communes as (
    select
        code_insee,
        case when statut = 'arrondissement' then code_commune_actuelle else code_insee end as code_retenu
    from {{ ref('ref_communes') }}
    where statut <> 'ancienne'
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
        coalesce(
            allocataires.genre,
            case allocataires.qual when 'MR' then 'M' when 'MME' then 'F' end
        ) as genre,
        nationalites.nationalite,
        sitfam.libelle as situation_conjugale,
        cast(allocataires.nombre_enfants_a_charge as integer) as nombre_enfants_a_charge,
        cast(allocataires.annees_naissance_enfants as integer[]) as annees_naissance_enfants,
        communes.code_retenu as commune_domicile,
        case
            when regexp_full_match(allocataires.deractromev3_code, '[A-N][0-9]{4}')
                then allocataires.deractromev3_code
        end as derniere_activite_rome,
        case
            when regexp_full_match(allocataires.actrechromev3_code, '[A-N][0-9]{4}')
                then allocataires.actrechromev3_code
        end as emploi_recherche_rome,
        {{ month_year('allocataires.dtdemrsa') }} as mois_demande_rsa,
        case
            when allocataires.etatdosrsa in ('5', '6') then {{ month_year('allocataires.dtclorsa') }}
        end as mois_fin_droits_rsa,
        natlog.libelle as nature_logement,
        nivetu.libelle as niveau_etude,
        orientations.orientation,
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
    left join nationalites
        on allocataires.nati = nationalites.nati
    left join sitfam
        on allocataires.sitfam = sitfam.code
    left join natlog
        on allocataires.natlog = natlog.code
    left join nivetu
        on allocataires.nivetu = nivetu.code
    left join orientations
        on allocataires.typeorient_parent = orientations.typeorient_parent
    left join cer_problematiques
        on allocataires.cle_hachage = cer_problematiques.cle_hachage
    left join communes
        on allocataires.numcom = communes.code_insee
)

select * from final
