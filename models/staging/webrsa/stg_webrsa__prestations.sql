with

source as (
    select * from {{ source('webrsa', 'prestations') }}
),

renamed as (
    select
        ---------- ids
        cast(personne_id as integer) as personne_id,
        ---------- attributes
        cast(natprest as varchar) as natprest,
        cast(rolepers as varchar) as rolepers,
        cast(topchapers as boolean) as topchapers,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
