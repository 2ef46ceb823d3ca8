{#
  name_parts(relation, column, contiguous_runs): the parts of the names of `column` in
  `relation` (a CTE or model with one row per distinct raw name), for the comparison forms of
  int_keys__identites; one row per name and part, distinct: `column` and partie_brute.
  A name's words are what lies between spaces and hyphens (after trimming); a name of one word
  has no part.
      contiguous_runs=true   every run of consecutive words that is not the whole name
                             (LE GALL-MORVAN: LE, GALL, MORVAN, LE GALL, GALL MORVAN): surnames
      contiguous_runs=false  each word (JEAN-PIERRE: JEAN, PIERRE): first names
  The parts are raw text: normalise them (normalise_distinct_names) before comparing.
#}
{% macro name_parts(relation, column, contiguous_runs=false) -%}
    select distinct
        words.{{ column }},
        array_to_string(words.mots[first_words.first_word:last_words.last_word], ' ') as partie_brute
    from (
        select
            {{ column }},
            regexp_split_to_array(trim({{ column }}), '[\s\-]+') as mots
        from {{ relation }}
    ) as words,
        range(1, len(words.mots) + 1) as first_words (first_word),
        range(
            first_words.first_word,
            {{ 'len(words.mots) + 1' if contiguous_runs else 'first_words.first_word + 1' }}
        ) as last_words (last_word)
    where
        len(words.mots) > 1
        and not (first_words.first_word = 1 and last_words.last_word = len(words.mots))
{%- endmacro %}
