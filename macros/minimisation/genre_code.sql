{#
  genre_code(sexe, civilite=none): annex 2 "Genre", the one sex rule of every source: 'M' or
  'F', NULL when unknown. The sex as the sources write it, compared trimmed, upper-case and
  without accents: M, Masculin or 1 (WebRSA) -> 'M'; F, Féminin or 2 (WebRSA) -> 'F'; any
  other value (Inconnu...) or none -> the civilité when given (WebRSA qual: MR -> 'M',
  MME -> 'F'), else NULL.
  Usage: {{ genre_code('sexe') }}, {{ genre_code('sexe', 'qual') }}
#}
{% macro genre_code(sexe, civilite=none) -%}
    case
        when upper(strip_accents(trim({{ sexe }}))) in ('M', 'MASCULIN', '1') then 'M'
        when upper(strip_accents(trim({{ sexe }}))) in ('F', 'FEMININ', '2') then 'F'
        {%- if civilite is not none %}
        when upper(trim({{ civilite }})) = 'MR' then 'M'
        when upper(trim({{ civilite }})) = 'MME' then 'F'
        {%- endif %}
    end
{%- endmacro %}
