{#
  record_leaving_fingerprints(results): at the end of every dbt invocation (dbt_project.yml
  on-run-end), for each leaving model this invocation built, its row count and a fingerprint of
  its content (the sum of every row's hash) in pipase_build.empreintes_sortantes, one row per
  model (the last build's). `pipase export` computes the same on the tables it is about to send
  and refuses a table that changed since its tested build (a value typed by hand after
  `dbt build`: the database's modification time alone did not show it). The SQL of the
  fingerprint is here only; pipase.transmission.fingerprints runs this macro's twin query.
#}
{% macro leaving_fingerprint_sql(relation) -%}
    select count(*) as lignes, cast(coalesce(sum(hash(t)), 0) as varchar) as empreinte
    from {{ relation }} as t
{%- endmacro %}

{% macro record_leaving_fingerprints(results) -%}
    {%- set built = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'model' and result.node.config.group == 'leaving'
              and result.status == 'success' -%}
            {%- do built.append(result.node) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if built -%}
        {%- set schema = adapter.quote(target.database) ~ '.pipase_build' %}
        create schema if not exists {{ schema }};
        create table if not exists {{ schema }}.empreintes_sortantes (
            modele varchar primary key,
            lignes bigint not null,
            empreinte varchar not null,
            invocation_id varchar not null,
            calcule_le timestamp not null
        );
        {%- for node in built %}
        {%- set relation = adapter.quote(node.database) ~ '.' ~ adapter.quote(node.schema) ~ '.' ~ adapter.quote(node.alias) %}
        insert or replace into {{ schema }}.empreintes_sortantes
        select '{{ node.name }}', lignes, empreinte, '{{ invocation_id }}', now()
        from ({{ leaving_fingerprint_sql(relation) }});
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
