{#
  Door of the identifying zone for the coded attributes of Iodas-MDPH decisions: one row per
  decisions row, named columns only (no MDPH file number, identity or address); a decision is
  identified by its file and line.
#}
with

decisions as (select * from {{ ref('stg_iodas_mdph__decisions') }}),

final as (
    select
        ---------- attributes
        decisions.sexe,
        decisions.commune_residence,
        decisions.code_prestation,
        decisions.libelle_prestation,
        decisions.type_decision,
        decisions.date_decision,
        decisions.date_debut_droit,
        decisions.date_fin_droit,
        decisions.taux_incapacite,
        ---------- lineage
        decisions._fichier,
        decisions._ligne
    from decisions
)

select * from final
