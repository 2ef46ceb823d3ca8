{#
  has_no_identifier_columns(model, extra_patterns=[], allowed_columns=[]): no column of the
  relation (nor of the model's YAML) has a name that denotes a direct identifier or a source
  id. A name is split into its words (on '_' and digits); it is refused when a word is a
  name word (nom, nomnai, prenom...), an address word (adresse, rue, voie...), a contact word
  (telephone, email...), a national or file number (nir, numdemrsa, matricule, num...), a
  source id (id, id_*, *_id, ident...), a full-date word (dtnai, ddn, naissance unless the
  name starts with mois_ / annee_ / annees_, i.e. a minimised birth date), or a lineage column
  (_fichier, _ligne); or when the whole name matches one of extra_patterns (regular
  expressions). Names starting with cle_hachage are keys (annexe 1) and always allowed, as are
  allowed_columns. One row per refused column (its name only); the test reports their count.
  Usage (model level): data_tests: [has_no_identifier_columns]
#}
{% test has_no_identifier_columns(model, extra_patterns=[], allowed_columns=[]) %}
{{ config(store_failures=false) }}
{%- set re = modules.re -%}
{%- set refused_words = [
    'nom', 'noms', 'nomnai', 'nomusage', 'prenom', 'prenoms', 'prenom2', 'patronyme',
    'adresse', 'adresses', 'adr', 'rue', 'voie', 'numvoie', 'nomvoie', 'libtypevoie',
    'lieudit', 'batiment', 'escalier',
    'telephone', 'tel', 'portable', 'mobile', 'email', 'mail', 'courriel',
    'nir', 'nss', 'secu', 'numdemrsa', 'matricule', 'numcaf', 'num', 'numero',
    'id', 'ident', 'identifiant',
    'dtnai', 'ddn', 'dob', 'birth', 'birthdate',
    'fichier', 'ligne'
] -%}
{%- set allowed_birth_prefixes = ['mois_naissance', 'annee_naissance', 'annees_naissance'] -%}
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
    {%- set words = re.split('[^a-z]+', name) | reject('equalto', '') | list -%}
    {%- set ns = namespace(hit=false) -%}
    {%- for word in words if word in refused_words -%}
        {%- set ns.hit = true -%}
    {%- endfor -%}
    {%- if 'naissance' in words or 'naiss' in words -%}
        {%- set birth_ok = namespace(ok=false) -%}
        {%- for prefix in allowed_birth_prefixes if name.startswith(prefix) -%}
            {%- set birth_ok.ok = true -%}
        {%- endfor -%}
        {%- if not birth_ok.ok -%}{%- set ns.hit = true -%}{%- endif -%}
    {%- endif -%}
    {%- if name.startswith('_') -%}{%- set ns.hit = true -%}{%- endif -%}
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
