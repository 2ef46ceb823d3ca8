-- Annex 2, Nova-DPAS, group "rendez-vous": number of appointments per cohort member, sex,
-- relation to the usager, year and status (honoré / non honoré). Cancelled and postponed
-- appointments are not counted (ref_nova_dpas__statuts_rdv).
with

rendez_vous as (
    select * from {{ ref('int_crossing__nova_dpas_rendez_vous') }}
),

statuts as (
    select * from {{ ref('ref_nova_dpas__statuts_rdv') }}
),

liens as (
    select * from {{ ref('ref_nova_dpas__liens') }}
),

counted as (
    select
        rendez_vous.cle_hachage,
        rendez_vous.genre,
        liens.type_lien,
        cast(extract(year from rendez_vous.date_rdv) as integer) as annee_rendez_vous,
        statuts.statut_rendez_vous,
        rendez_vous.id_rdv
    from rendez_vous
    inner join statuts
        on rendez_vous.statut_rdv = statuts.statut_rdv
    inner join liens
        on rendez_vous.lien_usager = liens.lien_usager
    where statuts.statut_rendez_vous is not null
),

final as (
    select
        counted.cle_hachage,
        counted.genre,
        counted.type_lien,
        counted.annee_rendez_vous,
        counted.statut_rendez_vous,
        cast(count(distinct counted.id_rdv) as integer) as nombre_rendez_vous
    from counted
    group by
        counted.cle_hachage,
        counted.genre,
        counted.type_lien,
        counted.annee_rendez_vous,
        counted.statut_rendez_vous
)

select * from final
