-- analyse__jeunes has exactly one row per youth of the cohort: none lost, none doubled.
select
    (select count(*) from {{ source('annexe2', 'annexe2_iodas_ase__individu') }}) as cohorte,
    (select count(*) from {{ ref('analyse__jeunes') }}) as etude,
    (select count(distinct cle_hachage) from {{ ref('analyse__jeunes') }}) as cles
where cohorte <> etude or etude <> cles
