{#
  Annex 2, Iodas-ASE, individu, "Circonscription": the IODAS label of the youth's ASE
  circonscription ('ASE 07 - <communes>') becomes the opaque code of
  seeds/reference/ref_circonscriptions_ase ('CIRC07'), read from the number after 'ASE' (the
  commune part of the label is free text and changes; the number does not). A label whose
  number is not one of the 22 codes gives 'autre' (special_codes) and is counted (warning
  test). One row per distinct label.
#}
with

labels as (
    select
        libelle_circonscription,
        count(*) as nombre_lignes
    from {{ ref('int_keys__iodas_ase__individus') }}
    where libelle_circonscription is not null
    group by libelle_circonscription
),

known_codes as (
    select distinct code_circonscription
    from {{ ref('ref_circonscriptions_ase') }}
),

parsed as (
    select
        libelle_circonscription,
        nombre_lignes,
        'CIRC' || lpad(
            cast(
                try_cast(
                    nullif(regexp_extract(upper(libelle_circonscription), '^\s*(ASE|CIRC)\s*0*([0-9]{1,2})\b', 2), '')
                    as integer
                ) as varchar
            ),
            2,
            '0'
        ) as code_candidat
    from labels
),

final as (
    select
        parsed.libelle_circonscription,
        cast(parsed.nombre_lignes as integer) as nombre_lignes,
        coalesce(known_codes.code_circonscription, '{{ special_codes().unknown }}') as code_circonscription,
        known_codes.code_circonscription is not null as est_reconnu
    from parsed
    left join known_codes on parsed.code_candidat = known_codes.code_circonscription
)

select * from final
