"""Build the country, EU-membership and nationality reference seeds.

Sources:

- ISO 3166-1 countries from the PyPI package ``pycountry`` (26.2.16 when this
  was written; its data come from Debian's iso-codes, LGPL-2.1). French names
  come from pycountry's gettext catalogue ``iso3166-1`` (the short common name
  when ISO gives one, e.g. "Syrie"), with the English name as fallback.
  Kosovo (``XK``/``XKX``), a user-assigned code used by the EU and many
  administrations but absent from ISO 3166-1, is added by hand.
- EU membership (accession and exit dates): stable public facts from the EU
  treaties, kept in ``EU_MEMBERS`` below.
- Nationality adjectives (masculine and feminine, as IODAS writes them): kept in
  ``NATIONALITIES`` below.

This script is NOT a runtime dependency of the pipeline: the CSVs it writes are
committed under ``seeds/reference/``. Rows are sorted, so reruns give the same
files.

Usage::

    .venv/bin/python scripts/reference/build_countries.py
"""

from __future__ import annotations

import csv
import gettext
import sys
from pathlib import Path

import pycountry

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "seeds" / "reference"

# (code_iso2, date_adhesion, date_sortie). Membership is inclusive of both dates:
# date_sortie is the last day as a member (the UK left at midnight CET at the end
# of 2020-01-31). Founding members: Treaty of Rome in force on 1958-01-01.
EU_MEMBERS: list[tuple[str, str, str]] = [
    *((code, "1958-01-01", "") for code in ("BE", "DE", "FR", "IT", "LU", "NL")),
    ("DK", "1973-01-01", ""),
    ("IE", "1973-01-01", ""),
    ("GB", "1973-01-01", "2020-01-31"),
    ("GR", "1981-01-01", ""),
    ("ES", "1986-01-01", ""),
    ("PT", "1986-01-01", ""),
    *((code, "1995-01-01", "") for code in ("AT", "FI", "SE")),
    *(
        (code, "2004-05-01", "")
        for code in ("CY", "CZ", "EE", "HU", "LT", "LV", "MT", "PL", "SI", "SK")
    ),
    ("BG", "2007-01-01", ""),
    ("RO", "2007-01-01", ""),
    ("HR", "2013-07-01", ""),
]

# Codes not in ISO 3166-1 but found in administrative data.
EXTRA_COUNTRIES = [("XK", "XKX", "Kosovo")]

# Territories whose people normally hold the citizenship of another country:
# the nationality category follows that country (e.g. Réunion -> France,
# Curaçao -> Netherlands, Greenland -> Denmark).
SOVEREIGN = {
    **dict.fromkeys(
        ("BL", "GF", "GP", "MF", "MQ", "NC", "PF", "PM", "RE", "TF", "WF", "YT"),
        "FR",
    ),
    **dict.fromkeys(("AW", "BQ", "CW", "SX"), "NL"),
    **dict.fromkeys(("FO", "GL"), "DK"),
    "AX": "FI",
}

