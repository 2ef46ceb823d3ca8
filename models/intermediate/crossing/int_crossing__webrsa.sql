-- WebRSA persons crossed with the ASE cohort: one row per personnes row matched to a cohort
-- member, carrying the cohort's key. Rows that match nobody stop here (counted in
-- rpt_linkage__by_source).
with

appariements as (
    select * from {{ ref('int_crossing__appariements') }}
    where base_source = 'webrsa' and cle_hachage is not null
),

lignes as (
    select * from {{ ref('int_crossing__lignes_sources') }}
    where base_source = 'webrsa'
),

personnes as (
    select * from {{ ref('int_keys__webrsa__personnes_attributs') }}
),

final as (
    select
        ---------- keys
        appariements.cle_hachage,
        appariements.methode_appariement,
        ---------- source ids
        personnes.id as personne_id,
        personnes.foyer_id,
        ---------- attributes
        lignes.genre,
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
