{#
  is_in_numeric_range(model, column_name, plage): every non-null value lies in the documented
  range `plage` of the macro numeric_ranges (bounds included): the leaving models reject a
  value out of range to NULL (within_range), so a model that forgets to fails. Reports the
  count of failing rows, never a value.
  Usage: data_tests: [{is_in_numeric_range: {arguments: {plage: montant_aide}}}]
#}
{% test is_in_numeric_range(model, column_name, plage) %}
{{ config(store_failures=false, fail_calc='coalesce(sum(n_invalid), 0)') }}
select count(*) as n_invalid
from {{ model }}
where {{ is_out_of_range(column_name, plage) }}
{% endtest %}
