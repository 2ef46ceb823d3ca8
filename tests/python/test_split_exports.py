"""Split exports ("parts"): a table the contract declares with `parts: name_{n}.ext` continues in
files numbered 2, 3, ... after its `file`, as a department's export above Excel's 1,048,576 rows
per sheet comes.

`pipase synth` rolls the Iodas-DPAS workbook over to the next part when a sheet is full (the
sheet size lowered for the test with the hidden option --xlsx-max-rows), and `pipase load` reads
every part into the same raw table. The split extraction is compared with an unsplit one of the
same seed: same rows in the same order, every other file byte for byte the same. Assertion
messages name files, lines and counts only, never a value (the rows hold synthetic identities).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import load_fixtures as lf
import pytest

from pipase import synth
from pipase.load import ContractError, load_extraction
from pipase.load.contract import read_contract
from pipase.paths import CONTRACTS_DIR

YOUTHS = 300
SEED = 93
SOURCE = "iodas_dpas"
MAIN = "iodas_dpas/aides_financieres.xlsx"
PATTERN = "aides_financieres_{n}.xlsx"
SHEET = "aides"


# ------------------------------------------------------------------------------ helpers


def part_path(n: int) -> str:
    return MAIN if n == 1 else f"{SOURCE}/{PATTERN.replace('{n}', str(n))}"


def sheet_rows(path: Path) -> tuple[list, list[list]]:
    """(header, data rows) of the workbook's sheet, read with openpyxl."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        rows = [list(r) for r in workbook[SHEET].iter_rows(values_only=True)]
    finally:
        workbook.close()
    return rows[0], rows[1:]


