"""The French texts of the site that do not come from the run: zones, convention map,
minimisations and the privacy tests explained for a data-protection officer.

Links to dbt's own documentation (under ``dbt/``) use its ``#!/<kind>/<unique_id>`` fragments;
scripts/check_docs_completeness.py checks the ones of docs/site/, and the site's builder drops a
link whose node is not in the manifest (the text stays).
"""

from __future__ import annotations

# The five sources as the users name them (site, charts, the docs build).
SOURCE_NAMES = {
    "iodas_ase": "Iodas-ASE",
    "webrsa": "WebRSA",
    "nova_dpas": "Nova-DPAS",
    "iodas_dpas": "Iodas-DPAS",
    "iodas_mdph": "Iodas-MDPH",
}

ZONES = [
    (
        "identifiante",
        "noms, dates de naissance, adresses, identifiants des logiciels",
        "`stg_<source>__<table>`, `int_keys__*`",
        "reste dans la base du Département ; les `int_keys__*` sont la seule porte de sortie et "
        "ne laissent passer que des clés, des mois et des codes, colonne par colonne",
    ),
    (
        "croisement",
        "clés, attributs codés, jamais un nom",
        "`int_cohort__*`, `int_crossing__*`, `int_minimisation__*`",
        "cohorte, croisement des sources, minimisation",
    ),
    (
        "sortante",
        "exactement l'annexe 2 : clés, mois, codes",
        "`annexe2_<base>__<groupe>`",
        "liste de colonnes fermée (contrat) ; tests de confidentialité sur chaque table",
    ),
    (
        "rapports",
        "des comptes, jamais une ligne de personne",
        "`rpt_*`",
        "ce qui est entré, rejeté, croisé, supprimé ; risque de ré-identification",
    ),
]

# (rule of the convention, what it says, where it lives (dbt nodes), what guards it)
CONVENTION = [
    ("art. 2 — Cohorte", "nés en 2004 ou avant, au moins une mesure ASE dans IODAS depuis 2000",
     ["model.pipase.int_keys__iodas_ase__cohorte", "model.pipase.int_cohort__jeunes_ase"],
     "tests unitaires ; `int_cohort__exclusions` compte chaque identifiant exclu"),
    ("4.1 — Extraction", "cinq extractions, chacune avec un contrat déclaré",
     ["model.pipase.rpt_load__reconciliation"],
     "lignes lues = chargées + rejetées, fichier par fichier"),
    ("4.1 — Croisement", "chaque source croisée avec Iodas-ASE ; les lignes des personnes "
     "absentes supprimées et comptées",
     ["model.pipase.int_crossing__appariements", "model.pipase.rpt_linkage__by_source"],
     "tests unitaires ; précision et rappel mesurés sur la vérité synthétique"),
    ("annexe 1 — Clé de hachage SHA-256", "une clé par personne ; noms et prénoms supprimés",
     ["macro.pipase.primary_key", "macro.pipase.secondary_key"],
     "vecteurs de conformité ; `has_no_identifier_columns`, `has_no_raw_identity_values`"),
    ("4.1 — Date de naissance", "minimisée en mois et année",
     ["macro.pipase.month_year"], "`is_month_precision`, `has_no_day_precision_dates`"),
    ("4.1 — Numéro de dossier familial", "minimisé en code stable (HMAC avec une clé secrète)",
     ["macro.pipase.stable_code"], "tests unitaires ; instantané des codes d'une extraction à "
     "l'autre"),
    ("4.1 — Nationalité", "minimisée en France / UE / hors UE",
     ["model.pipase.annexe2_webrsa__allocataire"], "valeurs acceptées, test unitaire"),
    ("4.1 — Domicile du détenteur de l'autorité parentale", "minimisé en commune",
     ["model.pipase.int_minimisation__communes"], "tests unitaires ; communes non reconnues "
     "comptées"),
    ("4.1 — Dates de mesures et de prestations", "minimisées en mois et année ; durées en "
     "jours calculées sur les dates exactes", ["macro.pipase.month_year",
                                              "macro.pipase.duration_days"],
     "`is_month_precision` sur chaque colonne `mois_*`"),
    ("4.1 — Organisme de placement", "nom minimisé en code",
     ["macro.pipase.organisation_code"], "test unitaire (les variantes d'écriture ont un seul "
     "code)"),
    ("annexe 2 — Champs transmis", "exactement les champs listés, rien d'autre ; aucun texte "
     "libre : chaque texte est un code d'une liste fermée",
     ["macro.pipase.code_from_list"], "`has_only_documented_columns`, `is_in_code_list`, "
     "`is_in_numeric_range`"),
    ("4.1 — Transmission", "7-zip AES-256, aucune donnée directement identifiante ; l'export "
     "refuse ce qui n'est pas prouvé (test en échec, source absente, rejets au-delà du seuil)",
     [], "`pipase export` et son contrôle ; archive ouverte par l'outil 7-zip standard"),
    ("4.1 — Stockage", "chiffrement AES-256 au repos", [], "la base chiffrée ne contient "
     "aucun texte en clair (test)"),
    ("3.3 — Suppression des données", "suppression avec un procès-verbal (date, bases "
     "supprimées)", [], "`pipase purge` : rien ne reste, le procès-verbal liste tailles et "
     "empreintes"),
]  # fmt: skip

