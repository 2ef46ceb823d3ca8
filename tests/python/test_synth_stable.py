"""The generator's output for a given seed does not move: digests of small extractions (seeds 7
and 93, with and without the harder errors) computed once and written here, and the XLSX
workbooks byte-identical from one run to the next.

The digest reads every file of the extraction: text files (CSV, ground truth, README) byte for
byte; a workbook by its sheet names and every cell's type and value as openpyxl reads them
back, a number as a double (so the digest does not depend on how the package is laid out);
manifest.json without the workbooks' bytes and SHA-256 (the same reason). A change to any planted rate, to the
order of the random draws or to a writer changes a digest. The generator also reads the
project's reference seeds (communes, circonscriptions, ROME codes: seeds/reference/), so a change
there changes the digests too: recompute them then, from the generator before any other change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("faker")
pytest.importorskip("numpy")
openpyxl = pytest.importorskip("openpyxl")

from pipase.synth import generate, workbook  # noqa: E402

EXTRACTION_DATE = dt.date(2026, 6, 30)
YOUTHS = 150

# (seed, hard errors) -> digest of the extraction. Recomputed when rows with a bad birth date
# became loaded, not rejected; the refactored generator then gave the same files as the one before
# it (2,000 youths, seeds 7 and 93), but for a birth date planted missing in the Iodas-DPAS
# workbook: an empty cell where the hand-written writer wrote an empty string (python-calamine,
# the loader's reader, reads both as empty).
EXPECTED = {
    (7, False): "0e377b4cd552bcd395c8662a0ed6615454db0139571e6275ccaaeca19385a2ec",
    (93, False): "f3e3b2ae3ecf191f144a7525e43e01a8de058e712c2647949a3d55d4a10bb405",
    (7, True): "b2128d1a3643065863712451e58b8ee3484f4e6e46faec137ed6552a8a2f4ec4",
    (93, True): "3ae3f4aa76af8b0dae682aa3f3e2d142825373b6736a865a13c19d2754eef6e7",
}


def _cell(value) -> tuple[str, object]:
    """A cell's type and value as Excel holds them: a number is a double, whether the file
    writes it "0" or "0.0" (which openpyxl reads back as an int or a float)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ("number", float(value))
    return (type(value).__name__, value)


def _workbook_cells(path: Path) -> bytes:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        parts = []
        for sheet in workbook.worksheets:
            parts.append(f"sheet {sheet.title!r}")
            for row in sheet.iter_rows(values_only=True):
                parts.append(repr([_cell(v) for v in row]))
    finally:
        workbook.close()
    return "\n".join(parts).encode()


def _manifest(path: Path) -> bytes:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for name, entry in manifest["files"].items():
        if name.endswith(".xlsx"):
            del entry["bytes"], entry["sha256"]
    return json.dumps(manifest, sort_keys=True).encode()


def extraction_digest(root: Path) -> str:
    """SHA-256 over every file of the extraction, in path order (see the module's docstring)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        if path.suffix == ".xlsx":
            content = _workbook_cells(path)
        elif name == "manifest.json":
            content = _manifest(path)
        else:
            content = path.read_bytes()
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


@pytest.mark.parametrize(("seed", "hard"), sorted(EXPECTED))
def test_extraction_digest_is_unchanged(tmp_path, seed, hard) -> None:
    generate(tmp_path, youths=YOUTHS, seed=seed, extraction_date=EXTRACTION_DATE, hard_errors=hard)
    assert extraction_digest(tmp_path) == EXPECTED[(seed, hard)]


def _stamps(path: Path) -> tuple[set, str, str]:
    """The zip members' timestamps and the document's created and modified dates."""
    with zipfile.ZipFile(path) as archive:
        times = {info.date_time for info in archive.infolist()}
        core = archive.read("docProps/core.xml").decode()
    created, modified = (
        re.search(rf"<dcterms:{tag}[^>]*>([^<]+)<", core).group(1)
        for tag in ("created", "modified")
    )
    return times, created, modified


def _two_workbooks(tmp_path: Path) -> tuple[Path, Path]:
    paths = []
    for run in ("first", "second"):
        generate(tmp_path / run, youths=60, seed=7, extraction_date=EXTRACTION_DATE)
        paths.append(tmp_path / run / "iodas_dpas" / "aides_financieres.xlsx")
    return paths[0], paths[1]


def test_workbooks_are_byte_identical_from_run_to_run(tmp_path) -> None:
    first, second = _two_workbooks(tmp_path)
    assert first.read_bytes() == second.read_bytes()
    times, created, modified = _stamps(first)
    assert times == {workbook.FIXED_ZIP_TIME}
    assert created == modified == workbook.FIXED_DOC_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_openpyxl_plain_save_would_stamp_the_time_of_writing(tmp_path, monkeypatch) -> None:
    """Mutation: without the fixed dates, openpyxl stamps the time of saving."""
    monkeypatch.setattr(workbook, "save_deterministic", lambda book, path: book.save(path))
    first, _second = _two_workbooks(tmp_path)
    times, _created, modified = _stamps(first)
    assert times != {workbook.FIXED_ZIP_TIME}
    assert modified != workbook.FIXED_DOC_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
