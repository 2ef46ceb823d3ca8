-- Iodas-MDPH decisions crossed with the ASE cohort: one row per decision row matched to a
-- cohort member, carrying the cohort's key and the decision's coded attributes (raw codes;
-- minimised in the mart). Rows that match nobody stop here (counted in rpt_linkage__by_source).
with

appariements as (
    select * from {{ ref('int_crossing__appariements') }}
    where base_source = 'iodas_mdph' and cle_hachage is not null
),

decisions as (
    select * from {{ ref('int_keys__iodas_mdph__decisions_attributs') }}
),

final as (
    select
        ---------- keys
        appariements.cle_hachage,
        appariements.methode_appariement,
        ---------- dates
        decisions.date_decision,
        decisions.date_debut_droit,
        decisions.date_fin_droit,
        ---------- attributes
        decisions.commune_residence,
        decisions.code_prestation,
        decisions.type_decision,
        ---------- lineage
        appariements._fichier,
        appariements._ligne
    from appariements
    inner join decisions
        on
            appariements._fichier = decisions._fichier
            and appariements._ligne = decisions._ligne
)

select * from final
