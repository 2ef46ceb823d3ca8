-- Article 4.1 "Croisement de l'extraction Iodas-ASE avec les autres extractions ; suppression des
-- données non croisées": one decision per source row. Primary key first; else the secondary key
-- (annex 1 §3.2: a typo in the first name or the day of birth) when it designates exactly one
-- cohort member and exactly one person of the source, both of the same known sex. Never a guess.
with

lignes as (
    select * from {{ ref('int_crossing__lignes_sources') }}
),

cohorte as (
    select * from {{ ref('int_cohort__jeunes_ase') }}
),

matched_primary as (
    select
        lignes.base_source,
        lignes._fichier,
        lignes._ligne,
        cohorte.cle_hachage
    from lignes
    inner join cohorte
        on lignes.cle_hachage = cohorte.cle_hachage
),

-- cohort side: how many members share a secondary key (twins do)
cohort_members_by_secondary_key as (
    select
        cohorte.cle_hachage_secondaire,
        count(*) as nombre_membres,
        min(cohorte.cle_hachage) as cle_hachage,
        min(cohorte.genre) as genre
    from cohorte
    where cohorte.cle_hachage_secondaire is not null
    group by cohorte.cle_hachage_secondaire
),

-- source side: how many distinct persons share a secondary key in the same source; rows of one
-- person carry one primary key, a row without a primary key counts as a person of its own
source_persons_by_secondary_key as (
    select
        lignes.base_source,
        lignes.cle_hachage_secondaire,
        count(
            distinct coalesce(lignes.cle_hachage, lignes._fichier || ':' || cast(lignes._ligne as varchar))
        ) as nombre_personnes
    from lignes
    where lignes.cle_hachage_secondaire is not null
    group by lignes.base_source, lignes.cle_hachage_secondaire
),

secondary_candidates as (
    select
        lignes.base_source,
        lignes._fichier,
        lignes._ligne,
        members.cle_hachage as cle_hachage_membre,
        case
            when members.nombre_membres is null then 'non_croise'
            when members.nombre_membres > 1 then 'ambigu'
            when persons.nombre_personnes > 1 then 'ambigu'
            when lignes.genre is null or members.genre is null then 'ambigu'
            when lignes.genre <> members.genre then 'ambigu'
            else 'cle_secondaire'
        end as statut_appariement,
        case
            when members.nombre_membres is null then 'aucun_membre_cohorte'
            when members.nombre_membres > 1 then 'plusieurs_membres_cohorte'
            when persons.nombre_personnes > 1 then 'plusieurs_personnes_source'
            when lignes.genre is null or members.genre is null then 'genre_inconnu'
            when lignes.genre <> members.genre then 'genre_discordant'
        end as motif_non_appariement
    from lignes
    left join cohort_members_by_secondary_key as members
        on lignes.cle_hachage_secondaire = members.cle_hachage_secondaire
    left join source_persons_by_secondary_key as persons
        on
            lignes.base_source = persons.base_source
            and lignes.cle_hachage_secondaire = persons.cle_hachage_secondaire
    where lignes.cle_hachage_secondaire is not null
),

final as (
    select
        lignes.base_source,
        lignes._fichier,
        lignes._ligne,
        lignes.motif_sans_cle,
        case
            when matched_primary.cle_hachage is not null then 'cle_primaire'
            when lignes.cle_hachage is null and lignes.cle_hachage_secondaire is null then 'sans_cle'
            when secondary_candidates.statut_appariement is not null
                then secondary_candidates.statut_appariement
            else 'non_croise'
        end as statut_appariement,
        case
            when matched_primary.cle_hachage is not null then 'cle_primaire'
            when secondary_candidates.statut_appariement = 'cle_secondaire' then 'cle_secondaire'
        end as methode_appariement,
        case
            when matched_primary.cle_hachage is not null then null
            when lignes.cle_hachage is null and lignes.cle_hachage_secondaire is null then null
            when secondary_candidates.statut_appariement is not null
                then secondary_candidates.motif_non_appariement
            else 'aucun_membre_cohorte'
        end as motif_non_appariement,
        case
            when matched_primary.cle_hachage is not null then matched_primary.cle_hachage
            when secondary_candidates.statut_appariement = 'cle_secondaire'
                then secondary_candidates.cle_hachage_membre
        end as cle_hachage
    from lignes
    left join matched_primary
        on
            lignes.base_source = matched_primary.base_source
            and lignes._fichier = matched_primary._fichier
            and lignes._ligne = matched_primary._ligne
    left join secondary_candidates
        on
            lignes.base_source = secondary_candidates.base_source
            and lignes._fichier = secondary_candidates._fichier
            and lignes._ligne = secondary_candidates._ligne
)

select * from final
