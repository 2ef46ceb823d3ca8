{% test unique_combination(model, columns) %}
{# The combination of `columns` is unique (the dbt hub cannot be reached: written here). #}
select {{ columns | join(', ') }}
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
