{#
  Annex 2, Iodas-ASE, group "individu": one row per cohort member (per cle_hachage).
  A person with several IODAS ids (duplicate files) takes the family file, circonscription
  and holder of their reference id: the id with the most recent measure start (then the
  smallest id); statut_mna is 'oui' when any of the ids says so.
  Holders of parental authority (0..n per id): the annex asks for one type and one commune
  per individual, so the first holder listed by IODAS for the reference id (then the other
  ids) is kept: its type (a TITAP category, which already says whether authority is shared:
  'exercice conjoint, parents séparés'...) and the INSEE code of its commune. No holder:
  both 'non_renseigne'.
  Closed vocabularies: sex (ref_annexe2__genre), MNA status (ref_annexe2__oui_non), holder type
  (ref_iodas_ase__type_detenteur), commune (ref_communes), circonscription
  (ref_circonscriptions_ase); a value missing from its list leaves as 'autre', an empty one as
  'non_renseigne'.
#}
with

cohort as (
    select * from {{ ref('int_cohort__jeunes_ase') }}
),

ids as (
    select * from {{ ref('int_cohort__ids_iodas') }}
),

individuals as (
    select * from {{ ref('int_keys__iodas_ase__individus') }}
),

latest_measure_by_id as (
    select
        id_individu,
        max(mois_debut_mesure) as mois_derniere_mesure
    from {{ ref('int_keys__iodas_ase__mesures') }}
    group by id_individu
),

holders as (
    select * from {{ ref('int_keys__iodas_ase__detenteurs_autorite_parentale') }}
),

labels as (
    select * from {{ ref('int_minimisation__libelles_iodas_ase') }}
    where liste = 'type_detenteur'
),

communes as (
    select * from {{ ref('int_minimisation__communes') }}
),

circonscriptions as (
    select * from {{ ref('int_minimisation__circonscriptions') }}
),

ranked_ids as (
    select
        ids.cle_hachage,
        ids.id_individu,
        individuals.code_dossier_familial,
        individuals.statut_mna,
        individuals.libelle_circonscription,
        row_number() over (
            partition by ids.cle_hachage
            order by latest_measure_by_id.mois_derniere_mesure desc nulls last, ids.id_individu asc
        ) as rang_id
    from ids
    inner join individuals on ids.id_individu = individuals.id_individu
    left join latest_measure_by_id on ids.id_individu = latest_measure_by_id.id_individu
),

reference_ids as (
    select
        cle_hachage,
        code_dossier_familial,
        libelle_circonscription,
        id_individu
    from ranked_ids
    where rang_id = 1
),

-- 'oui' when any id says so, else 'non' when any id says so, else 'autre' (a status missing
-- from ref_annexe2__oui_non) or 'non_renseigne' (no status)
mna_codes as (
    select
        cle_hachage,
        {{ code_from_list('statut_mna', 'ref_annexe2__oui_non') }} as code_mna
    from ranked_ids
),

mna_by_person as (
    select
        cle_hachage,
        case
            when bool_or(code_mna = 'oui') then 'oui'
            when bool_or(code_mna = 'non') then 'non'
            when bool_or(code_mna = '{{ special_codes().unknown }}') then '{{ special_codes().unknown }}'
            else '{{ special_codes().empty }}'
        end as statut_mna
    from mna_codes
    group by cle_hachage
),

main_holder as (
    select
        ranked_ids.cle_hachage,
        holders.type_detenteur,
        holders.commune_domicile,
        holders.code_postal
    from ranked_ids
    inner join holders on ranked_ids.id_individu = holders.id_individu
    qualify row_number() over (
        partition by ranked_ids.cle_hachage
        order by ranked_ids.rang_id, holders._fichier, holders._ligne
    ) = 1
),

final as (
    select
        cohort.cle_hachage,
        cohort.cle_hachage_secondaire,
        reference_ids.code_dossier_familial,
        cohort.mois_naissance,
        {{ code_from_list('cohort.genre', 'ref_annexe2__genre') }} as genre,
        mna_by_person.statut_mna,
        coalesce(labels.libelle, '{{ special_codes().empty }}') as type_detenteur_autorite_parentale,
        {{ commune_code(
            'communes.code_insee', 'coalesce(main_holder.commune_domicile, main_holder.code_postal)'
        ) }} as commune_detenteur_autorite_parentale,
        coalesce(circonscriptions.code_circonscription, '{{ special_codes().empty }}') as circonscription
    from cohort
    inner join reference_ids on cohort.cle_hachage = reference_ids.cle_hachage
    inner join mna_by_person on cohort.cle_hachage = mna_by_person.cle_hachage
    left join main_holder on cohort.cle_hachage = main_holder.cle_hachage
    left join labels on main_holder.type_detenteur = labels.libelle_iodas
    left join communes
        on
            main_holder.commune_domicile is not distinct from communes.valeur_source
            and main_holder.code_postal is not distinct from communes.code_postal
            and (main_holder.commune_domicile is not null or main_holder.code_postal is not null)
    left join circonscriptions
        on reference_ids.libelle_circonscription = circonscriptions.libelle_circonscription
)

select * from final
