with

source as (
    select * from {{ source('webrsa', 'adresses') }}
),

renamed as (
    select
        ---------- ids
        cast(foyer_id as integer) as foyer_id,
        ---------- identity: identifying zone only
        cast(numvoie as varchar) as numvoie,
        cast(libtypevoie as varchar) as libtypevoie,
        cast(nomvoie as varchar) as nomvoie,
        ---------- attributes
        cast(rgadr as varchar) as rgadr,
        cast(codepos as varchar) as codepos,
        cast(numcom as varchar) as numcom,
        cast(nomcom as varchar) as nomcom,
        cast(pays as varchar) as pays,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
