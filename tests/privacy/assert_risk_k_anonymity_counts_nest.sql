{{ config(tags=['risk'], store_failures=false) }}
{#
  rpt_risk__k_anonymity: the counts nest (k = 1 within k < 5 within k < 11 within everyone), a
  class of one holds one person, and k minimum is 1 exactly when some class has one person.
  Returns the sets of quasi-identifiers whose counts disagree (names of columns, no data).
#}
select
    report.modele,
    report.quasi_identifiants
from {{ ref('rpt_risk__k_anonymity') }} as report
where
    not (
        report.n_personnes_k1 <= report.n_personnes_k_moins_5
        and report.n_personnes_k_moins_5 <= report.n_personnes_k_moins_11
        and report.n_personnes_k_moins_11 <= report.n_personnes
        and report.n_classes_k1 <= report.n_classes_k_moins_5
        and report.n_classes_k_moins_5 <= report.n_classes_k_moins_11
        and report.n_classes_k_moins_11 <= report.n_classes
        and report.n_personnes_k1 <= report.n_classes_k1
        -- one row per person in the individu table: no more classes than people; in the
        -- other leaving tables a person with several rows sits in several classes
        and (
            report.modele != 'annexe2_iodas_ase__individu'
            or report.n_classes <= report.n_personnes
        )
        and (report.k_minimum = 1) = (report.n_classes_k1 > 0)
    )
