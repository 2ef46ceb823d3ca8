"""`pipase synth` in chunks: an extraction generated a chunk of youths at a time is as sound as
one generated at once (ids unique, references kept, canaries once, manifest true), and a sheet
that cannot hold the Iodas-DPAS rows stops the generation instead of being truncated when the
contract declares no `parts` (a split export rolls over: test_split_exports.py).

The chunked extraction is small (300 youths in chunks of 100); every check of test_synth.py
that does not compare with a one-chunk run is run on it again, and the checks below look at
what chunking could break.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import test_synth as ts
from test_synth import (  # noqa: F401  (checks re-run on the chunked extraction)
    test_canaries_sit_in_the_cohort_webrsa_and_mdph_untouched,
    test_cohort_rule_holds_on_the_generated_rows,
    test_encodings_are_the_declared_ones,
    test_every_contract_file_is_written_with_its_columns_in_order,
    test_every_person_appears_in_at_least_one_source,
    test_every_planted_difficulty_kind_is_present,
    test_ground_truth_covers_every_data_row,
    test_ground_truth_stays_out_of_the_source_folders,
    test_identity_rows_match_the_truth_unless_a_key_breaking_kind_says_otherwise,
    test_manifest_lists_every_file_with_rows_and_digest,
    test_planted_rejects_are_listed_with_their_value,
    test_rows_follow_the_contract_rules_except_the_planted_rejects,
    test_twins_and_lookalikes_collide_on_the_secondary_key_only,
    test_windows_1252_files_hold_characters_latin_1_lacks,
    test_xlsx_sheet_and_typed_cells,
)

from pipase import synth
from pipase.errors import PipaseError
from pipase.paths import CONTRACTS_DIR
from pipase.synth import generator
from pipase.synth.generator import chunk_sizes
from pipase.synth.numbering import Numbering
from pipase.synth.workbook import ExcelRowLimitError

YOUTHS = ts.YOUTHS  # the re-run checks count on it
CHUNK = 100
DPAS = "iodas_dpas/aides_financieres.xlsx"

# Row id of the tables that have one (unique per distinct row; exact duplicates repeat it).
ROW_IDS = {
    "iodas_ase/individus.csv": "id_individu",
    "iodas_ase/informations_preoccupantes.csv": "id_ip",
    "iodas_ase/mesures.csv": "id_mesure",
    "iodas_ase/placements.csv": "id_placement",
    "iodas_ase/hors_placement.csv": "id_hors_placement",
    "iodas_ase/aides_cjm.csv": "id_aide",
    "webrsa/personnes.csv": "id",
    "webrsa/foyers.csv": "id",
    "webrsa/dossiers.csv": "id",
    "webrsa/orientsstructs.csv": "id",
    "nova_dpas/personnes.csv": "id_personne",
    "nova_dpas/rendez_vous.csv": "id_rdv",
    DPAS: "id_demande",
}
# Other columns whose values never repeat across rows of a table.
UNIQUE_VALUES = {
    "webrsa/dossiers.csv": ["numdemrsa", "matricule"],
    "webrsa/foyers.csv": ["dossier_id"],
    "webrsa/situationsdossiersrsa.csv": ["dossier_id"],
    "webrsa/detailsdroitsrsa.csv": ["dossier_id"],
    "webrsa/prestations.csv": ["personne_id"],
}
# Ids that name one person wherever they appear.
PERSON_IDS = {
    "iodas_mdph/decisions_cdaph.csv": "num_dossier_mdph",
    "iodas_ase/individus.csv": "num_dossier_familial",  # one family: youths of one chunk
}
# (file, column) -> (referenced file, its id column, same person on both rows?)
REFERENCES = {
    ("iodas_ase/detenteurs_autorite_parentale.csv", "id_individu"): (
        "iodas_ase/individus.csv",
        "id_individu",
        True,
    ),
    ("iodas_ase/informations_preoccupantes.csv", "id_individu"): (
        "iodas_ase/individus.csv",
        "id_individu",
        True,
    ),
    ("iodas_ase/mesures.csv", "id_individu"): ("iodas_ase/individus.csv", "id_individu", True),
    ("iodas_ase/placements.csv", "id_mesure"): ("iodas_ase/mesures.csv", "id_mesure", True),
    ("iodas_ase/placements.csv", "id_individu"): (
        "iodas_ase/individus.csv",
        "id_individu",
        True,
    ),
    ("iodas_ase/hors_placement.csv", "id_placement"): (
        "iodas_ase/placements.csv",
        "id_placement",
        True,
    ),
    ("iodas_ase/hors_placement.csv", "id_individu"): (
        "iodas_ase/individus.csv",
        "id_individu",
        True,
    ),
    ("iodas_ase/aides_cjm.csv", "id_individu"): ("iodas_ase/individus.csv", "id_individu", True),
    ("webrsa/personnes.csv", "foyer_id"): ("webrsa/foyers.csv", "id", False),
    ("webrsa/foyers.csv", "dossier_id"): ("webrsa/dossiers.csv", "id", True),
    ("webrsa/situationsdossiersrsa.csv", "dossier_id"): ("webrsa/dossiers.csv", "id", True),
    ("webrsa/detailsdroitsrsa.csv", "dossier_id"): ("webrsa/dossiers.csv", "id", True),
    ("webrsa/adresses.csv", "foyer_id"): ("webrsa/foyers.csv", "id", True),
    ("webrsa/prestations.csv", "personne_id"): ("webrsa/personnes.csv", "id", True),
    ("webrsa/dsps.csv", "personne_id"): ("webrsa/personnes.csv", "id", True),
    ("webrsa/orientsstructs.csv", "personne_id"): ("webrsa/personnes.csv", "id", True),
    ("webrsa/cers93_sujets.csv", "personne_id"): ("webrsa/personnes.csv", "id", True),
    ("webrsa/historiqueetatspe.csv", "personne_id"): ("webrsa/personnes.csv", "id", True),
    ("nova_dpas/rendez_vous.csv", "id_personne"): ("nova_dpas/personnes.csv", "id_personne", True),
}


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def extraction(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("synth_chunks") / "chunked"
    counts = synth.generate(out, youths=YOUTHS, seed=93, chunk_youths=CHUNK)
    return out, counts


@pytest.fixture(scope="module")
def truth(extraction) -> dict:
    return ts.read_truth(extraction[0])


@pytest.fixture(scope="module")
def files(extraction) -> dict[str, tuple[dict, list[str], list[list]]]:
    return ts.read_files(extraction[0])


@pytest.fixture(scope="module")
def chunk_of(extraction) -> dict[str, int]:
    """person_uid -> chunk, from the persons' numbering (each chunk: its youths, then as many
    other people)."""
    sizes = chunk_sizes(YOUTHS, CHUNK)
    out, first = {}, 1
    for k, n in enumerate(sizes):
        for i in range(first, first + 2 * n):
            out[f"U{i:07d}"] = k
        first += 2 * n
    return out


def rows_as_dicts(files, path: str, truth) -> list[dict]:
    """Rows of `path` with their ground truth (person_uid, difficulties)."""
    _, header, rows = files[path]
    meta = truth["by_file"][path]
    return [
        {**dict(zip(header, row, strict=True)), "_meta": meta[i + 2]} for i, row in enumerate(rows)
    ]


# ------------------------------------------------------------------------------ chunks


def test_chunk_sizes() -> None:
    assert chunk_sizes(300, 100) == [100, 100, 100]
    assert chunk_sizes(400, 150) == [134, 133, 133]
    assert chunk_sizes(2000, 50_000) == [2000]
    assert chunk_sizes(50_000, 50_000) == [50_000]
    assert chunk_sizes(50_001, 50_000) == [25_001, 25_000]
    assert sum(chunk_sizes(1_000_003, 50_000)) == 1_000_003


def test_the_extraction_is_really_chunked(extraction) -> None:
    root, _ = extraction
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["chunks"], manifest["chunk_youths"]) == (3, CHUNK)


def test_same_arguments_give_identical_bytes(extraction, tmp_path) -> None:
    root, _ = extraction
    again = tmp_path / "again"
    synth.generate(again, youths=YOUTHS, seed=93, chunk_youths=CHUNK)
    assert ts.file_digests(root) == ts.file_digests(again)


def test_every_chunk_has_its_share_of_youths_and_planted_cases(truth, chunk_of) -> None:
    youths, kinds = defaultdict(int), defaultdict(set)
    for p in truth["persons"].values():
        k = chunk_of[p["person_uid"]]
        youths[k] += p["in_ase"] == "1"
        kinds[k] |= set(filter(None, p["person_difficulties"].split(";")))
    assert dict(youths) == dict(enumerate(chunk_sizes(YOUTHS, CHUNK)))
    for k in youths:
        assert {"twin", "lookalike_secondary_key", "outside_cohort_born_after_2004"} <= kinds[k]
    rejected = {chunk_of[r["person_uid"]] for r in truth["rejects"] if r["person_uid"]}
    assert rejected == set(youths)


def test_canaries_are_planted_once_in_the_first_chunk(files, truth, chunk_of) -> None:
    canaries = truth["canaries"]
    assert len(canaries) == 3
    assert {chunk_of[c["person_uid"]] for c in canaries} == {0}
    flagged = [p for p in truth["persons"].values() if p["is_canary"] == "1"]
    assert sorted(p["person_uid"] for p in flagged) == sorted(c["person_uid"] for c in canaries)
    named = [p for p in truth["persons"].values() if p["nom_naissance"] == "CANARYZORGLUB"]
    assert len(named) == 3
    _, header, rows = files["iodas_ase/individus.csv"]
    column = header.index("nom_usage")
    assert sum(r[column] == "CANARYZORGLUB" for r in rows) == 3


def test_person_uids_twin_groups_and_individus_do_not_collide(extraction) -> None:
    root, _ = extraction
    persons = ts.read_csv(root / "ground_truth" / "persons.csv")
    uids = [p["person_uid"] for p in persons]
    assert len(uids) == len(set(uids)) == 2 * YOUTHS
    groups = defaultdict(list)
    for p in persons:
        if p["twin_group"]:
            groups[p["twin_group"]].append(p["person_uid"])
    assert len(groups) >= 2 * len(chunk_sizes(YOUTHS, CHUNK))
    assert all(len(members) == 2 for members in groups.values())
    ids = [p["id_individu"] for p in persons if p["id_individu"]]
    assert len(ids) == len(set(ids)) == YOUTHS


def test_row_ids_are_unique_across_chunks(files, truth) -> None:
    """A row id appears once, or twice on the two adjacent rows of an exact duplicate."""
    for path, column in ROW_IDS.items():
        _, header, rows = files[path]
        i = header.index(column)
        meta = truth["by_file"][path]
        seen: dict[str, int] = {}
        for line, row in enumerate(rows, start=2):
            key = row[i]
            if key in seen:
                first = seen[key]
                assert line == first + 1, (path, key, first, line)
                for ln in (first, line):
                    assert "exact_duplicate_row" in ts.kinds_of(meta[ln]), (path, key, ln)
            seen[key] = line
        assert len(seen) > 10, path
    for path, columns in UNIQUE_VALUES.items():
        _, header, rows = files[path]
        for column in columns:
            values = [r[header.index(column)] for r in rows if r[header.index(column)]]
            assert len(values) == len(set(values)), (path, column)


def test_ids_of_a_person_or_family_stay_in_one_chunk(files, truth, chunk_of) -> None:
    for path, column in PERSON_IDS.items():
        owners = defaultdict(set)
        for row in rows_as_dicts(files, path, truth):
            owners[row[column]].add(chunk_of[row["_meta"]["person_uid"]])
        assert len(owners) > 10, path
        assert all(len(chunks) == 1 for chunks in owners.values()), path
    mdph = defaultdict(set)
    for row in rows_as_dicts(files, "iodas_mdph/decisions_cdaph.csv", truth):
        mdph[row["num_dossier_mdph"]].add(row["_meta"]["person_uid"])
    assert all(len(p) == 1 for p in mdph.values())


def test_references_between_files_hold_across_chunks(files, truth, chunk_of) -> None:
    for (path, column), (target, id_column, same_person) in REFERENCES.items():
        person_of = {}
        for row in rows_as_dicts(files, target, truth):
            person_of[row[id_column]] = row["_meta"]["person_uid"]
        checked = 0
        chunks = set()
        for row in rows_as_dicts(files, path, truth):
            value = row[column]
            if value in ("", None):
                continue
            assert value in person_of, (path, column, value)
            if same_person:
                assert person_of[value] == row["_meta"]["person_uid"], (path, column, value)
            chunks.add(chunk_of[person_of[value]])
            checked += 1
        assert checked, (path, column)
        assert chunks == {0, 1, 2}, (path, column)


def test_exact_duplicates_are_identical_neighbours_in_the_csv_files(files, truth) -> None:
    """test_synth's check on the CSV files. In the XLSX workbook, the two copies of a row may
    differ in cell types (a date typed as text in one of them): the writer draws the types row
    by row after the copies are made, with or without chunks. Not fixed here: the fix would
    change the documented one-chunk extractions."""
    found = 0
    for path, (spec, _, rows) in files.items():
        if spec["type"] != "csv":
            continue
        for line, meta in truth["by_file"][path].items():
            if "exact_duplicate_row" in ts.kinds_of(meta):
                row = rows[line - 2]
                neighbours = rows[max(line - 3, 0) : line - 1] + rows[line - 1 : line]
                assert sum(r == row for r in neighbours) >= 2, (path, line)
                found += 1
    assert found >= 2


def test_line_numbers_go_on_across_chunks(files, truth, chunk_of) -> None:
    """The ground truth's line of a row is its line in the file, in every chunk."""
    for path, (_, _, rows) in files.items():
        lines = sorted(truth["by_file"][path])
        assert lines == list(range(2, len(rows) + 2)), path
    chunks = set()
    for r in truth["rejects"]:
        _, header, rows = files[r["file"]]
        value = rows[int(r["line"]) - 2][header.index(r["column"])]
        assert ("" if value is None else value) == r["bad_value"], r
        if r["person_uid"]:
            chunks.add(chunk_of[r["person_uid"]])
    assert chunks == {0, 1, 2}


