{#
  What became of every row of Iodas-DPAS aides (grain: one row per source row, from the
  doors): motif NULL when the row reaches annexe2_iodas_dpas__aide (it is in
  int_crossing__iodas_dpas: matched, and the row kept for its id_demande); else
  doublon_identique / doublon_id_contenu_different (another row is kept for the id_demande),
  sans_cle, non_croise or appariement_ambigu (int_crossing__appariements).
#}
with

kept as (
    select
        _fichier,
        _ligne
    from {{ ref('int_crossing__iodas_dpas') }}
),

aides as (
    select
        'iodas_dpas' as base_source,
        'aides' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when kept._ligne is not null then null
            when attributs.rang_meme_id > 1 and attributs.est_copie_identique then 'doublon_identique'
            when attributs.rang_meme_id > 1 then 'doublon_id_contenu_different'
            when appariements.statut_appariement = 'sans_cle' then 'sans_cle'
            when appariements.statut_appariement = 'ambigu' then 'appariement_ambigu'
            else 'non_croise'
        end as motif
    from {{ ref('int_keys__iodas_dpas__aides') }} as doors
    left join {{ ref('int_keys__iodas_dpas__aides_attributs') }} as attributs
        on doors._fichier = attributs._fichier and doors._ligne = attributs._ligne
    left join {{ ref('int_crossing__appariements') }} as appariements
        on
            appariements.base_source = 'iodas_dpas'
            and doors._fichier = appariements._fichier
            and doors._ligne = appariements._ligne
    left join kept on doors._fichier = kept._fichier and doors._ligne = kept._ligne
),

final as (
    select * from aides
)

select * from final
