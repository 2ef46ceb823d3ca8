-- Article 4.1 "Croisement de l'extraction Iodas-ASE avec les autres extractions ; suppression des
-- données non croisées": one decision per source row, in three steps, never a guess.
--   1. primary key (annex 1): the row's clé de hachage is a cohort member's;
--   2. internal matching keys (int_keys__cles_appariement_internes, computed in the identifying
--      zone, never leaving the crossing zone): the same identity under a known recording error
--      (usage name, compound surname cut, day and month swapped, first names swapped, a date
--      known only to the year, a married name without birth name); matched when the row's
--      variants designate exactly one cohort member and the sexes do not disagree (year key:
--      the row's identity does not recur; first name + date key: a woman (the row F or of unknown
--      sex), and no other member
--      bears the row's own surname and birth date);
--   3. secondary key (annex 1, "une coquille dans le prénom de l'individu ou dans son jour de
--      naissance") confirmed by the comparison made in the identifying zone
--      (int_keys__comparaisons_candidats): matched when exactly one candidate is confirmed and
--      no other candidate is even plausible, the sexes do not disagree, no other person of
--      the source is confirmed for the same member, and, for a day 1 to 3 apart, the communes
--      known on both sides share one (int_crossing__communes_identites; else
--      commune_discordante: a namesake born the same month is as likely as a day typo).
--   4. probabilistic: a row that steps 1-3 leave without a member (non_croise, sans_cle), or
--      that step 2's keys leave between several members (plusieurs_membres_cohorte: the pass
--      weighs all the evidence, and its own rules send close members to review), takes the
--      best member of the Splink pass
--      (int_keys__liens_probabilistes) when its match weight reaches the threshold
--      (var pipase_seuil_probabiliste, set from the synthetic truth for precision >= 99.9 %),
--      the weight with the commune's log2 Bayes factor added (agreement or disagreement with
--      the member's communes, m and u estimated on this extraction: see commune_weights),
--      the second-best member is far enough behind on the identities and with the communes
--      (var pipase_ecart_probabiliste), the sexes
--      do not disagree and the best is not one of two same-day twins told apart by a first name
--      that is not exact; a row above the review threshold (var pipase_seuil_revue_probabiliste)
--      that fails one of these goes to review (statut ambigu, motif revue_*), never a link.
--   5. an agent's decision on a pair sent to review (cle_candidat_revue: the pass's best member
--      of a revue_* row, or the one candidate step 3 refused for its communes, sexes, a
--      recurring identity or a second person of the source; cle_second_candidat_revue: beside
--      the pass's best, its second member when that one reaches the review threshold too and
--      the motif is revue_candidats_proches or revue_date_eloignee;
--      pipase revue --decisions, read through int_keys__decisions_revue): 'lier' on one member
--      under review links the row to it (methode revue_agent; 'lier' on both links nothing),
--      'rejeter' on every member under review leaves it non_croise (motif
--      rejete_revue_agent); a decision on another member than those under review now does not
--      apply.
-- Every other row is dropped and counted with its reason (rpt_linkage__by_source).
with

lignes as (
    select * from {{ ref('int_crossing__lignes_sources') }}
),

cohorte as (
    select * from {{ ref('int_cohort__jeunes_ase') }}
),

cles_internes as (
    select * from {{ ref('int_keys__cles_appariement_internes') }}
),

comparaisons as (
    select * from {{ ref('int_keys__comparaisons_candidats') }}
),

liens_probabilistes as (
    select * from {{ ref('int_keys__liens_probabilistes') }}
),

decisions_revue as (
    select * from {{ ref('int_keys__decisions_revue') }}
    where decision is not null
),

communes_identites as (
    select * from {{ ref('int_crossing__communes_identites') }}
),

row_communes as (
    select
        base_source,
        _fichier,
        _ligne,
        communes
    from communes_identites
    where base_source <> 'iodas_ase'
),

member_communes as (
    select
        cle_hachage,
        communes
    from communes_identites
    where base_source = 'iodas_ase'
),