def test_manifest_rows_bytes_and_digests_match_the_files(extraction) -> None:
    root, counts = extraction
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    specs = {spec["path"]: spec for spec in ts.contract_files()}
    assert (
        set(manifest["files"])
        == set(counts)
        == set(specs)
        | {
            "ground_truth/source_rows.csv",
            "ground_truth/planted_rejects.csv",
            "ground_truth/persons.csv",
            "ground_truth/canaries.csv",
        }
    )
    for path, entry in manifest["files"].items():
        data = (root / path).read_bytes()
        assert entry["bytes"] == len(data), path
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), path
        if path in specs:
            _, rows = ts.read_rows(root, specs[path])
        else:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))[1:]
        assert entry["rows"] == len(rows) == counts[path], path
    total = sum(e["rows"] for p, e in manifest["files"].items() if not p.startswith("ground_"))
    assert manifest["total_source_rows"] == total
    assert manifest["files"]["ground_truth/source_rows.csv"]["rows"] == total


def test_bom_only_at_the_start_of_utf8_sig_files(extraction) -> None:
    root, _ = extraction
    for spec in ts.contract_files():
        if spec["encoding"].lower() == "utf-8-sig":
            data = (root / spec["path"]).read_bytes()
            assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1


# ------------------------------------------------------------------------------ Excel's limit


