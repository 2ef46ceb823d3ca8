-- One row per youth of the cohort (cle_hachage): the path through child welfare (convention
-- article 2, "trajectoire au sein de l'ASE (âge d'entrée, types de mesures, ruptures de
-- parcours)"). Months are annex 2 months ('AAAA-MM'); the extraction date bounds what is ongoing.

with

individus as (
    select
        cle_hachage,
        genre,
        statut_mna,
        mois_naissance
    from {{ source('annexe2', 'annexe2_iodas_ase__individu') }}
),

extraction as (
    -- the extraction of the latest Department archive imported (pipase import's log)
    select
        cast(arg_max(extraction_date, imported_at) as date) as date_extraction,
        date_trunc('month', cast(arg_max(extraction_date, imported_at) as date)) as mois_extraction
    from {{ source('pipase_import', 'import_log') }}
    where kind = 'departement'
),

mesures as (
    select
        cle_hachage,
        type_mesure,
        {{ mois_date('mois_debut_mesure') }} as debut,
        {{ mois_date('mois_cloture_mesure') }} as cloture,
        duree_mesure_jours
    from {{ source('annexe2', 'annexe2_iodas_ase__mesure') }}
),

mesures_par_type as (
    select
        cle_hachage,
        type_mesure,
        sum(coalesce(duree_mesure_jours, 0)) as duree_jours
    from mesures
    group by cle_hachage, type_mesure
),

type_principal as (
    -- the kind of measure with the longest total duration (ties: the first in text order)
    select
        cle_hachage,
        type_mesure as type_mesure_principal
    from mesures_par_type
    qualify row_number() over (
        partition by cle_hachage order by duree_jours desc, type_mesure asc
    ) = 1
),

mesures_agregees as (
    select
        cle_hachage,
        min(debut) as debut_premiere_mesure,
        max(cloture) as cloture_derniere_mesure,
        bool_or(cloture is null) as mesure_en_cours,
        count(*) as nombre_mesures,
        count(distinct type_mesure) as nombre_types_mesure,
        list_sort(list_distinct(list(type_mesure))) as types_mesure,
        sum(coalesce(duree_mesure_jours, 0)) as duree_mesures_jours
    from mesures
    group by cle_hachage
),

placements as (
    select
        placement.cle_hachage,
        {{ mois_date('placement.mois_debut_placement') }} as debut,
        {{ mois_date('placement.mois_fin_placement') }} as fin,
        -- an ongoing placement runs to the extraction month
        coalesce({{ mois_date('placement.mois_fin_placement') }}, extraction.mois_extraction) as fin_observee
    from {{ source('annexe2', 'annexe2_iodas_ase__placement') }} as placement
    cross join extraction
),

mois_places as (
    -- every month covered by at least one placement, once (overlapping placements count once)
    select distinct
        placements.cle_hachage,
        cast(mois.mois as date) as mois
    from placements
    cross join
        unnest(
            generate_series(placements.debut, greatest(placements.debut, placements.fin_observee), interval 1 month)
        ) as mois (mois)
),

placements_agreges as (
    select
        cle_hachage,
        count(*) as nombre_placements,
        bool_or(fin is null) as placement_en_cours
    from placements
    group by cle_hachage
),

duree_placee as (
    select
        cle_hachage,
        count(*) as nombre_mois_places,
        -- days of the covered months (months are all that annex 2 keeps: an upper bound)
        sum(date_diff('day', mois, cast(mois + interval 1 month as date))) as duree_placement_jours
    from mois_places
    group by cle_hachage
),

hors_placement as (
    select
        cle_hachage,
        count(*) as nombre_periodes_hors_placement,
        count(distinct type_hors_placement) as nombre_types_hors_placement,
        sum(coalesce(duree_jours, 0)) as duree_hors_placement_jours
    from {{ source('annexe2', 'annexe2_iodas_ase__hors_placement') }}
    group by cle_hachage
),

cjm as (
    select
        cle_hachage,
        count(*) as nombre_versements_cjm,
        sum(montant_aide_financiere) as montant_cjm,
        min({{ mois_date('mois_reception_aide_financiere') }}) as debut_cjm,
        max({{ mois_date('mois_reception_aide_financiere') }}) as fin_cjm
    from {{ source('annexe2', 'annexe2_iodas_ase__cjm') }}
    group by cle_hachage
),

assemble as (
    select
        individus.cle_hachage,
        individus.genre,
        individus.statut_mna,
        individus.mois_naissance,
        {{ mois_date('individus.mois_naissance') }} as naissance,
        mesures_agregees.debut_premiere_mesure,
        mesures_agregees.cloture_derniere_mesure,
        mesures_agregees.types_mesure,
        type_principal.type_mesure_principal,
        cjm.montant_cjm,
        cjm.debut_cjm,
        cjm.fin_cjm,
        extraction.date_extraction,
        extraction.mois_extraction,
        coalesce(mesures_agregees.mesure_en_cours, false) as mesure_en_cours,
        coalesce(placements_agreges.placement_en_cours, false) as placement_en_cours,
        coalesce(mesures_agregees.nombre_mesures, 0) as nombre_mesures,
        coalesce(mesures_agregees.nombre_types_mesure, 0) as nombre_types_mesure,
        coalesce(mesures_agregees.duree_mesures_jours, 0) as duree_mesures_jours,
        coalesce(placements_agreges.nombre_placements, 0) as nombre_placements,
        coalesce(duree_placee.nombre_mois_places, 0) as nombre_mois_places,
        coalesce(duree_placee.duree_placement_jours, 0) as duree_placement_jours,
        coalesce(hors_placement.nombre_periodes_hors_placement, 0) as nombre_periodes_hors_placement,
        coalesce(hors_placement.nombre_types_hors_placement, 0) as nombre_types_hors_placement,
        coalesce(hors_placement.duree_hors_placement_jours, 0) as duree_hors_placement_jours,
        cjm.cle_hachage is not null as a_cjm,
        coalesce(cjm.nombre_versements_cjm, 0) as nombre_versements_cjm
    from individus
    cross join extraction
    left join mesures_agregees on individus.cle_hachage = mesures_agregees.cle_hachage
    left join type_principal on individus.cle_hachage = type_principal.cle_hachage
    left join placements_agreges on individus.cle_hachage = placements_agreges.cle_hachage
    left join duree_placee on individus.cle_hachage = duree_placee.cle_hachage
    left join hors_placement on individus.cle_hachage = hors_placement.cle_hachage
    left join cjm on individus.cle_hachage = cjm.cle_hachage
),

sorties as (
    -- out of child welfare: no measure and no placement open at the extraction; the exit is
    -- the closing month of the last measure, or the last CJM payment when it is later
    select
        *,
        coalesce(nombre_mesures > 0 and not mesure_en_cours and not placement_en_cours, false) as est_sorti,
        case
            when nombre_mesures > 0 and not mesure_en_cours and not placement_en_cours
                then greatest(cloture_derniere_mesure, coalesce(fin_cjm, cloture_derniere_mesure))
        end as sortie
    from assemble
),

final as (
    select
        cle_hachage,
        genre,
        statut_mna,
        mois_naissance,
        nombre_mesures,
        nombre_types_mesure,
        types_mesure,
        type_mesure_principal,
        duree_mesures_jours,
        nombre_placements,
        nombre_mois_places,
        duree_placement_jours,
        nombre_periodes_hors_placement,
        nombre_types_hors_placement,
        duree_hors_placement_jours,
        a_cjm,
        nombre_versements_cjm,
        montant_cjm,
        est_sorti,
        date_extraction,
        strftime(debut_premiere_mesure, '%Y-%m') as mois_premiere_mesure,
        date_diff('month', naissance, debut_premiere_mesure) // 12 as age_premiere_mesure,
        greatest(nombre_placements - 1, 0) as nombre_changements_placement,
        strftime(debut_cjm, '%Y-%m') as mois_debut_cjm,
        strftime(fin_cjm, '%Y-%m') as mois_fin_cjm,
        case when a_cjm then date_diff('month', debut_cjm, fin_cjm) + 1 end as duree_cjm_mois,
        strftime(sortie, '%Y-%m') as mois_sortie,
        date_diff('month', naissance, sortie) // 12 as age_sortie,
        date_diff('month', sortie, mois_extraction) as recul_mois
    from sorties
)

select * from final
