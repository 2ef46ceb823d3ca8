{#
  What became of every row of the seven Iodas-ASE tables (grain: one row per source row, from
  the doors, which keep the raw grain): motif NULL when the row's content reaches a leaving
  table, else why it was left. Read by rpt_reconciliation__lignes, which counts it against the
  rows loaded (nothing is dropped without a count).
    individus          kept when the id belongs to a cohort member (int_keys__iodas_ase__cohorte;
                       several ids of one person make one leaving row, all kept); else the
                       cohort status: ne_apres_2004, aucune_mesure_depuis_2000, sans_cle_<reason>
    mesures, placements, informations_preoccupantes, aides_cjm, hors_placement
                       doublon_identique / doublon_id_contenu_different (not the row kept for
                       its id, int_crossing__iodas_ase__<table>); individu_inconnu (no individus
                       row has the id); individu_hors_cohorte; else kept
    detenteurs_autorite_parentale
                       individu_inconnu, individu_hors_cohorte; autre_detenteur (the annex has
                       one holder per individual: one row per cohort member is kept)
#}
{%- set id_tables = ['mesures', 'placements', 'informations_preoccupantes', 'aides_cjm', 'hors_placement'] -%}

with

cohort_ids as (
    select
        id_individu,
        cle_hachage
    from {{ ref('int_cohort__ids_iodas') }}
),

known_ids as (
    select distinct id_individu from {{ ref('int_keys__iodas_ase__individus') }}
),

individus as (
    select
        'iodas_ase' as base_source,
        'individus' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when statuses.est_dans_cohorte then null
            else coalesce(statuses.statut_cohorte, 'sans_statut_cohorte')
        end as motif
    from {{ ref('int_keys__iodas_ase__individus') }} as doors
    left join {{ ref('int_keys__iodas_ase__cohorte') }} as statuses
        on doors.id_individu = statuses.id_individu
),

{% for table_name in id_tables %}
    {{ table_name }} as (
        select
            'iodas_ase' as base_source,
            '{{ table_name }}' as table_source,
            doors._fichier,
            doors._ligne,
            case
                when kept._ligne is null and doors.est_copie_identique then 'doublon_identique'
                when kept._ligne is null then 'doublon_id_contenu_different'
                when cohort_ids.id_individu is not null then null
                when known_ids.id_individu is null then 'individu_inconnu'
                else 'individu_hors_cohorte'
            end as motif
        from {{ ref('int_keys__iodas_ase__' ~ table_name) }} as doors
        left join {{ ref('int_crossing__iodas_ase__' ~ table_name) }} as kept
            on doors._fichier = kept._fichier and doors._ligne = kept._ligne
        left join cohort_ids on doors.id_individu = cohort_ids.id_individu
        left join known_ids on doors.id_individu = known_ids.id_individu
    ),

{% endfor %}
detenteurs_autorite_parentale as (
    select
        'iodas_ase' as base_source,
        'detenteurs_autorite_parentale' as table_source,
        doors._fichier,
        doors._ligne,
        case
            when cohort_ids.cle_hachage is null and known_ids.id_individu is null then 'individu_inconnu'
            when cohort_ids.cle_hachage is null then 'individu_hors_cohorte'
            when
                row_number() over (
                    partition by cohort_ids.cle_hachage order by doors._fichier, doors._ligne
                ) > 1
                then 'autre_detenteur'
        end as motif
    from {{ ref('int_keys__iodas_ase__detenteurs_autorite_parentale') }} as doors
    left join cohort_ids on doors.id_individu = cohort_ids.id_individu
    left join known_ids on doors.id_individu = known_ids.id_individu
),

final as (
    select *
    from individus
    {%- for table_name in id_tables %}
        union all
        select *
        from {{ table_name }}
    {%- endfor %}
    union all
    select *
    from detenteurs_autorite_parentale
)

select * from final
