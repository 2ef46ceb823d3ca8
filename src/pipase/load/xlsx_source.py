"""Stage one XLSX sheet into DuckDB as varchar rows (+ native dates) with their row numbers.

python-calamine (bindings of the Rust calamine reader) reads the sheet: values only (cached
formula results), dates by the cell's number format, 1900 and 1904 calendars. It is several
times faster than expat driven from Python and than openpyxl; the tests check that the loader
makes of its cells what it makes of openpyxl's. Each cell becomes text as a person reads it (a
whole number without ".0", a decimal with the contract's separator), except date cells of
date/timestamp columns, which stay native in a companion column `_nat_<column>`: Excel date
cells and text dates are both accepted, and typing happens in SQL like for CSV files. `_ligne`
is the spreadsheet row number; the header is the first non-empty row, and empty rows are
skipped (not records). Rows become Arrow arrays a batch at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice, zip_longest
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from pipase.i18n import _
from pipase.load.contract import Column, FileSpec
from pipase.load.csv_source import StagedFile, check_header, missing_file_error
from pipase.load.errors import LoadError, shows_as_name
from pipase.load.rules import native_name
from pipase.load.sql import quote_ident
from pipase.xlsx_xml import marked_cells

XLSX_VIEW = "_pipase_xlsx_rows"  # + _<tag>
HEADER_SEARCH_ROWS = 20  # rows searched for a header that is not on row 1
BATCH = 10_000  # rows turned into Arrow arrays at a time
# what a damaged workbook raises (zipfile lets zlib's and some other errors through)
UNREADABLE = (
    CalamineError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    ValueError,
)
# Sheet names shown in a message: a spreadsheet's default name or one lower-case word. Any other
# name is only counted (someone may have named a sheet after a person: "DUPONT Marie").
_DEFAULT_SHEET = re.compile(r"(Feuil|Sheet|Feuille|Tabelle|Hoja|Foglio)[0-9]{1,3}")


def _shows_as_sheet(name: str) -> bool:
    """A default name (Feuil1), or one lower-case word (accents allowed: "données")."""
    if _DEFAULT_SHEET.fullmatch(name) or shows_as_name(name):
        return True
    return (
        re.fullmatch(r"\w{1,31}", name) is not None and name == name.lower() and name[0].isalpha()
    )


def _sheet_list(names: list[str]) -> str:
    shown = [repr(n) for n in names if _shows_as_sheet(n)]
    hidden = len(names) - len(shown)
    if hidden:
        shown.append(_("{n} sheet(s) with another name").format(n=hidden))
    return ", ".join(shown)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


EXACT_INTEGER = 2**53  # a float holds every whole number up to this one exactly


class _ImpreciseNumber(ValueError):
    """A number cell of a text column too large to be an exact whole number (an id)."""


def _number_text(value: int | float, column: Column | None, separator: str) -> str:
    """A number cell as text: whole numbers without ".0"; in a decimal column, two decimals
    when the float is a cent amount (650.5 -> "650,50"), the contract's separator. (calamine
    reads every number as a float: up to 2**53, exactly the integer written in the file.)"""
    if isinstance(value, float) and value.is_integer():
        if abs(value) > EXACT_INTEGER and column is not None and column.type == "varchar":
            raise _ImpreciseNumber  # an id typed as a number: Excel kept 15 digits of it
        if abs(value) <= EXACT_INTEGER:
            value = int(value)
    if isinstance(value, int):
        return str(value)
    if column is None or column.type != "decimal":
        return repr(value)
    rounded = round(value, 2)
    text = f"{rounded:.2f}" if abs(value - rounded) < 1e-9 else repr(value)
    return text.replace(".", separator)


def cell_text(value, column: Column | None, separator: str) -> str | None:
    """How a non-date cell reads as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value, column, separator)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def cell_timestamp(value) -> dt.datetime | None:
    """A date cell as the native value of a date or timestamp column, None for any other cell
    (a text date is typed in SQL, as in a CSV file). calamine reads a date cell with no time
    as a date, with a time as a datetime, and a time alone (serial below 1) as a time."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return None


# calamine reads an error cell (#N/A, #REF!...) and a formula never computed as empty cells: a
# value lost without a word. The sheet's XML is scanned for them (pipase.xlsx_xml).
SCAN_BLOCK = 1 << 22  # bytes of sheet XML scanned at a time
# what a cell that reads as empty really is, by rule (the loader's message names each)
CELL_MARKS = ("cell_error", "uncomputed_formula")


def _attributes(tag: bytes) -> dict[str, str]:
    """The attributes of one XML start tag (prefixes dropped, entities decoded)."""
    return {
        key.decode().rpartition(":")[2]: html.unescape(value.decode("utf-8", "replace"))
        for key, value in _ATTRIBUTE.findall(tag)
    }


_ATTRIBUTE = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The archive member holding the sheet called `name`, from xl/workbook.xml and its
    relations (read with patterns, not an XML parser: no entity is ever expanded)."""
    try:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    sheets = [_attributes(tag) for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", book)]
    rel_id = next((a.get("id") for a in sheets if a.get("name") == name), None)
    links = [_attributes(tag) for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels)]
    target = next((a.get("Target") for a in links if a.get("Id") == rel_id), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _scan_cells(handle, marks: dict[str, dict[int, int]]) -> None:
    """Read a sheet's XML block by block (which checks its CRC) and note, per rule of
    CELL_MARKS and per column index, the first row of a cell that would read as empty."""
    for rule, column, row in marked_cells(handle, CELL_MARKS, SCAN_BLOCK):
        if column is not None and row < marks[rule].get(column, row + 1):
            marks[rule][column] = row


def _check_archive(path: Path, name: str) -> dict[str, dict[int, int]]:
    """Every member of the workbook read whole (a damaged one raises BadZipFile, like
    ZipFile.testzip), the sheet's own XML scanned on the way (see _scan_cells)."""
    marks: dict[str, dict[int, int]] = {rule: {} for rule in CELL_MARKS}
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, name)
        for info in archive.infolist():
            with archive.open(info) as handle:
                if info.filename == part:
                    _scan_cells(handle, marks)
                else:
                    while handle.read(SCAN_BLOCK):
                        pass
    return marks


