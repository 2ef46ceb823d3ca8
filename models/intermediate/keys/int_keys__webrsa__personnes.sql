{#
  Door of the identifying zone for WebRSA persons: one row per personnes row (every role:
  demandeur, conjoint, enfant...; the crossing keeps DEM and CJT). Sex: genre_code, from sexe
  1 / 2, else the civilité qual MR / MME.
  Names are normalised once per distinct value (name_rows, normalise_distinct_names); the surname is the
  birth name when it normalises to something, else the usage name (hashing protocol section 1,
  rule 1). The column list below is an allow-list: no name, no full date, no address passes.
#}
with

source_rows as (
    select * from {{ ref('stg_webrsa__personnes') }}
),

named as (
    {{ name_rows('source_rows', 'nomnai', 'nom', 'prenom') }}
),

final as (
    select
        ---------- ids (pseudonymous source ids: crossing zone, never leaving)
        id,
        foyer_id,
        ---------- lineage
        _fichier,
        _ligne,
        ---------- year of birth (annex 2 minimisation)
        cast(year(dtnai) as integer) as annee_naissance,
        ---------- keys (annex 1)
        {{ primary_key('nom_normalise', 'prenom_normalise', 'dtnai') }} as cle_hachage,
        {{ secondary_key('nom_normalise', 'dtnai') }} as cle_hachage_secondaire,
        {{ unkeyable_reason('nom_normalise', 'prenom_normalise', 'dtnai') }} as motif_sans_cle,
        ---------- minimised attributes (annex 2)
        {{ genre_code('sexe', 'qual') }} as genre,
        {{ month_year('dtnai') }} as mois_naissance
    from named
)

select * from final
