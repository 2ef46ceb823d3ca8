{#
  The cohort rule, once, per IODAS id: "Tous les jeunes nés jusqu'en 2004 inclus ayant
  bénéficié d'au moins une mesure ASE enregistrée dans IODAS depuis 2000" (convention, article
  4.1 and annex 2). Read as: born in 2004 or before, and at least one measure running on or
  after 2000-01-01 (end date empty, or on or after 2000-01-01).
  Several IODAS ids with the same primary key are one person (duplicate files): the rule is
  judged on the person, so a duplicate id without a measure is kept when another id of the
  same key has one. One row per IODAS id with its status; the first reason that applies:
      ne_apres_2004, aucune_mesure_depuis_2000, then sans_cle_<reason> (an eligible youth
      without a primary key: nom_vide, prenom_vide, date_naissance_absente), else retenu.
  A door of the identifying zone (ids, keys and a status; no name, no date): the Department's
  own crossing (int_keys__cles_appariement_internes, int_keys__comparaisons_candidats) needs
  the cohort inside this zone, and the crossing zone reads it from here (int_cohort__*), so
  the data flows one way. The measures counted are the rows kept for their id
  (rang_meme_id = 1, rank_same_id_rows).
#}
with

individuals as (
    select * from {{ ref('int_keys__iodas_ase__individus') }}
),

measures_by_id as (
    select
        id_individu,
        bool_or(est_active_depuis_2000) as a_mesure_depuis_2000
    from {{ ref('int_keys__iodas_ase__mesures') }}
    where rang_meme_id = 1
    group by id_individu
),

individuals_with_measures as (
    select
        individuals.id_individu,
        individuals.cle_hachage,
        individuals.motif_sans_cle,
        individuals.annee_naissance,
        coalesce(measures_by_id.a_mesure_depuis_2000, false) as a_mesure_depuis_2000
    from individuals
    left join measures_by_id on individuals.id_individu = measures_by_id.id_individu
),

measures_by_key as (
    select
        cle_hachage,
        bool_or(a_mesure_depuis_2000) as a_mesure_depuis_2000
    from individuals_with_measures
    where cle_hachage is not null
    group by cle_hachage
),

judged as (
    select
        individuals_with_measures.id_individu,
        individuals_with_measures.cle_hachage,
        case
            when individuals_with_measures.annee_naissance > 2004 then 'ne_apres_2004'
            when not coalesce(measures_by_key.a_mesure_depuis_2000, individuals_with_measures.a_mesure_depuis_2000)
                then 'aucune_mesure_depuis_2000'
            when individuals_with_measures.cle_hachage is null
                then 'sans_cle_' || coalesce(individuals_with_measures.motif_sans_cle, 'inconnu')
        end as motif_exclusion
    from individuals_with_measures
    left join measures_by_key on individuals_with_measures.cle_hachage = measures_by_key.cle_hachage
),

final as (
    select
        id_individu,
        cle_hachage,
        motif_exclusion is null as est_dans_cohorte,
        coalesce(motif_exclusion, 'retenu') as statut_cohorte
    from judged
)

select * from final