MINIMISATIONS = [
    ("Nom, prénom, date de naissance", "remplacés par deux clés de hachage (annexe 1) : "
     "`cle_hachage` = SHA-256(NOM + PRÉNOM + JJMMAAAA) et `cle_hachage_secondaire` = "
     "SHA-256(NOM + MM + AAAA). Aucun nom ni prénom ne sort."),
    ("Date de naissance", "réduite au mois et à l'année (`mois_naissance`, `AAAA-MM`)."),
    ("Dates des mesures et des prestations", "réduites au mois et à l'année ; les durées "
     "sont calculées en jours sur les dates exactes avant la réduction."),
    ("Numéro de dossier familial", "remplacé par un code stable, calculé avec une clé secrète "
     "du Département : le code ne permet pas de retrouver le numéro."),
    ("Nom de l'organisme de placement", "remplacé par un code ; les variantes d'écriture d'un "
     "même organisme reçoivent le même code."),
    ("Nationalité", "réduite à trois modalités : France, Union européenne, hors Union "
     "européenne."),
    ("Domicile du détenteur de l'autorité parentale", "réduit à la commune (code INSEE)."),
    ("Textes saisis dans les logiciels", "aucun ne sort tel quel : chaque texte transmis est "
     "un code d'une liste fermée ; une valeur inconnue devient `autre`, une valeur vide "
     "`non_renseigne`, et ces remplacements sont comptés."),
]  # fmt: skip

# generic test name -> (French title, a sentence a DPO understands)
PRIVACY_TESTS = {
    "has_no_identifier_columns": (
        "Aucune colonne d'identité",
        "Échoue si une table transmise a une colonne dont le nom désigne une identité (nom, "
        "prénom, date de naissance, adresse, identifiant d'un logiciel).",
    ),
    "has_no_raw_identity_values": (
        "Aucune valeur d'identité",
        "Compare chaque valeur de texte transmise, mot par mot et par groupes de deux ou trois "
        "mots, aux noms, prénoms, dates et adresses de l'extraction : échoue si une seule "
        "correspond.",
    ),
    "has_only_documented_columns": (
        "Seulement les colonnes de l'annexe 2",
        "Échoue si une table transmise a une colonne qui n'est pas rattachée à un champ de "
        "l'annexe 2.",
    ),
    "is_month_precision": (
        "Dates au mois",
        "Échoue si une colonne de mois contient autre chose qu'une année et un mois "
        "(`AAAA-MM`) : aucun jour ne sort.",
    ),
    "has_no_day_precision_dates": (
        "Aucune date au jour",
        "Échoue si une table transmise contient une colonne de type date ou une date écrite au "
        "jour près.",
    ),
    "is_in_code_list": (
        "Codes d'une liste fermée",
        "Échoue si une colonne de texte transmise contient une valeur hors de sa liste de "
        "codes : aucun texte libre ne sort.",
    ),
    "is_in_numeric_range": (
        "Nombres dans leur plage",
        "Échoue si un nombre transmis (durée, montant, âge) sort de la plage documentée, ce "
        "qui pourrait trahir une valeur rare.",
    ),
    "has_no_free_text": (
        "Aucun texte libre",
        "Échoue si une colonne de texte transmise contient beaucoup de valeurs différentes "
        "faites de mots (commentaires, noms, adresses) au lieu de quelques libellés d'une "
        "liste.",
    ),
    "is_stable_code": (
        "Codes stables au bon format",
        "Échoue si un numéro de dossier familial ou un nom d'organisme sort sans avoir été "
        "remplacé par son code (préfixe du domaine et 16 chiffres hexadécimaux).",
    ),
    "is_sha256_hex": (
        "Clés au bon format",
        "Échoue si une clé transmise n'est pas une empreinte SHA-256 de 64 chiffres "
        "hexadécimaux : aucune identité en clair à la place d'une clé.",
    ),
    "has_required_values": (
        "Valeurs obligatoires présentes",
        "Échoue si un champ obligatoire de l'annexe 2 est vide.",
    ),
    "unique": ("Une ligne par clé", "Échoue si une clé apparaît deux fois là où elle doit être "
               "unique."),
    "not_null": ("Valeur présente", "Échoue si une colonne qui doit être remplie est vide."),
    "accepted_values": ("Valeurs acceptées", "Échoue si une colonne contient une valeur hors "
                        "de la liste acceptée."),
    "relationships": ("Personne de la cohorte", "Échoue si une ligne transmise renvoie à une "
                      "personne absente de la cohorte."),
}  # fmt: skip
