{#
  Closed vocabularies and documented ranges of what leaves, counted per leaving
  column: counts only, never a value. One row per column of an annex 2 model whose YAML meta
  names a closed list (pipase.vocabulaire: how many values are a code of the list, 'autre' - a
  source value missing from the list, or the source's own "Autre" where the list has that code
  -, 'non_renseigne' - empty -, NULL) or a documented range (pipase.plage: how many values are
  NULL in the leaving table, and how many source rows behind it were out of the range and
  rejected to NULL or 'non_renseigne'). The columns are read from the graph at run time, so a
  new closed-vocabulary column is counted by the next run; the ranges' source rows are listed
  below (the rows the leaving model reads, before its NULL).
#}
-- depends_on: {{ ref('annexe2_iodas_ase__individu') }}
-- depends_on: {{ ref('annexe2_iodas_ase__ip') }}
-- depends_on: {{ ref('annexe2_iodas_ase__mesure') }}
-- depends_on: {{ ref('annexe2_iodas_ase__placement') }}
-- depends_on: {{ ref('annexe2_iodas_ase__hors_placement') }}
-- depends_on: {{ ref('annexe2_iodas_ase__cjm') }}
-- depends_on: {{ ref('annexe2_webrsa__allocataire') }}
-- depends_on: {{ ref('annexe2_nova_dpas__rendez_vous') }}
-- depends_on: {{ ref('annexe2_iodas_dpas__aide') }}
-- depends_on: {{ ref('annexe2_iodas_mdph__droit') }}
{%- set specials = special_codes() -%}
{#- the source rows behind each ranged column: (model, column) -> (relation, expression, filter) -#}
{%- set range_sources = {
    ('annexe2_iodas_ase__cjm', 'montant_aide_financiere'):
        (ref('int_keys__iodas_ase__aides_cjm'), 'montant_aide_financiere', 'true'),
    ('annexe2_iodas_ase__mesure', 'duree_mesure_jours'):
        (ref('int_keys__iodas_ase__mesures'), 'duree_mesure_jours', 'true'),
    ('annexe2_iodas_ase__hors_placement', 'duree_jours'):
        (ref('int_keys__iodas_ase__hors_placement'), 'duree_jours', 'true'),
    ('annexe2_iodas_dpas__aide', 'montant_percu'):
        (ref('int_crossing__iodas_dpas'), 'montant_accorde', 'date_paiement is not null'),
    ('annexe2_iodas_dpas__aide', 'ressources_financieres'):
        (ref('int_crossing__iodas_dpas'), 'ressources_mensuelles', 'true'),
} -%}
{%- set ranged_text = {('annexe2_iodas_dpas__aide', 'ressources_financieres'): 'ressources_mensuelles'} -%}
{%- set selects = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() | sort(attribute='name')
        if node.resource_type == 'model' and node.name.startswith('annexe2_') -%}
        {%- for column_name, column in node.columns.items() -%}
            {%- set meta = column_pipase_meta(column) -%}
            {%- set key = (node.name, column_name) -%}
            {%- set plage = meta.get('plage') or ranged_text.get(key) -%}
            {%- if meta.get('vocabulaire') or plage -%}
                {%- set quoted = adapter.quote(column_name) -%}
                {%- if ((column.get('data_type') or '') | trim).endswith('[]') -%}
                    {%- set values_sql = "select unnest(" ~ quoted ~ ") as v from " ~ ref(node.name) -%}
                {%- else -%}
                    {%- set values_sql = "select " ~ quoted ~ " as v from " ~ ref(node.name) -%}
                {%- endif -%}
                {%- if plage and key in range_sources -%}
                    {%- set source = range_sources[key] -%}
                    {%- set out_of_range = "(select count(*) from " ~ source[0] ~ " where " ~ source[2]
                        ~ " and " ~ is_out_of_range(source[1], plage) ~ ")" -%}
                {%- else -%}
                    {%- set out_of_range = "0" -%}
                {%- endif -%}
                {%- do selects.append({
                    'modele': node.name,
                    'colonne': column_name,
                    'regle': 'vocabulaire' if meta.get('vocabulaire') else 'plage',
                    'reference': meta.get('vocabulaire') or plage,
                    'plage': plage or '',
                    'values_sql': values_sql,
                    'out_of_range': out_of_range,
                }) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif %}

with

counts as (
    select
        cast(null as varchar) as modele,
        cast(null as varchar) as colonne,
        cast(null as varchar) as regle,
        cast(null as varchar) as reference,
        cast(null as varchar) as plage,
        cast(0 as integer) as nombre_lignes,
        cast(0 as integer) as nombre_autre,
        cast(0 as integer) as nombre_non_renseigne,
        cast(0 as integer) as nombre_vides,
        cast(0 as integer) as nombre_hors_plage
    where false
    {% for item in selects %}
        union all
        select
            '{{ item.modele }}' as modele,
            '{{ item.colonne }}' as colonne,
            '{{ item.regle }}' as regle,
            '{{ item.reference }}' as reference,
            {% if item.plage %}'{{ item.plage }}'{% else %}null{% endif %} as plage,
            cast(count(*) as integer) as nombre_lignes,
            cast(count(*) filter (where cast(column_values.v as varchar) = '{{ specials.unknown }}') as integer)
                as nombre_autre,
            cast(count(*) filter (where cast(column_values.v as varchar) = '{{ specials.empty }}') as integer)
                as nombre_non_renseigne,
            cast(count(*) filter (where column_values.v is null) as integer) as nombre_vides,
            cast({{ item.out_of_range }} as integer) as nombre_hors_plage
        from ({{ item.values_sql }}) as column_values
    {% endfor %}
),

final as (
    select * from counts
)

select * from final
