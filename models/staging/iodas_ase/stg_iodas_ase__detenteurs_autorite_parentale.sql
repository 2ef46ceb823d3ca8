with

source as (
    select * from {{ source('iodas_ase', 'detenteurs_autorite_parentale') }}
),

renamed as (
    select
        ---------- ids
        cast(id_individu as varchar) as id_individu,
        ---------- identity: identifying zone only
        cast(adresse as varchar) as adresse,
        ---------- attributes (IODAS labels)
        cast(type_detenteur as varchar) as type_detenteur,
        cast(code_postal as varchar) as code_postal,
        cast(commune_domicile as varchar) as commune_domicile,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