def _same_header_sheets(
    workbook: CalamineWorkbook, names: list[str], name: str, columns: list[str]
) -> list[str]:
    """The workbook's other sheets whose first non-empty row holds every contract column: the
    table continued on them (an export split by sheet), rows the load would leave out."""
    found = []
    for other in names:
        if other == name:
            continue
        for row in workbook.get_sheet_by_name(other).iter_rows():
            cells = {str(v).strip() for v in row if v not in (None, "")}
            if cells:
                if set(columns) <= cells:
                    found.append(other)
                break
    return found


def _open_sheet(
    path: Path, name: str, display: str, columns: list[str] | None = None
) -> tuple[CalamineSheet, dict[str, dict[int, int]]]:
    """The sheet, read whole by calamine, and its cells that read as empty but are not (see
    _scan_cells); raise LoadError: unreadable workbook, no such sheet. calamine reads only the
    parts it needs, without checking their CRC: the archive is checked whole first, so a
    damaged file is refused rather than half read. Exception messages are not shown, only
    their kind."""
    try:
        marks = _check_archive(path, name)
        with CalamineWorkbook.from_path(path) as workbook:
            names = workbook.sheet_names
            if not names:
                raise CalamineError("no sheet")
            if name in names:
                others = _same_header_sheets(workbook, names, name, columns) if columns else []
                if others:
                    raise LoadError(
                        display,
                        None,
                        None,
                        "rows_on_other_sheet",
                        _(
                            "the sheet {name!r} continues on {sheets} (the same header): the "
                            "load reads one sheet and would leave those rows out; put every row "
                            "on {name!r}, or in the parts the contract names"
                        ).format(name=name, sheets=_sheet_list(others)),
                    )
                return workbook.get_sheet_by_name(name), marks
    except UNREADABLE as exc:
        raise LoadError(
            display,
            None,
            None,
            "unreadable_file",
            _("not a readable XLSX workbook ({kind})").format(kind=type(exc).__name__),
        ) from None
    message = _("no sheet named {name!r} (the workbook has {sheets})")
    raise LoadError(
        display,
        None,
        None,
        "missing_sheet",
        message.format(name=name, sheets=_sheet_list(names)),
    )


def read_rows(path: Path, sheet: str, display: str) -> Iterator[tuple[int, list]]:
    """The rows of the sheet (see _rows), for a reader that needs no scan of its cells."""
    values, _marks = _open_sheet(path, sheet, display)
    yield from _rows(values)


def _rows(values: CalamineSheet) -> Iterator[tuple[int, list]]:
    """The rows of the sheet as (spreadsheet row number, values from column A on): str, float,
    bool, date, datetime, time or timedelta, None for an empty cell (an empty string too; an
    error cell such as #N/A too, calamine giving no text for it: _scan_cells finds those).
    Every row down to the last used one is yielded, empty ones included."""
    start = values.start  # (row, column) of the first used cell; None for an empty sheet
    if start is None:
        return
    lead = [None] * start[1]  # calamine's rows begin at the first used column
    # calamine yields the empty rows above the first used one, so the row number is the rank
    for number, row in enumerate(values.iter_rows(), 1):
        row = [None if v == "" else v for v in row]
        yield number, lead + row if lead else row


