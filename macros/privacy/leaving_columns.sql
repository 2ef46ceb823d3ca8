{#
  graph_node_of(relation): the graph node (model, snapshot or seed) materialised as `relation`
  (matched on schema and identifier, case-insensitive), or none. For generic tests that read
  their model's YAML (column meta, data types) instead of querying the database. Execution
  time only (graph.nodes is empty while dbt parses).
#}
{% macro graph_node_of(relation) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ['model', 'snapshot', 'seed']
        and (node.alias or node.name) | lower == relation.identifier | lower
        and node.schema | lower == relation.schema | lower -%}
        {{ return(node) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#
  column_pipase_meta(column): a YAML column's `pipase` meta, wherever dbt put it (meta or
  config.meta): {vocabulaire: ref_x, colonne_code: code} for a code of a closed list, {valeur:
  cle | mois | code_calcule} otherwise, {valeur: nombre, plage: name} for a number.
#}
{% macro column_pipase_meta(column) -%}
    {%- set meta = {} -%}
    {%- do meta.update((column.get('config') or {}).get('meta') or {}) -%}
    {%- do meta.update(column.get('meta') or {}) -%}
    {{ return(meta.get('pipase') or {}) }}
{%- endmacro %}

{#
  code_list_relation(seed_name): the relation of the seed `seed_name` (a closed vocabulary), or
  none when the project has no such seed.
#}
{% macro code_list_relation(seed_name) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'seed' and node.name == seed_name -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias or node.name)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}
