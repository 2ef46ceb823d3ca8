{{ config(tags=['protocol']) }}
{#
  Every row and column of tests/fixtures/protocol/conformance_vectors.csv (the dbt seed
  conformance_vectors) through the SQL macros: normalised names, primary and secondary keys,
  plain or HMAC depending on the var pipase_keyed. Returns the rows that differ.
#}
{% set suffix = '_hmac' if var('pipase_keyed', false) else '' %}
{% set expected_primary = 'cle_primaire' ~ suffix %}
{% set expected_secondary = 'cle_secondaire' ~ suffix %}

with

vectors as (
    select * from {{ ref('conformance_vectors') }}
),

computed as (
    select
        *,
        {{ normalise_name('nom') }} as nom_calcule,
        {{ normalise_name('prenom') }} as prenom_calcule
    from vectors
),

keyed as (
    select
        *,
        {{ primary_key('nom_calcule', 'prenom_calcule', 'date_naissance') }} as cle_primaire_calculee,
        {{ secondary_key('nom_calcule', 'date_naissance') }} as cle_secondaire_calculee
    from computed
)

select
    nom_normalise,
    prenom_normalise
from keyed
where
    nom_calcule is distinct from nom_normalise
    or prenom_calcule is distinct from prenom_normalise
    or cle_primaire_calculee is distinct from {{ expected_primary }}
    or cle_secondaire_calculee is distinct from {{ expected_secondary }}
