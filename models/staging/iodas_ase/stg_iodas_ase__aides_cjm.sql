with

source as (
    select * from {{ source('iodas_ase', 'aides_cjm') }}
),

renamed as (
    select
        ---------- ids
        cast(id_aide as varchar) as id_aide,
        cast(id_individu as varchar) as id_individu,
        ---------- dates
        cast(date_paiement as date) as date_paiement,
        ---------- attributes
        cast(nature_aide as varchar) as nature_aide,
        cast(montant as decimal(12, 2)) as montant,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
