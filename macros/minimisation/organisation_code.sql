{#
  organisation_code(expr): annex 2, Iodas-ASE, Placement, "Organisme de placement : Minimisé en
  code" (article 4.1: "Nom de l'organisme de placement minimisé en code"). The organisation's
  name is reduced by normalise_label (case, accents, spaces and punctuation), so that
  'Fondation d'Auteuil' and 'FONDATION  D AUTEUIL' get one code, then coded by
  stable_code(..., 'ORG'): 'ORG-' and 16 hex digits, the same in every extraction, not
  reversible without PIPASE_CODE_KEY. A name that is empty after normalisation gives NULL.
  Applied at the door (int_keys__iodas_ase__placements): the name never leaves the
  identifying zone.
  Usage: {{ organisation_code('organisme') }} as code_organisme_placement
#}
{% macro organisation_code(expr) -%}
    {{ stable_code(normalise_label(expr), 'ORG') }}
{%- endmacro %}
