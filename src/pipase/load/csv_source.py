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

from pipase.i18n import _
from pipase.load.contract import FileSpec
from pipase.load.errors import LoadError, header_cell
from pipase.load.sql import quote_ident, sql_literal

BLOCK_SIZE = 16 * 1024 * 1024
HEADER_SEARCH_LINES = 20  # lines searched for a header that is not on line 1
CSV_FIELD_LIMIT = 2**31 - 1  # the csv module's largest field (a C long on every platform)
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
    """The file is not there (or something else than a file is)."""
    if path.exists() or path.is_symlink():
        if path.is_dir():
            why = _("it is a folder, not a file")
        elif path.is_symlink() and not path.exists():
            why = _("it is a link to nothing")
        else:
            why = _("it is not a regular file")
        return LoadError(
            display,
            None,
            None,
            "unreadable_file",
            _("the file cannot be read ({reason})").format(reason=why),
        )
    if not path.parent.is_dir():
        why = _("file not found (the extraction has no folder {folder}/)").format(
            folder=path.parent.name
        )
    else:
        why = _("file not found")
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


def _header_fields(text: str, spec: FileSpec, display: str) -> list[str]:
    reader = csv.reader([text], delimiter=spec.delimiter, quotechar=spec.quote, doublequote=True)
    try:
        return [field.strip() for field in next(reader, [])]
    except csv.Error:
        raise LoadError(
            display,
            1,
            None,
            "line_ends",
            _("the header holds a carriage return (CR) inside a field: mixed line ends?"),
        ) from None


def check_header(header: list[str], spec: FileSpec, display: str) -> None:
    """Whole-file checks on the header line (line 1). A header cell is quoted only when it has
    the shape of a column name; any other cell is named by its position (it may be a note
    typed beside the header, or line 1 may be data: a name, a birth date)."""
    expected = [c.name for c in spec.columns]
    if len(header) == 1 and len(expected) > 1:
        guesses = [d for d in _OTHER_DELIMITERS if d != spec.delimiter and d in header[0]]
        message = _(
            "the header does not split on {delimiter!r} (1 field, the contract has {n} columns)"
        ).format(delimiter=spec.delimiter, n=len(expected))
        if guesses:
            message += _("; it seems to use {delimiter!r}").format(delimiter=guesses[0])
        raise LoadError(display, 1, None, "delimiter", message)
    for position, name in enumerate(header, start=1):
        if not name:
            raise LoadError(
                display,
                1,
                str(position),
                "extra_column",
                _(
                    "header field {n} has no name (a trailing delimiter?); the contract has "
                    "no unnamed column"
                ).format(n=position),
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
            _("the header lacks {n} contract column(s): {names}").format(
                n=len(missing), names=", ".join(missing)
            ),
        )
    seen_names: set[str] = set()
    for position, name in enumerate(header, start=1):
        if name in seen_names:
            column, shown = header_cell(position, name)
            raise LoadError(
                display,
                1,
                column,
                "duplicate_column",
                _("column {name} appears twice in the header").format(name=shown),
            )
        seen_names.add(name)
    extra = [(position, name) for position, name in enumerate(header, 1) if name not in expected]
    if extra:
        cells = [header_cell(position, name) for position, name in extra]
        raise LoadError(
            display,
            1,
            cells[0][0],
            "extra_column",
            _(
                "the header has {n} column(s) the contract does not declare: {names} "
                "(declare them in the contract to load them)"
            ).format(n=len(extra), names=", ".join(shown for _column, shown in cells)),
        )


def _utf8_accent(piece: bytes) -> int | None:
    """Offset of the first UTF-8 two-byte sequence (a lead byte 0xC2-0xDF then a continuation
    byte 0x80-0xBF: é is C3 A9) or of E2 80 (’ “ ” € ...), in bytes of a single-byte encoding,
    where they read as two characters ("Ã©", "â€"); None if there is none. Vectorised: no
    per-byte Python. The partners' kit makes the same check on decoded text."""
    arr = np.frombuffer(piece, dtype=np.uint8)
    if len(arr) < 2:
        return None
    head = arr[:-1]
    # uint8 wraps around: (b - 0xC2) <= 0x1D is 0xC2 <= b <= 0xDF, in two passes over the bytes
    lead = np.flatnonzero(((head - np.uint8(0xC2)) <= 0x1D) | (head == 0xE2))
    if not len(lead):
        return None
    follow = arr[lead + 1]
    utf8 = np.where(arr[lead] == 0xE2, follow == 0x80, (follow - np.uint8(0x80)) <= 0x3F)
    found = lead[utf8]
    return int(found[0]) if len(found) else None


