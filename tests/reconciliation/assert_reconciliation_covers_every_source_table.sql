{#
  Every table of the five sources (the dbt sources iodas_ase, webrsa, nova_dpas, iodas_dpas,
  iodas_mdph) is in rpt_reconciliation__lignes: a table added to a contract and not to the
  count (int_keys__lignes_chargees) and the fate models fails here. One row per missing table.
#}
{%- set expected = [] -%}
{%- if execute -%}
    {%- for src in graph.sources.values()
        if src.source_name in ['iodas_ase', 'webrsa', 'nova_dpas', 'iodas_dpas', 'iodas_mdph'] -%}
        {%- do expected.append((src.source_name, src.name)) -%}
    {%- endfor -%}
{%- endif %}

with

expected as (
    {%- if expected | length == 0 %}
    select
        cast(null as varchar) as base_source,
        cast(null as varchar) as table_source
    where false
    {%- else %}
        select
            expected_tables.base_source,
            expected_tables.table_source
        from (
            values
            {%- for source_name, table_name in expected | sort %}
                ('{{ source_name }}', '{{ table_name }}'){{ ',' if not loop.last }}
            {%- endfor %}
        ) as expected_tables (base_source, table_source)
    {%- endif %}
),

reported as (
    select distinct
        base_source,
        table_source
    from {{ ref('rpt_reconciliation__lignes') }}
)

select
    expected.base_source,
    expected.table_source
from expected
left join reported
    on expected.base_source = reported.base_source and expected.table_source = reported.table_source
where reported.table_source is null
