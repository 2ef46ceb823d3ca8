{{ config(severity='warn') }}
{#
  A warning, not a failure: the commune values of the sources that the one commune rule
  (int_minimisation__communes) maps to no INSEE code. Their rows keep an empty commune in
  annex 2 and in the crossing's commune evidence; the data office sees how many distinct values
  were not found, by the name of this test, and can complete the reference or the source.
  One row per distinct value not found (its row count only, never the value).
#}
select communes.nombre_lignes
from {{ ref('int_minimisation__communes') }} as communes
where communes.methode_correspondance = 'non_trouve'
