-- Nova-DPAS persons crossed with the ASE cohort: one row per personnes row (a person in one
-- household, with their relation to the usager) matched to a cohort member, carrying the
-- cohort's key. Rows that match nobody stop here (counted in rpt_linkage__by_source).
with

appariements as (
    select * from {{ ref('int_crossing__appariements') }}
    where base_source = 'nova_dpas' and cle_hachage is not null
),

lignes as (
    select * from {{ ref('int_crossing__lignes_sources') }}
    where base_source = 'nova_dpas'
),

personnes as (
    select * from {{ ref('int_keys__nova_dpas__personnes_attributs') }}
),

final as (
    select
        ---------- keys
        appariements.cle_hachage,
        appariements.methode_appariement,
        ---------- source ids
        personnes.id_personne,
        personnes.id_foyer,
        ---------- attributes
        lignes.genre,
        personnes.lien_usager,
        ---------- lineage
        appariements._fichier,
        appariements._ligne
    from appariements
    inner join lignes
        on
            appariements._fichier = lignes._fichier
            and appariements._ligne = lignes._ligne
    inner join personnes
        on
            appariements._fichier = personnes._fichier
            and appariements._ligne = personnes._ligne
)

select * from final
