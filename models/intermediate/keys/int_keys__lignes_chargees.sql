{#
  Rows of every raw table of the five sources, counted on their staging models (staging keeps
  the raw grain): the "rows loaded" side of rpt_reconciliation__lignes, counted here
  independently of the doors and of the crossing, so that a row lost or doubled on the way
  shows as a difference. Counts only: a door of the identifying zone.
  The list of tables is the sources' (models/staging/<source>/_<source>__sources.yml); the
  test assert_reconciliation_covers_every_source_table fails when a source table is missing.
#}
{%- set tables = [
    ('iodas_ase', 'individus'),
    ('iodas_ase', 'detenteurs_autorite_parentale'),
    ('iodas_ase', 'informations_preoccupantes'),
    ('iodas_ase', 'mesures'),
    ('iodas_ase', 'placements'),
    ('iodas_ase', 'hors_placement'),
    ('iodas_ase', 'aides_cjm'),
    ('webrsa', 'personnes'),
    ('webrsa', 'prestations'),
    ('webrsa', 'foyers'),
    ('webrsa', 'dossiers'),
    ('webrsa', 'situationsdossiersrsa'),
    ('webrsa', 'detailsdroitsrsa'),
    ('webrsa', 'adresses'),
    ('webrsa', 'dsps'),
    ('webrsa', 'orientsstructs'),
    ('webrsa', 'cers93_sujets'),
    ('webrsa', 'historiqueetatspe'),
    ('nova_dpas', 'personnes'),
    ('nova_dpas', 'rendez_vous'),
    ('iodas_dpas', 'aides'),
    ('iodas_mdph', 'decisions'),
] -%}

with

counts as (
    {%- for source_name, table_name in tables %}
        select
            '{{ source_name }}' as base_source,
            '{{ table_name }}' as table_source,
            count(*) as lignes_chargees
        from {{ ref('stg_' ~ source_name ~ '__' ~ table_name) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        base_source,
        table_source,
        cast(lignes_chargees as bigint) as lignes_chargees
    from counts
)

select * from final
