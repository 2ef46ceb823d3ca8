-- Linkage of each source with the ASE cohort, counts only: what came in, what was matched
-- and how, what was dropped and why (article 4.1 "suppression des données non croisées").
-- One column per row of the seed ref_linkage__methodes that names a report column
-- (colonne_rapport): it counts the rows whose statut_appariement, methode_appariement or
-- motif_non_appariement (by the row's nature) is that code. The columns come from the seed at
-- compile time (macro linkage_report_outcomes), so a new method or reason is one row there.
-- The statuses whose column starts with matched_ add up to matched_total, the others to dropped.
-- rows_in is counted from the keys doors, the rest from the matching decisions, so that the
-- reconciliation rows_in = matched_total + dropped checks that no row is lost or counted twice.
-- depends_on: {{ ref('ref_linkage__methodes') }}
{%- set outcomes = linkage_report_outcomes() %}
{%- set column_of = {
    'statut': 'statut_appariement',
    'methode': 'methode_appariement',
    'motif': 'motif_non_appariement',
} %}
{%- set matched = [] %}
{%- set dropped = [] %}
{%- for outcome in outcomes if outcome[0] == 'statut' %}
    {%- do (matched if outcome[2].startswith('matched_') else dropped).append(outcome[2]) %}
{%- endfor %}
with

lignes as (
    select * from {{ ref('int_crossing__lignes_sources') }}
),

appariements as (
    select * from {{ ref('int_crossing__appariements') }}
),

rows_in as (
    select
        lignes.base_source,
        count(*) as rows_in
    from lignes
    group by lignes.base_source
),

decisions as (
    select
        appariements.base_source,
        count(*) filter (where appariements.motif_sans_cle is not null) as rows_without_primary_key,
        count(*) filter (
            where appariements.statut_appariement = 'sans_cle' and appariements.motif_sans_cle = 'nom_vide'
        ) as without_key_empty_surname,
        count(*) filter (
            where appariements.statut_appariement = 'sans_cle'
            and appariements.motif_sans_cle = 'date_naissance_absente'
        ) as without_key_no_birth_date,
        count(*) filter (
            where appariements.statut_appariement = 'sans_cle'
            and appariements.motif_sans_cle is distinct from 'nom_vide'
            and appariements.motif_sans_cle is distinct from 'date_naissance_absente'
        ) as without_key_other_reason,
        {%- for nature, code, colonne in outcomes %}
            count(*) filter (
                where appariements.{{ column_of[nature] }} = '{{ code }}'
            ) as {{ colonne }},
        {%- endfor %}
        count(*) filter (
            where appariements.motif_non_appariement like 'revue_%'
        ) as ambiguous_probabilistic_review,
        count(distinct appariements.cle_hachage) as cohort_members_matched
    from appariements
    group by appariements.base_source
),

final as (
    select
        rows_in.base_source,
        rows_in.rows_in,
        coalesce(decisions.rows_without_primary_key, 0) as rows_without_primary_key,
        coalesce(decisions.without_key_empty_surname, 0) as without_key_empty_surname,
        coalesce(decisions.without_key_no_birth_date, 0) as without_key_no_birth_date,
        coalesce(decisions.without_key_other_reason, 0) as without_key_other_reason,
        {%- for nature, code, colonne in outcomes %}
            coalesce(decisions.{{ colonne }}, 0) as {{ colonne }},
        {%- endfor %}
        0
        {%- for colonne in matched %}
            + coalesce(decisions.{{ colonne }}, 0)
        {%- endfor %} as matched_total,
        coalesce(decisions.ambiguous_probabilistic_review, 0) as ambiguous_probabilistic_review,
        0
        {%- for colonne in dropped %}
            + coalesce(decisions.{{ colonne }}, 0)
        {%- endfor %} as dropped,
        coalesce(decisions.cohort_members_matched, 0) as cohort_members_matched
    from rows_in
    left join decisions
        on rows_in.base_source = decisions.base_source
),

reconciled as (
    select
        final.*,
        final.rows_in = final.matched_total + final.dropped as counts_reconcile
    from final
)

select * from reconciled
