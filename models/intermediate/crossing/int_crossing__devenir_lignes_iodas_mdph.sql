{#
  What became of every row of Iodas-MDPH decisions (grain: one row per source row, from the
  doors): motif NULL when the row reaches annexe2_iodas_mdph__droit; else sans_cle,
  non_croise or appariement_ambigu (int_crossing__appariements), decision_non_accord (Rejet,
  Sursis: no right granted, the annex sends rights), doublon_identique (a decision of the same
  member with the same values as a row kept: the mart keeps one; the first by file and line,
  the contents being equal).
#}
with

crossed as (
    select
        _fichier,
        _ligne,
        type_decision,
        row_number() over (
            partition by
                cle_hachage,
                code_prestation,
                type_decision,
                date_decision,
                date_debut_droit,
                date_fin_droit,
                commune_residence
            order by _fichier, _ligne
        ) as rang_valeurs
    from {{ ref('int_crossing__iodas_mdph') }}
),

decisions as (
    select
        'iodas_mdph' as base_source,
        'decisions' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when crossed._ligne is null and appariements.statut_appariement = 'sans_cle' then 'sans_cle'
            when crossed._ligne is null and appariements.statut_appariement = 'ambigu' then 'appariement_ambigu'
            when crossed._ligne is null then 'non_croise'
            when coalesce(crossed.type_decision, '') <> 'Accord' then 'decision_non_accord'
            when crossed.rang_valeurs > 1 then 'doublon_identique'
        end as motif
    from {{ ref('int_keys__iodas_mdph__decisions') }} as doors
    left join {{ ref('int_crossing__appariements') }} as appariements
        on
            appariements.base_source = 'iodas_mdph'
            and doors._fichier = appariements._fichier
            and doors._ligne = appariements._ligne
    left join crossed on doors._fichier = crossed._fichier and doors._ligne = crossed._ligne
),

final as (
    select *
    from decisions
)

select * from final
