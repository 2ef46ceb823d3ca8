{#
  Door of the identifying zone for Iodas-MDPH decisions: the identity is written on every
  decision row, so one row per decision row, identified by its file and line (the MDPH file
  number num_dossier_mdph is a direct identifier and stays behind).
  Names are normalised once per distinct value (name_rows, normalise_distinct_names); the surname is the
  birth name when it normalises to something, else the usage name (hashing protocol section 1,
  rule 1). The column list below is an allow-list: no name, no full date, no address passes.
#}
with

source_rows as (
    select * from {{ ref('stg_iodas_mdph__decisions') }}
),

named as (
    {{ name_rows('source_rows', 'nom_naissance', 'nom_usage', 'prenom') }}
),

final as (
    select
        ---------- lineage
        _fichier,
        _ligne,
        ---------- year of birth (annex 2 minimisation)
        cast(year(date_naissance) as integer) as annee_naissance,
        ---------- keys (annex 1)
        {{ primary_key('nom_normalise', 'prenom_normalise', 'date_naissance') }} as cle_hachage,
        {{ secondary_key('nom_normalise', 'date_naissance') }} as cle_hachage_secondaire,
        {{ unkeyable_reason('nom_normalise', 'prenom_normalise', 'date_naissance') }} as motif_sans_cle,
        ---------- minimised attributes (annex 2)
        {{ genre_code('sexe') }} as genre,
        {{ month_year('date_naissance') }} as mois_naissance
    from named
)

select * from final
