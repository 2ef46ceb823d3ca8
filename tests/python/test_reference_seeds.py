"""Checks on the reference seeds under seeds/reference (code lists only)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS = REPO_ROOT / "seeds" / "reference"


def read(name: str) -> list[dict[str, str]]:
    """Rows of a seed CSV as dicts of strings."""
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_communes_codes_are_unique_and_well_formed():
    rows = read("ref_communes")
    codes = [row["code_insee"] for row in rows]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[0-9]{5}|2[AB][0-9]{3}", code) for code in codes)
    statuts = Counter(row["statut"] for row in rows)
    assert 34_000 < statuts["actuelle"] < 36_000


def test_communes_map_to_current_communes():
    rows = read("ref_communes")
    current = {r["code_insee"] for r in rows if r["statut"] == "actuelle"}
    for row in rows:
        assert row["code_commune_actuelle"] in current, row
        if row["statut"] == "actuelle":
            assert row["code_commune_actuelle"] == row["code_insee"]


def test_normalised_names():
    by_code = {r["code_insee"]: r for r in read("ref_communes")}
    assert by_code["93039"]["nom_normalise"] == "L ILE SAINT DENIS"
    assert by_code["93031"]["nom_normalise"] == "EPINAY SUR SEINE"
    for row in by_code.values():
        assert re.fullmatch(r"([A-Z0-9]+( [A-Z0-9]+)*)?", row["nom_normalise"]), row


def test_communes_93_has_40_codes_and_pierrefitte_maps_to_saint_denis():
    rows = read("ref_communes_93")
    assert len(rows) == 40
    by_code = {r["code_insee"]: r for r in rows}
    assert by_code["93059"]["code_commune_actuelle"] == "93066"
    assert "93380" in by_code["93066"]["codes_postaux"].split("|")
    communes = {r["code_insee"]: r for r in read("ref_communes")}
    assert communes["93059"]["code_commune_actuelle"] == "93066"
    assert communes["93059"]["statut"] == "deleguee"
    assert set(by_code) <= set(communes)
    current = [r for r in rows if r["code_commune_actuelle"] == r["code_insee"]]
    assert len(current) == 39
    assert all(int(r["population"]) > 0 for r in current)


@pytest.mark.parametrize("code", ["K2204", "N1103", "G1603"])
def test_rome_contains_common_codes(code):
    assert code in {r["code_rome"] for r in read("ref_rome")}


def test_rome_codes_and_domains():
    rows = read("ref_rome")
    assert all(re.fullmatch(r"[A-N][0-9]{4}", r["code_rome"]) for r in rows)
    assert all(r["grand_domaine"] == r["code_rome"][0] for r in rows)
    labels = {(r["grand_domaine"], r["libelle_grand_domaine"]) for r in rows}
    assert sorted(letter for letter, _ in labels) == list("ABCDEFGHIJKLMN")


def test_each_commune_of_93_in_exactly_one_circonscription():
    rows = read("ref_circonscriptions_ase")
    assert len({r["code_circonscription"] for r in rows}) == 22
    per_commune = Counter(r["code_insee"] for r in rows)
    communes_93 = {r["code_insee"] for r in read("ref_communes_93")}
    assert set(per_commune) == communes_93
    assert set(per_commune.values()) == {1}
    assert all(re.fullmatch(r"CIRC(0[1-9]|1[0-9]|2[0-2])", r["code_circonscription"]) for r in rows)


def test_every_seed_types_only_columns_it_has():
    """A column type for a column the CSV lacks makes agate print a warning at every build
    ("... does not match the name of any column"), noise the data office cannot act on."""
    import yaml

    folders = [REPO_ROOT / "seeds", REPO_ROOT / "src/pipase/protocol_data"]
    folders.append(REPO_ROOT / "tests/fixtures/protocol")
    checked = 0
    for properties in sorted(p for folder in folders for p in folder.rglob("*.yml")):
        for seed in (yaml.safe_load(properties.read_text(encoding="utf-8")) or {}).get("seeds", []):
            types = (seed.get("config") or {}).get("column_types") or {}
            csv_path = next(properties.parent.rglob(f"{seed['name']}.csv"), None)
            if not types or csv_path is None:
                continue
            with csv_path.open(encoding="utf-8", newline="") as handle:
                header = next(csv.reader(handle))
            assert set(types) <= set(header), (seed["name"], sorted(set(types) - set(header)))
            checked += 1
    assert checked > 10
