-- One row per ASE youth and partner file, with the youth's study categories: the micro-data of
-- the table repeated per partner (ind__partenaires_presence_par_genre).

with

presence as (
    select
        cle_hachage,
        partenaire,
        present
    from {{ ref('analyse__partenaires_devenir') }}
),

jeunes as (
    select
        cle_hachage,
        champ_etude,
        genre
    from {{ ref('analyse__jeunes') }}
),

final as (
    select
        jeunes.cle_hachage,
        presence.partenaire,
        jeunes.champ_etude,
        jeunes.genre,
        {{ oui_non('presence.present') }} as present
    from presence
    inner join jeunes on presence.cle_hachage = jeunes.cle_hachage
)

select * from final
