"""Stage one XLSX sheet into DuckDB as varchar rows (+ native dates) with their row numbers.

`xlsx_reader` streams the sheet (values only: cached formula results). Each cell
becomes text as a person reads it (a whole number without ".0", a decimal with the contract's
separator), except date cells of date/timestamp columns, which stay native in a companion
column `_nat_<column>`: Excel date cells and text dates are both accepted, and typing happens
in SQL like for CSV files. `_ligne` is the spreadsheet row number; the header is the first
non-empty row, and empty rows are skipped (not records).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from pipase.load.contract import Column, FileSpec
from pipase.load.csv_source import StagedFile, check_header, missing_file_error
from pipase.load.errors import LoadError
from pipase.load.rules import native_name
from pipase.load.sql import quote_ident
from pipase.load.xlsx_reader import SheetNotFound, XlsxFormatError, read_sheet

XLSX_VIEW = "_pipase_xlsx_rows"  # + _<tag>


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _number_text(value: int | float, column: Column | None, separator: str) -> str:
    """A number cell as text: whole numbers without ".0"; in a decimal column, two decimals
    when the float is a cent amount (650.5 -> "650,50"), the contract's separator."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
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


def _rows(path: Path, spec: FileSpec, display: str) -> Iterator[tuple[int, list]]:
    """The sheet's rows, whole-file errors turned into LoadError."""
    try:
        yield from read_sheet(path, spec.sheet)
    except SheetNotFound as exc:
        names = ", ".join(repr(n) for n in exc.names)
        raise LoadError(
            display,
            None,
            None,
            "missing_sheet",
            f"no sheet named {spec.sheet!r} (the workbook has {names})",
        ) from None
    except (zipfile.BadZipFile, XlsxFormatError, KeyError, ValueError) as exc:
        raise LoadError(
            display,
            None,
            None,
            "unreadable_file",
            f"not a readable XLSX workbook ({type(exc).__name__})",
        ) from None


def stage_xlsx(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: FileSpec,
    display: str,
    tag: str,
    on_progress: Callable[[int, int], None] | None = None,
) -> StagedFile:
    """Read the sheet and register it in DuckDB (raise LoadError for a whole-file problem)."""
    if not path.is_file():
        raise missing_file_error(path, display)
    sha256 = _sha256(path)
    size = path.stat().st_size
    rows = _rows(path, spec, display)
    try:
        return _stage(con, rows, spec, display, tag, sha256, size, on_progress)
    finally:
        rows.close()  # closes the archive even when a whole-file error stopped the reading


def _stage(con, rows, spec, display, tag, sha256, size, on_progress) -> StagedFile:
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
        raise LoadError(display, None, None, "empty_file", f"sheet {spec.sheet!r} is empty")
    if header_line != 1:
        raise LoadError(
            display,
            header_line,
            None,
            "header",
            f"the header is on row {header_line}: rows above it must be removed",
        )
    check_header(header, spec, display)
    by_name = {c.name: c for c in spec.columns}
    dated = {c.name for c in spec.columns if c.type in ("date", "timestamp")}
    # (position in the row, column, text list, native list or None), in contract order
    slots = []
    texts: dict[str, list] = {}
    natives: dict[str, list] = {}
    for column in spec.columns:
        texts[column.name] = []
        if column.name in dated:
            natives[column.name] = []
        slots.append(
            (header.index(column.name), column, texts[column.name], natives.get(column.name))
        )
    separator = spec.decimal_separator
    lines: list[int] = []
    width = len(header)
    for number, row in rows:
        if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
            continue  # an empty row is not a record
        extra = [i for i, v in enumerate(row[width:], start=width + 1) if v is not None]
        if extra:
            raise LoadError(
                display,
                number,
                None,
                "field_count",
                f"row {number} has a value in column {extra[0]}, beyond the header "
                f"({width} columns)",
            )
        lines.append(number)
        length = len(row)
        for index, column, text_list, native_list in slots:
            value = row[index] if index < length else None
            if native_list is not None:
                if isinstance(value, dt.date):  # datetime is a date too
                    if not isinstance(value, dt.datetime):
                        value = dt.datetime.combine(value, dt.time())
                    native_list.append(value)
                    text_list.append(None)
                    continue
                native_list.append(None)
            text_list.append(None if value is None else cell_text(value, column, separator))
        if on_progress is not None and len(lines) % 50_000 == 0:
            on_progress(0, len(lines))
    arrays = {"_ord": pa.array(lines, type=pa.int64())}
    for column in spec.columns:
        arrays[column.name] = pa.array(texts[column.name], type=pa.string())
        if column.name in dated:
            arrays[native_name(column)] = pa.array(natives[column.name], type=pa.timestamp("us"))
    view = f"{XLSX_VIEW}_{tag}"
    con.register(view, pa.table(arrays))

    def cleanup() -> None:
        con.unregister(view)  # a no-op when already gone

    def resolve_lines(records: int) -> tuple[str, str]:
        if records != len(lines):
            raise AssertionError(f"{display}: {len(lines)} rows staged, {records} typed")
        return "", "t._ord"  # the spreadsheet row number

    names = ["_ord"] + [quote_ident(c.name) for c in spec.columns]
    names += [quote_ident(native_name(by_name[n])) for n in sorted(dated)]
    relation = f"(select {', '.join(names)} from {view})"
    return StagedFile(sha256, size, relation, dated, "_ord", resolve_lines, cleanup)
