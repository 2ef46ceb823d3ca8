{#
  rank_same_id_rows(relation, id_column): every row of `relation` with two columns that say
  what to do with rows sharing the same id (an IODAS row exported twice, or an id whose content
  changed between two exports):
      rang_meme_id         1 for the row kept for its id, 2, 3... for the others;
      est_copie_identique  true when the row's content is the kept row's content (an exact
                           copy: nothing is lost by dropping it), false when it differs (an
                           anomaly, counted in rpt_reconciliation__lignes and warned about).
  The row kept does not depend on the order of the files or lines: the most complete row
  (most non-empty columns), then the smallest fingerprint of its content (MD5 of the row's
  columns as JSON, lineage _fichier and _ligne excluded); identical rows tie, and then file
  and line only choose between equal contents. Compared on the raw row (every column of the
  staging model, identities included): it runs in the identifying zone, in a door, and only
  the rank and the boolean come out.
  Usage (a door): source_rows as ({{ rank_same_id_rows(ref('stg_iodas_ase__mesures'), 'id_mesure') }})
#}
{% macro rank_same_id_rows(relation, id_column) -%}
  {{ return(adapter.dispatch('rank_same_id_rows', 'pipase')(relation, id_column)) }}
{%- endmacro %}

{% macro default__rank_same_id_rows(relation, id_column) -%}
  {{ exceptions.raise_compiler_error("rank_same_id_rows: no implementation for " ~ target.type) }}
{%- endmacro %}

{# DuckDB: *COLUMNS(* EXCLUDE ...) packs every column but the lineage into one struct, whatever
   the table, so a column added to a contract is compared without editing the door. #}
{% macro duckdb__rank_same_id_rows(relation, id_column) -%}
select
    fingerprinted.* exclude (_empreinte, _completude),
    cast(row_number() over same_id as integer) as rang_meme_id,
    fingerprinted._empreinte = first_value(fingerprinted._empreinte) over same_id as est_copie_identique
from (
    select
        packed.* exclude (_contenu),
        md5(packed._contenu) as _empreinte,
        list_count(json_extract_string(packed._contenu, '$.*')) as _completude
    from (
        select
            *,
            to_json(struct_pack(*columns(* exclude (_fichier, _ligne)))) as _contenu
        from {{ relation }}
    ) as packed
) as fingerprinted
window same_id as (
    partition by fingerprinted.{{ id_column }}
    order by
        fingerprinted._completude desc,
        fingerprinted._empreinte asc,
        fingerprinted._fichier asc,
        fingerprinted._ligne asc
)
{%- endmacro %}
