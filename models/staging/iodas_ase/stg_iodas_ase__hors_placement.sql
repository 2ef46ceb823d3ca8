with

source as (
    select * from {{ source('iodas_ase', 'hors_placement') }}
),

renamed as (
    select
        ---------- ids
        cast(id_hors_placement as varchar) as id_hors_placement,
        cast(id_individu as varchar) as id_individu,
        cast(id_placement as varchar) as id_placement,
        ---------- dates
        cast(date_debut as date) as date_debut,
        cast(date_fin as date) as date_fin,
        ---------- attributes (IODAS labels)
        cast(type_hors_placement as varchar) as type_hors_placement,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
