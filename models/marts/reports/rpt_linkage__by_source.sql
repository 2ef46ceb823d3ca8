-- Linkage of each source with the ASE cohort, counts only: what came in, what was matched
-- and how (one column per method of int_crossing__appariements, the probabilistic pass
-- included), what was dropped and why
-- (article 4.1 "suppression des données non croisées").
-- rows_in is counted from the keys doors, the rest from the matching decisions, so that the
-- reconciliation rows_in = matched + dropped checks that no row is lost or counted twice.
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
        count(*) filter (where appariements.statut_appariement = 'sans_cle') as rows_without_key,
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
        count(*) filter (where appariements.statut_appariement = 'cle_primaire') as matched_primary,
        count(*) filter (where appariements.statut_appariement = 'cle_interne') as matched_internal,
        count(*) filter (where appariements.statut_appariement = 'cle_secondaire') as matched_secondary,
        count(*) filter (where appariements.statut_appariement = 'probabiliste') as matched_probabilistic,
        count(*) filter (
            where appariements.methode_appariement = 'cle_nom_usage'
        ) as matched_usage_name,
        count(*) filter (
            where appariements.methode_appariement = 'cle_nom_compose'
        ) as matched_compound_surname,
        count(*) filter (
            where appariements.methode_appariement = 'cle_jour_mois_inverses'
        ) as matched_day_month_swapped,
        count(*) filter (
            where appariements.methode_appariement = 'cle_prenom2'
        ) as matched_first_names_swapped,
        count(*) filter (
            where appariements.methode_appariement = 'cle_annee_naissance'
        ) as matched_birth_year,
        count(*) filter (
            where appariements.methode_appariement = 'cle_prenom_date'
        ) as matched_first_name_and_date,
        count(*) filter (
            where appariements.methode_appariement = 'cle_secondaire_prenom_proche'
        ) as matched_secondary_first_name_close,
        count(*) filter (
            where appariements.methode_appariement = 'cle_secondaire_prenom2'
        ) as matched_secondary_second_first_name,
        count(*) filter (
            where appariements.methode_appariement = 'cle_secondaire_sans_prenom'
        ) as matched_secondary_no_first_name,
        count(*) filter (
            where appariements.methode_appariement = 'cle_secondaire_jour_incertain'
        ) as matched_secondary_day_uncertain,
        count(*) filter (
            where appariements.methode_appariement = 'cle_secondaire_jour_proche'
        ) as matched_secondary_day_close,
        count(*) filter (where appariements.statut_appariement = 'ambigu') as ambiguous,
        count(*) filter (
            where appariements.motif_non_appariement = 'plusieurs_membres_cohorte'
        ) as ambiguous_several_cohort_members,
        count(*) filter (
            where appariements.motif_non_appariement = 'plusieurs_personnes_source'
        ) as ambiguous_several_source_persons,
        count(*) filter (where appariements.motif_non_appariement = 'genre_discordant') as ambiguous_sex_disagrees,
        count(*) filter (
            where appariements.motif_non_appariement = 'identite_recurrente'
        ) as ambiguous_recurring_identity,
        count(*) filter (
            where appariements.motif_non_appariement = 'prenom_date_hors_nom_marital'
        ) as ambiguous_first_name_date_not_women,
        count(*) filter (
            where appariements.motif_non_appariement like 'revue_%'
        ) as ambiguous_probabilistic_review,
        count(*) filter (where appariements.statut_appariement = 'non_croise') as unmatched,
        count(*) filter (
            where appariements.motif_non_appariement = 'cle_secondaire_non_confirmee'
        ) as unmatched_secondary_not_confirmed,
        count(distinct appariements.cle_hachage) as cohort_members_matched
    from appariements
    group by appariements.base_source
),

final as (
    select
        rows_in.base_source,
        rows_in.rows_in,
        coalesce(decisions.rows_without_primary_key, 0) as rows_without_primary_key,
        coalesce(decisions.rows_without_key, 0) as rows_without_key,
        coalesce(decisions.without_key_empty_surname, 0) as without_key_empty_surname,
        coalesce(decisions.without_key_no_birth_date, 0) as without_key_no_birth_date,
        coalesce(decisions.without_key_other_reason, 0) as without_key_other_reason,
        coalesce(decisions.matched_primary, 0) as matched_primary,
        coalesce(decisions.matched_internal, 0) as matched_internal,
        coalesce(decisions.matched_secondary, 0) as matched_secondary,
        coalesce(decisions.matched_probabilistic, 0) as matched_probabilistic,
        coalesce(decisions.matched_primary, 0) + coalesce(decisions.matched_internal, 0)
        + coalesce(decisions.matched_secondary, 0) + coalesce(decisions.matched_probabilistic, 0) as matched_total,
        coalesce(decisions.matched_usage_name, 0) as matched_usage_name,
        coalesce(decisions.matched_compound_surname, 0) as matched_compound_surname,
        coalesce(decisions.matched_day_month_swapped, 0) as matched_day_month_swapped,
        coalesce(decisions.matched_first_names_swapped, 0) as matched_first_names_swapped,
        coalesce(decisions.matched_birth_year, 0) as matched_birth_year,
        coalesce(decisions.matched_first_name_and_date, 0) as matched_first_name_and_date,
        coalesce(decisions.matched_secondary_first_name_close, 0) as matched_secondary_first_name_close,
        coalesce(decisions.matched_secondary_second_first_name, 0) as matched_secondary_second_first_name,
        coalesce(decisions.matched_secondary_no_first_name, 0) as matched_secondary_no_first_name,
        coalesce(decisions.matched_secondary_day_uncertain, 0) as matched_secondary_day_uncertain,
        coalesce(decisions.matched_secondary_day_close, 0) as matched_secondary_day_close,
        coalesce(decisions.ambiguous, 0) as ambiguous,
        coalesce(decisions.ambiguous_several_cohort_members, 0) as ambiguous_several_cohort_members,
        coalesce(decisions.ambiguous_several_source_persons, 0) as ambiguous_several_source_persons,
        coalesce(decisions.ambiguous_sex_disagrees, 0) as ambiguous_sex_disagrees,
        coalesce(decisions.ambiguous_recurring_identity, 0) as ambiguous_recurring_identity,
        coalesce(decisions.ambiguous_first_name_date_not_women, 0) as ambiguous_first_name_date_not_women,
        coalesce(decisions.ambiguous_probabilistic_review, 0) as ambiguous_probabilistic_review,
        coalesce(decisions.unmatched, 0) as unmatched,
        coalesce(decisions.unmatched_secondary_not_confirmed, 0) as unmatched_secondary_not_confirmed,
        coalesce(decisions.ambiguous, 0) + coalesce(decisions.unmatched, 0)
        + coalesce(decisions.rows_without_key, 0) as dropped,
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
