-- No published count may be between 1 and the statistical-confidentiality threshold.
select genre, statut_mna
from {{ ref('agg_jeunes__recours_droit_commun') }}
where
    nombre_jeunes < {{ var('seuil_secret_statistique') }}
    or nombre_avec_rsa < {{ var('seuil_secret_statistique') }}
    or nombre_avec_aide_financiere < {{ var('seuil_secret_statistique') }}
    or nombre_avec_droit_mdph < {{ var('seuil_secret_statistique') }}
    or nombre_avec_rendez_vous < {{ var('seuil_secret_statistique') }}