def _dpas_rows(extraction) -> int:
    return extraction[1][DPAS]


@pytest.fixture(scope="module")
def unsplit(tmp_path_factory) -> Path:
    """The contracts without the Iodas-DPAS `parts`: a sheet that cannot roll over to a next
    part (the split exports are tested in test_split_exports.py)."""
    folder = tmp_path_factory.mktemp("unsplit_contracts")
    for contract in CONTRACTS_DIR.glob("*.yml"):
        text = contract.read_text(encoding="utf-8")
        kept = [line for line in text.splitlines(True) if not line.lstrip().startswith("parts:")]
        (folder / contract.name).write_text("".join(kept), encoding="utf-8")
    return folder


def test_a_sheet_over_the_limit_stops_the_generation(tmp_path, unsplit) -> None:
    out = tmp_path / "over"
    with pytest.raises(ExcelRowLimitError) as info:
        synth.generate(out, youths=YOUTHS, seed=93, xlsx_max_rows=50, contracts_dir=unsplit)
    message = str(info.value)
    assert DPAS in message and "50 rows" in message and "Excel" in message
    assert not (out / "manifest.json").exists()
    assert not (out / DPAS).exists()
    assert [p.name for p in (out / "iodas_dpas").iterdir()] == []  # no temporary file left


def test_the_limit_is_known_after_the_first_chunk(tmp_path, extraction, unsplit) -> None:
    """Rows of the first chunk scaled to all the youths: stop before generating the rest."""
    limit = _dpas_rows(extraction) // 2
    out = tmp_path / "projected"
    with pytest.raises(ExcelRowLimitError, match=r"would hold about [\d,]+ data rows") as info:
        synth.generate(
            out,
            youths=YOUTHS,
            seed=93,
            chunk_youths=CHUNK,
            xlsx_max_rows=limit,
            contracts_dir=unsplit,
        )
    assert DPAS in str(info.value) and f"{limit:,} rows" in str(info.value)
    persons = ts.read_csv(out / "ground_truth" / "persons.csv")
    assert len(persons) == 2 * CHUNK  # only the first chunk was generated
    assert not (out / "manifest.json").exists()


