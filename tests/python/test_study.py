"""The study at the Association and its disclosure control (convention articles 2 and 5.3).

One small synthetic run goes through the whole chain, the Department's side as `make demo` runs
it (pipase synth, load, dbt build, export) and the Association's side (pipase import with a
partner file, the Association's dbt build, pipase publier, pipase verifier-publication). The
package must be accepted and hold at least ten tables, charts and the report; faults planted in
a copy of it (a small count, a suppressed cell its margin gives back, a percentage on a
suppressed base...) must each be refused, naming the table and the cell. The secondary
suppression and the verifier are also checked on small hand-made cases, and ACRO's own
suppression is shown to leave a cell recoverable from another table.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import REPO, run_dbt

from pipase import cli
from pipase.study import publish, suppression, verify
from pipase.study.model import TOTAL, canonical_key

BIN = Path(sys.executable).parent
PIPASE = BIN / "pipase"
DBT = BIN / "dbt"
EXTRACTION = "2026-06-30"
PASSWORD = "synthetic-study-archive-pass"  # noqa: S105 - synthetic, for tests only
CODE_KEY = {"PIPASE_CODE_KEY": "test-study-code-key-not-secret"}


def _run(command: list[str], env: dict | None = None, cwd: Path = REPO) -> str:
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env={**os.environ, "DO_NOT_TRACK": "1", **(env or {})},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    return done.stdout


def _partner_file(association_db: Path, path: Path) -> dict[str, int]:
    """A partner's file as the kit writes it: keys of some cohort youths (by the primary key,
    by the secondary key only), keys of no one, a row without a key."""
    with duckdb.connect(str(association_db), read_only=True) as con:
        youths = con.execute(
            "select cle_hachage, cle_hachage_secondaire from annexe2.annexe2_iodas_ase__individu "
            "where cle_hachage_secondaire in (select cle_hachage_secondaire from "
            "annexe2.annexe2_iodas_ase__individu group by 1 having count(*) = 1) order by 1"
        ).fetchall()
    rows = []
    for i, (primary, _secondary) in enumerate(youths[:60]):
        rows.append([primary, "", "", "formation" if i % 2 else "emploi"])
    for i, (_primary, secondary) in enumerate(youths[60:75]):  # first name mistyped
        other = hashlib.sha256(f"autre-prenom-{i}".encode()).hexdigest()
        rows.append([other, secondary, "", "emploi"])
    for i in range(20):
        nobody = hashlib.sha256(f"personne-{i}".encode()).hexdigest()
        rows.append([nobody, hashlib.sha256(f"s-{i}".encode()).hexdigest(), "", "emploi"])
    rows.append(["", "", "date de naissance absente", "emploi"])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["cle_hachage", "cle_hachage_secondaire", "motif_sans_cle", "situation"])
        writer.writerows(rows)
    return {"primaire": 60, "secondaire": 15, "non_liees": 20, "sans_cle": 1}


@pytest.fixture(scope="module")
def association_run(tmp_path_factory) -> dict:
    """The whole chain on a small synthetic run; returns its paths."""
    tmp = tmp_path_factory.mktemp("study")
    database = tmp / "pipase.duckdb"
    _run(
        [
            PIPASE,
            "synth",
            "--out",
            tmp / "extraction",
            "--youths",
            "400",
            "--seed",
            "7",
            "--extraction-date",
            EXTRACTION,
        ]  # fmt: skip
    )
    _run(
        [
            PIPASE,
            "load",
            tmp / "extraction",
            "--database",
            database,
            "--extraction-date",
            EXTRACTION,
        ]  # fmt: skip
    )
    _run([sys.executable, REPO / "scripts" / "measure_hash_rate.py", "--database", database])
    built = run_dbt(["build", "--selector", "main_job", "--threads", "2"], tmp, env=CODE_KEY)
    assert built.returncode == 0, built.stdout[-4000:]
    secret = {"PIPASE_ARCHIVE_PASSWORD": PASSWORD, **CODE_KEY}
    _run(
        [
            PIPASE,
            "export",
            "--database",
            database,
            "--target-dir",
            tmp / "target",
            "--out",
            tmp / "export",
            "--extraction-date",
            EXTRACTION,
        ],  # fmt: skip
        env=secret,
    )
    association = tmp / "association"
    association_db = association / "asso.duckdb"
    archive = tmp / "export" / f"pipase_{EXTRACTION}.7z"
    _run([PIPASE, "import", archive, "--database", association_db], env=secret)
    partner = tmp / "france_travail.csv"
    expected_links = _partner_file(association_db, partner)
    _run([PIPASE, "import", "--database", association_db, "--partner", partner])
    _run(
        [
            DBT,
            "build",
            "--project-dir",
            REPO / "association",
            "--profiles-dir",
            REPO / "association",
            "--target-path",
            association / "target",
            "--log-path",
            association / "logs",
            "--threads",
            "2",
        ],  # fmt: skip
        env={"PIPASE_ASSOCIATION_DB": str(association_db)},
    )
    published = _run([PIPASE, "publier", "--database", association_db])
    return {
        "tmp": tmp,
        "association_db": association_db,
        "package": association / "publication",
        "target": association / "target",
        "stdout": published,
        "links": expected_links,
    }


def _manifest(package: Path) -> dict:
    return json.loads((package / "publication.json").read_text(encoding="utf-8"))


def _read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))


def _write_csv(path: Path, lines: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(lines)


def _reseal(package: Path) -> None:
    """Update the checksums, as a faulty publisher would: the content rules must still refuse."""
    manifest = _manifest(package)
    for name in manifest["fichiers"]:
        manifest["fichiers"][name] = hashlib.sha256((package / name).read_bytes()).hexdigest()
    (package / "publication.json").write_text(json.dumps(manifest, ensure_ascii=False))


def _verify_cli(package: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["verifier-publication", str(package)])
    return code, capsys.readouterr().err


@pytest.fixture
def package_copy(association_run, tmp_path) -> Path:
    copy = tmp_path / "publication"
    shutil.copytree(association_run["package"], copy)
    return copy


# --------------------------------------------------------------------------- the whole side
def test_whole_association_side_publishes_at_least_ten_checked_tables(association_run, capsys):
    package = association_run["package"]
    manifest = _manifest(package)
    tables = [t["id"] for t in manifest["tableaux"]]
    assert len(tables) >= 10, tables
    assert manifest["seuil"] == 11
    assert manifest["graphiques"], "no chart"
    for chart in manifest["graphiques"]:
        for name in chart["fichiers"]:
            assert (package / name).stat().st_size > 1000
    assert {Path(f).suffix for c in manifest["graphiques"] for f in c["fichiers"]} == {
        ".png",
        ".svg",
    }
    assert (package / "controle" / "acro" / "results.json").is_file()
    record = json.loads((package / "controle" / "controle_secret.json").read_text())
    assert record["recalculables_apres_suppression"] == 0
    assert record["masquees_primaires"] > 0  # 400 youths: small cells exist and are handled
    code, err = _verify_cli(package, capsys)
    assert code == 0, err


def test_every_published_count_is_at_least_eleven_and_totals_are_ensemble(association_run):
    package = association_run["package"]
    seen = 0
    for entry in _manifest(package)["tableaux"]:
        raw = (package / entry["fichier"]).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
        lines = _read_csv(package / entry["fichier"])
        assert lines[-1][0] == TOTAL and TOTAL in lines[0]
        kinds = [c["type"] for c in entry["colonnes_csv"]]
        for line in lines[1:]:
            for kind, text in zip(kinds, line, strict=True):
                if kind == "effectif" and text:
                    assert int(text) >= 11, (entry["id"], line[0])
                    seen += 1
    assert seen > 100


def test_suppressed_cells_cannot_be_recomputed_from_all_the_tables(association_run):
    """An independent audit of the real package: every margin relation of every table, a
    hidden cell is determined iff adding its unit vector keeps the rank (numpy lstsq here)."""
    package = association_run["package"]
    manifest = _manifest(package)
    equations, hidden = [], set()
    for entry in manifest["tableaux"]:
        lines = _read_csv(package / entry["fichier"])
        header = [c for c in entry["colonnes_csv"]]
        rows, cols = entry["ligne"]["modalites"] + [TOTAL], entry["colonne"]["modalites"] + [TOTAL]
        value = {}
        for line in lines[1:]:
            for column, text in zip(header[1:], line[1:], strict=True):
                if column["type"] == "effectif":
                    value[(line[0], column["colonne"])] = text

        def key(row, col, entry=entry):
            conditions = dict(entry["population"]["conditions"])
            if row != TOTAL:
                conditions[entry["ligne"]["variable"]] = row
            if col != TOTAL:
                conditions[entry["colonne"]["variable"]] = col
            return canonical_key(entry["unite"], conditions)

        for row in rows:
            for col in cols:
                if value[(row, col)] == "":
                    hidden.add(key(row, col))
        for row in rows:
            equations.append([key(row, TOTAL)] + [key(row, c) for c in cols[:-1]])
        for col in cols:
            equations.append([key(TOTAL, col)] + [key(r, col) for r in rows[:-1]])
    unknowns = sorted(hidden)
    index = {k: i for i, k in enumerate(unknowns)}
    matrix = np.array(
        [
            [(1 if k == eq[0] else -1) * (k in eq) for k in unknowns]
            for eq in equations
            if any(k in index for k in eq)
        ],
        dtype=float,
    )
    assert unknowns, "nothing hidden: the run is too big for this test"
    for key in unknowns:
        target = np.zeros(len(unknowns))
        target[index[key]] = 1.0
        # e_key in the row space of the matrix <=> matrix.T @ y = e_key has an exact solution
        solution, *_ = np.linalg.lstsq(matrix.T, target, rcond=None)
        assert np.linalg.norm(matrix.T @ solution - target) > 1e-6, key


def test_partner_file_is_linked_and_reported(association_run):
    with duckdb.connect(str(association_run["association_db"]), read_only=True) as con:
        links = dict(
            con.execute(
                "select lien, count(*) from etude.analyse__partenaires_lien group by 1"
            ).fetchall()
        )
        present = con.execute(
            "select count(*) from etude.analyse__partenaires_devenir where present"
        ).fetchone()[0]
    expected = association_run["links"]
    assert links == {
        "clé primaire": expected["primaire"],
        "clé secondaire unique": expected["secondaire"],
        "non liée": expected["non_liees"],
        "sans clé": expected["sans_cle"],
    }
    assert present == expected["primaire"] + expected["secondaire"]
    tables = {t["id"] for t in _manifest(association_run["package"])["tableaux"]}
    assert "ind__partenaires_taux_lien" in tables
    assert "ind__partenaires_presence_par_genre__france_travail" in tables


def test_person_level_models_have_one_row_per_youth(association_run):
    with duckdb.connect(str(association_run["association_db"]), read_only=True) as con:
        cohort = con.execute("select count(*) from annexe2.annexe2_iodas_ase__individu").fetchone()
        for model in ("analyse__parcours_ase", "analyse__devenir", "analyse__jeunes"):
            rows = con.execute(
                f"select count(*), count(distinct cle_hachage) from etude.{model}"
            ).fetchone()
            assert rows == (cohort[0], cohort[0]), model
        checks = con.execute(
            "select count(*) filter (where nombre_changements_placement <> greatest("
            "nombre_placements - 1, 0)), count(*) filter (where est_sorti and mois_sortie is "
            "null), count(*) filter (where a_cjm and duree_cjm_mois < 1) "
            "from etude.analyse__parcours_ase"
        ).fetchone()
        assert checks == (0, 0, 0)


def test_report_is_french_self_contained_and_shows_the_tables(association_run):
    text = (association_run["package"] / "rapport.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in text and "secret statistique" in text
    assert "<script" not in text and "https://" not in text.split("<svg")[0]
    assert text.count('data-tableau="') > 200


# --------------------------------------------------------------------------- planted faults
def _table_with_published_inner_cell(package: Path) -> tuple[dict, int, int]:
    """A table, a CSV line and a count column whose cell, row total and column total are
    published (so hiding the cell alone makes it recoverable)."""
    for entry in _manifest(package)["tableaux"]:
        lines = _read_csv(package / entry["fichier"])
        columns = entry["colonnes_csv"]
        total_index = next(
            i for i, c in enumerate(columns) if c["type"] == "effectif" and c["colonne"] == TOTAL
        )
        for number, line in enumerate(lines[1:-1], start=1):
            for index, column in enumerate(columns):
                inner = column["type"] == "effectif" and column["colonne"] != TOTAL
                if inner and line[index] and line[total_index] and lines[-1][index]:
                    return entry, number, index
    raise AssertionError("no fully published cell")


def test_planted_small_count_is_refused(package_copy, capsys):
    entry, number, index = _table_with_published_inner_cell(package_copy)
    lines = _read_csv(package_copy / entry["fichier"])
    lines[number][index] = "7"
    _write_csv(package_copy / entry["fichier"], lines)
    _reseal(package_copy)
    code, err = _verify_cli(package_copy, capsys)
    assert code == 1
    header = entry["colonnes_csv"][index]["entete"]
    refusal = next(line for line in err.splitlines() if "[small_count]" in line)
    assert entry["fichier"] in refusal and f"ligne {number + 1}" in refusal
    assert header in refusal and lines[number][0] in refusal
    assert "dossier refusé" in err


def test_planted_recoverable_suppressed_cell_is_refused(package_copy, capsys):
    entry, number, index = _table_with_published_inner_cell(package_copy)
    lines = _read_csv(package_copy / entry["fichier"])
    column = entry["colonnes_csv"][index]
    lines[number][index] = ""  # hidden, but its row total and the other cells are published
    for i, other in enumerate(entry["colonnes_csv"]):
        if other["type"] == "part" and other["colonne"] == column["colonne"]:
            lines[number][i] = ""
    _write_csv(package_copy / entry["fichier"], lines)
    _reseal(package_copy)
    code, err = _verify_cli(package_copy, capsys)
    assert code == 1
    refusal = next(
        line
        for line in err.splitlines()
        if "[recoverable_from_margins]" in line and entry["fichier"] in line
    )
    assert f"« {lines[number][0]} »" in refusal and f"« {column['colonne']} »" in refusal


def test_planted_percentage_on_a_suppressed_base_is_refused(package_copy, capsys):
    entry, number, _index = _table_with_published_inner_cell(package_copy)
    lines = _read_csv(package_copy / entry["fichier"])
    columns = entry["colonnes_csv"]
    total = next(
        i for i, c in enumerate(columns) if c["type"] == "effectif" and c["colonne"] == TOTAL
    )
    share = next(i for i, c in enumerate(columns) if c["type"] == "part" and lines[number][i])
    lines[number][total] = ""  # the base is suppressed, its percentage stays
    _write_csv(package_copy / entry["fichier"], lines)
    _reseal(package_copy)
    code, err = _verify_cli(package_copy, capsys)
    assert code == 1
    refusal = next(line for line in err.splitlines() if "[percentage_on_suppressed_base]" in line)
    assert entry["fichier"] in refusal and columns[share]["entete"] in refusal


def test_cell_suppressed_in_one_table_and_published_in_another_is_refused(package_copy, capsys):
    """The RSA table's (femme, oui) is the orientation table's (femme, Ensemble): the same
    canonical cell. Hidden in one, published in the other, it is refused."""
    tables = {t["id"]: t for t in _manifest(package_copy)["tableaux"]}
    rsa, orientation = tables["ind__rsa_par_genre"], tables["ind__orientation_rsa_par_genre"]

    def index(entry, kind, col):
        return next(
            i
            for i, c in enumerate(entry["colonnes_csv"])
            if c["type"] == kind and c.get("colonne") == col
        )

    other = _read_csv(package_copy / orientation["fichier"])
    femme = next(line for line in other if line[0] == "femme")
    assert femme[index(orientation, "effectif", TOTAL)], "the test needs this total published"
    lines = _read_csv(package_copy / rsa["fichier"])
    row = next(n for n, line in enumerate(lines) if line[0] == "femme")
    assert lines[row][index(rsa, "effectif", "oui")] == femme[index(orientation, "effectif", TOTAL)]
    lines[row][index(rsa, "effectif", "oui")] = ""
    lines[row][index(rsa, "part", "oui")] = ""
    _write_csv(package_copy / rsa["fichier"], lines)
    _reseal(package_copy)
    code, err = _verify_cli(package_copy, capsys)
    assert code == 1
    refusal = next(
        line for line in err.splitlines() if "[suppressed_cell_published_elsewhere]" in line
    )
    assert rsa["fichier"] in refusal and "ind__orientation_rsa_par_genre" in refusal


def test_altered_file_undeclared_file_and_outside_request_are_refused(package_copy, capsys):
    entry = _manifest(package_copy)["tableaux"][0]
    with (package_copy / entry["fichier"]).open("a", encoding="utf-8") as handle:
        handle.write("\r\n")
    (package_copy / "tableaux" / "en_plus.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    report = package_copy / "rapport.html"
    report.write_text(
        report.read_text(encoding="utf-8").replace(
            "</head>", '<link rel="stylesheet" href="https://exemple.fr/s.css"></head>'
        ),
        encoding="utf-8",
    )
    code, err = _verify_cli(package_copy, capsys)
    assert code == 1
    assert f"{entry['fichier']} : [checksum_mismatch]" in err
    assert "tableaux/en_plus.csv : [undeclared_file]" in err
    assert "[report_outside_request]" in err


def test_report_or_chart_showing_a_suppressed_value_is_refused(package_copy, capsys):
    manifest = _manifest(package_copy)
    chart = manifest["graphiques"][0]
    table = next(t for t in manifest["tableaux"] if t["id"] == chart["tableau"])
    hidden_row = None
    for line in _read_csv(package_copy / table["fichier"])[1:]:
        share = next(i for i, c in enumerate(table["colonnes_csv"]) if c["type"] == "part")
        if line[share] == "":
            hidden_row = line[0]
            break
    row = hidden_row or table["ligne"]["modalites"][0]
    chart["valeurs"].append(
        {"ligne": row, "colonne": table["colonne"]["modalites"][0], "type": "part", "valeur": "4,2"}
    )
    (package_copy / "publication.json").write_text(json.dumps(manifest, ensure_ascii=False))
    report = package_copy / "rapport.html"
    text = report.read_text(encoding="utf-8")
    marker = f'data-tableau="{table["id"]}"'
    start = text.index(marker)
    close = text.index("</td>", start)
    cell_open = text.rindex(">", start, close)
    report.write_text(text[: cell_open + 1] + "3" + text[close:], encoding="utf-8")
    svg = package_copy / next(f for f in chart["fichiers"] if f.endswith(".svg"))
    drawn = svg.read_text(encoding="utf-8")
    assert " %</text>" in drawn
    svg.write_text(drawn.replace(" %</text>", "7 %</text>", 1), encoding="utf-8")
    _reseal(package_copy)
    code, err = _verify_cli(package_copy, capsys)
    assert code == 1
    assert "[chart_shows_unpublished_value]" in err
    assert f"{svg.relative_to(package_copy).as_posix()} : [chart_shows_unpublished_value]" in err
    assert "[report_differs_from_table]" in err


# --------------------------------------------------------------------------- mutations
def test_publier_without_secondary_suppression_fails_its_own_check(
    association_run, tmp_path, monkeypatch
):
    """Mutation: ACRO's primary suppression alone. The verifier must find recoverable cells."""
    monkeypatch.setattr(
        suppression,
        "suppress",
        lambda values, primary, relations: dict.fromkeys(primary, suppression.PRIMARY),
    )
    from pipase.transmission import encryption

    con = encryption.connect(association_run["association_db"], read_only=True)
    try:
        with pytest.raises(publish.PublicationError) as refused:
            publish.publish(con=con, target=association_run["target"], out=tmp_path / "p")
    finally:
        con.close()
    assert refused.value.rule == "self_check_failed"
    assert "recoverable" in str(refused.value) or "recalculable" in str(refused.value)
    assert not (tmp_path / "p").exists()