# (masculine, feminine, code_iso2). Same form twice -> one row.
NATIONALITIES: list[tuple[str, str, str]] = [
    # France and EU
    ("Français", "Française", "FR"),
    ("Allemand", "Allemande", "DE"),
    ("Autrichien", "Autrichienne", "AT"),
    ("Belge", "Belge", "BE"),
    ("Bulgare", "Bulgare", "BG"),
    ("Chypriote", "Chypriote", "CY"),
    ("Croate", "Croate", "HR"),
    ("Danois", "Danoise", "DK"),
    ("Espagnol", "Espagnole", "ES"),
    ("Estonien", "Estonienne", "EE"),
    ("Finlandais", "Finlandaise", "FI"),
    ("Grec", "Grecque", "GR"),
    ("Hongrois", "Hongroise", "HU"),
    ("Irlandais", "Irlandaise", "IE"),
    ("Italien", "Italienne", "IT"),
    ("Letton", "Lettone", "LV"),
    ("Lituanien", "Lituanienne", "LT"),
    ("Luxembourgeois", "Luxembourgeoise", "LU"),
    ("Maltais", "Maltaise", "MT"),
    ("Néerlandais", "Néerlandaise", "NL"),
    ("Polonais", "Polonaise", "PL"),
    ("Portugais", "Portugaise", "PT"),
    ("Roumain", "Roumaine", "RO"),
    ("Slovaque", "Slovaque", "SK"),
    ("Slovène", "Slovène", "SI"),
    ("Suédois", "Suédoise", "SE"),
    ("Tchèque", "Tchèque", "CZ"),
    # Rest of Europe
    ("Albanais", "Albanaise", "AL"),
    ("Biélorusse", "Biélorusse", "BY"),
    ("Bosnien", "Bosnienne", "BA"),
    ("Britannique", "Britannique", "GB"),
    ("Kosovar", "Kosovare", "XK"),
    ("Macédonien", "Macédonienne", "MK"),
    ("Moldave", "Moldave", "MD"),
    ("Monténégrin", "Monténégrine", "ME"),
    ("Norvégien", "Norvégienne", "NO"),
    ("Russe", "Russe", "RU"),
    ("Serbe", "Serbe", "RS"),
    ("Suisse", "Suisse", "CH"),
    ("Ukrainien", "Ukrainienne", "UA"),
    # Maghreb, Middle East, Caucasus, Central Asia
    ("Algérien", "Algérienne", "DZ"),
    ("Marocain", "Marocaine", "MA"),
    ("Tunisien", "Tunisienne", "TN"),
    ("Libyen", "Libyenne", "LY"),
    ("Égyptien", "Égyptienne", "EG"),
    ("Arménien", "Arménienne", "AM"),
    ("Azerbaïdjanais", "Azerbaïdjanaise", "AZ"),
    ("Géorgien", "Géorgienne", "GE"),
    ("Irakien", "Irakienne", "IQ"),
    ("Iranien", "Iranienne", "IR"),
    ("Jordanien", "Jordanienne", "JO"),
    ("Libanais", "Libanaise", "LB"),
    ("Palestinien", "Palestinienne", "PS"),
    ("Saoudien", "Saoudienne", "SA"),
    ("Syrien", "Syrienne", "SY"),
    ("Turc", "Turque", "TR"),
    ("Yéménite", "Yéménite", "YE"),
    ("Kazakh", "Kazakhe", "KZ"),
    ("Kirghize", "Kirghize", "KG"),
    ("Mongol", "Mongole", "MN"),
    ("Ouzbek", "Ouzbèke", "UZ"),
    ("Tadjik", "Tadjike", "TJ"),
    # West Africa
    ("Béninois", "Béninoise", "BJ"),
    ("Bissau-Guinéen", "Bissau-Guinéenne", "GW"),
    ("Burkinabè", "Burkinabè", "BF"),
    ("Cap-Verdien", "Cap-Verdienne", "CV"),
    ("Gambien", "Gambienne", "GM"),
    ("Ghanéen", "Ghanéenne", "GH"),
    ("Guinéen", "Guinéenne", "GN"),
    ("Ivoirien", "Ivoirienne", "CI"),
    ("Libérien", "Libérienne", "LR"),
    ("Malien", "Malienne", "ML"),
    ("Mauritanien", "Mauritanienne", "MR"),
    ("Nigérian", "Nigériane", "NG"),
    ("Nigérien", "Nigérienne", "NE"),
    ("Sénégalais", "Sénégalaise", "SN"),
    ("Sierra-Léonais", "Sierra-Léonaise", "SL"),
    ("Togolais", "Togolaise", "TG"),
    # Central Africa
    ("Camerounais", "Camerounaise", "CM"),
    ("Centrafricain", "Centrafricaine", "CF"),
    ("Congolais", "Congolaise", "CG"),
    ("Congolais (RDC)", "Congolaise (RDC)", "CD"),
    ("Équato-Guinéen", "Équato-Guinéenne", "GQ"),
    ("Gabonais", "Gabonaise", "GA"),
    ("Tchadien", "Tchadienne", "TD"),
    ("Angolais", "Angolaise", "AO"),
    ("Burundais", "Burundaise", "BI"),
    ("Rwandais", "Rwandaise", "RW"),
    # East Africa, Indian Ocean, southern Africa
    ("Comorien", "Comorienne", "KM"),
    ("Djiboutien", "Djiboutienne", "DJ"),
    ("Érythréen", "Érythréenne", "ER"),
    ("Éthiopien", "Éthiopienne", "ET"),
    ("Kényan", "Kényane", "KE"),
    ("Malgache", "Malgache", "MG"),
    ("Mauricien", "Mauricienne", "MU"),
    ("Somalien", "Somalienne", "SO"),
    ("Soudanais", "Soudanaise", "SD"),
    ("Sud-Soudanais", "Sud-Soudanaise", "SS"),
    ("Tanzanien", "Tanzanienne", "TZ"),
    ("Ougandais", "Ougandaise", "UG"),
    ("Sud-Africain", "Sud-Africaine", "ZA"),
    # South and East Asia
    ("Afghan", "Afghane", "AF"),
    ("Bangladais", "Bangladaise", "BD"),
    ("Indien", "Indienne", "IN"),
    ("Népalais", "Népalaise", "NP"),
    ("Pakistanais", "Pakistanaise", "PK"),
    ("Sri-Lankais", "Sri-Lankaise", "LK"),
    ("Cambodgien", "Cambodgienne", "KH"),
    ("Chinois", "Chinoise", "CN"),
    ("Japonais", "Japonaise", "JP"),
    ("Laotien", "Laotienne", "LA"),
    ("Philippin", "Philippine", "PH"),
    ("Thaïlandais", "Thaïlandaise", "TH"),
    ("Vietnamien", "Vietnamienne", "VN"),
    # Americas
    ("Américain", "Américaine", "US"),
    ("Argentin", "Argentine", "AR"),
    ("Bolivien", "Bolivienne", "BO"),
    ("Brésilien", "Brésilienne", "BR"),
    ("Canadien", "Canadienne", "CA"),
    ("Chilien", "Chilienne", "CL"),
    ("Colombien", "Colombienne", "CO"),
    ("Cubain", "Cubaine", "CU"),
    ("Dominicain", "Dominicaine", "DO"),
    ("Équatorien", "Équatorienne", "EC"),
    ("Guyanien", "Guyanienne", "GY"),
    ("Haïtien", "Haïtienne", "HT"),
    ("Mexicain", "Mexicaine", "MX"),
    ("Péruvien", "Péruvienne", "PE"),
    ("Surinamais", "Surinamaise", "SR"),
    ("Vénézuélien", "Vénézuélienne", "VE"),
]