def test_the_exact_count_is_checked_in_every_chunk(
    tmp_path, extraction, monkeypatch, unsplit
) -> None:
    """Without the projection, the last chunk, whose rows do not fit, raises."""
    monkeypatch.setattr(generator, "PROJECTION_MARGIN", 1e9)
    rows = _dpas_rows(extraction)
    out = tmp_path / "exact"
    with pytest.raises(ExcelRowLimitError) as info:
        synth.generate(
            out,
            youths=YOUTHS,
            seed=93,
            chunk_youths=CHUNK,
            xlsx_max_rows=rows,
            contracts_dir=unsplit,
        )
    assert f"{rows:,} data rows" in str(info.value) and f"{rows + 1:,} rows" in str(info.value)
    assert not (out / "manifest.json").exists()
    # exactly at the limit (header included) it fits
    fits = tmp_path / "fits"
    counts = synth.generate(
        fits, youths=YOUTHS, seed=93, chunk_youths=CHUNK, xlsx_max_rows=rows + 1
    )
    assert counts[DPAS] == rows


def test_cli_reports_the_limit_without_a_traceback(tmp_path, capsys, monkeypatch, unsplit) -> None:
    import argparse

    monkeypatch.setattr(synth, "generate", _generate_with_limit(50, unsplit))
    parser = argparse.ArgumentParser()
    synth.add_arguments(parser)
    args = parser.parse_args(["--out", str(tmp_path / "cli"), "--youths", "300"])
    # a failure, not a usage error: the CLI prints it on one line and exits 1
    with pytest.raises(PipaseError) as info:
        synth.run(args)
    text = str(info.value)
    assert DPAS in text and "Excel" in text and "manifest.json" in text


