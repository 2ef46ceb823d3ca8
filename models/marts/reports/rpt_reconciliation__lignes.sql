{#
  Reconciliation of every source table, from the rows loaded to the leaving tables (grain: one
  row per source table and reason; counts only). For each table:
      lignes_chargees = lignes_conservees + sum(lignes_ecartees) over its reasons
  lignes_chargees is counted on staging (int_keys__lignes_chargees); lignes_conservees and
  lignes_ecartees come from the fate of each row (int_crossing__devenir_lignes_<source>): kept
  when its content reaches a leaving table, else one reason. Every reason a table can have is
  listed, with 0 when no row has it, so the report has the same rows at every run (the export
  manifest copies it); a reason met but not listed below still shows (and fails the
  accepted_values test of motif). detailsdroitsrsa is read by no model: all its rows are
  table_non_transmise. Tests: assert_reconciliation_adds_up (error),
  assert_no_same_id_different_content (warn, the count of anomalies),
  assert_reconciliation_covers_every_source_table, rpt_reconciliation__sorties (kept = leaving rows).
#}
{%- set reasons = {
    ('iodas_ase', 'individus'): ['ne_apres_2004', 'aucune_mesure_depuis_2000', 'sans_cle_nom_vide',
                                 'sans_cle_prenom_vide', 'sans_cle_date_naissance_absente'],
    ('iodas_ase', 'detenteurs_autorite_parentale'): ['individu_inconnu', 'individu_hors_cohorte', 'autre_detenteur'],
    ('iodas_ase', 'informations_preoccupantes'): ['doublon_identique', 'doublon_id_contenu_different',
                                                  'individu_inconnu', 'individu_hors_cohorte'],
    ('iodas_ase', 'mesures'): ['doublon_identique', 'doublon_id_contenu_different', 'individu_inconnu',
                               'individu_hors_cohorte'],
    ('iodas_ase', 'placements'): ['doublon_identique', 'doublon_id_contenu_different', 'individu_inconnu',
                                  'individu_hors_cohorte'],
    ('iodas_ase', 'hors_placement'): ['doublon_identique', 'doublon_id_contenu_different', 'individu_inconnu',
                                      'individu_hors_cohorte'],
    ('iodas_ase', 'aides_cjm'): ['doublon_identique', 'doublon_id_contenu_different', 'individu_inconnu',
                                 'individu_hors_cohorte'],
    ('webrsa', 'personnes'): ['sans_cle', 'non_croise', 'appariement_ambigu', 'demande_rsa_anterieure',
                              'non_allocataire_rsa'],
    ('webrsa', 'prestations'): ['prestation_hors_rsa', 'role_non_transmis', 'enfant_non_a_charge',
                                'personne_non_retenue'],
    ('webrsa', 'foyers'): ['foyer_non_retenu'],
    ('webrsa', 'dossiers'): ['dossier_non_retenu'],
    ('webrsa', 'situationsdossiersrsa'): ['version_anterieure', 'dossier_non_retenu'],
    ('webrsa', 'detailsdroitsrsa'): ['table_non_transmise'],
    ('webrsa', 'adresses'): ['adresse_non_actuelle', 'version_anterieure', 'foyer_non_retenu'],
    ('webrsa', 'dsps'): ['version_anterieure', 'personne_non_retenue'],
    ('webrsa', 'orientsstructs'): ['orientation_non_effective', 'version_anterieure', 'personne_non_retenue'],
    ('webrsa', 'cers93_sujets'): ['sujet_deja_compte', 'personne_non_retenue'],
    ('webrsa', 'historiqueetatspe'): ['version_anterieure', 'personne_non_retenue'],
    ('nova_dpas', 'personnes'): ['sans_cle', 'non_croise', 'appariement_ambigu', 'aucun_rendez_vous_compte'],
    ('nova_dpas', 'rendez_vous'): ['doublon_identique', 'doublon_id_contenu_different', 'personne_non_croisee',
                                   'statut_inconnu', 'statut_non_compte', 'lien_inconnu'],
    ('iodas_dpas', 'aides'): ['doublon_identique', 'doublon_id_contenu_different', 'sans_cle', 'non_croise',
                              'appariement_ambigu'],
    ('iodas_mdph', 'decisions'): ['sans_cle', 'non_croise', 'appariement_ambigu', 'decision_non_accord',
                                  'doublon_identique'],
} -%}

with

loaded as (
    select * from {{ ref('int_keys__lignes_chargees') }}
),

fates as (
    {%- for source_name in ['iodas_ase', 'webrsa', 'nova_dpas', 'iodas_dpas', 'iodas_mdph'] %}
        select
            base_source,
            table_source,
            motif
        from {{ ref('int_crossing__devenir_lignes_' ~ source_name) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

kept as (
    select
        base_source,
        table_source,
        count(*) filter (where motif is null) as lignes_conservees
    from fates
    group by base_source, table_source
),

left_by_reason as (
    select
        base_source,
        table_source,
        motif,
        count(*) as lignes_ecartees
    from fates
    where motif is not null
    group by base_source, table_source, motif
    union all
    -- read by no model: every row is left
    select
        base_source,
        table_source,
        'table_non_transmise' as motif,
        lignes_chargees as lignes_ecartees
    from loaded
    where base_source = 'webrsa' and table_source = 'detailsdroitsrsa'
),

-- every table loaded, and any table a fate model has that the count does not (it then has no
-- lignes_chargees, and assert_reconciliation_adds_up fails)
tables as (
    select
        base_source,
        table_source
    from loaded
    union
    select
        base_source,
        table_source
    from kept
),

listed_reasons as (
    select
        listed.base_source,
        listed.table_source,
        listed.motif
    from (
        values
        {%- for (source_name, table_name), table_reasons in reasons.items() %}
            {%- set outer_last = loop.last %}
            {%- for reason in table_reasons %}
                ('{{ source_name }}', '{{ table_name }}', '{{ reason }}'){{ '' if outer_last and loop.last else ',' }}
            {%- endfor %}
        {%- endfor %}
    ) as listed (base_source, table_source, motif)
),

reasons as (
    select
        base_source,
        table_source,
        motif
    from listed_reasons
    union
    select
        base_source,
        table_source,
        motif
    from left_by_reason
),

final as (
    select
        tables.base_source,
        tables.table_source,
        cast(loaded.lignes_chargees as bigint) as lignes_chargees,
        cast(coalesce(kept.lignes_conservees, 0) as bigint) as lignes_conservees,
        reasons.motif,
        cast(coalesce(left_by_reason.lignes_ecartees, 0) as bigint) as lignes_ecartees
    from tables
    left join loaded
        on tables.base_source = loaded.base_source and tables.table_source = loaded.table_source
    left join kept
        on tables.base_source = kept.base_source and tables.table_source = kept.table_source
    left join reasons
        on tables.base_source = reasons.base_source and tables.table_source = reasons.table_source
    left join left_by_reason
        on
            reasons.base_source = left_by_reason.base_source
            and reasons.table_source = left_by_reason.table_source
            and reasons.motif = left_by_reason.motif
)

select * from final
order by base_source, table_source, motif
