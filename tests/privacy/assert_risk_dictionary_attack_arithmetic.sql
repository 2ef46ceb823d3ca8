{{ config(tags=['risk'], store_failures=false) }}
{#
  rpt_risk__dictionary_attack: the sizes follow from their parts, and the months of the birth
  span are recounted here with another formula (12 x years + months) than the model's datediff.
  Returns the rows that disagree (counts and months only).
#}
with

report as (
    select * from {{ ref('rpt_risk__dictionary_attack') }}
),

recounted as (
    select
        report.*,
        12 * (
            cast(left(report.mois_naissance_max, 4) as integer)
            - cast(left(report.mois_naissance_min, 4) as integer)
        )
        + cast(right(report.mois_naissance_max, 2) as integer)
        - cast(right(report.mois_naissance_min, 2) as integer)
        + 1 as n_mois_recompte
    from report
)

select
    recounted.ordre,
    recounted.cle
from recounted
where
    (recounted.ordre = 1 and (
        recounted.n_dates <> recounted.n_mois_recompte
        or recounted.espace_candidats <> cast(recounted.n_noms as double) * recounted.n_dates
    ))
    or (recounted.ordre = 2 and (
        recounted.n_dates not between 28 * recounted.n_mois_recompte and 31 * recounted.n_mois_recompte
        or recounted.espace_candidats
        <> cast(recounted.n_noms as double) * recounted.n_prenoms * recounted.n_dates
    ))
    or (recounted.ordre = 3 and recounted.espace_candidats < 1e77)
    or (
        recounted.hachages_par_seconde is not null
        and abs(recounted.secondes_enumeration * recounted.hachages_par_seconde - recounted.espace_candidats)
        > 1e-9 * recounted.espace_candidats
    )