def french_names() -> gettext.NullTranslations:
    """pycountry's French catalogue for ISO 3166-1 (English if missing)."""
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)


def nationality_category(code: str, current_eu: set[str]) -> str:
    """France / UE / hors UE for the citizenship attached to a country code."""
    code = SOVEREIGN.get(code, code)
    if code == "FR":
        return "France"
    return "UE" if code in current_eu else "hors UE"


def build_countries() -> list[dict]:
    """Rows of ref_pays, sorted by code_iso2."""
    fr = french_names()
    current_eu = {code for code, _, left in EU_MEMBERS if not left}
    rows = []
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        rows.append((country.alpha_2, country.alpha_3, fr.gettext(english)))
    rows.extend(EXTRA_COUNTRIES)
    return [
        {
            "code_iso2": iso2,
            "code_iso3": iso3,
            "nom_fr": name,
            "categorie_nationalite_actuelle": nationality_category(iso2, current_eu),
        }
        for iso2, iso3, name in sorted(rows)
    ]


def build_eu() -> list[dict]:
    """Rows of ref_pays_ue, sorted by code_iso2."""
    return [
        {"code_iso2": code, "date_adhesion": joined, "date_sortie": left}
        for code, joined, left in sorted(EU_MEMBERS)
    ]


def build_nationalities() -> list[dict]:
    """Rows of ref_nationalites (one per distinct label), sorted by label."""
    rows = {}
    for masculine, feminine, code in NATIONALITIES:
        for label in (masculine, feminine):
            if rows.get(label, code) != code:
                sys.exit(f"label {label!r} maps to two codes")
            rows[label] = code
    return [{"libelle": label, "code_iso2": rows[label]} for label in sorted(rows)]


def write_csv(path: Path, rows: list[dict]) -> None:
    """Write rows as UTF-8 CSV with LF line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {path.relative_to(REPO_ROOT)}")


def main() -> None:
    """Write ref_pays, ref_pays_ue and ref_nationalites."""
    countries = build_countries()
    known = {row["code_iso2"] for row in countries}
    used = {code for _, _, code in NATIONALITIES} | {c for c, _, _ in EU_MEMBERS}
    unknown = used - known
    if unknown:
        sys.exit(f"codes missing from ref_pays: {sorted(unknown)}")
    write_csv(OUT_DIR / "ref_pays.csv", countries)
    write_csv(OUT_DIR / "ref_pays_ue.csv", build_eu())
    write_csv(OUT_DIR / "ref_nationalites.csv", build_nationalities())


if __name__ == "__main__":
    main()