@dataclass
class Sheet:
    """A sheet read into Arrow: `_ord` (spreadsheet row), the contract's columns as text and
    `_nat_<column>` native dates; `records` rows (empty rows skipped)."""

    sha256: str
    size: int
    table: pa.Table
    dated: set[str]
    records: int


def read_sheet(
    path: Path,
    spec: FileSpec,
    display: str,
    on_progress: Callable[[int, int], None] | None = None,
) -> Sheet:
    """Read and check the sheet into Arrow (raise LoadError for a whole-file problem). Touches
    no database: it may run in a thread while DuckDB loads other files (SheetPrefetcher)."""
    if not path.is_file():
        raise missing_file_error(path, display)
    sha256 = _sha256(path)
    size = path.stat().st_size
    values, marks = _open_sheet(path, spec.sheet, display, spec.column_names)
    rows = _rows(values)
    try:
        table, dated, records = _sheet_table(rows, spec, display, on_progress, marks)
    finally:
        rows.close()  # frees calamine's copy of the sheet even when a whole-file error stopped
    return Sheet(sha256, size, table, dated, records)


class SheetPrefetcher:
    """Reads the workbooks of a load ahead, one at a time, in a thread, while the main thread
    loads the CSV files: reading a sheet is Python work (calamine, then cells to Arrow), and
    DuckDB's CSV reading releases the GIL, so the two overlap on two cores. At most one sheet
    waits in memory beyond the one being loaded (a split export's parts are read in turn).
    `take` gives a sheet (or raises its LoadError) in the order of `jobs`; a file asked out of
    order is read on the spot."""

    def __init__(self, jobs: list[tuple[Path, FileSpec, str]]) -> None:
        self._jobs = list(jobs)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipase-xlsx")
        self._pending: tuple[Path, Future[Sheet]] | None = None
        self._submit_next()

    def _submit_next(self) -> None:
        if self._jobs:
            path, spec, display = self._jobs.pop(0)
            self._pending = (path, self._executor.submit(read_sheet, path, spec, display))
        else:
            self._pending = None

    def take(self, path: Path, spec: FileSpec, display: str) -> Sheet:
        if self._pending is None or self._pending[0] != path:
            return read_sheet(path, spec, display)
        future = self._pending[1]
        try:
            return future.result()
        finally:
            self._submit_next()

    def close(self) -> None:
        """Stop: a sheet being read is finished in the thread and dropped."""
        self._jobs.clear()
        self._pending = None
        self._executor.shutdown(wait=False, cancel_futures=True)


def stage_xlsx(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: FileSpec,
    display: str,
    tag: str,
    on_progress: Callable[[int, int], None] | None = None,
    prefetcher: SheetPrefetcher | None = None,
) -> StagedFile:
    """Read the sheet (or take it from `prefetcher`) and register it in DuckDB (raise LoadError
    for a whole-file problem)."""
    if prefetcher is not None:
        sheet = prefetcher.take(path, spec, display)
    else:
        sheet = read_sheet(path, spec, display, on_progress)
    return _register(con, sheet, spec, display, tag)


def _blank(row: list) -> bool:
    """No value but blank text."""
    return not any(v is not None and (v.__class__ is not str or v.strip()) for v in row)


def _refuse_marked_cells(
    marks: dict[str, dict[int, int]], positions: list[tuple[int, Column]], display: str
) -> None:
    """A contract column with an error cell or a formula never computed: the file is refused
    at the first such cell (the workbook was made with formulas, not exported as values)."""
    messages = {
        "cell_error": _(
            "an error cell (#N/A, #REF!, #DIV/0!...) reads as an empty value: correct the "
            "formula or paste the values, then export again"
        ),
        "uncomputed_formula": _(
            "formulas without a computed value (the workbook was written by a program): "
            "open it in a spreadsheet and save it, or paste the values"
        ),
    }
    for rule in CELL_MARKS:
        found = [(marks[rule][i], column) for i, column in positions if i in marks[rule]]
        found = [(row, column) for row, column in found if row > 1]
        if found:
            row, column = min(found, key=lambda f: f[0])
            raise LoadError(display, row, column.name, rule, messages[rule])


