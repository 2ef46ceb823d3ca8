{#
  duration_days(start_date, end_date, extraction_date): annex 2, Iodas-ASE, "Durée de la mesure
  : Jours" and Hors placement "Durée : Jours". Computed on the exact dates, before they are
  minimised into months. Both days count: a measure from 05/01/2018 to 04/01/2019 lasts 365
  days, one starting and ending the same day lasts 1 day. The duration is the one observed at
  the extraction date: an open measure (no end date) ends at the extraction date, and an end
  date after the extraction date (a planned end) is cut to it. NULL when the start date is
  missing, when the end is before the start (an inconsistent record) or when the start is
  after the extraction date.
  Usage: {{ duration_days('date_debut', 'date_fin', 'extraction.date_extraction') }}
#}
{% macro duration_days(start_date, end_date, extraction_date) -%}
    case
        when {{ start_date }} is null then null
        when least(coalesce({{ end_date }}, {{ extraction_date }}), {{ extraction_date }}) < {{ start_date }}
            then null
        else cast(
            date_diff(
                'day',
                {{ start_date }},
                least(coalesce({{ end_date }}, {{ extraction_date }}), {{ extraction_date }})
            ) + 1 as integer
        )
    end
{%- endmacro %}
