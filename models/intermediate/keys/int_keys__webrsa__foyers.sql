{#
  Door of the identifying zone: WebRSA foyers (households): one row per foyers row; no identity
  in this table.
  Staging is private to the identifying zone; this door names the columns that may leave it,
  one by one (an allow-list: a column added to the staging model stays behind).
#}
with

source_rows as (
    select * from {{ ref('stg_webrsa__foyers') }}
),

final as (
    select
        ---------- ids
        id,
        dossier_id,
        ---------- attributes
        sitfam,
        typeocclog,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