ase_rows as (
    select
        doors._fichier,
        doors._ligne,
        ids.cle_hachage
    from {{ ref('int_keys__iodas_ase__individus') }} as doors
    inner join {{ ref('int_cohort__ids_iodas') }} as ids
        on doors.id_individu = ids.id_individu
),

-- which variant of a source row may meet which variant of a cohort member, and the method
-- recorded; rang orders the methods when one member is reached several ways
variant_rules as (
    select
        variant_rule.type_source,
        variant_rule.type_cohorte,
        variant_rule.methode_appariement,
        variant_rule.rang
    from (
        values
        ('autre_nom', 'principale', 'cle_nom_usage', 1),
        ('principale', 'autre_nom', 'cle_nom_usage', 1),
        ('autre_nom', 'autre_nom', 'cle_nom_usage', 1),
        ('jour_mois_inverses', 'principale', 'cle_jour_mois_inverses', 2),
        ('prenom2', 'principale', 'cle_prenom2', 3),
        ('partie_nom', 'principale', 'cle_nom_compose', 4),
        ('principale', 'partie_nom', 'cle_nom_compose', 4),
        ('annee', 'annee_incertaine', 'cle_annee_naissance', 5),
        ('annee_incertaine', 'annee', 'cle_annee_naissance', 5),
        ('prenom_date_nom_usage_seul', 'prenom_date', 'cle_prenom_date', 6)
    ) as variant_rule (type_source, type_cohorte, methode_appariement, rang)
),

matched_primary as (
    select
        lignes.base_source,
        lignes._fichier,
        lignes._ligne,
        cohorte.cle_hachage
    from lignes
    inner join cohorte
        on lignes.cle_hachage = cohorte.cle_hachage
),

