"""`pipase docs`: the committee's site built from a run record, without a browser (fast).

A run record is a JSON of counts; the tests write small records of their own (synthetic figures
chosen so that each can be found on the page: 4321 rows, a count of 7 that must be masked) and
build the site with MkDocs into tmp_path (about five seconds each). The browser checks of the
site that `make docs` builds (every page at 1366 and 390 px, axe-core, focus, no outside
request) are in test_docs_site.py.
"""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

import pytest

from pipase import cli
from pipase.docsite import build as site_build
from pipase.docsite import risk

PAGES = ["index.html", "chiffres.html", "risque.html", "dictionnaire.html", "protections.html",
         "convention.html"]  # fmt: skip


def _record() -> dict:
    """A run record as `pipase run` writes it (the sections the site reads), small figures."""
    return {
        "format": "pipase-run",
        "version_format": 1,
        "statut": "termine",
        "date_extraction": "2026-06-30",
        "debut": "2026-07-01T08:00:00+00:00",
        "fin": "2026-07-01T08:05:00+00:00",
        "protocole": {"version": "1.0", "variante": "plain", "algorithme": "SHA-256"},
        "versions": {"pipase": "0.1.0", "dbt_core": "1.11", "duckdb": "1.5.5", "python": "3.11"},
        "fichiers": [
            {"source": "webrsa", "table": "personnes", "fichier": "webrsa_personnes.csv",
             "lignes_lues": 4328, "lignes_chargees": 4321, "lignes_rejetees": 7},
            {"source": "iodas_ase", "table": "individus", "fichier": "iodas_ase_individus.csv",
             "lignes_lues": 2500, "lignes_chargees": 2500, "lignes_rejetees": 0},
        ],
        "rejets": [{"fichier": "webrsa_personnes.csv", "colonne": "date_naissance",
                    "regle": "date_format", "valeurs": 7, "lignes": 7}],
        "construction": {"commande": "dbt build", "noeuds": 10,
                         "par_type": {"model": {"success": 5}, "test": {"pass": 5}},
                         "non_reussis": []},
        "rapports": {
            "appariement": {"rpt_linkage__by_source": {"lignes": [
                {"base_source": "webrsa", "rows_in": 4321, "matched_primary": 3000,
                 "matched_internal": 7, "matched_secondary": 314, "matched_total": 3321,
                 "matched_usage_name": 7, "ambiguous": 0, "unmatched": 1000,
                 "rows_without_key": 0, "dropped": 1000, "cohort_members_matched": 2900,
                 "counts_reconcile": True},
            ], "tronque": False}},
            "risque": {
                "rpt_risk__dictionary_attack": {"lignes": [
                    {"ordre": 1, "cle": "cle_hachage_secondaire", "n_noms": 215909,
                     "n_prenoms": None, "n_dates": 300, "hachages_par_seconde": 843380},
                    {"ordre": 2, "cle": "cle_hachage", "n_noms": 215909, "n_prenoms": 28798,
                     "n_dates": 9132, "hachages_par_seconde": 843380},
                ], "tronque": False},
                "rpt_risk__k_anonymity": {"lignes": [
                    {"modele": "annexe2_iodas_ase__individu",
                     "quasi_identifiants": "mois_naissance, genre", "n_personnes": 2500,
                     "n_classes": 600, "k_minimum": 1, "n_personnes_k1": 9,
                     "n_personnes_k_moins_11": 480},
                ], "tronque": False},
            },
        },
        "durees": {"load": {"statut": "ok", "secondes": 12.5},
                   "build": {"statut": "ok", "secondes": 250.0}},
        "secondes_total": 262.5,
    }  # fmt: skip


def _text(site: Path, page: str) -> str:
    """The page's visible text, roughly (tags dropped, entities decoded)."""
    raw = (site / page).read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw)).replace("\u200b", "")


def _cells(site: Path, page: str) -> list[str]:
    raw = (site / page).read_text(encoding="utf-8")
    return [
        html.unescape(re.sub(r"<[^>]+>", "", c)).replace("\u200b", "").strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", raw, flags=re.S)
    ]


def small_counts_shown(site: Path, record: dict) -> list[str]:
    """Table cells that show one of the record's counts between 1 and 10 as a number."""
    small = {"7", "9"}  # the record's small counts
    found = []
    for page in PAGES:
        for cell in _cells(site, page):
            first = cell.split(" (")[0].replace("\u202f", "")
            if first in small:
                found.append(f"{page}: {cell}")
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    site_build.build_site(site_build.SiteInputs(record=_record()), out)
    return out


def test_every_page_is_built_in_french(built):
    for page in PAGES:
        text = (built / page).read_text(encoding="utf-8")
        assert '<html lang="fr"' in text, page
        assert "fonts.googleapis" not in text and "unpkg.com" not in text, page
    # the search shim is ours (vendored), not the CDN's the offline plugin adds by default
    assert (built / "assets" / "iframe-worker" / "shim.js").is_file()
    assert "iframe-worker/shim.js" in (built / "index.html").read_text(encoding="utf-8")


