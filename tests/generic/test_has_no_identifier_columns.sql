{#
  has_no_identifier_columns(model, extra_patterns=[], allowed_columns=[]): no column of the
  relation (nor of the model's YAML) has a name that denotes a direct identifier or a source
  id. The rules are the one list of pipase.identifiers, which the partners' kit and the
  Association's import apply too (macro identifier_column_rules, generated from it by
  scripts/generate_identifier_rules.py): a name, first name, birth date, address, NIR, phone or
  e-mail word (a 'name' word followed by a thing, nom_structure, or a 'birth_date' word with a
  month, year or place, mois_naissance, is no identifier), plus what may never leave: a
  source id or file number (id, id_*, *_id, num, matricule...) and the lineage columns
  (_fichier, _ligne); or the whole name matching one of extra_patterns (regular expressions).
  Names starting with cle_hachage are keys (annexe 1) and always allowed, as are
  allowed_columns. One row per refused column (its name only); the test reports their count.
  Usage (model level): data_tests: [has_no_identifier_columns]
#}
{% test has_no_identifier_columns(model, extra_patterns=[], allowed_columns=[]) %}
{{ config(store_failures=false) }}
{%- set re = modules.re -%}
{%- set rules = identifier_column_rules() -%}
{%- set names = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- do names.append(column.name | lower) -%}
    {%- endfor -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ['model', 'snapshot', 'seed']
        and (node.alias or node.name) | lower == model.identifier | lower
        and node.schema | lower == model.schema | lower -%}
        {%- for column_name in node.columns if column_name | lower not in names -%}
            {%- do names.append(column_name | lower) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif -%}
{%- set refused = [] -%}
{%- for name in names
    if not name.startswith('cle_hachage') and name not in (allowed_columns | map('lower') | list) -%}
    {%- set words = name.split('_') -%}
    {%- set ns = namespace(hit=false) -%}
    {%- for kind, pattern in rules.patterns.items() if re.search(pattern, name) -%}
        {%- set excepted = (kind == 'name' and words | select('in', rules.not_a_person) | list)
            or (kind == 'birth_date' and words | select('in', rules.not_a_birth_date) | list) -%}
        {%- if not excepted -%}{%- set ns.hit = true -%}{%- endif -%}
    {%- endfor -%}
    {%- for pattern in rules.leaving_only.values() if re.search(pattern, name) -%}
        {%- set ns.hit = true -%}
    {%- endfor -%}
    {%- for pattern in extra_patterns if re.search(pattern, name) -%}
        {%- set ns.hit = true -%}
    {%- endfor -%}
    {%- if ns.hit -%}{%- do refused.append(name) -%}{%- endif -%}
{%- endfor %}
{% if refused | length == 0 -%}
select cast(null as varchar) as column_name where false
{%- else -%}
{%- for name in refused %}
select '{{ name | replace("'", "''") }}' as column_name
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{%- endif %}
{% endtest %}
