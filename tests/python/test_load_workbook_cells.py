"""Workbook cells that calamine reads as empty but that hold something: an error value
(#N/A, #REF!...) and a formula whose value was never computed (a workbook written by a
program). Before, both loaded as NULL without a reject: a value lost without a word (the
`pipase run` adversarial test). Now the file is refused at the first such cell of a contract
column, with its row, column and rule; the same cells in another sheet change nothing.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import load_fixtures as lf
import openpyxl
import pytest

from pipase.load import load_extraction, xlsx_source

SOURCE = "iodas_dpas"


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("PIPASE_LANG", "en")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "pipase.duckdb"


def _workbook(tmp_path: Path, edit) -> tuple[Path, Path]:
    """A valid Iodas-DPAS extraction of 4 rows, then `edit(worksheet, header)` on its sheet."""
    extraction = tmp_path / "ex"
    lf.write_extraction(extraction, n=4, sources=[SOURCE])
    spec = lf.spec_of(SOURCE, "aides")
    path = extraction / SOURCE / spec.file
    book = openpyxl.load_workbook(path)
    sheet = book[spec.sheet]
    header = [c.value for c in sheet[1]]
    edit(book, sheet, header)
    book.save(path)
    return extraction, path


def _cell(sheet, header: list[str], row: int, column: str):
    return sheet.cell(row=row, column=header.index(column) + 1)


def test_an_error_cell_refuses_the_file_at_its_row_and_column(tmp_path: Path, db: Path) -> None:
    def edit(book, sheet, header):
        _cell(sheet, header, 4, "montant_accorde").value = "#N/A"  # an error value
        _cell(sheet, header, 3, "nature").value = "#REF!"

    extraction, _path = _workbook(tmp_path, edit)
    result = load_extraction(extraction, db, sources=[SOURCE])
    assert not result.ok
    [error] = result.errors
    assert (error.file, error.line, error.column, error.rule) == (
        "iodas_dpas/aides_financieres.xlsx",
        3,
        "nature",
        "cell_error",
    )
    assert "#N/A" in str(error)  # the kinds are named, never a cell's value


def test_an_uncomputed_formula_refuses_the_file(tmp_path: Path, db: Path) -> None:
    def edit(book, sheet, header):
        _cell(sheet, header, 5, "montant_accorde").value = "=12*50"  # written, never computed

    extraction, _path = _workbook(tmp_path, edit)
    result = load_extraction(extraction, db, sources=[SOURCE])
    [error] = result.errors
    assert (error.line, error.column, error.rule) == (5, "montant_accorde", "uncomputed_formula")


def test_the_same_cells_in_another_sheet_change_nothing(tmp_path: Path, db: Path) -> None:
    """A sheet of notes beside the data may hold errors and formulas (a column the contract
    does not declare is refused by the header check, whatever it holds)."""

    def edit(book, sheet, header):
        notes = book.create_sheet("notes")
        notes["A1"] = "#N/A"
        notes["A2"] = "=SUM(A1:A1)"

    extraction, path = _workbook(tmp_path, edit)
    with zipfile.ZipFile(path) as archive:
        assert sum(n.startswith("xl/worksheets/sheet") for n in archive.namelist()) == 2
    result = load_extraction(extraction, db, sources=[SOURCE])
    assert result.ok and result.rows_rejected == 0
    assert [f.rows_loaded for f in result.files] == [4]


def test_mutation_without_the_scan_the_error_cells_load_as_empty(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    def edit(book, sheet, header):
        _cell(sheet, header, 4, "montant_accorde").value = "#N/A"
        _cell(sheet, header, 5, "nature").value = "=12*50"

    monkeypatch.setattr(xlsx_source, "_scan_cells", lambda handle, marks: None)
    extraction, _path = _workbook(tmp_path, edit)
    result = load_extraction(extraction, db, sources=[SOURCE])
    assert result.ok and result.rows_rejected == 0  # the lost values pass unseen


def test_a_cell_cut_by_the_scan_block_is_still_found(monkeypatch) -> None:
    """The XML is scanned in blocks; a cell across two blocks is seen whole."""
    xml = b"<sheetData>" + b'<c r="A1"><v>1</v></c>' * 50 + b'<c r="C9" t="e"><v>#N/A</v></c>'
    xml += b'<c r="D12"><f>1+1</f></c></sheetData>'
    monkeypatch.setattr(xlsx_source, "SCAN_BLOCK", 7)
    marks = {rule: {} for rule in xlsx_source.CELL_MARKS}

    class Handle:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self, n: int) -> bytes:
            chunk, self.data = self.data[:n], self.data[n:]
            return chunk

    xlsx_source._scan_cells(Handle(xml), marks)
    assert marks == {"cell_error": {2: 9}, "uncomputed_formula": {3: 12}}


def _split_by_sheet(book, sheet, header):
    """The adversarial tester's workbook: rows 4 and 5 moved to a sheet 'aides (2)' with the
    same header, a data office's way of splitting a long table."""
    other = book.create_sheet("aides (2)")
    other.append(header)
    for row in (4, 5):
        other.append([c.value for c in sheet[row]])
    sheet.delete_rows(4, 2)