def test_site_shows_the_records_figures(built):
    text = _text(built, "chiffres.html").replace("\u202f", " ")
    assert "4 321" in text  # WebRSA rows loaded and rows received by the linkage
    assert "3 000" in text and "69,4 %" in text  # matched by the primary key, and its rate
    assert "2 900" in text  # cohort members found
    assert "Extraction du" in text and "2026-06-30" in text
    assert "nom d'usage au lieu du nom de naissance" in text  # a method, in French
    assert "matched_usage_name" not in text and "matched_internal" not in text


def test_counts_below_eleven_are_masked(built):
    assert small_counts_shown(built, _record()) == []
    cells = _cells(built, "chiffres.html")
    assert "< 11" in cells  # the 7 rejected rows of WebRSA
    assert "< 11 (—)" in cells  # a masked count keeps its rate hidden too
    # 7 of 4 328 (or of 4 321) is 0,2 %: a rate that would give the count back
    assert "0,2 %" not in _text(built, "chiffres.html")


def test_masking_check_sees_an_unmasked_count(tmp_path, monkeypatch):
    """Mutation: without the masking, the check finds the small counts."""
    monkeypatch.setattr(site_build, "SMALL_COUNT", 0)
    out = tmp_path / "site"
    site_build.build_site(site_build.SiteInputs(record=_record()), out)
    assert small_counts_shown(out, _record()) != []


def test_risk_page_gives_both_keys_and_the_remedy(built):
    text = _text(built, "risque.html").replace("\u202f", " ")
    for heading in (
        "Renverser les clés de hachage",
        "Conclusion",
        "Remède : la variante à clé (HMAC-SHA-256)",
        "k-anonymat des tables",
    ):
        assert heading in text, heading  # fmt: skip
    # secondary key first (215 909 surnames x 300 months), then per person (28 798 x 31)
    assert "64 772 700" in text
    assert "892 738" in text
    assert "843 380 SHA-256 par seconde" in text  # the rate this run measured
    assert "RTX 4090" in text and "hashcat" in text  # the stated GPU rate and its source
    assert "ne protègent pas" in text
    assert "Recommandation" in text and "partenaires" in text
    assert "objectif k ≥ 11" in text.lower() or "Objectif affiché : k ≥ 11" in text


def test_reversal_is_computed_as_an_attacker_goes():
    rows = _record()["rapports"]["risque"]["rpt_risk__dictionary_attack"]["lignes"]
    result = risk.reversal(rows, persons=2500)
    assert result.secondary_file.candidates == 215909 * 300
    assert result.secondary_person.candidates == 215909
    assert result.primary_person.candidates == 28798 * 31
    assert result.primary_cohort.candidates == 28798 * 31 * 2500
    # the naive figure (everything at once) is what misled: far above the two steps together
    assert result.naive_primary.candidates == 215909 * 28798 * 9132
    assert result.naive_primary.cpu_seconds > 1000 * (
        result.secondary_file.cpu_seconds + result.primary_cohort.cpu_seconds
    )
    assert result.primary_person.gpu_seconds < 1


def test_keyed_synthetic_run(tmp_path, built):
    """A keyed run: the reversal does not apply; a synthetic run is labelled as such."""
    assert "Données synthétiques" not in _text(built, "index.html")
    assert "Run réel" in _text(built, "index.html")
    record = copy.deepcopy(_record())
    record["protocole"]["variante"] = "keyed"
    out = tmp_path / "site"
    site_build.build_site(site_build.SiteInputs(record=record, synthetic=True), out)
    assert "ne s'applique pas" in _text(out, "risque.html")
    assert "Données synthétiques" in _text(out, "index.html")


def test_cli_builds_from_a_record_and_refuses_what_is_not_one(tmp_path, capsys):
    record = tmp_path / "pipase_2026-06-30.run.json"
    record.write_text(json.dumps(_record()), encoding="utf-8")
    out = tmp_path / "site"
    assert cli.main(["docs", "--run-record", str(record), "--out", str(out)]) == 0
    assert (out / "risque.html").is_file()
    assert "site écrit" in capsys.readouterr().out

    other = tmp_path / "other.json"
    other.write_text('{"format": "something-else"}', encoding="utf-8")
    assert cli.main(["docs", "--run-record", str(other), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "pipase docs" in err and "other.json" in err and "Traceback" not in err
    assert cli.main(["docs", "--run-record", str(tmp_path / "missing.json")]) == 1
    assert "missing.json" in capsys.readouterr().err


def test_a_refused_run_without_reports_still_gives_a_site_that_says_so(tmp_path):
    record = {"format": "pipase-run", "statut": "refuse", "date_extraction": "2026-06-30"}
    out = tmp_path / "site"
    site_build.build_site(site_build.SiteInputs(record=record), out)
    assert "Aucun fichier chargé" in _text(out, "chiffres.html")
    assert "refusé" in _text(out, "chiffres.html")
    risk_text = _text(out, "risque.html")
    assert "ne peut pas être calculé" in risk_text
    assert "rpt_risk__k_anonymity" in risk_text  # names the missing report
    assert "dictionnaire_annexe2.csv" not in _text(out, "dictionnaire.html")  # no dead link