def first_difference(left: list, right: list) -> int | None:
    """Index of the first differing row (None if equal): reported instead of the values."""
    for index, (a, b) in enumerate(zip(left, right, strict=False)):
        if a != b:
            return index
    return None if len(left) == len(right) else min(len(left), len(right))


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def connect(db: Path):
    return duckdb.connect(str(db))


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def unsplit(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("split_exports") / "unsplit"
    return out, synth.generate(out, youths=YOUTHS, seed=SEED)


@pytest.fixture(scope="module")
def max_rows(unsplit) -> int:
    """Rows per sheet (header included) that split the DPAS rows into at least 3 parts."""
    return unsplit[1][MAIN] // 3 + 1


@pytest.fixture(scope="module")
def split(tmp_path_factory, unsplit, max_rows) -> Path:
    """The same extraction, through the command line, with small sheets."""
    out = tmp_path_factory.mktemp("split_exports") / "split"
    parser = argparse.ArgumentParser()
    synth.add_arguments(parser)
    args = parser.parse_args(
        ["--out", str(out), "--youths", str(YOUTHS), "--seed", str(SEED)]
        + ["--xlsx-max-rows", str(max_rows)]
    )
    assert synth.run(args) == 0
    return out


@pytest.fixture(scope="module")
def parts(split) -> list[int]:
    """Numbers of the DPAS parts written."""
    numbers = [1]
    while (split / part_path(numbers[-1] + 1)).is_file():
        numbers.append(numbers[-1] + 1)
    return numbers


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "db" / "pipase.duckdb"


def copy_source(split: Path, tmp_path: Path) -> Path:
    """A copy of the split extraction's DPAS folder (to damage)."""
    extraction = tmp_path / "copy"
    shutil.copytree(split / SOURCE, extraction / SOURCE)
    return extraction


# ------------------------------------------------------------------------------ contract


def _contract(tmp_path: Path, file: str, parts: str, type_: str = "xlsx") -> Path:
    path = tmp_path / "x.yml"
    sheet = "    sheet: s\n" if type_ == "xlsx" else ""
    path.write_text(
        f"source: x\nformat: {{type: {type_}}}\nfiles:\n  - table: t\n    file: {file}\n"
        f"    parts: {json.dumps(parts)}\n{sheet}"
        "    columns: [{name: a, type: varchar}]\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "file,parts,why",
    [
        ("t.xlsx", "t_2.xlsx", "must contain {n}"),
        ("t.xlsx", "t_{n}_{n}.xlsx", "must contain {n}"),
        ("t.xlsx", "t_{n}.csv", "extension"),
        ("t.xlsx", "t_{n}", "extension"),
        ("t.xlsx", "suite/t_{n}.xlsx", "without a folder"),
    ],
)
def test_a_bad_parts_pattern_is_refused(tmp_path: Path, file: str, parts: str, why: str) -> None:
    with pytest.raises(ContractError) as info:
        read_contract(_contract(tmp_path, file, parts))
    error = info.value
    assert error.rule == "contract" and error.file == "x.yml (t)"
    assert "parts" in error.message and why in error.message


@pytest.mark.parametrize("type_,ext", [("xlsx", "xlsx"), ("csv", "csv")])
def test_a_good_parts_pattern_names_the_parts(tmp_path: Path, type_: str, ext: str) -> None:
    (spec,) = read_contract(_contract(tmp_path, f"t.{ext}", f"t_{{n}}.{ext.upper()}", type_)).files
    assert spec.part_file(1) == f"t.{ext}" and spec.part_file(12) == f"t_12.{ext.upper()}"
    assert spec.part_display_name(3) == f"x/t_3.{ext.upper()}"
    assert [spec.part_number(n) for n in (f"t_2.{ext.upper()}", f"t_02.{ext}", f"t_1.{ext}")] == [
        2,
        None,
        None,
    ]


def test_the_iodas_dpas_contract_declares_its_parts() -> None:
    (spec,) = read_contract(CONTRACTS_DIR / "iodas_dpas.yml").files
    assert spec.parts == PATTERN and spec.part_file(2) == "aides_financieres_2.xlsx"


# ------------------------------------------------------------------------------ synth


def test_below_the_limit_there_is_one_workbook(unsplit) -> None:
    root, counts = unsplit
    assert [p.name for p in sorted((root / SOURCE).iterdir())] == ["aides_financieres.xlsx"]
    assert [path for path in counts if path.startswith(f"{SOURCE}/")] == [MAIN]


def test_a_full_sheet_rolls_over_to_the_next_part(split, unsplit, parts, max_rows) -> None:
    assert len(parts) >= 3
    assert sorted(p.name for p in (split / SOURCE).iterdir()) == sorted(
        Path(part_path(n)).name for n in parts
    )
    header, expected = sheet_rows(unsplit[0] / MAIN)
    got: list[list] = []
    for n in parts:
        part_header, rows = sheet_rows(split / part_path(n))
        assert part_header == header, part_path(n)
        if n != parts[-1]:
            assert len(rows) == max_rows - 1, part_path(n)  # a full sheet
        assert rows, part_path(n)  # no empty part
        got.extend(rows)
    assert len(got) == len(expected) == unsplit[1][MAIN]
    assert first_difference(got, expected) is None  # the same rows, in the same order


def test_the_manifest_lists_every_part(split, unsplit, parts) -> None:
    manifest = json.loads((split / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    for n in parts:
        entry = files[part_path(n)]
        _, rows = sheet_rows(split / part_path(n))
        assert entry["rows"] == len(rows), part_path(n)
        assert entry["sha256"] == digest(split / part_path(n))
        assert entry["bytes"] == (split / part_path(n)).stat().st_size
    assert sum(files[part_path(n)]["rows"] for n in parts) == unsplit[1][MAIN]
    whole = json.loads((unsplit[0] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["total_source_rows"] == whole["total_source_rows"]
    assert set(files) - set(whole["files"]) == {part_path(n) for n in parts[1:]}


def test_every_other_file_is_unchanged(split, unsplit) -> None:
    root = unsplit[0]
    changed = {"manifest.json", "ground_truth/source_rows.csv", "ground_truth/planted_rejects.csv"}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_file() and name != MAIN and name not in changed:
            assert digest(path) == digest(split / name), name


def test_the_ground_truth_names_each_row_s_part(split, unsplit, parts, max_rows) -> None:
    """The unsplit row on line L is on line (L - 2) % capacity + 2 of part (L - 2) // capacity
    + 1; every other column of the ground truth is the same."""
    capacity = max_rows - 1

    def moved(row: dict) -> dict:
        if row["file"] != MAIN:
            return row
        index = int(row["line"]) - 2
        return {
            **row,
            "file": part_path(index // capacity + 1),
            "line": str(index % capacity + 2),
        }

    for name in ("source_rows.csv", "planted_rejects.csv"):
        expected = [moved(r) for r in read_csv(unsplit[0] / "ground_truth" / name)]
        got = read_csv(split / "ground_truth" / name)
        assert first_difference(got, expected) is None, name
    files = {r["file"] for r in read_csv(split / "ground_truth" / "source_rows.csv")}
    assert {part_path(n) for n in parts} <= files


def test_hidden_option_is_for_tests_only() -> None:
    parser = argparse.ArgumentParser()
    synth.add_arguments(parser)
    assert "--xlsx-max-rows" not in parser.format_help()
    assert parser.parse_args(["--out", "x"]).xlsx_max_rows is None
    with pytest.raises(SystemExit):
        parser.parse_args(["--out", "x", "--xlsx-max-rows", "1"])


def test_a_smaller_run_removes_the_parts_of_a_larger_one(tmp_path: Path) -> None:
    out = tmp_path / "reused"
    counts = synth.generate(out, youths=60, seed=SEED, xlsx_max_rows=40)
    assert part_path(2) in counts and (out / part_path(2)).is_file()
    counts = synth.generate(out, youths=60, seed=SEED)
    assert [p for p in counts if p.startswith(f"{SOURCE}/")] == [MAIN]
    assert [p.name for p in (out / SOURCE).iterdir()] == ["aides_financieres.xlsx"]


# ------------------------------------------------------------------------------ load


def test_every_part_loads_into_one_table(split, unsplit, parts, db: Path, tmp_path) -> None:
    result = load_extraction(split, db, sources=[SOURCE])
    assert result.ok, [str(e) for e in result.errors]
    manifest = json.loads((split / "manifest.json").read_text(encoding="utf-8"))
    assert [f.file for f in result.files] == [part_path(n) for n in parts]
    for report in result.files:
        rows = manifest["files"][report.file]["rows"]
        assert report.rows_read == rows == report.rows_loaded + report.rows_rejected, report.file
        assert report.file_sha256 == manifest["files"][report.file]["sha256"]
    planted = [
        (r["file"], int(r["line"]), r["column"], r["rule"])
        for r in read_csv(split / "ground_truth" / "planted_rejects.csv")
        if r["source"] == SOURCE
    ]
    with connect(db) as con:
        per_file = dict(
            con.execute(
                "select _fichier, count(*) from raw.iodas_dpas__aides group by _fichier"
            ).fetchall()
        )
        duplicates = con.execute(
            "select count(*) from (select _fichier, _ligne from raw.iodas_dpas__aides "
            "group by all having count(*) > 1)"
        ).fetchone()[0]
        reports = con.execute(
            "select file, rows_read, rows_loaded, rows_rejected from raw.load_report "
            "where load_id = ? order by file",
            [result.load_id],
        ).fetchall()
        rejects = con.execute(
            'select file, line, "column", rule from raw.load_rejects where load_id = ?',
            [result.load_id],
        ).fetchall()
        lines_ok = con.execute(
            "select bool_and(_ligne between 2 and ?) from raw.iodas_dpas__aides",
            [max(r.rows_read for r in result.files) + 1],
        ).fetchone()[0]
        located = con.execute("select _fichier, _ligne, * from raw.iodas_dpas__aides").fetchall()
    number = {Path(part_path(n)).name: n for n in parts}
    split_rows = [row[2:-2] for row in sorted(located, key=lambda r: (number[r[0]], r[1]))]
    assert per_file == {
        Path(part_path(n)).name: r.rows_loaded for n, r in zip(parts, result.files, strict=True)
    }
    assert duplicates == 0 and lines_ok
    assert sorted(reports) == sorted(
        (f.file, f.rows_read, f.rows_loaded, f.rows_rejected) for f in result.files
    )
    assert sorted(rejects) == sorted(planted)
    assert {r[0] for r in rejects} <= {part_path(n) for n in parts}
    # the same rows, in the same order, as the unsplit workbook gives
    whole = tmp_path / "whole.duckdb"
    assert load_extraction(unsplit[0], whole, sources=[SOURCE]).ok
    with connect(whole) as con:
        unsplit_rows = con.execute(
            "select * exclude (_fichier, _ligne) from raw.iodas_dpas__aides order by _ligne"
        ).fetchall()
    assert len(split_rows) == len(unsplit_rows)
    assert first_difference(split_rows, unsplit_rows) is None


def test_a_missing_part_before_a_present_one_stops_the_table(split, parts, tmp_path, db) -> None:
    extraction = copy_source(split, tmp_path)
    (extraction / part_path(2)).unlink()
    result = load_extraction(extraction, db, sources=[SOURCE])
    assert [(e.file, e.line, e.column, e.rule) for e in result.errors] == [
        (part_path(2), None, None, "missing_part")
    ]
    message = str(result.errors[0])
    assert "aides_financieres_2.xlsx" in message and "aides_financieres_3.xlsx" in message
    statuses = {f.file: f.status for f in result.files}
    assert statuses[part_path(2)] == "failed"
    assert all(statuses[part_path(n)] == "not_loaded" for n in parts if n != 2)
    assert result.failed_sources == [SOURCE]
    with connect(db) as con:
        assert not con.execute(
            "select count(*) from information_schema.tables where table_name = 'iodas_dpas__aides'"
        ).fetchone()[0]
        assert con.execute(
            "select count(*) from raw.load_report where load_id = ?", [result.load_id]
        ).fetchone()[0] == len(parts)


def test_parts_after_the_last_are_not_looked_for(split, parts, tmp_path, db) -> None:
    """Without the last part, the others load: a part missing at the end is not detectable."""
    extraction = copy_source(split, tmp_path)
    (extraction / part_path(parts[-1])).unlink()
    result = load_extraction(extraction, db, sources=[SOURCE])
    assert result.ok and [f.file for f in result.files] == [part_path(n) for n in parts[:-1]]


@pytest.mark.parametrize("damage", ["header", "sheet"])
def test_a_part_with_another_header_or_sheet_is_rejected_by_name(
    split, parts, tmp_path, db, damage
) -> None:
    extraction = copy_source(split, tmp_path)
    spec = lf.spec_of(SOURCE, "aides")
    rows = [r.text for r in lf.make_rows(spec, 3)]
    header = [c.name for c in spec.columns]
    target = extraction / part_path(parts[-1])
    if damage == "header":
        header[header.index("decision")] = "decision_finale"
        lf.write_xlsx(target, spec, rows, header=header)
        expected = (part_path(parts[-1]), 1, "decision", "missing_column")
    else:
        lf.write_xlsx(target, spec, rows, sheet="Feuil1")
        expected = (part_path(parts[-1]), None, None, "missing_sheet")
    result = load_extraction(extraction, db, sources=[SOURCE])
    assert [(e.file, e.line, e.column, e.rule) for e in result.errors] == [expected]
    assert "decision-" not in str(result.errors[0])  # no value of the file
    statuses = {f.file: f.status for f in result.files}
    assert statuses == {part_path(n): "failed" if n == parts[-1] else "not_loaded" for n in parts}
    with connect(db) as con:
        assert not con.execute(
            "select count(*) from information_schema.tables where table_name = 'iodas_dpas__aides'"
        ).fetchone()[0]


def test_csv_tables_may_be_split_too(tmp_path: Path, db: Path) -> None:
    """The same code path for a CSV table declared with parts (here Nova's appointments)."""
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    for contract in CONTRACTS_DIR.glob("*.yml"):
        text = contract.read_text(encoding="utf-8")
        if contract.name == "nova_dpas.yml":
            text = text.replace(
                "file: rendez_vous.csv", 'file: rendez_vous.csv\n    parts: "rendez_vous_{n}.csv"'
            )
            assert "rendez_vous_{n}" in text
        (contracts / contract.name).write_text(text, encoding="utf-8")
    extraction = tmp_path / "ex"
    written = lf.write_extraction(extraction, n=3, sources=["nova_dpas"], contracts_dir=contracts)
    spec = lf.spec_of("nova_dpas", "rendez_vous", contracts)
    more = lf.make_rows(spec, 5, seed=3)
    lf.write_csv(extraction / "nova_dpas" / "rendez_vous_2.csv", spec, [r.text for r in more])
    result = load_extraction(extraction, db, sources=["nova_dpas"], contracts_dir=contracts)
    assert result.ok, [str(e) for e in result.errors]
    counts = {f.file: (f.rows_read, f.rows_loaded) for f in result.files}
    assert counts["nova_dpas/rendez_vous.csv"] == (3, 3)
    assert counts["nova_dpas/rendez_vous_2.csv"] == (5, 5)
    with connect(db) as con:
        got = con.execute(
            "select _fichier, _ligne, id_rdv from raw.nova_dpas__rendez_vous order by all"
        ).fetchall()
    expected = [
        ("rendez_vous.csv", i + 2, r.expected["id_rdv"])
        for i, r in enumerate(written["nova_dpas"]["rendez_vous"])
    ] + [("rendez_vous_2.csv", i + 2, r.expected["id_rdv"]) for i, r in enumerate(more)]
    assert got == sorted(expected)


def test_a_part_copied_under_the_next_name_is_refused(unsplit, tmp_path, db) -> None:
    """An adversarial tester copied aides_financieres.xlsx to aides_financieres_2.xlsx: both
    were loaded, the duplicate rows made matches ambiguous and the exported table lost rows,
    with exit 0. A part with the bytes of another part of its table stops the load, nothing
    changed."""
    extraction = tmp_path / "copy"
    shutil.copytree(unsplit[0] / SOURCE, extraction / SOURCE)
    shutil.copyfile(extraction / MAIN, extraction / part_path(2))
    result = load_extraction(extraction, db, sources=[SOURCE])
    assert [(e.file, e.rule) for e in result.errors] == [(part_path(2), "duplicate_part")]
    assert MAIN in str(result.errors[0])
    assert not result.ok
    with connect(db) as con:
        assert not con.execute(
            "select count(*) from information_schema.tables where table_name = 'iodas_dpas__aides'"
        ).fetchone()[0]
