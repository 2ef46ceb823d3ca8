{#
  What became of every row of the two Nova-DPAS tables (grain: one row per source row, from
  the doors): motif NULL when the row's content reaches annexe2_nova_dpas__rendez_vous.
    personnes    sans_cle, non_croise, appariement_ambigu (int_crossing__appariements);
                 aucun_rendez_vous_compte (matched, but no counted appointment concerns them)
    rendez_vous  doublon_identique / doublon_id_contenu_different (not the row kept for its
                 id_rdv); personne_non_croisee (booked for nobody of the cohort, nor for the
                 usager of a member's household); statut_inconnu (status not in
                 ref_nova_dpas__statuts_rdv); statut_non_compte (cancelled or postponed: the
                 annex counts honoured and missed appointments); lien_inconnu (the member's
                 relation is not in ref_nova_dpas__liens)
  The mart's filters (the two seed joins and "statut_rendez_vous is not null") are repeated here
  to name the reason; rpt_reconciliation__sorties cross-checks the other sources.
#}
with

concerned as (
    select * from {{ ref('int_crossing__nova_dpas_rendez_vous') }}
),

statuts as (
    select * from {{ ref('ref_nova_dpas__statuts_rdv') }}
),

liens as (
    select * from {{ ref('ref_nova_dpas__liens') }}
),

-- the appointments and member rows that annexe2_nova_dpas__rendez_vous counts
counted as (
    select
        concerned.id_rdv,
        concerned._fichier,
        concerned._ligne
    from concerned
    inner join statuts on concerned.statut_rdv = statuts.statut_rdv
    inner join liens on concerned.lien_usager = liens.lien_usager
    where statuts.statut_rendez_vous is not null
),

counted_ids as (
    select distinct id_rdv from counted
),

counted_member_rows as (
    select distinct
        _fichier,
        _ligne
    from counted
),

concerned_ids as (
    select distinct id_rdv from concerned
),

personnes as (
    select
        'nova_dpas' as base_source,
        'personnes' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when counted_member_rows._ligne is not null then null
            when appariements.statut_appariement = 'sans_cle' then 'sans_cle'
            when appariements.statut_appariement = 'ambigu' then 'appariement_ambigu'
            when appariements.cle_hachage is null then 'non_croise'
            else 'aucun_rendez_vous_compte'
        end as motif
    from {{ ref('int_keys__nova_dpas__personnes') }} as doors
    left join {{ ref('int_crossing__appariements') }} as appariements
        on
            appariements.base_source = 'nova_dpas'
            and doors._fichier = appariements._fichier
            and doors._ligne = appariements._ligne
    left join counted_member_rows
        on doors._fichier = counted_member_rows._fichier and doors._ligne = counted_member_rows._ligne
),

rendez_vous as (
    select
        'nova_dpas' as base_source,
        'rendez_vous' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when doors.rang_meme_id > 1 and doors.est_copie_identique then 'doublon_identique'
            when doors.rang_meme_id > 1 then 'doublon_id_contenu_different'
            when counted_ids.id_rdv is not null then null
            when concerned_ids.id_rdv is null then 'personne_non_croisee'
            when statuts.statut_rdv is null then 'statut_inconnu'
            when statuts.statut_rendez_vous is null then 'statut_non_compte'
            else 'lien_inconnu'
        end as motif
    from {{ ref('int_keys__nova_dpas__rendez_vous') }} as doors
    left join counted_ids on doors.id_rdv = counted_ids.id_rdv
    left join concerned_ids on doors.id_rdv = concerned_ids.id_rdv
    left join statuts on doors.statut_rdv = statuts.statut_rdv
),

final as (
    select *
    from personnes
    union all
    select *
    from rendez_vous
)

select * from final
