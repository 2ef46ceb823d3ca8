-- The code values the analysis models compare against (vars decision_accord and
-- statut_rendez_vous_honore) occur in the data: if a code list is renamed upstream, the build
-- fails here instead of counting nobody as granted or honoured.
with

codes as (
    select
        'decision_accord' as code_configure,
        count(*) filter (where accord_refus = '{{ var("decision_accord") }}') as lignes,
        count(*) as total
    from {{ source('annexe2', 'annexe2_iodas_dpas__aide') }}
    union all
    select
        'statut_rendez_vous_honore' as code_configure,
        count(*) filter (where statut_rendez_vous = '{{ var("statut_rendez_vous_honore") }}') as lignes,
        count(*) as total
    from {{ source('annexe2', 'annexe2_nova_dpas__rendez_vous') }}
)

select code_configure
from codes
where total > 0 and lignes = 0