def _sheet_table(rows, spec, display, on_progress, marks=None) -> tuple[pa.Table, set[str], int]:
    header: list[str] | None = None
    header_line = 0
    for number, row in rows:
        if any(v is not None and str(v).strip() for v in row):
            header = [(cell_text(v, None, ".") or "").strip() for v in row]
            while header and not header[-1]:
                header.pop()
            header_line = number
            break
    if header is None:
        message = _("sheet {name!r} is empty").format(name=spec.sheet)
        raise LoadError(display, None, None, "empty_file", message)
    expected = set(spec.column_names)
    if not expected <= set(header):
        # a title typed above the header: the header is a later row (the rows read here are
        # lost to the load, which stops on this row or on the header check below)
        for number, row in islice(rows, HEADER_SEARCH_ROWS):
            if expected <= {(cell_text(v, None, ".") or "").strip() for v in row}:
                header_line = number
                break
    if header_line != 1:
        raise LoadError(
            display,
            header_line,
            None,
            "header",
            _("the header is on row {row}: rows above it must be removed").format(row=header_line),
        )
    check_header(header, spec, display)
    by_name = {c.name: c for c in spec.columns}
    dated = {c.name for c in spec.columns if c.type in ("date", "timestamp")}
    positions = [(header.index(c.name), c) for c in spec.columns]
    if marks is not None:
        _refuse_marked_cells(marks, positions, display)
    # Arrow chunks by staged column: one batch of rows at a time is held as Python objects
    chunks: dict[str, list[pa.Array]] = {c.name: [] for c in spec.columns}
    chunks.update({native_name(by_name[n]): [] for n in dated})
    separator = spec.decimal_separator
    lines: list[int] = []
    width = len(header)
    while batch := list(islice(rows, BATCH)):
        records = []
        for number, row in batch:
            if _blank(row):
                continue  # an empty row is not a record
            if len(row) > width:
                extra = [i for i, v in enumerate(row[width:], start=width + 1) if v is not None]
                if extra:
                    raise LoadError(
                        display,
                        number,
                        None,
                        "field_count",
                        _(
                            "row {row} has a value in column {n}, beyond the header "
                            "({width} columns)"
                        ).format(row=number, n=extra[0], width=width),
                    )
            lines.append(number)
            records.append(row)
        if not records:
            continue
        by_position = list(zip_longest(*records))  # the batch by column, short rows padded
        for index, column in positions:
            values = by_position[index]
            if column.name in dated:
                stamps = [
                    None if v is None or v.__class__ is str else cell_timestamp(v) for v in values
                ]
                chunks[native_name(column)].append(pa.array(stamps, type=pa.timestamp("us")))
                values = [None if t is not None else v for v, t in zip(values, stamps, strict=True)]
            try:
                texts = [
                    v if v is None or v.__class__ is str else cell_text(v, column, separator)
                    for v in values
                ]
            except _ImpreciseNumber:
                row = next(
                    number
                    for number, v in zip(lines[-len(records) :], values, strict=False)
                    if v.__class__ is float and abs(v) > EXACT_INTEGER
                )
                raise LoadError(
                    display,
                    row,
                    column.name,
                    "imprecise_number",
                    _(
                        "a number cell too large to be an exact whole number (above 2^53) in a "
                        "text column (an id?): the workbook does not hold the exported value "
                        "(a spreadsheet keeps 15 digits); export the column as text"
                    ),
                ) from None
            chunks[column.name].append(pa.array(texts, type=pa.string()))
        if on_progress is not None:
            on_progress(0, len(lines))
    arrays = {"_ord": pa.array(lines, type=pa.int64())}
    for column in spec.columns:
        arrays[column.name] = pa.chunked_array(chunks[column.name], type=pa.string())
        if column.name in dated:
            name = native_name(column)
            arrays[name] = pa.chunked_array(chunks[name], type=pa.timestamp("us"))
    return pa.table(arrays), dated, len(lines)


def _register(con, sheet: Sheet, spec: FileSpec, display: str, tag: str) -> StagedFile:
    by_name = {c.name: c for c in spec.columns}
    dated = sheet.dated
    view = f"{XLSX_VIEW}_{tag}"
    con.register(view, sheet.table)
    staged_rows, sha256_, size_ = sheet.records, sheet.sha256, sheet.size
    del sheet  # the view holds the only reference: unregistering frees the Arrow copy

    def cleanup() -> None:
        con.unregister(view)  # a no-op when already gone

    def resolve_lines(records: int) -> tuple[str, str]:
        # The typed table holds everything now (the row number too): free the sheet's Arrow
        # copy at once, so that the parts of a split export are held one at a time.
        cleanup()
        if records != staged_rows:
            raise RuntimeError(f"{display}: {staged_rows} rows staged, {records} typed")
        return "", "t._ord"  # the spreadsheet row number

    names = ["_ord"] + [quote_ident(c.name) for c in spec.columns]
    names += [quote_ident(native_name(by_name[n])) for n in sorted(dated)]
    relation = f"(select {', '.join(names)} from {view})"
    return StagedFile(sha256_, size_, relation, dated, "_ord", resolve_lines, cleanup)
