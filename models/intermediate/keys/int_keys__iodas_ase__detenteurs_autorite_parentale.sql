{#
  Door of the identifying zone for the holders of parental authority: one row per holder row.
  The street address stays behind; the commune and postal code pass, to be minimised into an
  INSEE commune code (int_minimisation__communes). Allow-list of columns.
#}
with

source_rows as (
    select * from {{ ref('stg_iodas_ase__detenteurs_autorite_parentale') }}
),

final as (
    select
        ---------- ids
        id_individu,
        ---------- attributes (IODAS label; commune and postal code, never the address)
        type_detenteur,
        commune_domicile,
        code_postal,
        ---------- lineage
        _fichier,
        _ligne
    from source_rows
)

select * from final
