"""Stage one CSV file into DuckDB as all-varchar rows with their real line numbers.

Two passes, both streaming:

1. Python reads the file once in large blocks cut at line ends: SHA-256 of the bytes, strict
   decoding (an invalid byte is reported with its line), NUL bytes, the header (delimiter,
   duplicated, missing and extra columns), and with numpy, per line end, whether it falls inside
   a quoted field (a record spanning lines) and where blank lines are. A cp1252 (or other
   single-byte) file is transcoded to a private temporary UTF-8 file on the way, because DuckDB
   reads UTF-8 and latin-1 but not cp1252 (0x80-0x9F: œ, Œ, ’, €...).
2. DuckDB's `read_csv` (strict mode, all varchar, explicit column names) reads the UTF-8 file
   inside the statement that creates the typed temporary table, outside any transaction, so
   that the table's rowid follows the file order (preserve_insertion_order). Records
   DuckDB refuses (too many or too few fields, bad quoting) are whole-file errors; their line
   comes from DuckDB's reject table.

Line numbers (`_ligne`): when no record spans lines and no blank line sits between records, the
record with rowid r is on line r + 2 (header = line 1). Otherwise (quoted fields with embedded
newlines, blank lines, which DuckDB skips) Python's csv module walks the file once and gives the
first line of every record; the two readers must agree on the number of records, or the load
stops (rule line_numbering) rather than number lines wrongly.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from pipase.load.contract import FileSpec
from pipase.load.errors import LoadError
from pipase.load.sql import quote_ident, sql_literal

BLOCK_SIZE = 16 * 1024 * 1024
UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
MAP_VIEW = "_pipase_csv_lines"
REJECTS_TABLE = "_pipase_csv_rejects"
REJECTS_SCAN = "_pipase_csv_reject_scans"
_OTHER_DELIMITERS = (",", "\t", "|", ";", ":")


@dataclass
class CsvScan:
    """What the Python pass learnt about a file."""

    sha256: str
    size: int
    read_path: Path  # the UTF-8 file DuckDB reads: the original or a transcoded copy
    header: list[str]
    lines: int  # physical lines (a last line without a final newline counts)
    nonblank_lines: int
    simple: bool  # no record spans lines, no blank line between records
    quote_open_at_end: bool
    last_nonblank_line: int


@dataclass
class StagedFile:
    """A file ready to be typed.

    `relation` is a SQL FROM item giving the contract's columns as varchar (named as in the
    contract), for native spreadsheet dates `_nat_<column>`, and `ordinal` if not None (a
    column to carry into the typed table: the spreadsheet row). Once the typed table (alias t)
    exists, `resolve_lines(rows)` checks what the reader refused and returns (join clause, SQL
    of the line number), or raises LoadError. `cleanup` drops whatever was registered or
    written.
    """

    sha256: str
    size: int
    relation: str
    native: set[str]
    ordinal: str | None
    resolve_lines: Callable[[int], tuple[str, str]]
    cleanup: Callable[[], None]


def missing_file_error(path: Path, display: str) -> LoadError:
    if not path.parent.is_dir():
        why = f"file not found (the extraction has no folder {path.parent.name}/)"
    else:
        why = "file not found"
    return LoadError(display, None, None, "missing_file", why)


def _field_index(line: bytes, delimiter: bytes, quote: bytes) -> int:
    """0-based index of the field in which the end of `line` (a prefix of a line) falls."""
    index, quoted = 0, False
    for byte in line:
        char = bytes((byte,))
        if char == quote:
            quoted = not quoted
        elif char == delimiter and not quoted:
            index += 1
    return index


def _header_fields(text: str, spec: FileSpec) -> list[str]:
    reader = csv.reader([text], delimiter=spec.delimiter, quotechar=spec.quote, doublequote=True)
    return [field.strip() for field in next(reader, [])]


def check_header(header: list[str], spec: FileSpec, display: str) -> None:
    """Whole-file checks on the header line (line 1)."""
    expected = [c.name for c in spec.columns]
    if len(header) == 1 and len(expected) > 1:
        guesses = [d for d in _OTHER_DELIMITERS if d != spec.delimiter and d in header[0]]
        seen = f"; it seems to use {guesses[0]!r}" if guesses else ""
        raise LoadError(
            display,
            1,
            None,
            "delimiter",
            f"the header does not split on {spec.delimiter!r} (1 field, the contract has "
            f"{len(expected)} columns){seen}",
        )
    for position, name in enumerate(header, start=1):
        if not name:
            raise LoadError(
                display,
                1,
                None,
                "extra_column",
                f"header field {position} has no name (a trailing delimiter?); the contract "
                "has no unnamed column",
            )
    # Missing columns first: if line 1 is data rather than a header, this message names only
    # contract columns, never a value of the line (a name, a birth date...).
    present = set(header)
    missing = [name for name in expected if name not in present]
    if missing:
        raise LoadError(
            display,
            1,
            missing[0],
            "missing_column",
            f"the header lacks {len(missing)} contract column(s): {', '.join(missing)}",
        )
    seen_names: set[str] = set()
    for name in header:
        if name in seen_names:
            raise LoadError(
                display, 1, name, "duplicate_column", f"column {name!r} appears twice in the header"
            )
        seen_names.add(name)
    extra = [name for name in header if name not in expected]
    if extra:
        raise LoadError(
            display,
            1,
            extra[0],
            "extra_column",
            f"the header has {len(extra)} column(s) the contract does not declare: "
            f"{', '.join(extra)} (declare them in the contract to load them)",
        )


class _Scanner:
    """The Python pass over one file (see the module docstring)."""

    def __init__(self, path: Path, spec: FileSpec, display: str, out_path: Path) -> None:
        self.path = path
        self.spec = spec
        self.display = display
        self.out_path = out_path
        self.transcode = spec.encoding not in ("utf-8", "utf-8-sig")
        self.delimiter = spec.delimiter.encode("ascii", errors="strict")
        self.quote = spec.quote.encode("ascii", errors="strict")
        self.header: list[str] | None = None
        self.lines = 0  # line ends seen so far
        self.quotes = 0  # quote bytes seen so far
        self.first_blank_line: int | None = None
        self.last_nonblank_line = 0
        self.blank_lines = 0
        self.odd_line_end = False  # a line end inside a quoted field
        self.has_tail = False
        self.non_ascii_line: int | None = None
        self.valid_utf8 = True

    def _error(self, line: int, column: str | None, rule: str, message: str) -> LoadError:
        return LoadError(self.display, line, column, rule, message)

    def _column_at(self, piece: bytes, offset: int, line: int) -> str | None:
        if line == 1 or self.header is None:
            return None
        start = piece.rfind(b"\n", 0, offset) + 1
        index = _field_index(piece[start:offset], self.delimiter, self.quote)
        return self.header[index] if index < len(self.header) else None

    def _decode(self, piece: bytes) -> str:
        encoding = "utf-8" if not self.transcode else self.spec.encoding
        try:
            return piece.decode(encoding)
        except UnicodeDecodeError as exc:
            line = self.lines + piece.count(b"\n", 0, exc.start) + 1
            byte = piece[exc.start]
            if self.transcode:
                why = f"byte 0x{byte:02X} is not defined in {self.spec.encoding}"
            else:
                why = f"byte 0x{byte:02X} is not valid UTF-8"
                if byte >= 0x80:
                    why += " (is the file Windows-1252 / latin-1?)"
            raise self._error(
                line, self._column_at(piece, exc.start, line), "encoding", why
            ) from None

    def _analyse(self, piece: bytes) -> None:
        """Quote parity at each line end, blank lines, line count (numpy, no per-line Python)."""
        arr = np.frombuffer(piece, dtype=np.uint8)
        ends = np.flatnonzero(arr == 10)
        quotes = np.flatnonzero(arr == self.quote[0])
        if len(ends):
            parity = (np.searchsorted(quotes, ends) + self.quotes) & 1
            inside = parity.astype(bool)
            if inside.any():
                self.odd_line_end = True
            starts = np.concatenate(([0], ends[:-1] + 1))
            length = ends - starts
            blank = (length == 0) | ((length == 1) & (arr[np.minimum(starts, len(arr) - 1)] == 13))
            blank &= ~inside
            numbers = np.arange(self.lines + 1, self.lines + len(ends) + 1)
            if blank.any():
                self.blank_lines += int(blank.sum())
                if self.first_blank_line is None:
                    self.first_blank_line = int(numbers[blank][0])
            nonblank = numbers[~blank]
            if len(nonblank):
                self.last_nonblank_line = int(nonblank[-1])
        tail = len(piece) - (int(ends[-1]) + 1 if len(ends) else 0)
        if tail:  # a last line without a final newline
            self.has_tail = True
            if piece[-tail:] not in (b"\r",):
                self.last_nonblank_line = self.lines + len(ends) + 1
            else:
                self.blank_lines += 1
        self.lines += len(ends)
        self.quotes += len(quotes)

    def _piece(self, piece: bytes, out) -> None:
        if not piece:
            return
        if self.header is None:
            self._read_header(piece)
        nul = piece.find(b"\x00")
        if nul >= 0:
            line = self.lines + piece.count(b"\n", 0, nul) + 1
            raise self._error(
                line,
                self._column_at(piece, nul, line),
                "encoding",
                "NUL byte in a text file (is it UTF-16 or binary?)",
            )
        text = self._decode(piece)
        if self.transcode:
            if not piece.isascii():
                if self.non_ascii_line is None:
                    first = next(i for i, b in enumerate(piece) if b >= 0x80)
                    self.non_ascii_line = self.lines + piece.count(b"\n", 0, first) + 1
                if self.valid_utf8:
                    try:
                        piece.decode("utf-8")
                    except UnicodeDecodeError:
                        self.valid_utf8 = False
            out.write(text.encode("utf-8"))
        self._analyse(piece)

    def _read_header(self, piece: bytes) -> None:
        end = piece.find(b"\n")
        first = piece if end < 0 else piece[:end]
        if b"\x00" in first:
            raise self._error(1, None, "encoding", "NUL byte in the header (is it UTF-16?)")
        encoding = "utf-8" if not self.transcode else self.spec.encoding
        try:
            text = first.decode(encoding).rstrip("\r")
        except UnicodeDecodeError as exc:
            raise self._error(
                1,
                None,
                "encoding",
                f"byte 0x{first[exc.start]:02X} in the header is not valid {encoding}",
            ) from None
        if not text.strip():
            raise self._error(1, None, "header", "line 1 is empty: the header must be line 1")
        self.header = _header_fields(text, self.spec)
        check_header(self.header, self.spec, self.display)

    def scan(self, on_progress: Callable[[int, int], None] | None = None) -> CsvScan:
        if not self.path.is_file():
            raise missing_file_error(self.path, self.display)
        size = self.path.stat().st_size
        digest = hashlib.sha256()
        done = 0
        with self.path.open("rb") as handle:
            head = handle.read(BLOCK_SIZE)
            digest.update(head)
            done += len(head)
            if head.startswith(UTF16_BOMS):
                raise self._error(
                    1,
                    None,
                    "encoding",
                    f"the file is UTF-16; the contract says {self.spec.encoding}",
                )
            if head.startswith(UTF8_BOM):
                if self.transcode:
                    raise self._error(
                        1,
                        None,
                        "encoding",
                        "the file starts with a UTF-8 byte-order mark: it is UTF-8, the "
                        f"contract says {self.spec.encoding}",
                    )
                head = head[len(UTF8_BOM) :]
            if not head.strip():
                rest = handle.read(BLOCK_SIZE)
                if not rest.strip():
                    raise self._error(None, None, "empty_file", "the file is empty (no header)")
                head += rest  # pragma: no cover - a file opening with >16 MB of blanks
                digest.update(rest)
            out = self.out_path.open("wb") if self.transcode else io.BytesIO()
            try:
                carry = head
                while True:
                    block = handle.read(BLOCK_SIZE)
                    if block:
                        digest.update(block)
                        done += len(block)
                        carry += block
                    if not block:
                        self._piece(carry, out)
                        break
                    cut = carry.rfind(b"\n") + 1
                    if cut:
                        self._piece(carry[:cut], out)
                        carry = carry[cut:]
                    if on_progress is not None:
                        on_progress(done, self.lines)
            finally:
                out.close()
        if on_progress is not None:
            on_progress(size, self.lines)
        if self.transcode and self.non_ascii_line is not None and self.valid_utf8:
            raise self._error(
                self.non_ascii_line,
                None,
                "encoding",
                f"the file is UTF-8 (every non-ASCII byte sequence is valid UTF-8), the contract "
                f"says {self.spec.encoding}: accented letters would be misread",
            )
        assert self.header is not None
        total_lines = self.lines + (1 if self.has_tail else 0)
        simple = not self.odd_line_end and (
            self.first_blank_line is None or self.first_blank_line > self.last_nonblank_line
        )
        nonblank = total_lines - self.blank_lines
        return CsvScan(
            sha256=digest.hexdigest(),
            size=size,
            read_path=self.out_path if self.transcode else self.path,
            header=self.header,
            lines=total_lines,
            nonblank_lines=nonblank,
            simple=simple,
            quote_open_at_end=bool(self.quotes & 1),
            last_nonblank_line=self.last_nonblank_line,
        )


def scan_csv(
    path: Path,
    spec: FileSpec,
    display: str,
    work_dir: Path,
    on_progress: Callable[[int, int], None] | None = None,
) -> CsvScan:
    # one name per file: the parts of a split export are files of the same table
    out_path = work_dir / f"{spec.source}__{spec.table}__{path.stem}.utf8.csv"
    try:
        return _Scanner(path, spec, display, out_path).scan(on_progress)
    except BaseException:
        out_path.unlink(missing_ok=True)  # a partial UTF-8 copy holds identities too
        raise


def _record_lines(scan: CsvScan, spec: FileSpec) -> array:
    """First line of every record, reading the file with Python's csv module.

    Index 0 is the header, then one entry per csv row, blank lines included (as DuckDB counts
    them in its reject table); blank lines get -1.
    """
    starts = array("q")
    # newline="\n": a line is what ends with \n, as the numpy pass and DuckDB count them (a
    # lone \r inside a value does not start a line)
    with scan.read_path.open("r", encoding="utf-8-sig", newline="\n") as handle:
        reader = csv.reader(handle, delimiter=spec.delimiter, quotechar=spec.quote)
        previous = 0
        for row in reader:
            starts.append(previous + 1 if row else -1)
            previous = reader.line_num
    return starts


def _duckdb_line_to_physical(duck_line: int, scan: CsvScan, spec: FileSpec) -> int:
    """DuckDB numbers lines per record (a multi-line record counts once, blank lines count)."""
    if scan.simple:
        return duck_line
    starts = _record_lines(scan, spec)
    if 1 <= duck_line <= len(starts) and starts[duck_line - 1] > 0:
        return int(starts[duck_line - 1])
    return duck_line  # pragma: no cover - readers disagree; DuckDB's count is the best we have


def _rejected_record_error(
    con: duckdb.DuckDBPyConnection, table: str, scan: CsvScan, spec: FileSpec, display: str
) -> LoadError | None:
    rows = con.execute(
        f"select line, column_name, error_type::varchar from {table} "
        "order by line, column_idx limit 1"
    ).fetchall()
    if not rows:
        return None
    duck_line, column, error_type = rows[0]
    line = _duckdb_line_to_physical(int(duck_line), scan, spec)
    width = len(scan.header)
    if error_type in ("UNQUOTED VALUE", "LINE SIZE OVER MAXIMUM") and scan.quote_open_at_end:
        return LoadError(
            display,
            line,
            column,
            "truncated",
            f"the record starting on line {line} opens a quoted field that is never closed: "
            "the file looks truncated",
        )
    if error_type == "MISSING COLUMNS":
        last_start = scan.last_nonblank_line if scan.simple else max(_record_lines(scan, spec))
        last = line >= last_start
        rule = "truncated" if last else "field_count"
        why = "the last line" if last else "a line"
        message = f"{why} has fewer fields than the header ({width})"
        if last:
            message += ": the file looks truncated"
        return LoadError(display, line, column, rule, message)
    if error_type == "TOO MANY COLUMNS":
        return LoadError(
            display,
            line,
            None,
            "field_count",
            f"a line has more fields than the header ({width}): an unquoted "
            f"{spec.delimiter!r} inside a value?",
        )
    if error_type == "UNQUOTED VALUE":
        return LoadError(
            display,
            line,
            column,
            "quote",
            f"a quoted field is badly closed (text after the closing {spec.quote}, or a "
            "quote inside an unquoted value)",
        )
    if error_type == "LINE SIZE OVER MAXIMUM":
        return LoadError(display, line, None, "line_too_long", "a line is longer than 2 MB")
    return LoadError(display, line, column, "csv", f"DuckDB refused a record ({error_type})")


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: FileSpec,
    display: str,
    work_dir: Path,
    tag: str,
    on_progress: Callable[[int, int], None] | None = None,
) -> StagedFile:
    """Scan a CSV file (raise LoadError for a whole-file problem) and describe how DuckDB
    reads it. The read itself happens in the typing statement (one pass). `tag` makes the
    names registered in DuckDB unique while several files of a source are staged."""
    scan = scan_csv(path, spec, display, work_dir, on_progress)
    rejects_table, rejects_scan = f"{REJECTS_TABLE}_{tag}", f"{REJECTS_SCAN}_{tag}"
    map_view = f"{MAP_VIEW}_{tag}"

    def release_file() -> None:
        for table in (rejects_table, rejects_scan):
            con.execute(f"drop table if exists temp.main.{table}")
        if scan.read_path != path:
            scan.read_path.unlink(missing_ok=True)

    def cleanup() -> None:
        release_file()
        con.unregister(map_view)  # a no-op when not registered

    columns = "{" + ", ".join(f"{sql_literal(n)}: 'VARCHAR'" for n in scan.header) + "}"
    names = ", ".join(quote_ident(c.name) for c in spec.columns)
    relation = (
        f"(select {names} from read_csv("
        f"{sql_literal(str(scan.read_path))}, columns = {columns}, header = true, "
        f"auto_detect = false, all_varchar = true, delim = {sql_literal(spec.delimiter)}, "
        f"quote = {sql_literal(spec.quote)}, escape = {sql_literal(spec.quote)}, "
        f"strict_mode = true, encoding = 'utf-8', store_rejects = true, "
        f"rejects_table = '{rejects_table}', rejects_scan = '{rejects_scan}'))"
    )

    def resolve_lines(records: int) -> tuple[str, str]:
        try:
            return _resolve_lines(records)
        finally:
            release_file()  # the typed table holds everything now

    def _resolve_lines(records: int) -> tuple[str, str]:
        error = _rejected_record_error(con, rejects_table, scan, spec, display)
        if error is not None:
            raise error
        if scan.simple and records == scan.nonblank_lines - 1:
            # The typed table was filled in file order (preserve_insertion_order, outside any
            # transaction), so the record with rowid r is on line r + 2 (header = line 1).
            return "", "t.rowid + 2"
        starts = [s for s in _record_lines(scan, spec)[1:] if s > 0]
        if len(starts) != records:
            raise LoadError(
                display,
                None,
                None,
                "line_numbering",
                f"DuckDB read {records} records, Python's csv module {len(starts)}: line "
                "numbers cannot be trusted (check the quoting of the file)",
            )
        lines = pa.table(
            {
                "_idx": pa.array(np.arange(records, dtype=np.int64)),
                "_ligne": pa.array(np.asarray(starts, dtype=np.int64)),
            }
        )
        con.register(map_view, lines)
        return f" join {map_view} m on m._idx = t.rowid", "m._ligne"

    return StagedFile(scan.sha256, scan.size, relation, set(), None, resolve_lines, cleanup)
