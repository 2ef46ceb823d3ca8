-- The study table: one row per youth of the cohort (cle_hachage) with every category the
-- indicator tables count by, as French labels (the order of the labels is in the seed
-- ref_modalites). It is the micro-data that `pipase publier` hands to ACRO; it never leaves the
-- Association's server.
{% set nombre_types = var('nombre_types_mesure_principaux') %}

with

parcours as (
    select * from {{ ref('analyse__parcours_ase') }}
),

devenir as (
    select * from {{ ref('analyse__devenir') }}
),

types_frequents as (
    -- the kinds of measure that are the main kind of the most youths (read from the data)
    select type_mesure_principal
    from parcours
    where type_mesure_principal is not null
    group by type_mesure_principal
    qualify row_number() over (order by count(*) desc, type_mesure_principal asc) <= {{ nombre_types }}
),

final as (
    select
        parcours.cle_hachage,
        -- the field of the study: youths whose sex is known (a handful otherwise, whose
        -- separate row would force suppressions in every table)
        {{ oui_non('parcours.genre is not null') }} as champ_etude,
        case parcours.genre
            when 'F' then 'femme'
            when 'M' then 'homme'
            else 'non renseigné'
        end as genre,
        coalesce(parcours.statut_mna, 'non renseigné') as statut_mna,
        case
            when parcours.age_premiere_mesure is null or parcours.age_premiere_mesure < 0 then 'non renseigné'
            when parcours.age_premiere_mesure <= 5 then '0 à 5 ans'
            when parcours.age_premiere_mesure <= 10 then '6 à 10 ans'
            when parcours.age_premiere_mesure <= 14 then '11 à 14 ans'
            when parcours.age_premiere_mesure <= 17 then '15 à 17 ans'
            else '18 ans ou plus'
        end as tranche_age_entree,
        case
            when parcours.type_mesure_principal is null then 'non renseigné'
            when types_frequents.type_mesure_principal is not null then parcours.type_mesure_principal
            else 'autres types de mesure'
        end as type_mesure_principal,
        case
            when parcours.nombre_placements = 0 then 'jamais placé'
            when parcours.nombre_changements_placement = 0 then 'aucun changement'
            when parcours.nombre_changements_placement <= 2 then '1 ou 2 changements'
            when parcours.nombre_changements_placement <= 4 then '3 ou 4 changements'
            else '5 changements ou plus'
        end as changements_placement,
        {{ oui_non('parcours.a_cjm') }} as cjm,
        {{ oui_non('parcours.est_sorti') }} as sorti,
        case
            when not parcours.est_sorti or parcours.age_sortie is null then 'non sorti'
            when parcours.age_sortie < 16 then 'moins de 16 ans'
            when parcours.age_sortie <= 17 then '16 ou 17 ans'
            when parcours.age_sortie <= 20 then '18 à 20 ans'
            else '21 ans ou plus'
        end as tranche_age_sortie,
        {{ oui_non('parcours.recul_mois >= 24') }} as recul_24_mois,
        {{ oui_non('devenir.rsa_apres_sortie') }} as rsa_apres_sortie,
        {{ oui_non('devenir.rsa_12_mois') }} as rsa_12_mois,
        {{ oui_non('devenir.rsa_24_mois') }} as rsa_24_mois,
        case
            when devenir.delai_rsa_mois between 0 and 12 then 'dans les 12 mois'
            when devenir.delai_rsa_mois between 13 and 24 then 'de 13 à 24 mois'
            when devenir.delai_rsa_mois > 24 then 'après 24 mois'
            else 'pas de RSA après la sortie'
        end as delai_rsa,
        coalesce(devenir.orientation_rsa, 'non renseignée') as orientation_rsa,
        {{ oui_non('devenir.aide_percue_apres_sortie') }} as aide_percue_apres_sortie,
        {{ oui_non('devenir.droit_mdph_apres_sortie') }} as droit_mdph_apres_sortie,
        {{ oui_non('devenir.rendez_vous_honore_apres_sortie') }} as rendez_vous_honore_apres_sortie,
        case
            when devenir.nombre_dispositifs_droit_commun = 0 then 'aucun'
            when devenir.nombre_dispositifs_droit_commun = 1 then '1 dispositif'
            when devenir.nombre_dispositifs_droit_commun = 2 then '2 dispositifs'
            else '3 ou 4 dispositifs'
        end as recours_droit_commun
    from parcours
    inner join devenir on parcours.cle_hachage = devenir.cle_hachage
    left join types_frequents on parcours.type_mesure_principal = types_frequents.type_mesure_principal
)

select * from final
