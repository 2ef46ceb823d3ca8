{#
  code_from_list(expr, seed, label_column='libelle_source', code_column='code'): closed
  vocabularies (no leaving column carries the source's text as typed). The value of
  `expr` (a source label or code) is compared after normalise_label with the labels of the seed
  `seed` (same normalisation), and gives the seed's code; a value that is empty after
  normalisation gives `non_renseigne`, a value missing from the seed `autre` (see
  special_codes). The text of the source never comes out: only a code of the seed or one of
  the two special codes. Counted per leaving column in rpt_minimisation__vocabulaires.
  A seed's labels are unique after normalise_label (tests/python/test_privacy_coverage.py).
  Usage: {{ code_from_list('aides.dispositif', 'ref_iodas_dpas__dispositifs') }} as dispositif
#}
{% macro code_from_list(expr, seed, label_column='libelle_source', code_column='code') -%}
    {%- set specials = special_codes() -%}
    case
        when {{ normalise_label(expr) }} is null then '{{ specials.empty }}'
        else coalesce(
            (
                select min(code_list.{{ code_column }})
                from {{ ref(seed) }} as code_list
                where {{ normalise_label('code_list.' ~ label_column) }} = {{ normalise_label(expr) }}
            ),
            '{{ specials.unknown }}'
        )
    end
{%- endmacro %}

{#
  special_codes(): the two codes every closed vocabulary may hold besides its seed's codes:
  unknown = 'autre' (a source value missing from the seed), empty = 'non_renseigne' (no value,
  or a value that is empty after normalise_label). One definition for the mapping macros and
  models, the test is_in_code_list, the identity test and the report.
#}
{% macro special_codes() -%}
    {{ return({'unknown': 'autre', 'empty': 'non_renseigne'}) }}
{%- endmacro %}

{#
  commune_code(code_insee, source_value): annex 2 "Commune de résidence" / "Domicile ...
  Minimisé en commune" as a closed vocabulary: the INSEE code found by int_minimisation__communes
  (a code of ref_communes), 'non_renseigne' when the source gave no commune, 'autre' when the
  commune was not recognised (counted by methode_correspondance non_trouve too).
  Usage: {{ commune_code('communes.code_insee', 'aides.commune_residence') }}
#}
{% macro commune_code(code_insee, source_value) -%}
    {%- set specials = special_codes() -%}
    case
        when {{ code_insee }} is not null then {{ code_insee }}
        when {{ normalise_label(source_value) }} is null then '{{ specials.empty }}'
        else '{{ specials.unknown }}'
    end
{%- endmacro %}
