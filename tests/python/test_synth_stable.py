"""The generator's output for a given seed does not move: digests of small extractions (seeds 7
and 93, with and without the harder errors) computed once and written here, and the XLSX
workbooks byte-identical from one run to the next.

The digest reads every file of the extraction: text files (CSV, ground truth, README) byte for
byte; a workbook by its sheet names and every cell's value and Python type as openpyxl reads
them back (so the digest does not depend on how the zip package is laid out); manifest.json
without the workbooks' bytes and SHA-256 (the same reason). A change to any planted rate, to the
order of the random draws or to a writer changes a digest. The generator also reads the
project's reference seeds (communes, circonscriptions, ROME codes: seeds/reference/), so a change
there changes the digests too: recompute them then, from the generator before any other change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

pytest.importorskip("faker")
pytest.importorskip("numpy")
openpyxl = pytest.importorskip("openpyxl")

from pipase.synth import generate  # noqa: E402

EXTRACTION_DATE = dt.date(2026, 6, 30)
YOUTHS = 150

# (seed, hard errors) -> digest of the extraction
EXPECTED = {
    (7, False): "a6d5144ddf9f592deaec00366c269ce6c498ccd2a1ea866d15c2c58eed45d7b5",
    (93, False): "488f2cb11de7d7d59c56e182e07679f59c241081153d54ec904bb3e027e011b3",
    (7, True): "ac6972a80d00b36d79cf6af7d1bfd5d991bc2e1602ae0c962fe8673ed3e8565f",
    (93, True): "8cb7770c8ce07a51af21955858c9364b08503b6db9170726e6836a5d07af1656",
}


def _workbook_cells(path: Path) -> bytes:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        parts = []
        for sheet in workbook.worksheets:
            parts.append(f"sheet {sheet.title!r}")
            for row in sheet.iter_rows(values_only=True):
                parts.append(repr([(type(v).__name__, v) for v in row]))
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
