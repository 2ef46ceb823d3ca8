-- One row per youth of the cohort (cle_hachage): outcomes after the exit from child welfare and
-- use of the common-law aids (convention article 2, "mobilisation des aides et dispositifs de
-- droit commun"): RSA (WebRSA), financial aids (Iodas-DPAS), MDPH rights (Iodas-MDPH) and
-- social-service appointments (Nova-DPAS). The exit month comes from analyse__parcours_ase.
-- The two code values this model needs are vars checked against the data
-- (tests/assert_configured_codes_exist.sql): statut_rendez_vous_honore, decision_accord.

with

parcours as (
    select
        cle_hachage,
        est_sorti,
        mois_sortie,
        {{ mois_date('mois_sortie') }} as sortie
    from {{ ref('analyse__parcours_ase') }}
),

rsa as (
    -- one row per youth in annex 2 (the most recent RSA request)
    select
        cle_hachage,
        mois_demande_rsa,
        {{ mois_date('mois_demande_rsa') }} as demande,
        mois_fin_droits_rsa,
        orientation,
        niveau_etude,
        nature_logement,
        situation_conjugale,
        nombre_enfants_a_charge,
        derniere_activite_rome,
        accompagnement_pole_emploi
    from {{ source('annexe2', 'annexe2_webrsa__allocataire') }}
),

aides as (
    select
        aide.cle_hachage,
        aide.accord_refus,
        aide.montant_percu,
        {{ mois_date('aide.mois_perception_aide') }} as perception,
        -- received: a payment month or a positive amount (independent of the decision's wording)
        (aide.mois_perception_aide is not null or coalesce(aide.montant_percu, 0) > 0) as percue
    from {{ source('annexe2', 'annexe2_iodas_dpas__aide') }} as aide
),

aides_par_jeune as (
    select
        aides.cle_hachage,
        count(*) as nombre_demandes_aide,
        count(*) filter (where aides.accord_refus = '{{ var("decision_accord") }}') as nombre_aides_accordees,
        count(*) filter (where aides.percue) as nombre_aides_percues,
        count(*) filter (where aides.percue and aides.perception >= parcours.sortie)
            as nombre_aides_percues_apres_sortie,
        sum(coalesce(aides.montant_percu, 0)) as montant_aides_percu,
        count(distinct aides.accord_refus) as nombre_decisions_differentes
    from aides
    left join parcours on aides.cle_hachage = parcours.cle_hachage
    group by aides.cle_hachage
),

droits as (
    select
        droit.cle_hachage,
        count(*) as nombre_droits_mdph,
        count(distinct droit.droit_accorde) as nombre_types_droit_mdph,
        -- a right open at or after the exit month
        count(*) filter (
            where coalesce({{ mois_date('droit.mois_fin_droit') }}, date '9999-12-01') >= parcours.sortie
        ) as nombre_droits_mdph_apres_sortie
    from {{ source('annexe2', 'annexe2_iodas_mdph__droit') }} as droit
    left join parcours on droit.cle_hachage = parcours.cle_hachage
    group by droit.cle_hachage
),

rendez_vous as (
    select
        rdv.cle_hachage,
        sum(rdv.nombre_rendez_vous) as nombre_rendez_vous,
        coalesce(sum(rdv.nombre_rendez_vous) filter (
            where rdv.statut_rendez_vous = '{{ var("statut_rendez_vous_honore") }}'
        ), 0) as nombre_rendez_vous_honores,
        coalesce(sum(rdv.nombre_rendez_vous) filter (
            where rdv.statut_rendez_vous = '{{ var("statut_rendez_vous_honore") }}'
            and rdv.annee_rendez_vous >= year(parcours.sortie)
        ), 0) as nombre_rendez_vous_honores_apres_sortie
    from {{ source('annexe2', 'annexe2_nova_dpas__rendez_vous') }} as rdv
    left join parcours on rdv.cle_hachage = parcours.cle_hachage
    group by rdv.cle_hachage
),

assemble as (
    select
        parcours.cle_hachage,
        parcours.est_sorti,
        parcours.mois_sortie,
        rsa.mois_demande_rsa,
        rsa.mois_fin_droits_rsa,
        rsa.orientation as orientation_rsa,
        rsa.niveau_etude as niveau_etude_rsa,
        rsa.nature_logement as nature_logement_rsa,
        rsa.situation_conjugale as situation_conjugale_rsa,
        rsa.nombre_enfants_a_charge,
        rsa.accompagnement_pole_emploi,
        rsa.cle_hachage is not null as a_rsa,
        case when parcours.est_sorti then date_diff('month', parcours.sortie, rsa.demande) end as delai_rsa_mois,
        rsa.derniere_activite_rome is not null as a_derniere_activite_rsa,
        coalesce(aides_par_jeune.nombre_demandes_aide, 0) as nombre_demandes_aide,
        coalesce(aides_par_jeune.nombre_aides_accordees, 0) as nombre_aides_accordees,
        coalesce(aides_par_jeune.nombre_aides_percues, 0) as nombre_aides_percues,
        coalesce(aides_par_jeune.nombre_aides_percues_apres_sortie, 0) as nombre_aides_percues_apres_sortie,
        coalesce(aides_par_jeune.montant_aides_percu, 0) as montant_aides_percu,
        coalesce(droits.nombre_droits_mdph, 0) as nombre_droits_mdph,
        coalesce(droits.nombre_types_droit_mdph, 0) as nombre_types_droit_mdph,
        coalesce(droits.nombre_droits_mdph_apres_sortie, 0) as nombre_droits_mdph_apres_sortie,
        coalesce(rendez_vous.nombre_rendez_vous, 0) as nombre_rendez_vous,
        coalesce(rendez_vous.nombre_rendez_vous_honores, 0) as nombre_rendez_vous_honores,
        coalesce(rendez_vous.nombre_rendez_vous_honores_apres_sortie, 0) as nombre_rendez_vous_honores_apres_sortie
    from parcours
    left join rsa on parcours.cle_hachage = rsa.cle_hachage
    left join aides_par_jeune on parcours.cle_hachage = aides_par_jeune.cle_hachage
    left join droits on parcours.cle_hachage = droits.cle_hachage
    left join rendez_vous on parcours.cle_hachage = rendez_vous.cle_hachage
),

final as (
    select
        *,
        coalesce(delai_rsa_mois >= 0, false) as rsa_apres_sortie,
        coalesce(delai_rsa_mois between 0 and 12, false) as rsa_12_mois,
        coalesce(delai_rsa_mois between 0 and 24, false) as rsa_24_mois,
        nombre_aides_percues_apres_sortie > 0 as aide_percue_apres_sortie,
        nombre_droits_mdph_apres_sortie > 0 as droit_mdph_apres_sortie,
        nombre_rendez_vous_honores_apres_sortie > 0 as rendez_vous_honore_apres_sortie,
        (
            cast(coalesce(delai_rsa_mois >= 0, false) as integer)
            + cast(nombre_aides_percues_apres_sortie > 0 as integer)
            + cast(nombre_droits_mdph_apres_sortie > 0 as integer)
            + cast(nombre_rendez_vous_honores_apres_sortie > 0 as integer)
        ) as nombre_dispositifs_droit_commun
    from assemble
)

select * from final
