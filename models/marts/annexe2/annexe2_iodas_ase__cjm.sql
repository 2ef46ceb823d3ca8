{#
  Annex 2, Iodas-ASE, group "CJM (contrat jeune majeur)": one row per financial aid paid to a
  cohort member under a contrat jeune majeur (per IODAS id_aide: a row exported twice counts
  once). Amount in euros (NULL out of its documented range: numeric_ranges); month of
  payment.
#}
with

ids as (
    select * from {{ ref('int_cohort__ids_iodas') }}
),

aids as (
    select * from {{ ref('int_crossing__iodas_ase__aides_cjm') }}
    qualify row_number() over (partition by id_aide order by _fichier, _ligne) = 1
),

final as (
    select
        ids.cle_hachage,
        {{ within_range('aids.montant_aide_financiere', 'montant_aide') }} as montant_aide_financiere,
        aids.mois_reception_aide_financiere
    from aids
    inner join ids on aids.id_individu = ids.id_individu
)

select * from final
