"""Reference data and code lists used to fill the synthetic exports.

Sources of the lists: docs/sources/*.md (OLINPE annex 2-8 CASF for the ASE, WebRSA schema
and .po files, CNSA nomenclature for the MDPH, FSL règlement for the DPAS). Communes,
circonscriptions and ROME codes are read from the project's seeds (seeds/reference/) when they
exist, with a built-in copy of the same content otherwise.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pipase.paths import project_dir

# --------------------------------------------------------------------------------------------
# Communes


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    postal: str
    dept: str
    weight: float


# Communes of Seine-Saint-Denis (docs/sources/donnees_reference.md §1); Pierrefitte-sur-Seine
# (93059) merged into Saint-Denis on 2025-01-01, weight = its former population.
_COMMUNES_93 = """93001,Aubervilliers,93300,88365
93005,Aulnay-sous-Bois,93600,87599
93006,Bagnolet,93170,43086
93007,Le Blanc-Mesnil,93150,62376
93008,Bobigny,93000,56927
93010,Bondy,93140,50595
93013,Le Bourget,93350,15925
93014,Clichy-sous-Bois,93390,29354
93015,Coubron,93470,5175
93027,La Courneuve,93120,47167
93029,Drancy,93700,72390
93030,Dugny,93440,11700
93031,Épinay-sur-Seine,93800,52833
93032,Gagny,93220,42313
93033,Gournay-sur-Marne,93460,7320
93039,L'Île-Saint-Denis,93450,8696
93045,Les Lilas,93260,23843
93046,Livry-Gargan,93190,47228
93047,Montfermeil,93370,28703
93048,Montreuil,93100,111934
93049,Neuilly-Plaisance,93360,21941
93050,Neuilly-sur-Marne,93330,39800
93051,Noisy-le-Grand,93160,72978
93053,Noisy-le-Sec,93130,45510
93055,Pantin,93500,61929
93057,Les Pavillons-sous-Bois,93320,25804
93059,Pierrefitte-sur-Seine,93380,30000
93061,Le Pré-Saint-Gervais,93310,16993
93062,Le Raincy,93340,14735
93063,Romainville,93230,37152
93064,Rosny-sous-Bois,93110,47180
93066,Saint-Denis,93200,149077
93070,Saint-Ouen-sur-Seine,93400,53615
93071,Sevran,93270,52535
93072,Stains,93240,41388
93073,Tremblay-en-France,93290,38348
93074,Vaujours,93410,8007
93077,Villemomble,93250,29795
93078,Villepinte,93420,41470
93079,Villetaneuse,93430,12530"""

# Communes outside the 93 where households live (neighbouring départements) or where children
# are placed (the Département places widely in other départements). Codes checked against
# seeds/reference/ref_communes.csv.
_COMMUNES_OUT_HOME = """75056,Paris,75019,75,30
95018,Argenteuil,95100,95,6
95585,Sarcelles,95200,95,6
95268,Garges-lès-Gonesse,95140,95,4
95127,Cergy,95000,95,3
77284,Meaux,77100,77,4
77108,Chelles,77500,77,4
94028,Créteil,94000,94,4
94081,Vitry-sur-Seine,94400,94,4
94068,Saint-Maur-des-Fossés,94100,94,2
92050,Nanterre,92000,92,3
92012,Boulogne-Billancourt,92100,92,2
91228,Évry-Courcouronnes,91000,91,2
78646,Versailles,78000,78,1
60057,Beauvais,60000,60,2
51454,Reims,51100,51,1"""

_COMMUNES_OUT_PLACEMENT = """60057,Beauvais,60000,60,5
60143,Chaumont-en-Vexin,60240,60,4
60159,Compiègne,60200,60,3
60175,Creil,60100,60,4
60612,Senlis,60300,60,2
89024,Auxerre,89000,89,4
89387,Sens,89100,89,3
89025,Avallon,89200,89,2
58194,Nevers,58000,58,3
58079,Clamecy,58500,58,2
72181,Le Mans,72000,72,3
72154,La Flèche,72200,72,2
61001,Alençon,61000,61,2
61214,L'Aigle,61300,61,2
02408,Laon,02000,02,2
02722,Soissons,02200,02,2
02691,Saint-Quentin,02100,02,2
27229,Évreux,27000,27,3
27681,Vernon,27200,27,2
28085,Chartres,28000,28,2
28134,Dreux,28100,28,2
45234,Orléans,45000,45,3
45208,Montargis,45200,45,2
77284,Meaux,77100,77,4
77288,Melun,77000,77,3
77108,Chelles,77500,77,3
95018,Argenteuil,95100,95,3
95585,Sarcelles,95200,95,2
95127,Cergy,95000,95,2
75056,Paris,75011,75,4
94028,Créteil,94000,94,2
94081,Vitry-sur-Seine,94400,94,2
92050,Nanterre,92000,92,2
80021,Amiens,80000,80,2
80001,Abbeville,80100,80,1
76540,Rouen,76000,76,2
76217,Dieppe,76200,76,1
37261,Tours,37000,37,1
41018,Blois,41000,41,1
18033,Bourges,18000,18,1
23096,Guéret,23000,23,1
87085,Limoges,87000,87,1
03190,Moulins,03000,03,1
03310,Vichy,03200,03,1
36044,Châteauroux,36000,36,1
10387,Troyes,10000,10,1"""


def _parse(block: str, with_dept: bool) -> list[Commune]:
    out = []
    for line in block.strip().splitlines():
        parts = line.split(",")
        if with_dept:
            code, name, postal, dept, weight = parts
        else:
            code, name, postal, weight = parts
            dept = "93"
        out.append(Commune(code, name, postal, dept, float(weight)))
    return out


def _seed_dir() -> Path:
    return project_dir() / "seeds" / "reference"


def communes_93() -> list[Commune]:
    """The 40 communes (39 + Pierrefitte), from seeds/reference/ref_communes_93.csv if present."""
    path = _seed_dir() / "ref_communes_93.csv"
    builtin = _parse(_COMMUNES_93, with_dept=False)
    if not path.exists():
        return builtin
    fallback_weight = {c.code: c.weight for c in builtin}
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["code_insee"]
            postal = (row.get("codes_postaux") or "").split("|")[0]
            pop = row.get("population") or ""
            weight = float(pop) if pop else fallback_weight.get(code, 20000.0)
            out.append(Commune(code, row["nom"], postal, "93", weight))
    return sorted(out, key=lambda c: c.code) or builtin


def communes_out_home() -> list[Commune]:
    return _parse(_COMMUNES_OUT_HOME, with_dept=True)


def communes_out_placement() -> list[Commune]:
    return _parse(_COMMUNES_OUT_PLACEMENT, with_dept=True)


# --------------------------------------------------------------------------------------------
# ASE circonscriptions (22), from seeds/reference/ref_circonscriptions_ase.csv if present.

_CIRCONSCRIPTIONS = [
    ("ASE 01 - Aubervilliers", ["93001"]),
    ("ASE 02 - Aulnay-sous-Bois", ["93005"]),
    ("ASE 03 - Bagnolet / Les Lilas", ["93006", "93045"]),
    ("ASE 04 - Le Blanc-Mesnil / Le Bourget / Dugny", ["93007", "93013", "93030"]),
    ("ASE 05 - Bobigny", ["93008"]),
    ("ASE 06 - Bondy", ["93010"]),
    (
        "ASE 07 - Clichy-sous-Bois / Montfermeil / Coubron / Vaujours",
        ["93014", "93015", "93047", "93074"],
    ),
    ("ASE 08 - La Courneuve", ["93027"]),
    ("ASE 09 - Drancy", ["93029"]),
    ("ASE 10 - Épinay-sur-Seine / L'Île-Saint-Denis / Villetaneuse", ["93031", "93039", "93079"]),
    ("ASE 11 - Gagny / Villemomble", ["93032", "93077"]),
    ("ASE 12 - Livry-Gargan / Les Pavillons-sous-Bois / Le Raincy", ["93046", "93057", "93062"]),
    ("ASE 13 - Montreuil", ["93048"]),
    ("ASE 14 - Noisy-le-Grand / Gournay-sur-Marne", ["93033", "93051"]),
    ("ASE 15 - Noisy-le-Sec / Romainville", ["93053", "93063"]),
    ("ASE 16 - Pantin / Le Pré-Saint-Gervais", ["93055", "93061"]),
    (
        "ASE 17 - Rosny-sous-Bois / Neuilly-Plaisance / Neuilly-sur-Marne",
        ["93049", "93050", "93064"],
    ),
    ("ASE 18 - Saint-Denis / Pierrefitte-sur-Seine", ["93059", "93066"]),
    ("ASE 19 - Saint-Ouen-sur-Seine", ["93070"]),
    ("ASE 20 - Sevran", ["93071"]),
    ("ASE 21 - Stains", ["93072"]),
    ("ASE 22 - Tremblay-en-France / Villepinte", ["93073", "93078"]),
]


def circonscriptions() -> tuple[list[str], dict[str, str]]:
    """(labels in order, INSEE code -> label)."""
    path = _seed_dir() / "ref_circonscriptions_ase.csv"
    labels: list[str] = []
    by_code: dict[str, str] = {}
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["libelle"] not in labels:
                    labels.append(row["libelle"])
                by_code[row["code_insee"]] = row["libelle"]
    if not labels:
        for label, codes in _CIRCONSCRIPTIONS:
            labels.append(label)
            for code in codes:
                by_code[code] = label
    return labels, by_code


# --------------------------------------------------------------------------------------------
# ROME v3 codes (seeds/reference/ref_rome.csv if present)

_ROME = [
    ("K2204", "Nettoyage de locaux"),
    ("N1103", "Magasinage et préparation de commandes"),
    ("G1603", "Personnel polyvalent en restauration"),
    ("D1507", "Mise en rayon libre-service"),
    ("K1302", "Assistance auprès d'adultes"),
    ("K2503", "Sécurité et surveillance privées"),
    ("F1703", "Maçonnerie"),
    ("N4101", "Conduite de transport de marchandises sur longue distance"),
    ("D1505", "Personnel de caisse"),
    ("G1602", "Personnel de cuisine"),
    ("K1304", "Services domestiques"),
    ("M1607", "Secrétariat"),
    ("K1303", "Assistance auprès d'enfants"),
    ("H3302", "Opérations manuelles d'assemblage, tri ou emballage"),
    ("I1203", "Maintenance des bâtiments et des locaux"),
    ("N4105", "Conduite et livraison par tournées sur courte distance"),
    ("G1803", "Service en restauration"),
    ("D1106", "Vente en alimentation"),
    ("D1214", "Vente en habillement et accessoires de la personne"),
    ("M1602", "Opérations administratives"),
    ("J1501", "Soins d'hygiène, de confort du patient"),
    ("J1301", "Personnel polyvalent des services hospitaliers"),
    ("K1207", "Intervention socioéducative"),
    ("F1602", "Électricité bâtiment"),
    ("F1606", "Peinture en bâtiment"),
    ("N1105", "Manutention manuelle de charges"),
    ("N1101", "Conduite d'engins de déplacement des charges"),
    ("N4103", "Conduite de transport en commun sur route"),
    ("G1501", "Personnel d'étage"),
    ("D1102", "Boulangerie - viennoiserie"),
    ("D1101", "Boucherie"),
    ("H2909", "Montage-assemblage mécanique"),
    ("I1604", "Mécanique automobile et entretien de véhicules"),
    ("I1606", "Réparation de carrosserie"),
    ("M1805", "Études et développement informatique"),
    ("A1203", "Aménagement et entretien des espaces verts"),
    ("J1304", "Aide en puériculture"),
    ("D1202", "Coiffure"),
    ("M1601", "Accueil et renseignements"),
    ("N4104", "Courses et livraisons express"),
]


def rome_codes() -> list[tuple[str, str]]:
    path = _seed_dir() / "ref_rome.csv"
    if path.exists():
        out = []
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                code = row.get("code_rome") or row.get("code") or ""
                label = row.get("libelle") or row.get("intitule") or code
                if len(code) == 5 and code[0].isalpha() and code[1:].isdigit():
                    out.append((code, label))
        if out:
            return out
    return list(_ROME)


# --------------------------------------------------------------------------------------------
# Addresses

STREET_TYPES = [
    ("rue", "RUE", 50),
    ("avenue", "AVENUE", 20),
    ("boulevard", "BOULEVARD", 8),
    ("allée", "ALLEE", 6),
    ("place", "PLACE", 3),
    ("chemin", "CHEMIN", 3),
    ("impasse", "IMPASSE", 3),
    ("cité", "CITE", 4),
    ("square", "SQUARE", 2),
    ("quai", "QUAI", 1),
]

STREET_NAMES = [
    "de la République",
    "Jean Jaurès",
    "Victor Hugo",
    "Gabriel Péri",
    "Paul Vaillant-Couturier",
    "Karl Marx",
    "des Lilas",
    "Pasteur",
    "du Général de Gaulle",
    "Henri Barbusse",
    "Maurice Thorez",
    "Salvador Allende",
    "Édouard Vaillant",
    "de Stalingrad",
    "Anatole France",
    "Jules Guesde",
    "Lénine",
    "Danielle Casanova",
    "Roger Salengro",
    "de la Paix",
    "des Écoles",
    "du Moulin",
    "de Paris",
    "Aristide Briand",
    "Émile Zola",
    "Louise Michel",
    "Pablo Picasso",
    "Youri Gagarine",
    "Robespierre",
    "de l'Industrie",
    "des Rosiers",
    "du 8 Mai 1945",
    "du 19 Mars 1962",
    "Marcel Cachin",
    "Lucie Aubrac",
    "Jean Moulin",
    "Pierre Sémard",
    "Raspail",
    "de la Convention",
    "Voltaire",
    "du Château",
    "de la Gare",
    "des Cités Unies",
    "Nelson Mandela",
    "Jacques Duclos",
    "Waldeck Rochet",
    "du Landy",
    "Paul Éluard",
    "Romain Rolland",
    "de Verdun",
    "Albert Einstein",
    "des Courtillières",
    "Léon Blum",
    "de l'Europe",
    "Camille Desmoulins",
    "Saint-Just",
    "des Bosquets",
    "de la Croix Blanche",
    "du Parc",
    "Francis de Pressensé",
]

# --------------------------------------------------------------------------------------------
# Iodas-ASE labels (OLINPE-derived, docs/sources/iodas_ase.md)

# TRANSIP (who transmitted the IP), label, weight
PRESCRIPTEURS = [
    ("Le mineur lui-même", 3),
    ("Parents du mineur", 6),
    ("Autre membre de la famille", 4),
    ("Autre particulier", 3),
    ("SNATED (119, Allô enfance en danger)", 8),
    ("Conseil départemental", 6),
    ("Service de milieu ouvert ou de placement", 4),
    ("Établissement d'enseignement public", 20),
    ("Établissement d'enseignement privé", 2),
    ("Éducation nationale, sans précision", 6),
    ("Hôpital", 10),
    ("Médecine libérale", 2),
    ("Autre institution sanitaire et sociale", 4),
    ("Accueil extrascolaire", 1),
    ("Autre service social et association", 8),
    ("Police ou gendarmerie", 12),
    ("Procureur de la République", 4),
    ("Juge des enfants", 2),
    ("Justice sans précision", 1),
    ("Mairie ou commune", 2),
    ("Autre", 1),
    ("Voie institutionnelle sans précision", 1),
    ("Ne sait pas", 1),
]

MOTIFS_IP = [
    ("Carences éducatives", 22),
    ("Négligences lourdes", 8),
    ("Violences physiques", 14),
    ("Violences psychologiques", 6),
    ("Violences sexuelles", 4),
    ("Exposition aux violences conjugales", 12),
    ("Conflit parental / séparation", 7),
    ("Conduites à risque de l'adolescent", 6),
    ("Fugue", 4),
    ("Absentéisme / décrochage scolaire", 5),
    ("Problème de santé (psychique) d'un parent", 5),
    ("Addiction d'un parent", 3),
    ("Conditions de vie précaires", 3),
    ("Autre", 1),
]
MOTIF_MNA = "Mineur isolé / MNA"

SUITES_MESURE = [
    ("Mesure administrative (AED / AP)", 5),
    ("Transmission au parquet (signalement)", 5),
]
SUITES_AUTRES = [
    ("Classement sans suite", 5),
    ("Orientation vers un service (social, PMI, santé)", 4),
    ("Mesure en cours – information jointe", 2),
    ("Transmission à un autre département", 1),
]

# TITAP holder types
DETENTEURS = [
    ("Exercice conjoint, parents vivant ensemble", 15),
    ("Exercice conjoint, parents séparés", 20),
    ("Père seul", 7),
    ("Mère seule", 45),
    ("Autre membre de la famille", 4),
    ("Autre particulier sans lien familial", 1),
    ("Président du conseil départemental (tutelle / délégation à l'ASE)", 5),
    ("Préfet (pupille de l'État)", 1),
    ("Établissement", 1),
    ("Ne sait pas", 1),
]
DETENTEUR_CD = "Président du conseil départemental (tutelle / délégation à l'ASE)"
DETENTEUR_NSP = "Ne sait pas"
DETENTEUR_SEPARES = "Exercice conjoint, parents séparés"

# Measure types by level: (label, cadre, weight). Level 0 = administrative home help,
# 1 = judicial home measure, 2 = urgent/provisional placement, 3 = lasting placement,
# 4 = young adult (after 18).
MEASURES = {
    0: [
        ("AED - Aide éducative à domicile", "Administratif", 60),
        ("AED renforcée", "Administratif", 10),
        ("Intervention TISF", "Administratif", 20),
        ("AESF - Accompagnement en économie sociale et familiale", "Administratif", 10),
    ],
    1: [
        ("AEMO - Assistance éducative en milieu ouvert", "Judiciaire", 55),
        ("AEMO renforcée", "Judiciaire", 12),
        ("AEMO avec hébergement", "Judiciaire", 5),
        ("MJIE - Mesure judiciaire d'investigation éducative", "Judiciaire", 22),
        ("MJAGBF - Aide à la gestion du budget familial", "Judiciaire", 6),
    ],
    2: [
        ("OPP - Ordonnance de placement provisoire", "Judiciaire", 55),
        ("Accueil provisoire", "Administratif", 25),
        ("Accueil d'urgence 72 heures", "Administratif", 12),
        ("Accueil mère-enfant", "Administratif", 8),
    ],
    3: [
        ("Placement judiciaire à l'ASE", "Judiciaire", 75),
        ("Placement direct", "Judiciaire", 10),
        ("Tutelle déférée à l'ASE", "Judiciaire", 7),
        ("Délégation d'autorité parentale à l'ASE", "Judiciaire", 4),
        ("Pupille de l'État", "Administratif", 4),
    ],
    4: [
        ("Contrat jeune majeur (APJM)", "Administratif", 85),
        ("Accompagnement jeune majeur sans hébergement", "Administratif", 15),
    ],
}
MEASURE_MNA_SHELTER = ("Accueil provisoire d'urgence MNA (mise à l'abri)", "Administratif")
MEASURE_OPP = MEASURES[2][0]
MEASURE_PLJ = MEASURES[3][0]
MEASURE_CJM = MEASURES[4][0]
ACCOMMODATING = {
    "AEMO avec hébergement",
    "OPP - Ordonnance de placement provisoire",
    "Accueil provisoire",
    "Accueil d'urgence 72 heures",
    "Accueil mère-enfant",
    "Placement judiciaire à l'ASE",
    "Placement direct",
    "Tutelle déférée à l'ASE",
    "Délégation d'autorité parentale à l'ASE",
    "Pupille de l'État",
    "Contrat jeune majeur (APJM)",
    MEASURE_MNA_SHELTER[0],
}

MOTIFS_FIN = {
    "majority": "Majorité",
    "cjm_end": "Fin de contrat jeune majeur",
    "relay": "Relais par une autre mesure",
    "other": [
        ("Mainlevée", 35),
        ("Échéance", 35),
        ("Retour en famille", 15),
        ("Transfert dans un autre département", 5),
        ("Autonomie", 5),
        ("Décision du jeune (fin de l'accompagnement)", 5),
    ],
}

# Nature of placement labels -> (outside-93 share, organisation kind)
PLACEMENT_NATURES = {
    "Assistant(e) familial(e) départemental(e)": (0.80, "safd"),
    "Placement familial associatif": (0.65, "pfa"),
    "MECS": (0.72, "mecs"),
    "Foyer départemental de l'enfance": (0.0, "fde"),
    "Pouponnière": (0.40, "poup"),
    "Lieu de vie et d'accueil (LVA)": (0.90, "lva"),
    "Tiers digne de confiance": (0.30, "tdc"),
    "Hôtel": (0.45, "hotel"),
    "Appartement / studio autonome": (0.40, "appart"),
    "FJT / résidence sociale": (0.45, "fjt"),
    "Accueil mère-enfant": (0.40, "ame"),
    "IME / ITEP": (0.60, "ime"),
    "Internat scolaire": (0.50, "internat"),
    "Village d'enfants": (1.0, "village"),
    "Famille (retour à domicile)": (0.0, "famille"),
}

HORS_PLACEMENT = [
    ("Fugue", 35, 1, 60),
    ("Retour / séjour en famille", 20, 2, 45),
    ("Hospitalisation", 12, 2, 45),
    ("Hôtel (mise à l'abri)", 8, 3, 90),
    ("Incarcération / détention", 5, 20, 240),
    ("Séjour de rupture / transfert", 7, 15, 120),
    ("Absence non autorisée", 8, 1, 10),
    ("Sans solution d'hébergement", 3, 3, 60),
    ("Autre", 2, 1, 30),
]

AIDES_CJM = {
    "monthly": "Allocation mensuelle jeune majeur",
    "oneoff": "Aide ponctuelle",
    "install": "Aide à l'installation",
    "training": "Frais de scolarité / formation",
}

# --------------------------------------------------------------------------------------------
# Nationalities as IODAS labels them, masculine / feminine

NATIONALITIES = {
    "FR": [("Français", "Française", 1)],
    "MAGHREB": [
        ("Algérien", "Algérienne", 5),
        ("Marocain", "Marocaine", 4),
        ("Tunisien", "Tunisienne", 2),
    ],
    "WEST_AFRICA": [
        ("Malien", "Malienne", 5),
        ("Sénégalais", "Sénégalaise", 3),
        ("Ivoirien", "Ivoirienne", 4),
        ("Guinéen", "Guinéenne", 4),
        ("Mauritanien", "Mauritanienne", 1),
        ("Burkinabè", "Burkinabè", 1),
        ("Gambien", "Gambienne", 1),
    ],
    "CENTRAL_AFRICA": [
        ("Congolais (RDC)", "Congolaise (RDC)", 4),
        ("Congolais", "Congolaise", 2),
        ("Camerounais", "Camerounaise", 3),
        ("Angolais", "Angolaise", 1),
        ("Centrafricain", "Centrafricaine", 1),
    ],
    "HAITI": [("Haïtien", "Haïtienne", 1)],
    "COMOROS": [("Comorien", "Comorienne", 1)],
    "TAMIL": [("Sri-Lankais", "Sri-Lankaise", 4), ("Indien", "Indienne", 1)],
    "SOUTH_ASIA": [
        ("Pakistanais", "Pakistanaise", 3),
        ("Bangladais", "Bangladaise", 3),
        ("Afghan", "Afghane", 3),
        ("Indien", "Indienne", 1),
    ],
    "VIETNAM": [("Vietnamien", "Vietnamienne", 1)],
    "CHINA": [("Chinois", "Chinoise", 4), ("Cambodgien", "Cambodgienne", 1)],
    "ROMANIA": [("Roumain", "Roumaine", 3), ("Moldave", "Moldave", 1)],
    "POLAND": [("Polonais", "Polonaise", 1)],
    "EX_YUGO": [("Serbe", "Serbe", 2), ("Croate", "Croate", 1), ("Bosnien", "Bosnienne", 1)],
    "UKRAINE": [("Ukrainien", "Ukrainienne", 1)],
    "PORTUGAL": [("Portugais", "Portugaise", 1)],
    "TURKEY": [("Turc", "Turque", 1)],
    "GERMANY": [("Allemand", "Allemande", 1)],
    "DENMARK": [("Danois", "Danoise", 1)],
}
EU_NATIONALITY_LABELS = {
    "Roumain",
    "Roumaine",
    "Polonais",
    "Polonaise",
    "Croate",
    "Portugais",
    "Portugaise",
    "Allemand",
    "Allemande",
    "Danois",
    "Danoise",
}

# --------------------------------------------------------------------------------------------
# WebRSA codes (docs/sources/webrsa.md)

SITFAM_SINGLE = [
    ("CEL", 55),
    ("ISO", 20),
    ("SEF", 8),
    ("SEL", 5),
    ("DIV", 10),
    ("VEU", 1),
    ("ABA", 1),
]
SITFAM_COUPLE = [("MAR", 35), ("VIM", 45), ("PAC", 12), ("RVC", 4), ("RVM", 2), ("RPA", 2)]
TYPEOCCLOG = [
    ("LOC", 40),
    ("HGP", 22),
    ("HOP", 5),
    ("HOT", 5),
    ("HCG", 5),
    ("HCO", 2),
    ("SRG", 4),
    ("SRO", 3),
    ("OLI", 8),
    ("PRO", 1),
    ("ACC", 1),
    ("BAL", 4),
]
ETATDOSRSA_OPEN = [("2", 85), ("3", 6), ("4", 3), ("0", 4), ("Z", 2)]
MOTICLORSA = [("ECH", 40), ("RFD", 20), ("MUT", 15), ("RAU", 10), ("PCG", 10), ("RGD", 5)]
NIVETU = [
    ("1201", 3),
    ("1202", 6),
    ("1203", 18),
    ("1204", 30),
    ("1205", 22),
    ("1206", 15),
    ("1207", 6),
]
NATLOG = [
    ("0901", 20),
    ("0902", 10),
    ("0903", 3),
    ("0904", 4),
    ("0905", 10),
    ("0906", 2),
    ("0907", 2),
    ("0908", 1),
    ("0909", 35),
    ("0910", 1),
    ("0911", 8),
    ("0912", 3),
    ("0913", 1),
]
ACCOEMPLOI = [("1801", 35), ("1802", 50), ("1803", 15)]
TYPEORIENT = [("Social", 45), ("Socioprofessionnelle", 35), ("Emploi", 20)]
STATUT_ORIENT = [("Orienté", 85), ("En attente", 10), ("Non orienté", 5)]
ETAT_PE = ["inscription", "cessation", "radiation"]

# --------------------------------------------------------------------------------------------
# Nova-DPAS (docs/sources/nova_dpas.md)

STATUT_RDV = [
    ("Honoré", 65),
    ("Non honoré", 18),
    ("Annulé par l'usager", 6),
    ("Annulé par le service", 4),
    ("Reporté", 4),
    ("Excusé", 3),
]
TYPE_RDV = [("Entretien", 50), ("Accueil", 25), ("Visite à domicile", 10), ("Permanence", 15)]

# --------------------------------------------------------------------------------------------
# Iodas-DPAS (docs/sources/iodas_dpas.md)

DPAS_TYPES = {
    "FSL": [
        ("Dépôt de garantie", 20),
        ("Premier loyer", 10),
        ("Frais d'agence", 4),
        ("Assurance habitation", 6),
        ("Frais de déménagement", 4),
        ("Mobilier / équipement de première nécessité", 10),
        ("Garantie de loyer", 4),
        ("Dette de loyer", 30),
        ("Dette de charges (copropriétaire occupant)", 2),
        ("ASLL", 10),
    ],
    "FSE": [
        ("Impayé électricité", 45),
        ("Impayé gaz", 25),
        ("Impayé eau", 25),
        ("Autre énergie (fioul, bois)", 5),
    ],
    "FAG": [
        ("Subsistance / alimentation", 35),
        ("Loyer / charges", 15),
        ("Énergie", 10),
        ("Santé", 5),
        ("Transport", 8),
        ("Frais de scolarité / cantine", 8),
        ("Formation", 3),
        ("Garde d'enfant", 4),
        ("Hébergement d'urgence (hôtel)", 6),
        ("Secours d'urgence", 6),
    ],
    "FAJ": [
        ("Subsistance", 40),
        ("Aide à la mobilité (transport, permis)", 18),
        ("Aide à la formation", 14),
        ("Aide au logement / hébergement", 10),
        ("Santé", 4),
        ("Aide au projet d'insertion", 8),
        ("Secours d'urgence", 6),
    ],
}
DPAS_AMOUNTS = {"FSL": (300, 2500), "FSE": (100, 800), "FAG": (50, 600), "FAJ": (50, 1000)}
DPAS_DECISIONS = [
    ("Accord total", 50),
    ("Accord partiel", 12),
    ("Accord sous réserve", 5),
    ("Ajournement", 5),
    ("Refus", 23),
    ("Sans suite", 5),
]
DPAS_MOTIFS_REFUS = [
    ("Ressources supérieures au barème", 20),
    ("Reste à vivre insuffisant (charges trop élevées)", 10),
    ("Reste à vivre supérieur au plafond", 6),
    ("Dossier incomplet", 18),
    ("Non-respect de la subsidiarité (droits non sollicités / autre dispositif compétent)", 8),
    ("Résidence hors Seine-Saint-Denis", 4),
    ("Plafond annuel atteint / aide récente", 10),
    ("Dette trop importante / absence de reprise du paiement du loyer", 6),
    ("Logement inadapté (loyer trop élevé, indécence)", 4),
    ("Situation administrative (titre de séjour)", 6),
    ("Absence d'évaluation sociale", 4),
    ("Demande sans objet", 4),
]
DPAS_MOTIF_AGE = "Hors critères d'âge"
DPAS_HEBERGEMENT = [
    ("Logement autonome individuel", 30),
    ("Logement autonome collectif", 12),
    ("Urgence : foyer d'urgence", 4),
    ("Urgence : CHRS", 5),
    ("Urgence : hôtel social", 8),
    ("Temporaire : appartement relais", 3),
    ("Temporaire : bail glissant", 2),
    ("Temporaire : chez parent ou tiers", 25),
    ("Précaire : résidence sociale", 7),
    ("Précaire : sans hébergement", 3),
    ("Précaire : autre", 1),
]
DPAS_OCCUPATION = [
    ("Locataire parc social", 40),
    ("Locataire parc privé", 20),
    ("Sous-locataire", 5),
    ("Logé gratuitement (hébergé)", 25),
    ("Occupant sans droit ni titre", 3),
    ("Propriétaire", 2),
    ("Autre", 5),
]
DPAS_FAMILLE = [
    ("Personne seule", 45),
    ("Couple sans enfant", 6),
    ("Couple avec enfant(s)", 14),
    ("Famille monoparentale", 30),
    ("Autre (hébergé, cohabitation)", 5),
]
DPAS_PRO = [
    ("Salarié CDI", 8),
    ("CDD / intérim / apprentissage / saisonnier", 15),
    ("Stage de formation ou contrat aidé", 8),
    ("Demandeur d'emploi indemnisé", 10),
    ("Demandeur d'emploi non indemnisé", 25),
    ("Étudiant / élève", 8),
    ("Sans activité", 20),
    ("Invalidité / inaptitude", 4),
    ("Indépendant", 1),
    ("Retraité", 1),
]

# --------------------------------------------------------------------------------------------
# Iodas-MDPH (docs/sources/iodas_mdph.md): code -> (label before 2017, label since 2017)

MDPH_RIGHTS = {
    "AAH": ("Allocation aux adultes handicapés", None),
    "AEEH": ("Allocation d’éducation de l’enfant handicapé", None),
    "PCH": ("Prestation de compensation du handicap", None),
    "ACTP": ("Allocation compensatrice pour tierce personne", None),
    "RQTH": ("Reconnaissance de la qualité de travailleur handicapé", None),
    "CMI_INV": ("Carte d'invalidité", "Carte mobilité inclusion - mention invalidité"),
    "CMI_PRIO": ("Carte de priorité", "Carte mobilité inclusion - mention priorité"),
    "CMI_STAT": ("Carte de stationnement", "Carte mobilité inclusion - mention stationnement"),
    "OR_ESMS_ENF": (
        "Orientation établissement ou service médico-social enfant (IME, ITEP, SESSAD)",
        None,
    ),
    "OR_SCOL": ("Orientation scolaire (ULIS, unité d'enseignement)", None),
    "AESH": ("Auxiliaire de vie scolaire (AVS)", "Aide humaine à la scolarisation (AESH)"),
    "OR_ESAT": ("Orientation en établissement et service d’aide par le travail (ESAT)", None),
    "OR_PRO": ("Orientation professionnelle milieu ordinaire / CRP", None),
    "OR_ESMS_AD": (
        "Orientation établissement ou service médico-social adulte (foyer, FAM, MAS, SAVS, SAMSAH)",
        None,
    ),
    "AVPF": ("Affiliation à l'assurance vieillesse des parents au foyer", None),
}
MDPH_CHILD_RIGHTS = [
    ("AEEH", 30),
    ("OR_ESMS_ENF", 18),
    ("OR_SCOL", 15),
    ("AESH", 20),
    ("PCH", 5),
    ("CMI_PRIO", 7),
    ("CMI_INV", 5),
]
MDPH_ADULT_RIGHTS = [
    ("AAH", 25),
    ("RQTH", 28),
    ("OR_ESAT", 8),
    ("OR_PRO", 12),
    ("OR_ESMS_AD", 4),
    ("CMI_INV", 6),
    ("CMI_PRIO", 8),
    ("CMI_STAT", 3),
    ("PCH", 5),
    ("ACTP", 0.3),
    ("AVPF", 0.7),
]
MDPH_DECISIONS = [("Accord", 75), ("Rejet", 20), ("Sursis", 5)]
MDPH_TAUX = [(">=80%", 25), ("50-79%", 45), ("<50%", 20), ("", 10)]
