{#
  create_revue_decisions(): the agents' review decisions table, created empty when absent so
  that every build finds it (dbt_project.yml on-run-start). Written only by
  `pipase revue --decisions` (pipase.linkage.revue), never by a build: it is kept across
  extractions and across the runs that reuse the database. One row per source row identity and
  cohort member: empreinte_ligne is the SHA-256 of the source and the row's normalised identity
  (int_keys__decisions_revue computes it, the one place), cle_hachage the member's key,
  decision 'lier' or 'rejeter', decide_le when it was read.
#}
{% macro create_revue_decisions() -%}
    {#- in the target's database (the attached file of the encrypted target too) -#}
    {%- set schema = adapter.quote(target.database) ~ '.pipase_revue' %}
    create schema if not exists {{ schema }};
    create table if not exists {{ schema }}.decisions (
        empreinte_ligne varchar not null,
        cle_hachage varchar not null,
        base_source varchar not null,
        decision varchar not null check (decision in ('lier', 'rejeter')),
        decide_le timestamp not null,
        primary key (empreinte_ligne, cle_hachage)
    )
{%- endmacro %}