def test_verifier_without_its_threshold_rule_would_accept_a_small_count(package_copy, monkeypatch):
    """Mutation: the threshold rule removed, the planted small count goes through (as far
    as that rule goes): the test above is what catches it."""
    entry, number, index = _table_with_published_inner_cell(package_copy)
    lines = _read_csv(package_copy / entry["fichier"])
    lines[number][index] = "7"
    _write_csv(package_copy / entry["fichier"], lines)
    _reseal(package_copy)
    rules = {p.rule for p in verify.verify(package_copy)}
    assert "small_count" in rules
    monkeypatch.setattr(verify, "_check_cells", lambda table, threshold, problems: None)
    assert "small_count" not in {p.rule for p in verify.verify(package_copy)}


def test_verifier_without_its_recoverability_rule_misses_the_recoverable_cell(
    package_copy, monkeypatch
):
    entry, number, index = _table_with_published_inner_cell(package_copy)
    lines = _read_csv(package_copy / entry["fichier"])
    column = entry["colonnes_csv"][index]
    lines[number][index] = ""
    for i, other in enumerate(entry["colonnes_csv"]):
        if other["type"] == "part" and other["colonne"] == column["colonne"]:
            lines[number][i] = ""
    _write_csv(package_copy / entry["fichier"], lines)
    _reseal(package_copy)
    assert "recoverable_from_margins" in {p.rule for p in verify.verify(package_copy)}
    monkeypatch.setattr(verify, "_check_recoverable", lambda tables, problems: None)
    # what is left to see is the chart or report that still shows the cell's neighbours
    left = {p.rule for p in verify.verify(package_copy)}
    assert not left & {"recoverable_from_margins", "recoverable_by_combination"}


