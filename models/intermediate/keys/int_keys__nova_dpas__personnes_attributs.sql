{#
  Door of the identifying zone for the coded attributes of Nova-DPAS persons: one row per
  personnes row, named columns only (ids, sex, relation to the usager; no identity).
#}
with

personnes as (select * from {{ ref('stg_nova_dpas__personnes') }}),

final as (
    select
        ---------- ids
        personnes.id_personne,
        personnes.id_foyer,
        ---------- attributes
        personnes.sexe,
        personnes.lien_usager,
        ---------- lineage
        personnes._fichier,
        personnes._ligne
    from personnes
)

select * from final
