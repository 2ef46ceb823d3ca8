{#
  Annex 2, Iodas-ASE, group "IP (information préoccupante)": one row per IP of a cohort
  member (per IODAS id_ip: a row exported twice counts once). Dates in months, categories as
  project labels of the seeds (closed vocabularies: 'autre' for a label missing from its seed,
  'non_renseigne' for an empty one).
#}
with

ids as (
    select * from {{ ref('int_cohort__ids_iodas') }}
),

informations as (
    select * from {{ ref('int_crossing__iodas_ase__informations_preoccupantes') }}
    qualify row_number() over (partition by id_ip order by _fichier, _ligne) = 1
),

labels as (
    select * from {{ ref('int_minimisation__libelles_iodas_ase') }}
),

final as (
    select
        ids.cle_hachage,
        informations.mois_ouverture_ip,
        informations.mois_cloture_ip,
        coalesce(prescripteurs.libelle, '{{ special_codes().empty }}') as prescripteur,
        coalesce(motifs.libelle, '{{ special_codes().empty }}') as motif,
        coalesce(suites.libelle, '{{ special_codes().empty }}') as suite_donnee
    from informations
    inner join ids on informations.id_individu = ids.id_individu
    left join labels as prescripteurs
        on
            prescripteurs.liste = 'prescripteur'
            and informations.prescripteur = prescripteurs.libelle_iodas
    left join labels as motifs
        on
            motifs.liste = 'motif_ip'
            and informations.motif = motifs.libelle_iodas
    left join labels as suites
        on
            suites.liste = 'suite_donnee'
            and informations.suite_donnee = suites.libelle_iodas
)

select * from final