# --------------------------------------------------------------------------- small cases
def _keys(prefix: str, rows: list[str], cols: list[str]) -> dict[tuple[str, str], str]:
    return {(r, c): f"{prefix}|{r}|{c}" for r in rows + [TOTAL] for c in cols + [TOTAL]}


def _relations(name: str, keys, rows, cols) -> list[suppression.Relation]:
    found = [
        suppression.Relation(name, keys[(r, TOTAL)], tuple(keys[(r, c)] for c in cols))
        for r in rows + [TOTAL]
    ]
    found += [
        suppression.Relation(name, keys[(TOTAL, c)], tuple(keys[(r, c)] for r in rows))
        for c in cols + [TOTAL]
    ]
    return found


def test_one_small_cell_gets_three_partners_in_a_two_by_two_table():
    counts = {("F", "oui"): 5, ("F", "non"): 40, ("M", "oui"): 30, ("M", "non"): 50}
    rows, cols = ["F", "M"], ["oui", "non"]
    keys = _keys("t", rows, cols)
    values = {keys[cell]: n for cell, n in counts.items()}
    for r in rows:
        values[keys[(r, TOTAL)]] = sum(counts[(r, c)] for c in cols)
    for c in cols:
        values[keys[(TOTAL, c)]] = sum(counts[(r, c)] for r in rows)
    values[keys[(TOTAL, TOTAL)]] = sum(counts.values())
    relations = _relations("t", keys, rows, cols)
    status = suppression.suppress(values, {keys[("F", "oui")]}, relations)
    assert status == {
        keys[("F", "oui")]: "primaire",
        keys[("F", "non")]: "secondaire",
        keys[("M", "oui")]: "secondaire",
        keys[("M", "non")]: "secondaire",
    }
    assert suppression.recomputable(relations, set(status)) == []
    # primary suppression alone leaves the small cell one subtraction away
    assert suppression.recomputable(relations, {keys[("F", "oui")]}) == [keys[("F", "oui")]]


