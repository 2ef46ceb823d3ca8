-- Every keyed row of the four sources crossed with the ASE cohort, as their keys doors give
-- them: one row per source row (file, line), keys and sex only.
with

webrsa as (
    select
        'webrsa' as base_source,
        doors._fichier,
        doors._ligne,
        doors.cle_hachage,
        doors.cle_hachage_secondaire,
        doors.motif_sans_cle,
        doors.genre
    from {{ ref('int_keys__webrsa__personnes') }} as doors
),

nova_dpas as (
    select
        'nova_dpas' as base_source,
        doors._fichier,
        doors._ligne,
        doors.cle_hachage,
        doors.cle_hachage_secondaire,
        doors.motif_sans_cle,
        doors.genre
    from {{ ref('int_keys__nova_dpas__personnes') }} as doors
),

iodas_dpas as (
    select
        'iodas_dpas' as base_source,
        doors._fichier,
        doors._ligne,
        doors.cle_hachage,
        doors.cle_hachage_secondaire,
        doors.motif_sans_cle,
        doors.genre
    from {{ ref('int_keys__iodas_dpas__aides') }} as doors
),

iodas_mdph as (
    select
        'iodas_mdph' as base_source,
        doors._fichier,
        doors._ligne,
        doors.cle_hachage,
        doors.cle_hachage_secondaire,
        doors.motif_sans_cle,
        doors.genre
    from {{ ref('int_keys__iodas_mdph__decisions') }} as doors
),

final as (
    select * from webrsa
    union all
    select * from nova_dpas
    union all
    select * from iodas_dpas
    union all
    select * from iodas_mdph
)

select * from final
