{#
  What became of every row of the WebRSA tables read by the crossing (grain: one row per
  source row, from the doors): motif NULL when the row's content reaches
  annexe2_webrsa__allocataire, i.e. when the row is in the lignes_utilisees of a row of
  int_crossing__webrsa_allocataires (the model that picks them says so itself); else why not.
    personnes      sans_cle, non_croise, appariement_ambigu (int_crossing__appariements);
                   demande_rsa_anterieure (matched, demandeur or conjoint of an older RSA
                   demand than the one kept); non_allocataire_rsa (matched, never demandeur
                   or conjoint of RSA). A child counted for a kept foyer is kept.
    prestations    prestation_hors_rsa, role_non_transmis (AUT, RDO), enfant_non_a_charge
                   (topchapers false), personne_non_retenue
    foyers, dossiers        foyer_non_retenu, dossier_non_retenu
    situationsdossiersrsa   version_anterieure (another row of a kept dossier), dossier_non_retenu
    adresses       adresse_non_actuelle (rgadr other than 01), version_anterieure, foyer_non_retenu
    dsps, historiqueetatspe version_anterieure, personne_non_retenue
    orientsstructs orientation_non_effective (not 'Orienté'), version_anterieure, personne_non_retenue
    cers93_sujets  sujet_deja_compte (the person's subject is listed once), personne_non_retenue
  detailsdroitsrsa is read by no model: rpt_reconciliation__lignes counts all its rows as
  table_non_transmise.
#}
with

allocataires as (
    select * from {{ ref('int_crossing__webrsa_allocataires') }}
),

used as (
    select distinct
        lignes.ligne.table_source,
        lignes.ligne._fichier,
        lignes.ligne._ligne
    from (
        select unnest(allocataires.lignes_utilisees) as ligne
        from allocataires
    ) as lignes
),

kept_persons as (
    select distinct personne_id from allocataires
),

kept_foyers as (
    select distinct foyer_id from allocataires
),

kept_dossiers as (
    select distinct dossier_id from allocataires
    where dossier_id is not null
),

rsa_applicants as (
    select distinct personne_id from {{ ref('int_keys__webrsa__prestations') }}
    where natprest = 'RSA' and rolepers in ('DEM', 'CJT')
),

personnes as (
    select
        'webrsa' as base_source,
        'personnes' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when used._ligne is not null then null
            when appariements.statut_appariement = 'sans_cle' then 'sans_cle'
            when appariements.statut_appariement = 'ambigu' then 'appariement_ambigu'
            when appariements.cle_hachage is null then 'non_croise'
            when rsa_applicants.personne_id is not null then 'demande_rsa_anterieure'
            else 'non_allocataire_rsa'
        end as motif
    from {{ ref('int_keys__webrsa__personnes') }} as doors
    left join {{ ref('int_crossing__appariements') }} as appariements
        on
            appariements.base_source = 'webrsa'
            and doors._fichier = appariements._fichier
            and doors._ligne = appariements._ligne
    left join rsa_applicants on doors.id = rsa_applicants.personne_id
    left join used
        on used.table_source = 'personnes' and doors._fichier = used._fichier and doors._ligne = used._ligne
),

prestations as (
    select
        'webrsa' as base_source,
        'prestations' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when used._ligne is not null then null
            when coalesce(doors.natprest, '') <> 'RSA' then 'prestation_hors_rsa'
            when doors.rolepers not in ('DEM', 'CJT', 'ENF') or doors.rolepers is null then 'role_non_transmis'
            when doors.rolepers = 'ENF' and doors.topchapers = false then 'enfant_non_a_charge'
            else 'personne_non_retenue'
        end as motif
    from {{ ref('int_keys__webrsa__prestations') }} as doors
    left join used
        on used.table_source = 'prestations' and doors._fichier = used._fichier and doors._ligne = used._ligne
),

foyers as (
    select
        'webrsa' as base_source,
        'foyers' as table_source,
        doors._fichier,
        doors._ligne,
        case when used._ligne is null then 'foyer_non_retenu' end as motif
    from {{ ref('int_keys__webrsa__foyers') }} as doors
    left join used
        on used.table_source = 'foyers' and doors._fichier = used._fichier and doors._ligne = used._ligne
),

dossiers as (
    select
        'webrsa' as base_source,
        'dossiers' as table_source,
        doors._fichier,
        doors._ligne,
        case when used._ligne is null then 'dossier_non_retenu' end as motif
    from {{ ref('int_keys__webrsa__dossiers_attributs') }} as doors
    left join used
        on used.table_source = 'dossiers' and doors._fichier = used._fichier and doors._ligne = used._ligne
),

situationsdossiersrsa as (
    select
        'webrsa' as base_source,
        'situationsdossiersrsa' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when used._ligne is not null then null
            when kept_dossiers.dossier_id is not null then 'version_anterieure'
            else 'dossier_non_retenu'
        end as motif
    from {{ ref('int_keys__webrsa__situationsdossiersrsa') }} as doors
    left join kept_dossiers on doors.dossier_id = kept_dossiers.dossier_id
    left join used
        on
            used.table_source = 'situationsdossiersrsa'
            and doors._fichier = used._fichier
            and doors._ligne = used._ligne
),

adresses as (
    select
        'webrsa' as base_source,
        'adresses' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when used._ligne is not null then null
            when kept_foyers.foyer_id is null then 'foyer_non_retenu'
            when coalesce(doors.rgadr, '') <> '01' then 'adresse_non_actuelle'
            else 'version_anterieure'
        end as motif
    from {{ ref('int_keys__webrsa__adresses_attributs') }} as doors
    left join kept_foyers on doors.foyer_id = kept_foyers.foyer_id
    left join used
        on used.table_source = 'adresses' and doors._fichier = used._fichier and doors._ligne = used._ligne
),

dsps as (
    select
        'webrsa' as base_source,
        'dsps' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when used._ligne is not null then null
            when kept_persons.personne_id is null then 'personne_non_retenue'
            else 'version_anterieure'
        end as motif
    from {{ ref('int_keys__webrsa__dsps_attributs') }} as doors
    left join kept_persons on doors.personne_id = kept_persons.personne_id
    left join used
        on
            used.table_source = 'dsps'
            and doors._fichier = used._fichier
            and doors._ligne = used._ligne
),

historiqueetatspe as (
    select
        'webrsa' as base_source,
        'historiqueetatspe' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when used._ligne is not null then null
            when kept_persons.personne_id is null then 'personne_non_retenue'
            else 'version_anterieure'
        end as motif
    from {{ ref('int_keys__webrsa__historiqueetatspe') }} as doors
    left join kept_persons on doors.personne_id = kept_persons.personne_id
    left join used
        on
            used.table_source = 'historiqueetatspe'
            and doors._fichier = used._fichier
            and doors._ligne = used._ligne
),

orientsstructs as (
    select
        'webrsa' as base_source,
        'orientsstructs' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when used._ligne is not null then null
            when kept_persons.personne_id is null then 'personne_non_retenue'
            when coalesce(doors.statut_orient, '') <> 'Orienté' then 'orientation_non_effective'
            else 'version_anterieure'
        end as motif
    from {{ ref('int_keys__webrsa__orientsstructs') }} as doors
    left join kept_persons on doors.personne_id = kept_persons.personne_id
    left join used
        on
            used.table_source = 'orientsstructs'
            and doors._fichier = used._fichier
            and doors._ligne = used._ligne
),

cers93_sujets as (
    select
        'webrsa' as base_source,
        'cers93_sujets' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when used._ligne is not null then null
            when kept_persons.personne_id is null then 'personne_non_retenue'
            else 'sujet_deja_compte'
        end as motif
    from {{ ref('int_keys__webrsa__cers93_sujets') }} as doors
    left join kept_persons on doors.personne_id = kept_persons.personne_id
    left join used
        on
            used.table_source = 'cers93_sujets'
            and doors._fichier = used._fichier
            and doors._ligne = used._ligne
),

final as (
    select *
    from personnes
    union all
    select *
    from prestations
    union all
    select *
    from foyers
    union all
    select *
    from dossiers
    union all
    select *
    from situationsdossiersrsa
    union all
    select *
    from adresses
    union all
    select *
    from dsps
    union all
    select *
    from historiqueetatspe
    union all
    select *
    from orientsstructs
    union all
    select *
    from cers93_sujets
)

select * from final