def test_the_audit_finds_a_cell_that_no_single_relation_gives_back():
    """a + b = 10, b + c = 12, a + c = 14 (three published totals): each relation hides two
    cells, so set-based suppression is satisfied, yet a = 6, b = 4, c = 8."""
    relations = [
        suppression.Relation("x", "ab", ("a", "b")),
        suppression.Relation("x", "bc", ("b", "c")),
        suppression.Relation("x", "ac", ("a", "c")),
    ]
    hidden = {"a", "b", "c"}
    assert suppression.singletons(relations, hidden) == []
    assert suppression.recomputable(relations, hidden) == ["a", "b", "c"]
    values = {"a": 6, "b": 4, "c": 8, "ab": 10, "bc": 12, "ac": 14}
    status = suppression.suppress(values, hidden, relations)
    assert suppression.recomputable(relations, set(status)) == []


def test_acro_suppression_alone_leaves_a_cell_recoverable_from_another_table():
    """What ACRO guarantees: the cell under its threshold is hidden, and its table's margins
    are recomputed without it, so the table alone does not give it back; but the true row
    total, published by any other table of the same population, does."""
    import acro  # the association extra: pip install -e '.[association]'

    session = acro.ACRO(suppress=True)
    session.config["safe_threshold"] = 11
    genre = ["femme"] * 30 + ["homme"] * 40
    rsa = ["oui"] * 25 + ["non"] * 5 + ["oui"] * 20 + ["non"] * 20
    frame = pd.DataFrame({"genre": genre, "rsa": rsa})
    with warnings.catch_warnings():  # ACRO's own pandas warnings
        warnings.simplefilter("ignore")
        table = session.crosstab(frame.genre, frame.rsa, margins=True, margins_name=TOTAL)
    assert pd.isna(table.loc["femme", "non"])
    acro_total = table.loc["femme", TOTAL]
    true_total = 30  # e.g. the cohort table by sex
    assert true_total - table.loc["femme", "oui"] == 5  # the hidden cell, recovered
    assert acro_total == 25  # ACRO's margin silently left the hidden youths out
    outcome = session.results.results["output_0"].outcome
    assert "MinimumThresholdCheck" in outcome.loc["femme", "non"]
    assert outcome.loc["femme", "oui"] == "ok"  # no secondary suppression
    assert "manual review against other outputs" in session.results.results["output_0"].summary
