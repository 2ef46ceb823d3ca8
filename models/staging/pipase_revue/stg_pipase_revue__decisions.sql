-- The agents' review decisions, as pipase revue --decisions wrote them.
with

source as (
    select * from {{ source('pipase_revue', 'decisions') }}
),

renamed as (
    select
        cast(empreinte_ligne as varchar) as empreinte_ligne,
        cast(cle_hachage as varchar) as cle_hachage,
        cast(base_source as varchar) as base_source,
        cast(decision as varchar) as decision,
        cast(decide_le as timestamp) as decide_le
    from source
)

select * from renamed
