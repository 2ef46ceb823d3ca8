-- Anonymous aggregate (convention article 2: "mobilisation des aides et dispositifs de droit
-- commun"): per sex and MNA status, how many former ASE youths appear in each other source.
-- Counts below var('seuil_secret_statistique') are suppressed (NULL), never published.
{% set seuil = var('seuil_secret_statistique') %}

with

jeunes as (
    select
        cle_hachage,
        genre,
        statut_mna
    from {{ source('annexe2', 'annexe2_iodas_ase__individu') }}
),

recours as (
    select
        jeunes.genre,
        jeunes.statut_mna,
        jeunes.cle_hachage,
        exists (
            select 1 from {{ source('annexe2', 'annexe2_webrsa__allocataire') }} as rsa
            where rsa.cle_hachage = jeunes.cle_hachage
        ) as a_rsa,
        exists (
            select 1 from {{ source('annexe2', 'annexe2_iodas_dpas__aide') }} as aide
            where aide.cle_hachage = jeunes.cle_hachage
        ) as a_aide_financiere,
        exists (
            select 1 from {{ source('annexe2', 'annexe2_iodas_mdph__droit') }} as droit
            where droit.cle_hachage = jeunes.cle_hachage
        ) as a_droit_mdph,
        exists (
            select 1 from {{ source('annexe2', 'annexe2_nova_dpas__rendez_vous') }} as rdv
            where rdv.cle_hachage = jeunes.cle_hachage
        ) as a_rendez_vous_service_social
    from jeunes
),

comptes as (
    select
        genre,
        statut_mna,
        count(*) as nombre_jeunes,
        count(*) filter (where a_rsa) as nombre_avec_rsa,
        count(*) filter (where a_aide_financiere) as nombre_avec_aide_financiere,
        count(*) filter (where a_droit_mdph) as nombre_avec_droit_mdph,
        count(*) filter (where a_rendez_vous_service_social) as nombre_avec_rendez_vous
    from recours
    group by genre, statut_mna
),

final as (
    select
        genre,
        statut_mna,
        {% for colonne in ['nombre_jeunes', 'nombre_avec_rsa', 'nombre_avec_aide_financiere',
                           'nombre_avec_droit_mdph', 'nombre_avec_rendez_vous'] %}
        case when {{ colonne }} >= {{ seuil }} then {{ colonne }} end as {{ colonne }}{{ ',' if not loop.last }}
        {% endfor %}
    from comptes
)

select * from final
