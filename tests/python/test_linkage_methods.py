"""The crossing's statuses, methods and reasons live in one seed (ref_linkage__methodes).

Files only (well under a second). Each check is a function over a project folder, with a
planted counter-example it must find:

- the seed is well formed: natures statut/methode/motif, (nature, code) and report columns
  unique, every row labelled and explained;
- every code int_crossing__appariements writes into statut/methode/motif is in the seed, and
  every code of the seed is written there (nothing dead);
- rpt_linkage__by_source takes its per-code columns from the seed at compile time (no code of
  the seed written by hand, no column documented apart); the crossing model's YAML tests its
  three columns against the seed;
- the committee site and the docs site take their labels from the seed; the codes the
  evaluation names are the seed's.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from conftest import REPO

from pipase.docsite import build as site
from pipase.linkage import evaluation, methods

SEED = Path("src/pipase/protocol_data/ref_linkage__methodes.csv")
CROSSING = Path("models/intermediate/crossing/int_crossing__appariements.sql")
CROSSING_YML = Path("models/intermediate/crossing/_crossing__models.yml")
REPORT = Path("models/marts/reports/rpt_linkage__by_source.sql")
REPORT_YML = Path("models/marts/reports/_reports__models.yml")
# literals of the crossing SQL that are not outputs: internal flags of the probabilistic step
INTERNAL_LITERALS = {"sous_seuil"}
COLUMN_OF = {"statut": "statut_appariement", "methode": "methode_appariement",
             "motif": "motif_non_appariement"}  # fmt: skip


def seed_problems(root: Path) -> list[str]:
    rows = methods.read_outcomes.__wrapped__(root / SEED)
    problems = []
    seen, columns = set(), set()
    for row in rows:
        if row.nature not in methods.NATURES:
            problems.append(f"nature inconnue : {row.nature}")
        if (row.nature, row.code) in seen:
            problems.append(f"en double : {row.nature} {row.code}")
        seen.add((row.nature, row.code))
        if row.colonne_rapport and row.colonne_rapport in columns:
            problems.append(f"colonne du rapport en double : {row.colonne_rapport}")
        columns.add(row.colonne_rapport)
        if not (row.code and row.libelle and row.signification):
            problems.append(f"ligne incomplète : {row.nature} {row.code}")
    return problems


def _crossing_literals(root: Path) -> set[str]:
    """Codes the crossing SQL writes: THEN results, the methods of variant_rules, and the
    statuses/methods/reasons compared with a column of the decision (probabilistic flags aside)."""
    sql = (root / CROSSING).read_text(encoding="utf-8")
    sql = re.sub(r"--[^\n]*", "", sql)
    found = set(re.findall(r"\b(?:then|else)\s+'([a-z0-9_]+)'", sql))
    found |= set(re.findall(r"\('[a-z0-9_]+',\s*'[a-z0-9_]+',\s*'([a-z0-9_]+)',\s*\d+\)", sql))
    return found - INTERNAL_LITERALS


def crossing_problems(root: Path) -> list[str]:
    seed = {o.code for o in methods.read_outcomes.__wrapped__(root / SEED)}
    written = _crossing_literals(root)
    return sorted(
        [f"écrit par le croisement, absent du seed : {c}" for c in written - seed]
        + [f"dans le seed, jamais écrit : {c}" for c in seed - written]
    )


def report_problems(root: Path) -> list[str]:
    """The report takes its per-code columns from the seed: one loop over the seed's rows read
    at compile time, no code of the seed written by hand in the SQL, none documented apart."""
    sql = (root / REPORT).read_text(encoding="utf-8")
    problems = []
    if not re.search(r"ref\('ref_linkage__methodes'\)", sql) or (
        "= linkage_report_outcomes()" not in sql
    ):
        problems.append("le rapport ne lit pas le seed")
    if not re.search(r"appariements\.\{\{ column_of\[nature\] \}\} = '\{\{ code \}\}'", sql):
        problems.append("le rapport ne compte pas chaque code du seed par sa nature")
    seed = methods.read_outcomes.__wrapped__(root / SEED)
    codes = {row.code for row in seed}
    # sans_cle: the status the doors' own reasons (motif_sans_cle, no seed rows) break down
    hand = set(re.findall(r"'([a-z0-9_]+)'", re.sub(r"--[^\n]*", "", sql))) & codes - {"sans_cle"}
    problems += [f"code du seed écrit à la main dans le rapport : {c}" for c in sorted(hand)]
    documented = {
        column["name"]
        for model in yaml.safe_load((root / REPORT_YML).read_text(encoding="utf-8"))["models"]
        if model["name"] == "rpt_linkage__by_source"
        for column in model.get("columns", [])
    }
    columns = {row.colonne_rapport for row in seed if row.colonne_rapport}
    problems += [
        f"colonne du seed documentée à la main : {c}" for c in sorted(documented & columns)
    ]
    return sorted(problems)


def seed_tests_of(root: Path) -> dict[str, list[str]]:
    """Per column of int_crossing__appariements: the natures it is tested against in the seed."""
    models = yaml.safe_load((root / CROSSING_YML).read_text(encoding="utf-8"))["models"]
    found = {}
    for column in next(m for m in models if m["name"] == "int_crossing__appariements")["columns"]:
        for test in column.get("data_tests") or []:
            arguments = (test.get("is_in_code_list") or {}).get("arguments", {}) if isinstance(
                test, dict) else {}  # fmt: skip
            if "ref_linkage__methodes" in str(arguments.get("code_list")):
                nature = re.search(r"nature = '(\w+)'", arguments.get("code_where", ""))
                found.setdefault(column["name"], []).append(nature and nature.group(1))
    return found


def _copy(tmp_path: Path) -> Path:
    for path in (SEED, CROSSING, CROSSING_YML, REPORT, REPORT_YML):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / path, tmp_path / path)
    return tmp_path


def test_the_seed_is_well_formed():
    assert seed_problems(REPO) == []


def test_a_duplicate_code_is_found(tmp_path):
    root = _copy(tmp_path)
    with (root / SEED).open("a", encoding="utf-8") as handle:
        handle.write("methode,cle_nom_usage,,doublon,doublon\n")
    assert seed_problems(root) == ["en double : methode cle_nom_usage"]


def test_the_crossing_writes_the_seed_codes_and_no_other():
    assert crossing_problems(REPO) == []


def test_a_method_missing_from_the_seed_is_found(tmp_path):
    root = _copy(tmp_path)
    sql = (root / CROSSING).read_text(encoding="utf-8")
    sql = sql.replace("then 'cle_secondaire_jour_proche'",
                      "then 'cle_secondaire_jour_proche'\n when false then 'cle_secondaire_neuve'")  # fmt: skip
    (root / CROSSING).write_text(sql, encoding="utf-8")
    assert crossing_problems(root) == [
        "écrit par le croisement, absent du seed : cle_secondaire_neuve"
    ]


def test_a_dead_code_of_the_seed_is_found(tmp_path):
    root = _copy(tmp_path)
    with (root / SEED).open("a", encoding="utf-8") as handle:
        handle.write("motif,genre_inconnu,,ambiguës : genre inconnu,plus produit\n")
    assert crossing_problems(root) == ["dans le seed, jamais écrit : genre_inconnu"]


def test_the_report_counts_each_seed_code_under_its_column():
    assert report_problems(REPO) == []


def test_a_report_column_written_by_hand_is_found(tmp_path):
    root = _copy(tmp_path)
    sql = (root / REPORT).read_text(encoding="utf-8")
    sql = sql.replace(
        "count(distinct appariements.cle_hachage)",
        "count(*) filter (where appariements.methode_appariement = 'cle_nom_usage')"
        " as matched_usage_name,\n        count(distinct appariements.cle_hachage)",
    )
    (root / REPORT).write_text(sql, encoding="utf-8")
    assert report_problems(root) == ["code du seed écrit à la main dans le rapport : cle_nom_usage"]


def test_a_report_that_does_not_read_the_seed_is_found(tmp_path):
    root = _copy(tmp_path)
    sql = (root / REPORT).read_text(encoding="utf-8")
    (root / REPORT).write_text(sql.replace("= linkage_report_outcomes()", "= []"), encoding="utf-8")
    assert report_problems(root) == ["le rapport ne lit pas le seed"]


def test_the_crossing_columns_are_tested_against_the_seed():
    assert seed_tests_of(REPO) == {
        "statut_appariement": ["statut"],
        "methode_appariement": ["methode"],
        "motif_non_appariement": ["motif"],
    }


def test_a_hand_list_instead_of_the_seed_is_found(tmp_path):
    root = _copy(tmp_path)
    text = (root / CROSSING_YML).read_text(encoding="utf-8")
    text = text.replace(
        """arguments: {code_list: ref('ref_linkage__methodes'), special_values: [], code_where: "nature = 'motif'"}""",
        """arguments: {values: ["aucun_membre_cohorte"]}""",
    ).replace("- is_in_code_list:\n              arguments: {values:", "- accepted_values:\n              arguments: {values:")  # fmt: skip
    (root / CROSSING_YML).write_text(text, encoding="utf-8")
    assert "motif_non_appariement" not in seed_tests_of(root)


def test_the_sites_take_their_labels_from_the_seed():
    statuses = [o for o in methods.read_outcomes() if o.nature == "statut"]
    assert [(o.colonne_rapport, o.libelle) for o in statuses] == site.LINKAGE_STEPS
    assert methods.report_labels("methode") == site.METHODS
    # every method counted apart in the report has a French name (no fallback from the column)
    assert set(site.METHODS) == {
        o.colonne_rapport
        for o in methods.read_outcomes()
        if o.nature == "methode" and o.colonne_rapport
    }


def test_the_evaluation_names_only_seed_codes_and_orders_methods_by_it():
    source = Path(evaluation.__file__).read_text(encoding="utf-8")
    named = set(re.findall(r'"((?:revue|cle|non|sans|probab)[a-z0-9_]*[a-z0-9])"', source))
    named -= {"cle_primaire", "cle_secondaire"}  # key_in_common: which key, not an outcome
    assert named and named <= {o.code for o in methods.read_outcomes()}
    order = methods.codes("methode")
    shuffled = sorted(order[::-1], key=evaluation._method_order)
    assert shuffled == list(order)
    assert evaluation._method_order("cle_inconnue") == (len(order), "cle_inconnue")