def _cr_only(head: bytes) -> bool:
    """Whether a file's first block has CR-only line ends: a CR and no LF."""
    return b"\n" not in head and b"\r" in head


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
        self.tail = b""  # the last line, when it has no line end
        self.header_bytes = b""  # line 1 as read, without its line end
        self.crlf = False  # line 1 ends with CRLF: every line outside quotes must
        self.non_ascii_line: int | None = None
        self.valid_utf8 = True
        self.utf8_line: int | None = None  # first line holding a UTF-8 accent (transcoding)
        self.cr_only = False  # classic Mac line ends (CR alone): rewritten as LF on the way

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
                why = _("byte 0x{byte:02X} is not defined in {encoding}").format(
                    byte=byte, encoding=self.spec.encoding
                )
            else:
                why = _("byte 0x{byte:02X} is not valid UTF-8").format(byte=byte)
                if byte >= 0x80:
                    why += _(" (is the file Windows-1252 / latin-1?)")
            raise self._error(
                line, self._column_at(piece, exc.start, line), "encoding", why
            ) from None

    def _analyse(self, piece: bytes) -> None:
        """Quote parity at each line end, blank lines, line count (numpy, no per-line Python)."""
        arr = np.frombuffer(piece, dtype=np.uint8)
        ends = np.flatnonzero(arr == 10)
        quotes = np.flatnonzero(arr == self.quote[0])
        self._lone_carriage_returns(piece, arr, ends, quotes)
        if len(ends):
            parity = (np.searchsorted(quotes, ends) + self.quotes) & 1
            inside = parity.astype(bool)
            if inside.any():
                self.odd_line_end = True
            if self.crlf:
                self._lone_line_feeds(piece, arr, ends, inside)
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
            self.tail = piece[-tail:]
            if piece[-tail:] not in (b"\r",):
                self.last_nonblank_line = self.lines + len(ends) + 1
            else:
                self.blank_lines += 1
        self.lines += len(ends)
        self.quotes += len(quotes)

    def _lone_line_feeds(self, piece: bytes, arr, ends, inside) -> None:
        """An LF without its CR, outside quotes, in a file whose lines end with CRLF: a second
        kind of line end (DuckDB refuses the file without a line). Inside quotes an LF is part
        of the value (a spreadsheet's line break in a cell)."""
        before = arr[np.maximum(ends - 1, 0)]
        lone = ends[((before != 13) | (ends == 0)) & ~inside]
        if not len(lone):
            return
        offset = int(lone[0])
        line = self.lines + int(np.searchsorted(ends, offset)) + 1
        raise self._error(
            line,
            None,
            "line_ends",
            _(
                "a line feed (LF) alone outside quotes, in a file whose lines end with CRLF: "
                "mixed line ends? Save the file again with one kind of line end"
            ),
        )

    def _lone_carriage_returns(self, piece: bytes, arr, ends, quotes) -> None:
        """A CR that does not end a CRLF, outside quotes, in a file with LF line ends: a second
        kind of line end that DuckDB and the csv module read differently (whole-file error). A
        CR as the file's last byte is its end; inside quotes a CR is part of the value."""
        carriage_returns = piece.count(b"\r")
        if not carriage_returns:
            return
        crlf = int(np.count_nonzero(arr[ends[ends > 0] - 1] == 13))
        if carriage_returns == crlf + (1 if piece.endswith(b"\r") else 0):
            return  # every CR ends a CRLF (or the file): the common case, no position needed
        crs = np.flatnonzero(arr == 13)
        following = arr[np.minimum(crs + 1, len(arr) - 1)]
        lone = crs[(following != 10) & (crs + 1 < len(arr))]
        if not len(lone):
            return
        outside = lone[((np.searchsorted(quotes, lone) + self.quotes) & 1) == 0]
        if not len(outside):
            return
        offset = int(outside[0])
        line = self.lines + int(np.searchsorted(ends, offset)) + 1
        raise self._error(
            line,
            self._column_at(piece, offset, line),
            "line_ends",
            _(
                "a carriage return (CR) alone outside quotes, in a file whose lines end with LF: "
                "mixed line ends? Save the file again with one kind of line end"
            ),
        )

    def _piece(self, piece: bytes, out) -> None:
        if not piece:
            return
        if self.header is None:
            self._read_header(piece)
        self._refuse_bytes(piece, b"\x00", _("NUL byte in a text file (is it UTF-16 or binary?)"))
        self._repeated_header(piece)
        # two files put end to end: the mark would open a value (an id that joins nothing)
        self._refuse_bytes(
            piece,
            UTF8_BOM,
            _(
                "a UTF-8 byte-order mark inside the file, not at its start: were two files "
                "put end to end? Join them without the second one's mark (and header)"
            ),
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
                if self.utf8_line is None:
                    offset = _utf8_accent(piece)
                    if offset is not None:
                        self.utf8_line = self.lines + piece.count(b"\n", 0, offset) + 1
            out.write(text.encode("utf-8"))
        elif self.cr_only:
            out.write(piece)
        self._analyse(piece)

    def _refuse_bytes(self, piece: bytes, needle: bytes, message: str) -> None:
        """An encoding error at the first `needle` of the piece, with its line and column."""
        at = piece.find(needle)
        if at >= 0:
            line = self.lines + piece.count(b"\n", 0, at) + 1
            raise self._error(line, self._column_at(piece, at, line), "encoding", message)

    def _repeated_header(self, piece: bytes) -> None:
        """The header line again, inside the file: two exports put end to end. Its line would
        load as a row (an id "id_individu") or be rejected cell by cell."""
        header = self.header_bytes
        if not header:
            return
        # a piece starts at a line start: after the first one, the header may open it
        starts = [0] if self.lines else []
        at = piece.find(b"\n" + header)
        while at >= 0:
            starts.append(at + 1)
            at = piece.find(b"\n" + header, at + 1)
        for at in starts:
            end = at + len(header)  # a whole line: the header, then its line end (or the end)
            if piece.startswith(header, at) and piece[end : end + 1] in (b"\n", b"\r", b""):
                line = self.lines + piece.count(b"\n", 0, at) + 1
                raise self._error(
                    line,
                    None,
                    "header_repeated",
                    _(
                        "the header is repeated on line {line}: were two exports put end to "
                        "end? Remove that line (and check that no row is there twice)"
                    ).format(line=line),
                )

    def _cr_to_lf(self, block: bytes, carry: bytes) -> bytes:
        """A block of a CR-only file with its CRs made LFs; an LF in it mixes two kinds of line
        ends, which no reader can number reliably: a whole-file error."""
        lf = block.find(b"\n")
        if lf >= 0:
            line = self.lines + carry.count(b"\n") + block.count(b"\r", 0, lf) + 1
            raise self._error(
                line,
                None,
                "line_ends",
                _(
                    "the file mixes line ends: CR alone (old Mac) up to here, then LF; save it "
                    "again with one kind of line end"
                ),
            )
        return block.replace(b"\r", b"\n")

    def _read_header(self, piece: bytes) -> None:
        end = piece.find(b"\n")
        first = piece if end < 0 else piece[:end]
        self.header_bytes = first.rstrip(b"\r")
        self.crlf = first.endswith(b"\r") and end >= 0
        if b"\x00" in first:
            raise self._error(1, None, "encoding", _("NUL byte in the header (is it UTF-16?)"))
        encoding = "utf-8" if not self.transcode else self.spec.encoding
        try:
            text = first.decode(encoding).rstrip("\r")
        except UnicodeDecodeError as exc:
            raise self._error(
                1,
                None,
                "encoding",
                _("byte 0x{byte:02X} in the header is not valid {encoding}").format(
                    byte=first[exc.start], encoding=encoding
                ),
            ) from None
        below = self._header_below(piece, encoding)
        if below is not None:
            raise self._error(
                below,
                None,
                "header",
                _("the header is on line {line}: the lines above it must be removed").format(
                    line=below
                ),
            )
        if not text.strip():
            raise self._error(1, None, "header", _("line 1 is empty: the header must be line 1"))
        self.header = _header_fields(text, self.spec, self.display)
        check_header(self.header, self.spec, self.display)

    def _header_below(self, piece: bytes, encoding: str) -> int | None:
        """The line (2 to HEADER_SEARCH_LINES) holding every contract column, when line 1 does
        not: a title or a blank line typed above the header."""
        expected = set(self.spec.column_names)
        lines = piece.split(b"\n", HEADER_SEARCH_LINES)[:HEADER_SEARCH_LINES]
        for number, raw in enumerate(lines, start=1):
            text = raw.decode(encoding, errors="replace").rstrip("\r").lstrip("\ufeff")
            try:
                fields = next(csv.reader([text], delimiter=self.spec.delimiter), [])
            except csv.Error:
                continue
            if expected <= {f.strip() for f in fields}:
                return number if number > 1 else None
        return None

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
                    _("the file is UTF-16; the contract says {encoding}").format(
                        encoding=self.spec.encoding
                    ),
                )
            if head.startswith(UTF8_BOM):
                if self.transcode:
                    raise self._error(
                        1,
                        None,
                        "encoding",
                        _(
                            "the file starts with a UTF-8 byte-order mark: it is UTF-8, the "
                            "contract says {encoding}"
                        ).format(encoding=self.spec.encoding),
                    )
                head = head[len(UTF8_BOM) :]
            if not head.strip():
                rest = handle.read(BLOCK_SIZE)
                if not rest.strip():
                    raise self._error(None, None, "empty_file", _("the file is empty (no header)"))
                head += rest  # pragma: no cover - a file opening with >16 MB of blanks
                digest.update(rest)
            # CR-only line ends (old Mac exports, Excel's "CSV (Macintosh)"): no LF in the first
            # block but a CR. Every CR becomes an LF (a CR inside a quoted value too: it was a
            # line end there as well), in a private copy that DuckDB reads.
            self.cr_only = _cr_only(head)
            if self.cr_only:
                head = head.replace(b"\r", b"\n")
            rewrite = self.transcode or self.cr_only
            out = self.out_path.open("wb") if rewrite else io.BytesIO()
            try:
                carry = head
                while True:
                    block = handle.read(BLOCK_SIZE)
                    if block:
                        digest.update(block)
                        done += len(block)
                        if self.cr_only:
                            block = self._cr_to_lf(block, carry)
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
                _(
                    "the file is UTF-8 (every non-ASCII byte sequence is valid UTF-8), the "
                    "contract says {encoding}: accented letters would be misread"
                ).format(encoding=self.spec.encoding),
            )
        if self.transcode and self.utf8_line is not None:
            # some lines UTF-8, others not: read as {encoding}, é would become "Ã©" on those
            # lines (a name, so a key, silently wrong); read as UTF-8, the others fail
            raise self._error(
                self.utf8_line,
                None,
                "mixed_encoding",
                _(
                    "the file mixes encodings: this line holds accents written in UTF-8, "
                    "others are {encoding}; save the whole file in one encoding"
                ).format(encoding=self.spec.encoding),
            )
        if self.header is None:  # pragma: no cover - a non-blank head always has a header
            raise self._error(None, None, "empty_file", _("the file is empty (no header)"))
        total_lines = self.lines + (1 if self.has_tail else 0)
        if (
            self.has_tail
            and self.last_nonblank_line == total_lines
            and total_lines > 1
            and self.spec.final_line_end == "required"
            and not self.quotes & 1  # an open quote: DuckDB names the cut field
            and _field_index(self.tail, self.delimiter, self.quote) + 1 >= len(self.header)
        ):
            # cut inside its last value, the line has all its fields: nothing else shows it
            # (cut in an earlier field, it lacks fields, which DuckDB reports with the column)
            raise self._error(
                total_lines,
                None,
                "truncated",
                _(
                    "the last line does not end with a line end: the file may have been cut "
                    "short (a copy interrupted, a disk full) inside its last value; export it "
                    "again, or declare final_line_end: optional in the contract if the "
                    "exporter never ends its last line"
                ),
            )
        simple = not self.odd_line_end and (
            self.first_blank_line is None or self.first_blank_line > self.last_nonblank_line
        )
        nonblank = total_lines - self.blank_lines
        return CsvScan(
            sha256=digest.hexdigest(),
            size=size,
            read_path=self.out_path if rewrite else self.path,
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


def _record_lines(scan: CsvScan, spec: FileSpec, display: str) -> array:
    """First line of every record, reading the file with Python's csv module.

    Index 0 is the header, then one entry per csv row, blank lines included (as DuckDB counts
    them in its reject table); blank lines get -1. A record the csv module refuses (a lone CR
    in an unquoted value) is a whole-file error: its lines could not be numbered.
    """
    # DuckDB reads a value of any length; the csv module stops at 131,072 characters by default
    # (a long quoted comment), which is no line-end problem
    # (process-wide: set for this pass only, the partners' kit relies on the default)
    previous_limit = csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    try:
        return _numbered_records(scan, spec, display)
    finally:
        csv.field_size_limit(previous_limit)


def _numbered_records(scan: CsvScan, spec: FileSpec, display: str) -> array:
    starts = array("q")
    # newline="\n": a line is what ends with \n, as the numpy pass and DuckDB count them (a
    # lone \r inside a value does not start a line)
    with scan.read_path.open("r", encoding="utf-8-sig", newline="\n") as handle:
        reader = csv.reader(handle, delimiter=spec.delimiter, quotechar=spec.quote)
        previous = 0
        try:
            for row in reader:
                starts.append(previous + 1 if row else -1)
                previous = reader.line_num
        except csv.Error as exc:
            if "new-line" not in str(exc):  # its message never quotes the file
                raise LoadError(
                    display,
                    previous + 1,
                    None,
                    "unreadable_file",
                    _("a record the CSV reader cannot read ({kind})").format(kind=str(exc)[:80]),
                ) from None
            raise LoadError(
                display,
                previous + 1,
                None,
                "line_ends",
                _(
                    "a carriage return (CR) alone inside an unquoted value: mixed line ends? "
                    "Save the file again with one kind of line end"
                ),
            ) from None
    return starts


def _duckdb_line_to_physical(duck_line: int, scan: CsvScan, spec: FileSpec, display: str) -> int:
    """DuckDB numbers lines per record (a multi-line record counts once, blank lines count)."""
    if scan.simple:
        return duck_line
    starts = _record_lines(scan, spec, display)
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
    line = _duckdb_line_to_physical(int(duck_line), scan, spec, display)
    width = len(scan.header)
    if error_type in ("UNQUOTED VALUE", "LINE SIZE OVER MAXIMUM") and scan.quote_open_at_end:
        if scan.last_nonblank_line - line > 1:
            # the quote swallowed the line ends of every line after it: a stray quote in a
            # value, rather than a file cut inside a quoted value (that is its last line)
            return LoadError(
                display,
                line,
                column,
                "quote",
                _(
                    "a quote opened on line {line} is never closed: a stray quote in a value? "
                    "(it would swallow the {n} lines after it)"
                ).format(line=line, n=scan.last_nonblank_line - line),
            )
        return LoadError(
            display,
            line,
            column,
            "truncated",
            _(
                "the record starting on line {line} opens a quoted field that is never closed: "
                "the file looks truncated"
            ).format(line=line),
        )
    if error_type == "MISSING COLUMNS":
        last_start = (
            scan.last_nonblank_line if scan.simple else max(_record_lines(scan, spec, display))
        )
        if line >= last_start:
            message = _(
                "the last line has fewer fields than the header ({n}): the file looks truncated"
            )
            return LoadError(display, line, column, "truncated", message.format(n=width))
        message = _("a line has fewer fields than the header ({n})").format(n=width)
        return LoadError(display, line, column, "field_count", message)
    if error_type == "TOO MANY COLUMNS":
        return LoadError(
            display,
            line,
            None,
            "field_count",
            _(
                "a line has more fields than the header ({n}): an unquoted {delimiter!r} "
                "inside a value?"
            ).format(n=width, delimiter=spec.delimiter),
        )
    if error_type == "UNQUOTED VALUE":
        return LoadError(
            display,
            line,
            column,
            "quote",
            _(
                "a quoted field is badly closed (text after the closing {quote}, or a quote "
                "inside an unquoted value)"
            ).format(quote=spec.quote),
        )
    if error_type == "LINE SIZE OVER MAXIMUM":
        return LoadError(display, line, None, "line_too_long", _("a line is longer than 2 MB"))
    message = _("DuckDB refused a record ({kind})").format(kind=error_type)
    return LoadError(display, line, column, "csv", message)


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
        starts = [s for s in _record_lines(scan, spec, display)[1:] if s > 0]
        if len(starts) != records:
            raise LoadError(
                display,
                None,
                None,
                "line_numbering",
                _(
                    "DuckDB read {records} records, Python's csv module {starts}: line numbers "
                    "cannot be trusted (check the quoting of the file)"
                ).format(records=records, starts=len(starts)),
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
