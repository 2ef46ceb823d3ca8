with

source as (
    select * from {{ source('iodas_ase', 'mesures') }}
),

renamed as (
    select
        ---------- ids
        cast(id_mesure as varchar) as id_mesure,
        cast(id_individu as varchar) as id_individu,
        ---------- dates
        cast(date_decision as date) as date_decision,
        cast(date_debut as date) as date_debut,
        cast(date_fin as date) as date_fin,
        ---------- attributes (IODAS labels)
        cast(cadre as varchar) as cadre,
        cast(type_mesure as varchar) as type_mesure,
        cast(motif_fin as varchar) as motif_fin,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
