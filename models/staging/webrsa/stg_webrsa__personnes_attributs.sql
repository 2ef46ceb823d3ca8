-- Door for coded attributes of stg_webrsa__personnes: named columns only, no identity.
with

personnes as (select * from {{ ref('stg_webrsa__personnes') }}),

final as (
    select
        ---------- ids
        personnes.id,
        personnes.foyer_id,
        ---------- attributes
        personnes.qual,
        personnes.sexe,
        personnes.nati,
        ---------- lineage
        personnes._fichier,
        personnes._ligne
    from personnes
)

select * from final
