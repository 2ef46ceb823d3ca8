{#
  Door of the identifying zone for the coded attributes of WebRSA persons: one row per
  personnes row, named columns only (ids, civilité, sex and nationality codes; no identity).
#}
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
