-- Door for coded attributes of stg_nova_dpas__personnes: named columns only, no identity.
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
