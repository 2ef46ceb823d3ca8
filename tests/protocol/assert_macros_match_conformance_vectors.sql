{{ config(tags=['protocol']) }}
{#
  Every row of the conformance vectors (seed conformance_vectors, tests/fixtures/protocol/)
  through the SQL macros: normalised names, primary and secondary keys. Returns the rows that
  differ.
  Plain protocol: the published SHA-256 keys of the vectors.
  Keyed variant (var pipase_keyed): the keys Python's hmac computes with the run's own key,
  through the function pipase_reference_hmac that the dbt plugin registers (the key lives in the
  plugin, never in SQL), on the published normalised names: a keyed build with any key proves
  SQL = Python. The published HMAC columns (test key) are checked by tests/python/test_protocol.py.
#}
{% set keyed = var('pipase_keyed', false) %}

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
        {{ secondary_key('nom_calcule', 'date_naissance') }} as cle_secondaire_calculee,
        {% if keyed %}
            pipase_reference_hmac(
                nom_normalise || prenom_normalise || strftime(date_naissance, '%d%m%Y')
            ) as cle_primaire_attendue,
            pipase_reference_hmac(
                nom_normalise || strftime(date_naissance, '%m%Y')
            ) as cle_secondaire_attendue
        {% else %}
            cle_primaire as cle_primaire_attendue,
            cle_secondaire as cle_secondaire_attendue
        {% endif %}
    from computed
)

select
    nom_normalise,
    prenom_normalise
from keyed
where
    nom_calcule is distinct from nom_normalise
    or prenom_calcule is distinct from prenom_normalise
    or cle_primaire_calculee is distinct from cle_primaire_attendue
    or cle_secondaire_calculee is distinct from cle_secondaire_attendue
