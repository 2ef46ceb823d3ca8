{#
  The cohort of the study: one row per person (per primary key cle_hachage) among the
  Iodas-ASE individuals that int_keys__iodas_ase__cohorte keeps. Duplicate IODAS files of one
  person (same primary key) are collapsed; nombre_id_iodas says how many ids were merged.
  Gender: the one the ids agree on; NULL when they disagree or none is known.
#}
with

ids as (
    select * from {{ ref('int_cohort__ids_iodas') }}
),

individuals as (
    select * from {{ ref('int_keys__iodas_ase__individus') }}
),

final as (
    select
        ids.cle_hachage,
        cast(count(distinct ids.id_individu) as integer) as nombre_id_iodas,
        min(individuals.cle_hachage_secondaire) as cle_hachage_secondaire,
        case when count(distinct individuals.genre) = 1 then min(individuals.genre) end as genre,
        min(individuals.mois_naissance) as mois_naissance,
        min(individuals.annee_naissance) as annee_naissance
    from ids
    inner join individuals on ids.id_individu = individuals.id_individu
    group by ids.cle_hachage
)

select * from final
