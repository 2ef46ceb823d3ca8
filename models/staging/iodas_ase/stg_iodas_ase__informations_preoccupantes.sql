with

source as (
    select * from {{ source('iodas_ase', 'informations_preoccupantes') }}
),

renamed as (
    select
        ---------- ids
        cast(id_ip as varchar) as id_ip,
        cast(id_individu as varchar) as id_individu,
        ---------- dates
        cast(date_reception as date) as date_reception,
        cast(date_cloture as date) as date_cloture,
        ---------- attributes (IODAS labels)
        cast(prescripteur as varchar) as prescripteur,
        cast(motif as varchar) as motif,
        cast(suite_donnee as varchar) as suite_donnee,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
