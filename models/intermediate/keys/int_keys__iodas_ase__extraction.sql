{#
  The extraction date of the Iodas-ASE tables in raw: open measures end on it (durations).
  From the loader's report (stg_pipase_load__load_report, one row per file per run):
  1. the latest `pipase load` run that loaded the Iodas-ASE files (status loaded or
     loaded_with_rejects, or absent when declared so), when it recorded an extraction date (pipase load
     --extraction-date);
  2. else the var extraction_date (declared in dbt_project.yml; dbt build --vars
     '{extraction_date: 2024-06-30}');
  3. else the day of that load run (a file cannot have been extracted after it was loaded):
     methode_date_extraction says so and a warning test flags it.
  No load run and no var: the model stops with an error rather than guessing.
  In the identifying zone: the doors int_keys__iodas_ase__mesures and
  int_keys__iodas_ase__hors_placement cut open durations at this date.
#}
{%- set fallback = var('extraction_date') -%}
{%- set fallback_date = "cast('" ~ fallback ~ "' as date)" if fallback is not none else "cast(null as date)" -%}

with

ase_files as (
    select
        load_id,
        extraction_date,
        loaded_at
    from {{ ref('stg_pipase_load__load_report') }}
    where
        base_source = 'iodas_ase'
        and status in ('loaded', 'loaded_with_rejects', 'absent')
),

-- an aggregate without group by: exactly one row, NULL fields when there is no load
latest_load as (
    select
        arg_max(
            {
                'load_id': load_id,
                'extraction_date': extraction_date,
                'date_chargement': cast(loaded_at as date)
            },
            loaded_at
        ) as chargement
    from ase_files
),

dated as (
    select
        chargement.load_id as id_chargement,
        chargement.extraction_date as date_chargement_extraction,
        {{ fallback_date }} as date_variable,
        chargement.date_chargement
    from latest_load
),

final as (
    select
        id_chargement,
        case
            when coalesce(date_chargement_extraction, date_variable, date_chargement) is null
                then error(
                    'int_keys__iodas_ase__extraction: no Iodas-ASE load in raw.load_report and no var extraction_date'
                )
            else coalesce(date_chargement_extraction, date_variable, date_chargement)
        end as date_extraction,
        case
            when date_chargement_extraction is not null then 'chargement'
            when date_variable is not null then 'variable'
            else 'date_chargement'
        end as methode_date_extraction
    from dated
)

select * from final