def test_rows_continued_on_another_sheet_refuse_the_file(tmp_path: Path, db: Path) -> None:
    extraction, _path = _workbook(tmp_path, _split_by_sheet)
    result = load_extraction(extraction, db, sources=[SOURCE])
    [error] = result.errors
    assert (error.file, error.rule) == ("iodas_dpas/aides_financieres.xlsx", "rows_on_other_sheet")
    assert "aides (2)" not in str(error)  # a sheet's name is shown only in column-name shape


def test_mutation_without_the_sheet_check_the_other_sheets_rows_are_left_out(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    monkeypatch.setattr(xlsx_source, "_same_header_sheets", lambda *a: [])
    extraction, _path = _workbook(tmp_path, _split_by_sheet)
    result = load_extraction(extraction, db, sources=[SOURCE])
    assert result.ok and [f.rows_read for f in result.files] == [2]  # 4 rows written, 2 read


def test_an_id_typed_as_a_huge_number_refuses_the_file(tmp_path: Path, db: Path) -> None:
    """The tester's ids 12345678901234567 and ...568 both loaded as '1.234567890123457e+16':
    two ids made one. A text column's number cell beyond 2**53 is no exact id."""

    def edit(book, sheet, header):
        _cell(sheet, header, 3, "id_demande").value = 12345678901234567
        _cell(sheet, header, 4, "id_demande").value = 12345678901234568

    extraction, _path = _workbook(tmp_path, edit)
    result = load_extraction(extraction, db, sources=[SOURCE])
    [error] = result.errors
    assert (error.line, error.column, error.rule) == (3, "id_demande", "imprecise_number")


def test_mutation_without_the_number_check_two_ids_load_as_one(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    monkeypatch.setattr(xlsx_source, "EXACT_INTEGER", float("inf"))

    def edit(book, sheet, header):
        _cell(sheet, header, 3, "id_demande").value = 12345678901234567
        _cell(sheet, header, 4, "id_demande").value = 12345678901234568

    extraction, _path = _workbook(tmp_path, edit)
    result = load_extraction(extraction, db, sources=[SOURCE])
    assert result.ok
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        ids = [r[0] for r in con.execute("select id_demande from raw.iodas_dpas__aides").fetchall()]
    assert ids[1] == ids[2]  # two ids made one


def test_a_title_row_above_the_header_is_named_as_such(tmp_path: Path, db: Path) -> None:
    """A title typed on row 1: reported as the header on row 2, not as a wrong delimiter."""

    def edit(book, sheet, header):
        sheet.insert_rows(1)
        sheet["A1"] = "Aides financières au 30/06/2026"

    extraction, _path = _workbook(tmp_path, edit)
    result = load_extraction(extraction, db, sources=[SOURCE])
    [error] = result.errors
    assert (error.line, error.rule) == (2, "header")


def test_mutation_without_the_search_the_title_reads_as_a_wrong_delimiter(
    tmp_path: Path, db: Path, monkeypatch
) -> None:
    monkeypatch.setattr(xlsx_source, "HEADER_SEARCH_ROWS", 0)

    def edit(book, sheet, header):
        sheet.insert_rows(1)
        sheet["A1"] = "Aides financières au 30/06/2026"

    extraction, _path = _workbook(tmp_path, edit)
    result = load_extraction(extraction, db, sources=[SOURCE])
    assert [(e.line, e.rule) for e in result.errors] == [(1, "delimiter")]
