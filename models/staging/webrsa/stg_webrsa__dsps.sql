with

source as (
    select * from {{ source('webrsa', 'dsps') }}
),

renamed as (
    select
        ---------- ids
        cast(personne_id as integer) as personne_id,
        ---------- attributes
        cast(nivetu as varchar) as nivetu,
        cast(natlog as varchar) as natlog,
        cast(deractromev3_code as varchar) as deractromev3_code,
        cast(actrechromev3_code as varchar) as actrechromev3_code,
        cast(accoemploi as varchar) as accoemploi,
        ---------- free text: identifying zone only
        cast(libderact as varchar) as libderact,
        cast(libemploirech as varchar) as libemploirech,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
