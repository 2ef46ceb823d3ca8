-- One row per ASE youth and partner file: whether the youth appears in the partner's file
-- (linked rows), by which key, and how many rows. Youths absent from a file have a row with
-- present = false, so that a partner's outcome is a share of the whole cohort.

with

lignes as (
    select
        partenaire,
        cle_hachage,
        methode_lien
    from {{ ref('analyse__partenaires_lien') }}
),

partenaires as (
    select distinct partenaire from lignes
),

liees as (
    select
        partenaire,
        cle_hachage,
        count(*) as nombre_lignes,
        bool_or(methode_lien = 'cle_hachage') as lie_par_cle_primaire
    from lignes
    where cle_hachage is not null
    group by partenaire, cle_hachage
),

final as (
    select
        jeunes.cle_hachage,
        partenaires.partenaire,
        liees.cle_hachage is not null as present,
        coalesce(liees.nombre_lignes, 0) as nombre_lignes,
        case
            when liees.lie_par_cle_primaire then 'cle_hachage'
            when liees.cle_hachage is not null then 'cle_hachage_secondaire_unique'
        end as methode_lien
    from {{ source('annexe2', 'annexe2_iodas_ase__individu') }} as jeunes
    cross join partenaires
    left join liees
        on partenaires.partenaire = liees.partenaire and jeunes.cle_hachage = liees.cle_hachage
)

select * from final