def _generate_with_limit(limit: int, contracts_dir: Path):
    def run(*args, **kwargs):
        return generator.generate(*args, **kwargs, xlsx_max_rows=limit, contracts_dir=contracts_dir)

    return run


# ------------------------------------------------------------------------------ numbering


def test_numbering_goes_on_across_chunks() -> None:
    numbering = Numbering()
    assert numbering.offset("x", 5) == 0 and numbering.offset("x", 3) == 5
    assert numbering.used("x") == 8 and numbering.used("y") == 0
    first = numbering.sequence("s", [2001, 2002, 2001], np.array([1, 1, 2]))
    again = numbering.sequence("s", [2002, 2003, 2002], np.array([1, 1, 2]))
    assert first.tolist() == [1, 1, 2] and again.tolist() == [2, 1, 3]


def test_random_numbers_are_never_drawn_twice() -> None:
    numbering = Numbering()
    rng = np.random.default_rng(1)
    drawn = [numbering.unique_numbers("n", rng, 200, 3) for _ in range(2)]
    both = np.concatenate(drawn)
    assert both.size == np.unique(both).size == 400
    assert ((both >= 100) & (both <= 999)).all()
    with pytest.raises(ValueError):
        numbering.unique_numbers("n", rng, 100, 3)  # would leave too few free numbers
