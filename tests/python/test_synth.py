"""`pipase synth`: the synthetic extraction follows the contracts and its ground truth is true.

The checks read the generated files back with independent code (the contract YAML read here,
the csv module, openpyxl, and the hashing protocol), never with the generator's own helpers, and
compare them with the ground truth: a row the ground truth calls harmless must normalise to the
person's true identity, a row it calls broken must not, a planted reject must break its rule.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from pipase import synth
from pipase.paths import CONTRACTS_DIR
from pipase.protocol import normalise_name, surname

YOUTHS = 300
SOURCES = ("iodas_ase", "webrsa", "nova_dpas", "iodas_dpas", "iodas_mdph")

# Kinds the brief asks for, in the brief's words (independent of the generator's catalogue).
REQUIRED_KINDS = {
    "first_name_typo_transposed",
    "first_name_typo_dropped",
    "first_name_typo_added",
    "birth_day_off",
    "birth_day_month_swapped",
    "usage_name_differs",
    "birth_name_missing_usage_differs",
    "accent_variant",
    "apostrophe_variant",
    "case_variant",
    "space_variant",
    "twin",
    "outside_cohort_born_after_2004",
    "outside_cohort_measures_before_2000",
    "lookalike_secondary_key",
    "exact_duplicate_row",
    "reject_date_impossible",
    "reject_date_format",
    "reject_required",
    "reject_decimal",
}
KEY_BREAKING = {
    "first_name_typo_transposed",
    "first_name_typo_dropped",
    "first_name_typo_added",
    "first_names_swapped",
    "birth_day_off",
    "birth_day_month_swapped",
    "mna_birth_date_differs",
    "birth_date_imprecise_typedtnai",
    "surname_compound_partial",
    "birth_name_missing_usage_differs",
}
# Identity columns per file: (usage name, birth name, first name, birth date)
IDENTITY = {
    "iodas_ase/individus.csv": ("nom_usage", "nom_naissance", "prenom", "date_naissance"),
    "webrsa/personnes.csv": ("nom", "nomnai", "prenom", "dtnai"),
    "nova_dpas/personnes.csv": ("nom_usage", "nom_naissance", "prenom", "date_naissance"),
    "iodas_dpas/aides_financieres.xlsx": ("nom_usage", "nom_naissance", "prenom", "date_naissance"),
    "iodas_mdph/decisions_cdaph.csv": ("nom_usage", "nom_naissance", "prenom", "date_naissance"),
}


# ------------------------------------------------------------------------------ helpers


def contract_files() -> list[dict]:
    """Every file of the five contracts, with the format defaults applied."""
    files = []
    for source in SOURCES:
        doc = yaml.safe_load((CONTRACTS_DIR / f"{source}.yml").read_text(encoding="utf-8"))
        fmt = doc.get("format", {})
        for entry in doc["files"]:
            columns = []
            for c in entry["columns"]:
                columns.append({**c, "formats": c.get("formats", fmt.get("date_formats"))})
            files.append(
                {
                    "source": source,
                    "table": entry["table"],
                    "path": f"{source}/{entry['file']}",
                    "sheet": entry.get("sheet"),
                    "type": fmt.get("type", "csv"),
                    "delimiter": fmt.get("delimiter", ";"),
                    "encoding": fmt.get("encoding", "utf-8"),
                    "quote": fmt.get("quote", '"'),
                    "decimal": fmt.get("decimal_separator", "."),
                    "columns": columns,
                }
            )
    return files


def read_rows(root: Path, spec: dict) -> tuple[list[str], list[list]]:
    """(header, data rows) of a file, decoded as its contract says."""
    path = root / spec["path"]
    if spec["type"] == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        ws = wb[spec["sheet"]]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        return [str(v) for v in rows[0]], rows[1:]
    text = path.read_bytes().decode(spec["encoding"], errors="strict")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=spec["delimiter"], quotechar=spec["quote"]
    )
    rows = list(reader)
    return rows[0], rows[1:]


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _shape(fmt: str) -> str:
    pattern = re.escape(fmt)
    for token, rx in (
        ("%d", r"\d{2}"),
        ("%m", r"\d{2}"),
        ("%Y", r"\d{4}"),
        ("%H", r"\d{2}"),
        ("%M", r"\d{2}"),
    ):
        pattern = pattern.replace(re.escape(token), rx)
    return f"^{pattern}$"


def violated_rule(column: dict, value, decimal_sep: str) -> str | None:
    """The contract rule `value` breaks, or None. Written from the contract README."""
    text = "" if value is None else (value if isinstance(value, str) else None)
    if text is not None and text.strip() == "":
        return "required" if column.get("required") else None
    ctype = column.get("type", "varchar")
    if ctype in ("date", "timestamp"):
        if isinstance(value, dt.datetime | dt.date):
            return None
        formats = column["formats"]
        for fmt in formats:
            try:
                dt.datetime.strptime(text, fmt)
                return None
            except ValueError:
                continue
        if any(re.match(_shape(fmt), text) for fmt in formats):
            return "date_impossible"
        return "date_format"
    if ctype == "integer":
        if isinstance(value, int):
            return None
        return None if re.fullmatch(r"-?\d+", text) else "integer"
    if ctype == "decimal":
        if isinstance(value, int | float):
            return None
        return None if re.fullmatch(rf"-?\d+({re.escape(decimal_sep)}\d+)?", text) else "decimal"
    accepted = column.get("accepted_values")
    if accepted and str(value) not in [str(a) for a in accepted]:
        return "accepted_values"
    return None


def parse_date(value, formats: list[str]) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    for fmt in formats:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except (ValueError, TypeError):
            continue
    return None


def file_digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def extraction(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("synth") / "first"
    counts = synth.generate(out, youths=YOUTHS, seed=93)
    return out, counts


@pytest.fixture(scope="module")
def truth(extraction) -> dict:
    return read_truth(extraction[0])


@pytest.fixture(scope="module")
def files(extraction) -> dict[str, tuple[dict, list[str], list[list]]]:
    return read_files(extraction[0])


def read_truth(root: Path) -> dict:
    """The ground truth of the extraction in `root`, indexed by file and line."""
    gt = root / "ground_truth"
    rows = read_csv(gt / "source_rows.csv")
    by_file: dict[str, dict[int, dict]] = defaultdict(dict)
    for r in rows:
        by_file[r["file"]][int(r["line"])] = r
    return {
        "persons": {p["person_uid"]: p for p in read_csv(gt / "persons.csv")},
        "rows": rows,
        "by_file": by_file,
        "rejects": read_csv(gt / "planted_rejects.csv"),
        "canaries": read_csv(gt / "canaries.csv"),
    }


def read_files(root: Path) -> dict[str, tuple[dict, list[str], list[list]]]:
    """Every contract file of the extraction in `root`: (contract, header, data rows)."""
    return {spec["path"]: (spec, *read_rows(root, spec)) for spec in contract_files()}


def kinds_of(row: dict) -> set[str]:
    return set(filter(None, row["difficulties"].split(";")))


# ------------------------------------------------------------------------------ determinism


def test_same_seed_gives_identical_bytes(extraction, tmp_path) -> None:
    root, _ = extraction
    again = tmp_path / "second"
    synth.generate(again, youths=YOUTHS, seed=93)
    first, second = file_digests(root), file_digests(again)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_another_seed_gives_other_data(extraction, tmp_path) -> None:
    root, _ = extraction
    other = tmp_path / "other"
    synth.generate(other, youths=YOUTHS, seed=94)
    first, second = file_digests(root), file_digests(other)
    assert first["iodas_ase/individus.csv"] != second["iodas_ase/individus.csv"]


# ------------------------------------------------------------------------------ contracts


def test_every_contract_file_is_written_with_its_columns_in_order(files, extraction) -> None:
    _, counts = extraction
    assert len(files) == 22
    for path, (spec, header, rows) in files.items():
        assert header == [c["name"] for c in spec["columns"]], path
        assert all(len(r) == len(header) for r in rows), path
        assert len(rows) == counts[path] > 0, path


def test_encodings_are_the_declared_ones(extraction) -> None:
    root, _ = extraction
    for spec in contract_files():
        if spec["type"] != "csv":
            continue
        data = (root / spec["path"]).read_bytes()
        encoding = spec["encoding"].lower()
        if encoding == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf"), spec["path"]
            data[3:].decode("utf-8", errors="strict")
        elif encoding == "utf-8":
            assert not data.startswith(b"\xef\xbb\xbf"), spec["path"]
            data.decode("utf-8", errors="strict")
        else:
            assert encoding == "cp1252"
            data.decode("cp1252", errors="strict")


@pytest.mark.parametrize("source", ["iodas_ase", "iodas_mdph"])
def test_windows_1252_files_hold_characters_latin_1_lacks(extraction, source) -> None:
    """Bytes 0x80-0x9F are œ, ’, – ... in Windows-1252 but control codes in Latin-1."""
    root, _ = extraction
    data = b"".join(p.read_bytes() for p in sorted((root / source).glob("*.csv")))
    c1 = {b for b in data if 0x80 <= b <= 0x9F}
    assert c1, f"{source}: no Windows-1252-only character"
    text = data.decode("cp1252")
    assert any(ch in text for ch in "œŒ’–"), source
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_xlsx_sheet_and_typed_cells(files) -> None:
    spec, header, rows = files["iodas_dpas/aides_financieres.xlsx"]
    assert spec["sheet"] == "aides"
    dates = [r[header.index("date_decision")] for r in rows]
    assert any(isinstance(d, dt.datetime) for d in dates)  # Excel dates
    assert any(isinstance(d, str) and re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in dates)


def test_rows_follow_the_contract_rules_except_the_planted_rejects(files, truth) -> None:
    """A value breaking a rule is a planted reject; in a birth date declared `if_invalid:
    empty` (loaded empty, never a reject) it is a planted value labelled on its row."""
    rejected = {(r["file"], int(r["line"]), r["column"]): r["rule"] for r in truth["rejects"]}
    labels = {(r["file"], int(r["line"])): kinds_of(r) for r in truth["rows"]}
    problems = []
    emptied = 0
    for path, (spec, _header, rows) in files.items():
        for i, row in enumerate(rows):
            line = i + 2
            for column, value in zip(spec["columns"], row, strict=True):
                rule = violated_rule(column, value, spec["decimal"])
                expected = rejected.get((path, line, column["name"]))
                if column.get("if_invalid") == "empty" and rule is not None and expected is None:
                    emptied += 1
                    if f"reject_{rule}" in labels.get((path, line), set()):
                        continue
                if rule != expected:
                    problems.append((path, line, column["name"], rule, expected))
    assert problems == []
    assert emptied > 0


def test_planted_rejects_are_listed_with_their_value(files, truth) -> None:
    assert truth["rejects"]
    total = sum(len(rows) for _, _, rows in files.values())
    assert 0.0005 <= len(truth["rejects"]) / total <= 0.005
    for r in truth["rejects"]:
        spec, header, rows = files[r["file"]]
        value = rows[int(r["line"]) - 2][header.index(r["column"])]
        assert ("" if value is None else value) == r["bad_value"]
        assert f"reject_{r['rule']}" in kinds_of(truth["by_file"][r["file"]][int(r["line"])])


# ------------------------------------------------------------------------------ ground truth


def test_ground_truth_covers_every_data_row(files, truth) -> None:
    for path, (_, _, rows) in files.items():
        lines = sorted(truth["by_file"][path])
        assert lines == list(range(2, len(rows) + 2)), path
    assert set(truth["by_file"]) == set(files)


def test_manifest_lists_every_file_with_rows_and_digest(extraction) -> None:
    root, counts = extraction
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == set(counts)
    for path, entry in manifest["files"].items():
        data = (root / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["rows"] == counts[path]


def test_cohort_rule_holds_on_the_generated_rows(files, truth) -> None:
    """in_cohort <=> born <= 2004 and a measure starting on or after 2000-01-01, computed from
    the files themselves (rows the loader will reject left out)."""
    rejected = {(r["file"], int(r["line"])) for r in truth["rejects"]}
    spec, header, rows = files["iodas_ase/individus.csv"]
    fmt = spec["columns"][header.index("date_naissance")]["formats"]
    uid_of, born = {}, {}
    for i, row in enumerate(rows):
        uid = truth["by_file"][spec["path"]][i + 2]["person_uid"]
        uid_of[row[0]] = uid
        born[uid] = parse_date(row[header.index("date_naissance")], fmt)
    spec, header, rows = files["iodas_ase/mesures.csv"]
    fmt = spec["columns"][header.index("date_debut")]["formats"]
    qualifying = set()
    for i, row in enumerate(rows):
        if (spec["path"], i + 2) in rejected:
            continue
        start = parse_date(row[header.index("date_debut")], fmt)
        if start >= dt.date(2000, 1, 1):
            qualifying.add(uid_of[row[header.index("id_individu")]])
    persons = truth["persons"]
    reasons = set()
    for uid, p in persons.items():
        if p["in_ase"] == "0":
            assert (p["in_cohort"], p["cohort_exclusion_reason"]) == ("0", "not_in_ase")
            continue
        expected = born[uid] <= dt.date(2004, 12, 31) and uid in qualifying
        assert p["in_cohort"] == ("1" if expected else "0"), uid
        if born[uid] > dt.date(2004, 12, 31):
            assert p["cohort_exclusion_reason"] == "born_after_2004"
        elif not expected:
            assert p["cohort_exclusion_reason"] == "no_measure_since_2000"
        reasons.add(p["cohort_exclusion_reason"])
    assert reasons == {"", "born_after_2004", "no_measure_since_2000"}
    youths = [p for p in persons.values() if p["in_ase"] == "1"]
    assert len(youths) == YOUTHS
    others = len(persons) - len(youths)
    assert 0.7 * YOUTHS <= others <= 1.3 * YOUTHS
    mna = sum(p["is_mna"] == "1" for p in youths) / len(youths)
    assert 0.15 <= mna <= 0.25


def test_every_planted_difficulty_kind_is_present(truth) -> None:
    from pipase.synth.groundtruth import DIFFICULTIES

    seen = set()
    for r in truth["rows"]:
        seen |= kinds_of(r)
    for p in truth["persons"].values():
        seen |= set(filter(None, p["person_difficulties"].split(";")))
    assert seen >= REQUIRED_KINDS, REQUIRED_KINDS - seen
    assert seen >= set(DIFFICULTIES), set(DIFFICULTIES) - seen
    assert seen <= set(DIFFICULTIES), seen - set(DIFFICULTIES)


def test_identity_rows_match_the_truth_unless_a_key_breaking_kind_says_otherwise(
    files, truth
) -> None:
    """Harmless variants normalise to the true identity; key-breaking kinds really break."""
    persons = truth["persons"]
    checked_ok = checked_broken = 0
    for path, (usage_col, birth_col, first_col, date_col) in IDENTITY.items():
        spec, header, rows = files[path]
        fmt = spec["columns"][header.index(date_col)]["formats"]
        for i, row in enumerate(rows):
            meta = truth["by_file"][path][i + 2]
            kinds = kinds_of(meta)
            if any(k.startswith("reject_") for k in kinds):
                continue
            p = persons[meta["person_uid"]]
            name = surname(row[header.index(birth_col)], row[header.index(usage_col)])
            first = normalise_name(row[header.index(first_col)])
            born = parse_date(row[header.index(date_col)], fmt)
            same = (name, first, born.strftime("%d%m%Y")) == (
                p["nom_normalise"],
                p["prenom_normalise"],
                p["date_naissance_jjmmaaaa"],
            )
            if kinds & KEY_BREAKING:
                assert not same, (path, i + 2, sorted(kinds & KEY_BREAKING))
                checked_broken += 1
            else:
                assert same, (path, i + 2, sorted(kinds))
                checked_ok += 1
    assert checked_ok > 1000 and checked_broken > 10


def test_exact_duplicates_are_identical_neighbours(files, truth) -> None:
    found = 0
    for path, (_, _, rows) in files.items():
        for line, meta in truth["by_file"][path].items():
            if "exact_duplicate_row" in kinds_of(meta):
                row = rows[line - 2]
                neighbours = rows[max(line - 3, 0) : line - 1] + rows[line - 1 : line]
                assert sum(r == row for r in neighbours) >= 2, (path, line)
                found += 1
    assert found >= 2


def test_twins_and_lookalikes_collide_on_the_secondary_key_only(truth) -> None:
    persons = truth["persons"]
    twins = defaultdict(list)
    for p in persons.values():
        if p["twin_group"]:
            twins[p["twin_group"]].append(p)
    assert twins
    for group in twins.values():
        a, b = group
        assert a["cle_secondaire"] == b["cle_secondaire"]
        assert a["family_file"] == b["family_file"]
        assert a["prenom_normalise"] != b["prenom_normalise"]
    lookalikes = [p for p in persons.values() if p["lookalike_of"]]
    assert lookalikes
    for p in lookalikes:
        target = persons[p["lookalike_of"]]
        assert p["in_ase"] == "0" and target["in_cohort"] == "1"
        assert p["cle_secondaire"] == target["cle_secondaire"]
        assert p["cle_primaire"] != target["cle_primaire"]
        assert p["sources"]


def test_canaries_sit_in_the_cohort_webrsa_and_mdph_untouched(files, truth) -> None:
    canaries = truth["canaries"]
    assert len(canaries) == 3
    assert {c["nom"] for c in canaries} == {"CANARYZORGLUB"}
    for c in canaries:
        assert truth["persons"][c["person_uid"]]["in_cohort"] == "1"
        for path in (
            "iodas_ase/individus.csv",
            "webrsa/personnes.csv",
            "iodas_mdph/decisions_cdaph.csv",
        ):
            usage_col, _, first_col, _ = IDENTITY[path]
            spec, header, rows = files[path]
            hits = [
                rows[line - 2]
                for line, meta in truth["by_file"][path].items()
                if meta["person_uid"] == c["person_uid"]
            ]
            assert hits, (c["prenom"], path)
            for row in hits:
                assert row[header.index(usage_col)] == "CANARYZORGLUB"
                assert normalise_name(row[header.index(first_col)]) == c["prenom"].upper()
    rejected_persons = {r["person_uid"] for r in truth["rejects"]}
    assert not rejected_persons & {c["person_uid"] for c in canaries}


def test_every_person_appears_in_at_least_one_source(truth) -> None:
    assert all(p["sources"] for p in truth["persons"].values())


def test_ground_truth_stays_out_of_the_source_folders(extraction) -> None:
    root, _ = extraction
    for source in SOURCES:
        names = {p.name for p in (root / source).iterdir()}
        assert names == {Path(s["path"]).name for s in contract_files() if s["source"] == source}


# ------------------------------------------------------------------------------ CLI


def test_cli_arguments_and_run(tmp_path, capsys) -> None:
    parser = argparse.ArgumentParser()
    synth.add_arguments(parser)
    defaults = parser.parse_args(["--out", str(tmp_path / "x")])
    assert (defaults.youths, defaults.seed, defaults.extraction_date) == (
        2000,
        93,
        dt.date(2026, 6, 30),
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["--out", "x", "--extraction-date", "30/06/2026"])
    args = parser.parse_args(
        [
            "--out",
            str(tmp_path / "small"),
            "--youths",
            "60",
            "--seed",
            "5",
            "--extraction-date",
            "2025-12-31",
        ]
    )
    assert synth.run(args) == 0
    manifest = json.loads((tmp_path / "small" / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["youths"], manifest["seed"], manifest["extraction_date"]) == (
        60,
        5,
        "2025-12-31",
    )
    out = capsys.readouterr().out
    assert "CANARYZORGLUB" not in out and "lignes dans les cinq sources" in out