---------- the commune as evidence (steps 3 and 4), estimated on this extraction
-- m, per source: the share of the rows matched by their primary key (the same person, certain)
--    whose communes share one with the member's, both known (Laplace: (agree + 1) / (n + 2),
--    never 0 nor 1);
-- u, per source row: the chance that a member drawn at random shares one of the row's
--    communes, the sum of their shares among the members' (a term-frequency adjustment:
--    sharing a large commune, Paris or Saint-Denis, weighs less than sharing a small one);
-- weights (log2 Bayes factors, added to the pass's match weight): agreement log2(m / u),
-- disagreement log2((1 - m) / (1 - u)); none when a side has no commune, or when m <= u (the
-- commune then tells nothing)
commune_agreement_of_primary as (
    select
        matched_primary.base_source,
        (
            count(*) filter (where list_has_any(row_communes.communes, member_communes.communes)) + 1
        ) / (count(*) + 2) as m_commune
    from matched_primary
    inner join row_communes
        on
            matched_primary.base_source = row_communes.base_source
            and matched_primary._fichier = row_communes._fichier
            and matched_primary._ligne = row_communes._ligne
    inner join member_communes
        on matched_primary.cle_hachage = member_communes.cle_hachage
    group by matched_primary.base_source
),

member_commune_shares as (
    select
        code_insee,
        count(*) / (select count(*) from member_communes) as part_membres
    from (select unnest(communes) as code_insee from member_communes) as unnested
    group by code_insee
),

commune_weights as (
    select
        chance.base_source,
        chance._fichier,
        chance._ligne,
        -- u = 0: no member lives in the row's communes, an agreement cannot happen
        case when chance.u_commune > 0 then log2(agreement.m_commune / chance.u_commune) end as poids_accord,
        log2((1 - agreement.m_commune) / (1 - chance.u_commune)) as poids_desaccord
    from (
        select
            row_communes.base_source,
            row_communes._fichier,
            row_communes._ligne,
            least(coalesce(sum(member_commune_shares.part_membres), 0), 1) as u_commune
        from row_communes
        cross join unnest(row_communes.communes) as row_commune (code_insee)
        left join member_commune_shares
            on row_commune.code_insee = member_commune_shares.code_insee
        group by row_communes.base_source, row_communes._fichier, row_communes._ligne
    ) as chance
    inner join commune_agreement_of_primary as agreement
        on chance.base_source = agreement.base_source
    where agreement.m_commune > chance.u_commune
),

---------- step 2: internal matching keys

-- how many rows of the four sources carry each primary key: a variant identity that recurs is
-- a person of its own, not a one-off keying error
identity_rows as (
    select
        lignes.cle_hachage,
        count(*) as nombre_lignes
    from lignes
    where lignes.cle_hachage is not null
    group by lignes.cle_hachage
),

source_variants as (
    select
        cles_internes.base_source,
        cles_internes._fichier,
        cles_internes._ligne,
        cles_internes.type_cle,
        cles_internes.cle_appariement
    from cles_internes
    where cles_internes.base_source <> 'iodas_ase'
    union all
    select
        lignes.base_source,
        lignes._fichier,
        lignes._ligne,
        'principale' as type_cle,
        lignes.cle_hachage as cle_appariement
    from lignes
    where lignes.cle_hachage is not null
),

cohort_variants as (
    select distinct
        ase_rows.cle_hachage,
        cles_internes.type_cle,
        cles_internes.cle_appariement
    from cles_internes
    inner join ase_rows
        on
            cles_internes._fichier = ase_rows._fichier
            and cles_internes._ligne = ase_rows._ligne
    where cles_internes.base_source = 'iodas_ase'
    union
    select
        cohorte.cle_hachage,
        'principale' as type_cle,
        cohorte.cle_hachage as cle_appariement
    from cohorte
),

internal_hits as (
    select
        source_variants.base_source,
        source_variants._fichier,
        source_variants._ligne,
        cohort_variants.cle_hachage,
        arg_min(variant_rules.methode_appariement, variant_rules.rang) as methode_appariement
    from source_variants
    inner join variant_rules
        on source_variants.type_cle = variant_rules.type_source
    inner join cohort_variants
        on
            source_variants.cle_appariement = cohort_variants.cle_appariement
            and variant_rules.type_cohorte = cohort_variants.type_cle
    group by all
),

-- the members bearing a row's own surname and birth date (secondary-key candidates born the
-- same day): the first and the last key, enough to tell whether one differs from a given member
same_surname_and_date as (
    select
        base_source,
        _fichier,
        _ligne,
        min(cle_hachage) as premier_membre,
        max(cle_hachage) as dernier_membre
    from comparaisons
    where jour_identique
    group by base_source, _fichier, _ligne
),

