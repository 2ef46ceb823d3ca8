with

source as (
    select * from {{ source('iodas_ase', 'placements') }}
),

renamed as (
    select
        ---------- ids
        cast(id_placement as varchar) as id_placement,
        cast(id_mesure as varchar) as id_mesure,
        cast(id_individu as varchar) as id_individu,
        ---------- organisation: identifying zone only (minimised into a code at the door)
        cast(organisme as varchar) as organisme,
        cast(adresse_organisme as varchar) as adresse_organisme,
        ---------- dates
        cast(date_debut as date) as date_debut,
        cast(date_fin as date) as date_fin,
        ---------- attributes (IODAS labels)
        cast(nature_placement as varchar) as nature_placement,
        cast(commune_lieu as varchar) as commune_lieu,
        cast(departement_lieu as varchar) as departement_lieu,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
