"""`pipase synth --difficile`: every harder error class is planted,
labelled in the ground truth, and really is what its label says on the rows of the files; the
default generation plants none of them. One generation of 1,500 youths (a few seconds)."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from pipase import synth
from pipase.protocol import normalise_name
from pipase.synth.groundtruth import DIFFICULTIES, HARD_DIFFICULTIES
from pipase.synth.identity import HARD_RATES


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    out = tmp_path_factory.mktemp("difficile")
    synth.generate(out, youths=1500, seed=11, hard_errors=True)
    return out


def _truth(out):
    with (out / "ground_truth" / "source_rows.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (out / "ground_truth" / "persons.csv").open(encoding="utf-8") as handle:
        persons = {p["person_uid"]: p for p in csv.DictReader(handle)}
    return rows, persons


def test_every_hard_class_is_planted_and_documented(hard):
    rows, _persons = _truth(hard)
    seen = {k for r in rows for k in r["difficulties"].split(";") if k}
    assert set(HARD_RATES) == set(HARD_DIFFICULTIES)
    assert set(HARD_DIFFICULTIES) <= seen
    assert not set(HARD_DIFFICULTIES) & set(DIFFICULTIES)
    readme = (hard / "ground_truth" / "README.md").read_text(encoding="utf-8")
    for kind in HARD_DIFFICULTIES:
        assert f"`{kind}`" in readme


def test_the_labels_say_what_the_rows_hold(hard):
    """On Nova-DPAS personnes (UTF-8, one row per person): a surname typo or transliteration
    changes the normalised surname, a name swap puts the first name in the surname column, a
    month off by one keeps day and year, a cut compound first name is a part of the true one."""
    rows, persons = _truth(hard)
    labels = {
        int(r["line"]): (r["person_uid"], set(r["difficulties"].split(";")))
        for r in rows
        if r["source"] == "nova_dpas" and r["table"] == "personnes"
    }
    with (hard / "nova_dpas" / "personnes.csv").open(encoding="utf-8-sig", newline="") as h:
        data = list(csv.DictReader(h, delimiter=";"))
    checked: dict[str, int] = {}
    for line, row in enumerate(data, start=2):
        uid, kinds = labels[line]
        person = persons[uid]
        nom = normalise_name(row["nom_naissance"] or row["nom_usage"])
        prenom = normalise_name(row["prenom"])
        try:
            birth = dt.datetime.strptime(row["date_naissance"], "%d-%m-%Y").date()
        except ValueError:
            continue  # the generator's planted reject (an impossible date), not a hard class
        true_birth = dt.date.fromisoformat(person["birth_date"])
        if "surname_typo" in kinds or "surname_transliteration" in kinds:
            assert normalise_name(row["nom_naissance"] or "") != normalise_name(
                person["nom_naissance"]
            )
        if "names_swapped" in kinds:
            assert nom == person["prenom_normalise"] and prenom == normalise_name(
                person["nom_naissance"]
            )
        if "birth_month_off" in kinds:
            assert (birth.year, birth.day) == (true_birth.year, true_birth.day)
            assert abs(birth.month - true_birth.month) == 1
        if "first_name_compound_cut" in kinds:
            assert prenom != person["prenom_normalise"]
            assert prenom in person["prenom_normalise"]
        for kind in kinds & set(HARD_DIFFICULTIES):
            checked[kind] = checked.get(kind, 0) + 1
    assert checked.get("surname_typo", 0) > 0 and checked.get("birth_month_off", 0) > 0


def test_the_default_generation_plants_none_of_them(tmp_path):
    synth.generate(tmp_path, youths=300, seed=11)
    rows, _persons = _truth(tmp_path)
    seen = {k for r in rows for k in r["difficulties"].split(";") if k}
    assert not seen & set(HARD_DIFFICULTIES)
