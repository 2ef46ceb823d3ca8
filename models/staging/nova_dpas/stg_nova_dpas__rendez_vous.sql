with

source as (
    select * from {{ source('nova_dpas', 'rendez_vous') }}
),

renamed as (
    select
        ---------- ids
        cast(id_rdv as varchar) as id_rdv,
        cast(id_personne as varchar) as id_personne,
        ---------- dates
        cast(date_rdv as timestamp) as date_rdv,
        ---------- attributes
        cast(circonscription as varchar) as circonscription,
        cast(type_rdv as varchar) as type_rdv,
        cast(statut_rdv as varchar) as statut_rdv,
        ---------- lineage
        cast(_fichier as varchar) as _fichier,
        cast(_ligne as integer) as _ligne
    from source
)

select * from renamed
