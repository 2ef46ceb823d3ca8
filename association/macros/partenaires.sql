{#
  partenaires_lien(): the SQL of analyse__partenaires_lien, written at run time: one select per
  view partenaires.<table>__lien found in the Association's database (created by
  `pipase import --partner`), united; an empty relation with the same columns without any.
  The partner's own columns (all but the kit's and the link's) become one JSON object.
#}
{% macro partenaires_lien() %}
{%- set vues = [] -%}
{%- if execute -%}
    {%- set trouvees = run_query(
        "select table_name from information_schema.tables "
        ~ "where table_catalog = current_database() and table_schema = 'partenaires' "
        ~ "and table_name like '%\\_\\_lien' escape '\\' order by table_name"
    ) -%}
    {%- for ligne in trouvees.rows -%}
        {%- set colonnes = run_query(
            "select column_name from information_schema.columns "
            ~ "where table_catalog = current_database() and table_schema = 'partenaires' "
            ~ "and table_name = '" ~ ligne[0] ~ "' order by ordinal_position"
        ) -%}
        {%- set reservees = ['cle_hachage', 'cle_hachage_secondaire', 'motif_sans_cle', '_fichier',
                             '_ligne', 'cle_hachage_ase', 'methode_lien'] -%}
        {%- set attributs = [] -%}
        {%- for colonne in colonnes.rows if colonne[0] not in reservees -%}
            {%- do attributs.append(colonne[0]) -%}
        {%- endfor -%}
        {%- do vues.append({'vue': ligne[0], 'partenaire': ligne[0][:-6], 'attributs': attributs}) -%}
    {%- endfor -%}
{%- endif %}

{% if vues | length == 0 %}
select
    cast(null as varchar) as partenaire,
    cast(null as integer) as ligne_fichier,
    cast(null as boolean) as a_cle,
    cast(null as varchar) as motif_sans_cle,
    cast(null as varchar) as cle_hachage,
    cast(null as varchar) as methode_lien,
    cast(null as varchar) as lien,
    cast(null as json) as attributs
where false
{% else %}
{% for vue in vues %}
select
    '{{ vue.partenaire }}' as partenaire,
    cast(_ligne as integer) as ligne_fichier,
    cle_hachage is not null and cle_hachage <> '' as a_cle,
    nullif(motif_sans_cle, '') as motif_sans_cle,
    cle_hachage_ase as cle_hachage,
    methode_lien,
    case
        when methode_lien = 'cle_hachage' then 'clé primaire'
        when methode_lien = 'cle_hachage_secondaire_unique' then 'clé secondaire unique'
        when cle_hachage is null or cle_hachage = '' then 'sans clé'
        else 'non liée'
    end as lien,
    {% if vue.attributs %}
    to_json(struct_pack(
        {% for attribut in vue.attributs %}"{{ attribut }}" := "{{ attribut }}"{{ ',' if not loop.last }}{% endfor %}
    )) as attributs
    {% else %}
    cast('{}' as json) as attributs
    {% endif %}
from partenaires."{{ vue.vue }}"
{{ 'union all' if not loop.last }}
{% endfor %}
{% endif %}
{% endmacro %}
