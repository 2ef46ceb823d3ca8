-- The display order of the study's categories (the labels are those the analysis models write).
-- A category read from the data and absent here (a kind of measure, say) comes after the listed
-- categories of rank below 98, by decreasing count. No person, no value of a source.

with

modalites (nom_variable, modalite, rang) as (
    values
    ('genre', 'femme', 1),
    ('genre', 'homme', 2),
    ('genre', 'non renseigné', 3),
    ('statut_mna', 'oui', 1),
    ('statut_mna', 'non', 2),
    ('statut_mna', 'non renseigné', 3),
    ('tranche_age_entree', '0 à 5 ans', 1),
    ('tranche_age_entree', '6 à 10 ans', 2),
    ('tranche_age_entree', '11 à 14 ans', 3),
    ('tranche_age_entree', '15 à 17 ans', 4),
    ('tranche_age_entree', '18 ans ou plus', 5),
    ('tranche_age_entree', 'non renseigné', 6),
    ('type_mesure_principal', 'autres types de mesure', 98),
    ('type_mesure_principal', 'non renseigné', 99),
    ('changements_placement', 'jamais placé', 1),
    ('changements_placement', 'aucun changement', 2),
    ('changements_placement', '1 ou 2 changements', 3),
    ('changements_placement', '3 ou 4 changements', 4),
    ('changements_placement', '5 changements ou plus', 5),
    ('cjm', 'oui', 1),
    ('cjm', 'non', 2),
    ('sorti', 'oui', 1),
    ('sorti', 'non', 2),
    ('tranche_age_sortie', 'moins de 16 ans', 1),
    ('tranche_age_sortie', '16 ou 17 ans', 2),
    ('tranche_age_sortie', '18 à 20 ans', 3),
    ('tranche_age_sortie', '21 ans ou plus', 4),
    ('tranche_age_sortie', 'non sorti', 5),
    ('rsa_apres_sortie', 'oui', 1),
    ('rsa_apres_sortie', 'non', 2),
    ('delai_rsa', 'dans les 12 mois', 1),
    ('delai_rsa', 'de 13 à 24 mois', 2),
    ('delai_rsa', 'après 24 mois', 3),
    ('delai_rsa', 'pas de RSA après la sortie', 4),
    ('orientation_rsa', 'sociale', 1),
    ('orientation_rsa', 'socioprofessionnelle', 2),
    ('orientation_rsa', 'professionnelle', 3),
    ('orientation_rsa', 'non renseignée', 99),
    ('aide_percue_apres_sortie', 'oui', 1),
    ('aide_percue_apres_sortie', 'non', 2),
    ('droit_mdph_apres_sortie', 'oui', 1),
    ('droit_mdph_apres_sortie', 'non', 2),
    ('rendez_vous_honore_apres_sortie', 'oui', 1),
    ('rendez_vous_honore_apres_sortie', 'non', 2),
    ('recours_droit_commun', 'aucun', 1),
    ('recours_droit_commun', '1 dispositif', 2),
    ('recours_droit_commun', '2 dispositifs', 3),
    ('recours_droit_commun', '3 ou 4 dispositifs', 4),
    ('lien', 'clé primaire', 1),
    ('lien', 'clé secondaire unique', 2),
    ('lien', 'non liée', 3),
    ('lien', 'sans clé', 4),
    ('present', 'oui', 1),
    ('present', 'non', 2)
),

final as (
    select
        cast(nom_variable as varchar) as nom_variable,
        cast(modalite as varchar) as modalite,
        cast(rang as integer) as rang
    from modalites
)

select * from final