-- the two internal keys that drop a part of the identity need more:
--   cle_annee_naissance (no day nor month): the row's full identity must not recur on another
--     row (a namesake recorded with a stable full date is a person; see identity_rows);
--   cle_prenom_date (no surname in common): a married name, so the member is F and the row F or
--     of unknown sex (its first name is the member's)
internal_hits_judged as (
    select
        internal_hits.*,
        case
            when
                internal_hits.methode_appariement = 'cle_annee_naissance'
                and coalesce(identity_rows.nombre_lignes, 1) > 1
                then 'identite_recurrente'
            when
                internal_hits.methode_appariement = 'cle_prenom_date'
                and (coalesce(lignes.genre <> 'F', false) or cohorte.genre is distinct from 'F')
                then 'prenom_date_hors_nom_marital'
            -- another member bears the row's own surname and birth date: the row's surname is
            -- no married name, and the first name + date member is a namesake (step 4 weighs)
            when
                internal_hits.methode_appariement = 'cle_prenom_date'
                and (
                    same_surname_and_date.premier_membre <> internal_hits.cle_hachage
                    or same_surname_and_date.dernier_membre <> internal_hits.cle_hachage
                )
                then 'prenom_date_nom_contredit'
            when lignes.genre <> cohorte.genre then 'genre_discordant'
        end as motif_refus
    from internal_hits
    inner join lignes
        on
            internal_hits.base_source = lignes.base_source
            and internal_hits._fichier = lignes._fichier
            and internal_hits._ligne = lignes._ligne
    inner join cohorte
        on internal_hits.cle_hachage = cohorte.cle_hachage
    left join identity_rows
        on lignes.cle_hachage = identity_rows.cle_hachage
    left join same_surname_and_date
        on
            internal_hits.base_source = same_surname_and_date.base_source
            and internal_hits._fichier = same_surname_and_date._fichier
            and internal_hits._ligne = same_surname_and_date._ligne
),

matched_internal as (
    select
        base_source,
        _fichier,
        _ligne,
        count(*) filter (where motif_refus is null) as nombre_membres,
        min(cle_hachage) filter (where motif_refus is null) as cle_hachage,
        min(methode_appariement) filter (where motif_refus is null) as methode_appariement,
        min(motif_refus) as motif_refus
    from internal_hits_judged
    group by base_source, _fichier, _ligne
),

---------- step 3: secondary key confirmed by the comparison

weighed as (
    select
        comparaisons.base_source,
        comparaisons._fichier,
        comparaisons._ligne,
        comparaisons.cle_hachage,
        case
            when comparaisons.jour_identique and comparaisons.distance_prenom = 1
                then 'cle_secondaire_prenom_proche'
            when comparaisons.jour_identique and comparaisons.prenom2_identique
                then 'cle_secondaire_prenom2'
            when comparaisons.jour_identique and comparaisons.prenom_absent
                then 'cle_secondaire_sans_prenom'
            when comparaisons.prenom_identique and comparaisons.jour_incertain
                then 'cle_secondaire_jour_incertain'
            when comparaisons.prenom_identique and comparaisons.ecart_jours <= 3
                then 'cle_secondaire_jour_proche'
        end as methode_appariement,
        -- a candidate that another person could not be told apart from
        comparaisons.prenom_identique
        or comparaisons.prenom2_identique
        or comparaisons.prenom_absent
        or comparaisons.distance_prenom <= 2 as est_plausible,
        coalesce(lignes.genre <> cohorte.genre, false) as genre_discordant,
        coalesce(identity_rows.nombre_lignes, 1) > 1 as identite_recurrente,
        -- both sides know communes, none in common, in a source where the commune tells
        -- (commune_weights)
        commune_weights.base_source is not null
        and coalesce(not list_has_any(row_communes.communes, member_communes.communes), false)
            as commune_discordante
    from comparaisons
    inner join lignes
        on
            comparaisons.base_source = lignes.base_source
            and comparaisons._fichier = lignes._fichier
            and comparaisons._ligne = lignes._ligne
    inner join cohorte
        on comparaisons.cle_hachage = cohorte.cle_hachage
    left join identity_rows
        on lignes.cle_hachage = identity_rows.cle_hachage
    left join row_communes
        on
            comparaisons.base_source = row_communes.base_source
            and comparaisons._fichier = row_communes._fichier
            and comparaisons._ligne = row_communes._ligne
    left join member_communes
        on comparaisons.cle_hachage = member_communes.cle_hachage
    left join commune_weights
        on
            comparaisons.base_source = commune_weights.base_source
            and comparaisons._fichier = commune_weights._fichier
            and comparaisons._ligne = commune_weights._ligne
),

secondary_by_row as (
    select
        weighed.base_source,
        weighed._fichier,
        weighed._ligne,
        count(*) filter (where weighed.methode_appariement is not null) as nombre_confirmes,
        count(*) filter (where weighed.methode_appariement is not null or weighed.est_plausible)
            as nombre_plausibles,
        arg_max(weighed.cle_hachage, weighed.methode_appariement is not null) as cle_hachage,
        max(weighed.methode_appariement) as methode_appariement,
        bool_or(weighed.methode_appariement is not null and weighed.genre_discordant) as genre_discordant,
        bool_or(
            weighed.methode_appariement in ('cle_secondaire_jour_proche', 'cle_secondaire_jour_incertain')
            and weighed.identite_recurrente
        ) as identite_recurrente,
        -- a day typo and a namesake born days apart the same month are told apart only by
        -- where they live: communes known on both sides with none in common refuse the link
        bool_or(
            weighed.methode_appariement = 'cle_secondaire_jour_proche' and weighed.commune_discordante
        ) as commune_discordante
    from weighed
    group by weighed.base_source, weighed._fichier, weighed._ligne
),

secondary_candidates as (
    select
        secondary_by_row.*,
        case
            when secondary_by_row.nombre_confirmes = 0 then 'cle_secondaire_non_confirmee'
            when secondary_by_row.nombre_plausibles > 1 then 'plusieurs_membres_cohorte'
            when secondary_by_row.genre_discordant then 'genre_discordant'
            when secondary_by_row.identite_recurrente then 'identite_recurrente'
            when secondary_by_row.commune_discordante then 'commune_discordante'
        end as motif_refus
    from secondary_by_row
),

-- source side: persons of one source confirmed for the same member (a person is a primary
-- key, a row without one is a person of its own); rows already matched by a key do not count
secondary_accepted as (
    select
        secondary_candidates.*,
        count(distinct coalesce(lignes.cle_hachage, lignes._fichier || ':' || cast(lignes._ligne as varchar)))
            over (partition by secondary_candidates.base_source, secondary_candidates.cle_hachage)
            as nombre_personnes
    from secondary_candidates
    inner join lignes
        on
            secondary_candidates.base_source = lignes.base_source
            and secondary_candidates._fichier = lignes._fichier
            and secondary_candidates._ligne = lignes._ligne
    left join matched_primary
        on
            secondary_candidates.base_source = matched_primary.base_source
            and secondary_candidates._fichier = matched_primary._fichier
            and secondary_candidates._ligne = matched_primary._ligne
    left join matched_internal
        on
            secondary_candidates.base_source = matched_internal.base_source
            and secondary_candidates._fichier = matched_internal._fichier
            and secondary_candidates._ligne = matched_internal._ligne
    where
        secondary_candidates.motif_refus is null
        and matched_primary.cle_hachage is null
        and matched_internal.cle_hachage is null
),

---------- step 4: the probabilistic pass (its decision; applied last, in final)

-- the pass's two best members with the commune weighed: the match weight plus the commune's
-- log2 Bayes factor (commune_weights; nothing when a side has no commune or the source's
-- commune tells nothing). The best stays the pass's best: the commune confirms or weakens a
-- member, it does not choose between members the identities rank otherwise
weighed_candidates as (
    select
        liens_probabilistes.*,
        liens_probabilistes.poids_correspondance + coalesce(
            case
                when row_communes.communes is null or best_communes.communes is null then 0
                when list_has_any(row_communes.communes, best_communes.communes)
                    then commune_weights.poids_accord
                else commune_weights.poids_desaccord
            end, 0
        ) as poids_avec_commune,
        liens_probabilistes.poids_second_candidat + coalesce(
            case
                when row_communes.communes is null or second_communes.communes is null then 0
                when list_has_any(row_communes.communes, second_communes.communes)
                    then commune_weights.poids_accord
                else commune_weights.poids_desaccord
            end, 0
        ) as poids_second_avec_commune
    from liens_probabilistes
    left join row_communes
        on
            liens_probabilistes.base_source = row_communes.base_source
            and liens_probabilistes._fichier = row_communes._fichier
            and liens_probabilistes._ligne = row_communes._ligne
    left join member_communes as best_communes
        on liens_probabilistes.cle_hachage = best_communes.cle_hachage
    left join member_communes as second_communes
        on liens_probabilistes.cle_second_candidat = second_communes.cle_hachage
    left join commune_weights
        on
            liens_probabilistes.base_source = commune_weights.base_source
            and liens_probabilistes._fichier = commune_weights._fichier
            and liens_probabilistes._ligne = commune_weights._ligne
),

probabilistic as (
    select
        weighed_candidates.base_source,
        weighed_candidates._fichier,
        weighed_candidates._ligne,
        weighed_candidates.cle_hachage,
        weighed_candidates.poids_avec_commune as poids_correspondance,
        -- the second member, offered to the agent beside the best when it reaches the review
        -- threshold too (with the commune): a row between two members is decided between them
        case
            when weighed_candidates.poids_second_avec_commune >= {{ var('pipase_seuil_revue_probabiliste') }}
                then weighed_candidates.cle_second_candidat
        end as cle_second_candidat,
        case
            when weighed_candidates.poids_avec_commune < {{ var('pipase_seuil_revue_probabiliste') }}
                then 'sous_seuil'
            when weighed_candidates.genre_discordant then 'revue_genre_discordant'
            -- the birth date differs while the row's own identity recurs on other rows: a
            -- namesake recorded with a stable date is a person, not a typo (as in step 3)
            when not weighed_candidates.date_identique and coalesce(identity_rows.nombre_lignes, 1) > 1
                then 'revue_identite_recurrente'
            -- same month and year, days more than 3 apart: a namesake as likely as a typo
            when weighed_candidates.jour_different then 'revue_jour_different'
            -- the dates differ in two fields or more: a namesake as likely as two typos
            when weighed_candidates.date_eloignee then 'revue_date_eloignee'
            when weighed_candidates.jumeau_incertain then 'revue_jumeaux'
            -- nothing in the surname agrees and the birth dates do not: only the first name
            -- (and the sex, the commune) say it is the member, a namesake on the first name
            -- as likely as two errors at once
            when coalesce(weighed_candidates.nom_et_date_differents, false) then 'revue_nom_et_date'
            -- both record a birth name and nothing in the surname agrees: no married name
            -- explains it, a namesake on the first name and the birth date is as likely
            when coalesce(weighed_candidates.nom_naissance_contredit, false) then 'revue_nom_contredit'
            -- the second member close behind, on the identities alone or with the communes: the
            -- commune never tells apart two members the identities cannot (namesakes without a
            -- birth date: a third namesake outside the cohort may live in either commune)
            when
                weighed_candidates.poids_correspondance - weighed_candidates.poids_second_candidat
                < {{ var('pipase_ecart_probabiliste') }}
                or weighed_candidates.poids_avec_commune - weighed_candidates.poids_second_avec_commune
                < {{ var('pipase_ecart_probabiliste') }}
                then 'revue_candidats_proches'
            when weighed_candidates.poids_avec_commune < {{ var('pipase_seuil_probabiliste') }}
                then 'revue_poids_intermediaire'
        end as motif_probabiliste
    from weighed_candidates
    inner join lignes
        on
            weighed_candidates.base_source = lignes.base_source
            and weighed_candidates._fichier = lignes._fichier
            and weighed_candidates._ligne = lignes._ligne
    left join identity_rows
        on lignes.cle_hachage = identity_rows.cle_hachage
),

decided_keys as (
    select
        lignes.base_source,
        lignes._fichier,
        lignes._ligne,
        lignes.motif_sans_cle,
        matched_primary.cle_hachage as cle_primaire,
        matched_internal.methode_appariement as methode_interne,
        secondary_accepted.methode_appariement as methode_secondaire,
        case when matched_internal.nombre_membres = 1 then matched_internal.cle_hachage end as cle_interne,
        case
            when matched_internal.nombre_membres > 1 then 'plusieurs_membres_cohorte'
            when matched_internal.nombre_membres = 0 then matched_internal.motif_refus
        end as motif_refus_interne,
        case when secondary_accepted.nombre_personnes = 1 then secondary_accepted.cle_hachage end
            as cle_secondaire,
        case
            when secondary_accepted.nombre_personnes > 1 then 'plusieurs_personnes_source'
            else secondary_candidates.motif_refus
        end as motif_refus_secondaire,
        -- the one confirmed candidate of step 3 (refused or not)
        case when secondary_candidates.nombre_confirmes = 1 then secondary_candidates.cle_hachage end
            as cle_candidat_secondaire,
        lignes.cle_hachage is null and lignes.cle_hachage_secondaire is null as est_sans_cle
    from lignes
    left join matched_primary
        on
            lignes.base_source = matched_primary.base_source
            and lignes._fichier = matched_primary._fichier
            and lignes._ligne = matched_primary._ligne
    left join matched_internal
        on
            lignes.base_source = matched_internal.base_source
            and lignes._fichier = matched_internal._fichier
            and lignes._ligne = matched_internal._ligne
    left join secondary_candidates
        on
            lignes.base_source = secondary_candidates.base_source
            and lignes._fichier = secondary_candidates._fichier
            and lignes._ligne = secondary_candidates._ligne
    left join secondary_accepted
        on
            lignes.base_source = secondary_accepted.base_source
            and lignes._fichier = secondary_accepted._fichier
            and lignes._ligne = secondary_accepted._ligne
),

-- first rule that holds: primary key, internal key (an ambiguous one stops there: never a
-- guess), confirmed secondary key; else the reason of the first refusal
by_keys as (
    select
        base_source,
        _fichier,
        _ligne,
        motif_sans_cle,
        case
            when cle_primaire is not null then 'cle_primaire'
            when cle_interne is not null then 'cle_interne'
            when motif_refus_interne = 'plusieurs_membres_cohorte' then 'ambigu'
            when cle_secondaire is not null then 'cle_secondaire'
            when motif_refus_interne is not null then 'ambigu'
            when motif_refus_secondaire = 'cle_secondaire_non_confirmee' then 'non_croise'
            when motif_refus_secondaire is not null then 'ambigu'
            when est_sans_cle then 'sans_cle'
            else 'non_croise'
        end as statut_appariement,
        case
            when cle_primaire is not null then 'cle_primaire'
            when cle_interne is not null then methode_interne
            when motif_refus_interne = 'plusieurs_membres_cohorte' then null
            when cle_secondaire is not null then methode_secondaire
        end as methode_appariement,
        case
            when cle_primaire is not null or cle_interne is not null then null
            when motif_refus_interne = 'plusieurs_membres_cohorte' then motif_refus_interne
            when cle_secondaire is not null then null
            when motif_refus_interne is not null then motif_refus_interne
            when motif_refus_secondaire is not null then motif_refus_secondaire
            when est_sans_cle then null
            else 'aucun_membre_cohorte'
        end as motif_non_appariement,
        case
            when cle_primaire is not null then cle_primaire
            when cle_interne is not null then cle_interne
            when motif_refus_interne = 'plusieurs_membres_cohorte' then null
            else cle_secondaire
        end as cle_hachage,
        -- step 3 refused its one confirmed candidate on evidence an agent can weigh (communes,
        -- sexes, a recurring identity, a second person of the source): that pair goes to review
        case
            when
                cle_primaire is null and cle_interne is null and motif_refus_interne is null
                and cle_secondaire is null
                and motif_refus_secondaire in (
                    'commune_discordante', 'genre_discordant', 'identite_recurrente',
                    'plusieurs_personnes_source'
                )
                then cle_candidat_secondaire
        end as cle_candidat_revue
    from decided_keys
),

-- step 4 on what the keys left free (non_croise, sans_cle, or a first name + date key refused
-- because it is not two women or because another member bears the row's surname and date): a
-- link, a review or nothing
final as (
    select
        by_keys.base_source,
        by_keys._fichier,
        by_keys._ligne,
        by_keys.motif_sans_cle,
        case
            when not by_keys.est_libre then by_keys.statut_appariement
            when probabilistic.motif_probabiliste is null and probabilistic.cle_hachage is not null then 'probabiliste'
            when probabilistic.motif_probabiliste like 'revue_%' then 'ambigu'
            else by_keys.statut_appariement
        end as statut_appariement,
        case
            when not by_keys.est_libre then by_keys.methode_appariement
            when probabilistic.motif_probabiliste is null and probabilistic.cle_hachage is not null then 'probabiliste'
        end as methode_appariement,
        case
            when not by_keys.est_libre then by_keys.motif_non_appariement
            when probabilistic.motif_probabiliste is null and probabilistic.cle_hachage is not null then null
            when probabilistic.motif_probabiliste like 'revue_%' then probabilistic.motif_probabiliste
            else by_keys.motif_non_appariement
        end as motif_non_appariement,
        case
            when not by_keys.est_libre then by_keys.cle_hachage
            when probabilistic.motif_probabiliste is null then probabilistic.cle_hachage
        end as cle_hachage,
        case
            when by_keys.est_libre then probabilistic.poids_correspondance
        end as poids_correspondance,
        -- the member under review: the pass's best for a revue_* motif, else step 3's candidate
        case
            when by_keys.est_libre and probabilistic.motif_probabiliste like 'revue_%'
                then probabilistic.cle_hachage
            when not by_keys.est_libre then by_keys.cle_candidat_revue
        end as cle_candidat_revue,
        -- and beside it the pass's second member, when it reaches the review threshold, for
        -- the two motifs where it was ever the row's person (measured 2026-12-03: close
        -- candidates 4 of 93 rows at 100,000 youths, 2 of 6 on seed 7 of the harder data;
        -- dates two fields apart 0 of 10,337 and 2 of 10, a first name replaced whose member
        -- has the row's surname and date; a recurring identity 0 of 10,996, the others 0)
        case
            when
                by_keys.est_libre
                and probabilistic.motif_probabiliste in ('revue_candidats_proches', 'revue_date_eloignee')
                then probabilistic.cle_second_candidat
        end as cle_second_candidat_revue
    from (
        -- free for step 4: no key matched and no other member competes (a refused internal
        -- key of first name + date that is not two women is no competing member), or the
        -- internal keys reached several members: the pass weighs them on all the evidence
        -- (measured at 100,000 youths, 2026-12-03: 62 more right links, no wrong one)
        select
            *,
            statut_appariement in ('non_croise', 'sans_cle')
            or coalesce(
                motif_non_appariement in (
                    'prenom_date_hors_nom_marital', 'prenom_date_nom_contredit', 'plusieurs_membres_cohorte'
                ),
                false
            )
                as est_libre
        from by_keys
    ) as by_keys
    left join probabilistic
        on
            by_keys.base_source = probabilistic.base_source
            and by_keys._fichier = probabilistic._fichier
            and by_keys._ligne = probabilistic._ligne
),

---------- step 5: the agents' review decisions

-- a decision applies to the pairs under review only (the row and its members now): 'lier'
-- on one member links the row to it ('lier' on both of its two members decides nothing: never
-- a guess); 'rejeter' on every member under review leaves it non_croise
decided as (
    select
        final.*,
        case
            when first_decision.decision = 'lier' and coalesce(second_decision.decision, '') <> 'lier'
                then final.cle_candidat_revue
            when second_decision.decision = 'lier' and coalesce(first_decision.decision, '') <> 'lier'
                then final.cle_second_candidat_revue
        end as cle_liee_revue,
        coalesce(
            first_decision.decision = 'rejeter'
            and (final.cle_second_candidat_revue is null or second_decision.decision = 'rejeter'),
            false
        ) as est_rejete_revue
    from final
    left join decisions_revue as first_decision
        on
            final.base_source = first_decision.base_source
            and final._fichier = first_decision._fichier
            and final._ligne = first_decision._ligne
            and final.cle_candidat_revue = first_decision.cle_hachage
    left join decisions_revue as second_decision
        on
            final.base_source = second_decision.base_source
            and final._fichier = second_decision._fichier
            and final._ligne = second_decision._ligne
            and final.cle_second_candidat_revue = second_decision.cle_hachage
),

reviewed as (
    select
        base_source,
        _fichier,
        _ligne,
        motif_sans_cle,
        poids_correspondance,
        cle_candidat_revue,
        cle_second_candidat_revue,
        case
            when cle_liee_revue is not null then 'probabiliste'
            when est_rejete_revue then 'non_croise'
            else statut_appariement
        end as statut_appariement,
        case
            when cle_liee_revue is not null then 'revue_agent'
            else methode_appariement
        end as methode_appariement,
        case
            when cle_liee_revue is not null then null
            when est_rejete_revue then 'rejete_revue_agent'
            else motif_non_appariement
        end as motif_non_appariement,
        coalesce(cle_liee_revue, cle_hachage) as cle_hachage
    from decided
)

select * from reviewed
