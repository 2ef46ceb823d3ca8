"""Strict reading of a partner's file: every physical line is exactly one row, or an error.

CSV: the separator is detected on the header line (`;`, `,`, tab, `|`) unless given; line ends
may be LF, CRLF, CR or a mix; UTF-8 (with or without its byte-order mark) or any encoding given
with --encoding in which the separators and line ends are single ASCII bytes (cp1252,
latin-1...). A quote that does not close on its own line, a line whose number of fields differs
from the header's, a malformed quote or bytes that the encoding cannot read stop the run with
the file and line. Blank lines are counted and carry no row. The file is read in blocks of a
few megabytes: memory does not grow with the file.

XLSX: the first sheet (or --sheet), first row = header; a date cell is a date object whatever
the text formats say; a value to the right of the header's last column stops the run.

Messages name files, lines and columns, never a value: a cell may hold a name or a birth date.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import repeat
from pathlib import Path

from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.xlsx_xml import marked_cells

SEPARATORS = (";", ",", "\t", "|")
BLOCK_BYTES = 4 * 2**20
XLSX_BATCH_ROWS = 20_000
XLSX_SUFFIXES = (".xlsx", ".xlsm")
UTF8_BOM = codecs.BOM_UTF8
_QUOTED = re.compile(r'"[^"]*"')


def separator_label(separator: str) -> str:
    return _("tab") if separator == "\t" else f"« {separator} »"


@dataclass
class Batch:
    """Rows of one block, by column; `lines` gives each row's line in the file (header = 1)."""

    columns: list[Sequence[object]]
    lines: Sequence[int]
    plain: bool  # CSV without any quote: no value holds a separator, quote or line break

    def __len__(self) -> int:
        return len(self.lines)


class ReadError(PipaseError):
    """The file cannot be read as one row per line (rule, file and line named)."""


def unique_names(cells: Sequence[object]) -> list[str]:
    """Header names: an empty cell becomes colonne_N (1-based), a repeated name gets `.1`,
    `.2`... as pandas names them, so that every column can be named on the command line."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells, start=1):
        name = "" if cell is None else str(cell).strip()
        if not name:
            name = f"colonne_{position}"
        base = name
        while name in seen:
            seen[base] += 1
            name = f"{base}.{seen[base]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names


def _ascii_compatible(encoding: str) -> bool:
    probe = ';,\t|"\r\n'
    try:
        return probe.encode(encoding) == probe.encode("ascii")
    except (UnicodeError, LookupError):
        return False


class CsvSource:
    """A CSV file read strictly, block by block."""

    kind = "csv"

    def __init__(
        self, path: Path, *, encoding: str = "utf-8", separator: str | None = None
    ) -> None:
        self.path = path
        self.file = str(path)
        try:
            self.encoding = codecs.lookup(encoding).name
        except LookupError:
            raise ReadError(
                _("unknown encoding {encoding}").format(encoding=encoding), rule="encoding"
            ) from None
        if not _ascii_compatible(self.encoding):
            raise ReadError(
                _("encoding {encoding} is not supported: save the file as UTF-8 or cp1252").format(
                    encoding=encoding
                ),
                rule="encoding",
            )
        self.blank_lines = 0
        self._utf8_seen = False  # a UTF-8 accent decoded already (a later bad line: mixed)
        self._handle = path.open("rb")
        try:
            first = self._handle.read(BLOCK_BYTES)
            self.bom = first.startswith(UTF8_BOM)
            if self.bom:  # a UTF-8 byte-order mark: the file is UTF-8, whatever --encoding says
                self.encoding = "utf-8"
                first = first[len(UTF8_BOM) :]
            self._check_not_binary(first)
            self._pending = first
            header_line = self._read_header_line()
            self.separator = separator or self._detect_separator(header_line)
            self.separator_detected = separator is None
            self.header = unique_names(self._parse_quoted(header_line, 1))
        except BaseException:
            self._handle.close()
            raise

    # ------------------------------------------------------------------ header
    def _check_not_binary(self, first: bytes) -> None:
        if not first.strip():
            raise ReadError(
                _("the file is empty: no header line"), rule="empty_file", file=self.file
            )
        if _looks_utf16(first):
            raise ReadError(
                _("the file is in UTF-16: save it as CSV UTF-8 (or cp1252)"),
                rule="encoding",
                file=self.file,
            )
        if first.startswith(b"PK\x03\x04"):
            raise ReadError(
                _("this is a zip file (an XLSX workbook?), not a CSV: name it .xlsx"),
                rule="not_csv",
                file=self.file,
            )
        if b"\x00" in first:
            raise self._binary()

    def _read_header_line(self) -> str:
        data = self._pending
        while True:
            ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
            if ends or not (more := self._handle.read(BLOCK_BYTES)):
                break
            data += more
        if not ends:
            raw, rest = data, b""
        else:
            end = min(ends)
            step = 2 if data[end : end + 2] == b"\r\n" else 1
            if data[end : end + 1] == b"\r" and end + 1 == len(data):  # a CR, maybe of a CRLF
                more = self._handle.read(1)
                data += more
                step = 2 if more == b"\n" else 1
            raw, rest = data[:end], data[end + step :]
        self._pending = rest
        text = self._decode(raw, 1)
        if not text.strip():
            raise ReadError(
                _("the first line is empty: it must name the columns"),
                rule="no_header",
                file=self.file,
                line=1,
            )
        return text

    def _detect_separator(self, header: str) -> str:
        unquoted = _QUOTED.sub("", header)
        counts = {s: unquoted.count(s) for s in SEPARATORS}
        best = max(counts.values())
        found = [s for s, n in counts.items() if n == best]
        if best == 0:
            raise ReadError(
                _(
                    "no separator (; , tab |) found in the header: a single column cannot hold "
                    "names and birth dates; give the separator with --sep"
                ),
                rule="separator",
                file=self.file,
                line=1,
            )
        if len(found) > 1:
            raise ReadError(
                _("the header has as many {a} as {b}: give the separator with --sep").format(
                    a=separator_label(found[0]), b=separator_label(found[1])
                ),
                rule="separator",
                file=self.file,
                line=1,
            )
        return found[0]

    # ------------------------------------------------------------------ rows
    def _decode(self, raw: bytes, line: int) -> str:
        nul = raw.find(b"\x00")
        if nul >= 0:  # the first block was checked at the opening; every later one here
            raise self._binary(line + _line_ends(raw[:nul]))
        try:
            text = raw.decode(self.encoding)
        except UnicodeDecodeError as error:
            before = raw[: error.start]
            line += _line_ends(before)
            if self._utf8_seen or not before.isascii():
                # accents read as UTF-8 before this line: --encoding cp1252 would garble them
                raise ReadError(
                    _(
                        "the file mixes encodings: this line is not UTF-8 while accents before "
                        "it are; correct the line or save the whole file as UTF-8 (--encoding "
                        "would misread the other lines)"
                    ),
                    rule="mixed_encoding",
                    file=self.file,
                    line=line,
                ) from None
            raise ReadError(
                _(
                    "bytes not readable as {encoding}: give the file's encoding with --encoding "
                    "(often cp1252 for a file saved by Excel)"
                ).format(encoding=self.encoding),
                rule="encoding",
                file=self.file,
                line=line,
            ) from None
        if text.isascii():
            return text
        if self.encoding == "utf-8":
            self._utf8_seen = True
            return text
        # Œ, œ, €, ’ of cp1252 read as latin-1's invisible controls
        found = _C1_CONTROL.search(text) if self.encoding == "iso8859-1" else None
        if found:
            message = _(
                "characters that latin-1 reads as invisible controls (Œ, œ, €, ’ of cp1252): "
                "give --encoding cp1252"
            )
        # é written in UTF-8 read as cp1252 gives "Ã©": every key would be wrong
        elif found := _MISREAD_UTF8.search(text):
            message = _(
                "accents read as two characters: the file looks like UTF-8, not {encoding}; "
                "remove --encoding (or correct the line)"
            ).format(encoding=self.encoding)
        else:
            return text
        raise ReadError(
            message,
            rule="encoding_mismatch",
            file=self.file,
            line=line + _line_ends(text[: found.start()]),
        )

    def _binary(self, line: int | None = None) -> ReadError:
        return ReadError(
            _("the file holds binary data (NUL bytes): it is not a CSV text file"),
            rule="not_csv",
            file=self.file,
            line=line,
        )

    def _parse_quoted(self, line: str, number: int) -> list[str]:
        try:
            return next(csv.reader((line,), delimiter=self.separator, strict=True))
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                message = _("a value longer than {limit} characters: not a partner's table").format(
                    limit=csv.field_size_limit()
                )
                rule = "value_too_long"
            elif "unexpected end of data" in str(error):
                message = _(
                    "a quote opens a value that does not close on this line: a value may not "
                    "hold a line break (check the quotes)"
                )
                rule = "unbalanced_quote"
            else:
                message = _("malformed quotes: a quoted value must be followed by the separator")
                rule = "malformed_quote"
            raise ReadError(message, rule=rule, file=self.file, line=number) from None

    def batches(self) -> Iterator[Batch]:
        """The data rows, block by block, after the header."""
        width = len(self.header)
        separator = self.separator
        next_line = 2
        pending = self._pending
        self._pending = b""
        handle = self._handle
        try:
            while True:
                block = handle.read(BLOCK_BYTES) if handle is not None else b""
                end_of_file = not block
                data = pending + block
                if not end_of_file:
                    cut = data.rfind(b"\n")
                    if cut < 0:
                        cut = data.rfind(b"\r", 0, len(data) - 1)
                    if cut < 0:
                        pending = data
                        continue
                    chunk, pending = data[: cut + 1], data[cut + 1 :]
                else:
                    chunk, pending = data, b""
                if chunk:
                    batch = self._batch(chunk, next_line, width, separator, end_of_file)
                    next_line = batch.next_line
                    if len(batch.batch):
                        yield batch.batch
                if end_of_file:
                    break
        finally:
            handle.close()

    def _batch(
        self, chunk: bytes, first_line: int, width: int, separator: str, end_of_file: bool
    ) -> _Block:
        text = self._decode(chunk, first_line)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if lines[-1] == "":  # the block ends with a line end
            lines.pop()
        after = first_line + len(lines)
        numbers: Sequence[int] = range(first_line, after)
        if "" in lines:
            kept = [(n, line) for n, line in zip(numbers, lines, strict=True) if line]
            self.blank_lines += len(lines) - len(kept)
            numbers = [n for n, _line in kept]
            lines = [line for _n, line in kept]
        plain = '"' not in text
        if plain:  # no quote: a line's fields are what lies between separators
            counts = list(map(str.count, lines, repeat(separator, len(lines))))
            if counts.count(width - 1) != len(counts):
                rows = [line.split(separator) for line in lines]
                self._field_count_error(rows, numbers, width, end_of_file)
            fields = separator.join(lines).split(separator) if lines else []
            columns = [fields[i::width] for i in range(width)]
            return _Block(Batch(columns, numbers, plain), after)
        rows = [
            self._parse_quoted(line, n) if '"' in line else line.split(separator)
            for n, line in zip(numbers, lines, strict=True)
        ]
        if rows and (len(rows[0]) != width or len(set(map(len, rows))) != 1):
            self._field_count_error(rows, numbers, width, end_of_file)
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
        return _Block(Batch(columns, numbers, plain), after)

    def _field_count_error(self, rows, numbers, width: int, end_of_file: bool) -> None:
        index = next(i for i, row in enumerate(rows) if len(row) != width)
        found = len(rows[index])
        if end_of_file and index == len(rows) - 1 and found < width:
            message = _(
                "the last line has {found} field(s) instead of the header's {expected}: "
                "the file looks truncated"
            )
        else:
            message = _(
                "{found} field(s) instead of the header's {expected}: check the separator and "
                "the quotes on this line"
            )
        raise ReadError(
            message.format(found=found, expected=width),
            rule="field_count",
            file=self.file,
            line=numbers[index],
        )

    def close(self) -> None:
        self._handle.close()


@dataclass
class _Block:
    batch: Batch
    next_line: int


# --------------------------------------------------------------------------- XLSX
def cell_text(value: object) -> str:
    """An XLSX cell as the text a CSV would hold (dates in ISO form, 12.0 as 12)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class XlsxSource:
    """An XLSX sheet, read row by row (openpyxl's read-only mode)."""

    kind = "xlsx"
    separator = None
    separator_detected = False
    encoding = None
    bom = False

    def __init__(self, path: Path, *, sheet: str | None = None) -> None:
        import openpyxl

        self.path = path
        self.file = str(path)
        self.blank_lines = 0
        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001  not a zip, a damaged XML part, a chartsheet...
            raise _damaged(self.file) from None
        try:
            if sheet is None:
                self._sheet = self._book.worksheets[0]
                if getattr(self._sheet, "sheet_state", "visible") != "visible":
                    # a hidden draft read silently in place of the visible table
                    raise ReadError(
                        _(
                            "the workbook's first sheet is hidden: name the sheet to read with "
                            "--sheet"
                        ),  # fmt: skip
                        rule="hidden_sheet",
                        file=self.file,
                    )
            elif sheet in self._book.sheetnames:
                self._sheet = self._book[sheet]
            else:
                # the sheets' names are not listed: a sheet may be named after a person
                raise ReadError(
                    _("no sheet named {sheet} (the workbook has {count} sheet(s))").format(
                        sheet=sheet, count=len(self._book.sheetnames)
                    ),
                    rule="missing_sheet",
                    file=self.file,
                )
            self.sheet = self._sheet.title
            self._refuse_uncomputed_formulas()
            if hasattr(self._sheet, "reset_dimensions"):
                self._sheet.reset_dimensions()  # the stored size may be wrong: read every row
            self._rows = self._sheet.iter_rows(values_only=True)
            try:
                header = next(self._rows, None)
            except Exception:  # noqa: BLE001  a damaged sheet (its message may quote a cell)
                raise _damaged(self.file, 1) from None
            cells = list(header or ())
            while cells and (cells[-1] is None or str(cells[-1]).strip() == ""):
                cells.pop()
            if not cells:
                raise ReadError(
                    _("the first row is empty: it must name the columns"),
                    rule="no_header",
                    file=self.file,
                    line=1,
                )
            self.header = unique_names([None if c is None else cell_text(c) for c in cells])
        except BaseException:
            self._book.close()
            raise

    def _refuse_uncomputed_formulas(self) -> None:
        """A formula whose value was never computed (a workbook written by a program, not
        saved by a spreadsheet) reads as an empty cell: a name lost, or a row of formulas
        dropped as blank. Refused before reading, with the first such row."""
        path = getattr(self._sheet, "_worksheet_path", None)
        archive = getattr(self._book, "_archive", None)
        if path is None or archive is None:
            return
        with archive.open(path) as part:  # block by block: the memory stays bounded
            found = next(marked_cells(part, ("uncomputed_formula",), BLOCK_BYTES), None)
        if found:
            raise ReadError(
                _(
                    "formulas without a computed value (the workbook was written by a program): "
                    "open it in a spreadsheet and save it, or paste the values"
                ),
                rule="uncomputed_formula",
                file=self.file,
                line=found[2],
            )

    def batches(self) -> Iterator[Batch]:
        width = len(self.header)
        line = 1
        rows: list[tuple] = []
        numbers: list[int] = []
        try:
            for row in _rows_or_damaged(self._rows, self.file, line):
                line += 1
                if len(row) > width:
                    extra = next(
                        (i for i, v in enumerate(row[width:]) if v is not None and v != ""), None
                    )
                    if extra is not None:
                        raise ReadError(
                            _(
                                "a value to the right of the header's last column (column "
                                "{position}): name the column in the header or remove it"
                            ).format(position=width + extra + 1),
                            rule="field_count",
                            file=self.file,
                            line=line,
                        )
                    row = row[:width]
                if all(v is None or v == "" for v in row):
                    self.blank_lines += 1
                    continue
                if len(row) < width:
                    row = tuple(row) + (None,) * (width - len(row))
                rows.append(row)
                numbers.append(line)
                if len(rows) >= XLSX_BATCH_ROWS:
                    yield Batch(list(zip(*rows, strict=True)), numbers, plain=False)
                    rows, numbers = [], []
            if rows:
                yield Batch(list(zip(*rows, strict=True)), numbers, plain=False)
        finally:
            self._book.close()

    def close(self) -> None:
        self._book.close()


# A UTF-8 accent decoded as cp1252 or latin-1: its lead byte (Â to ß, or â for ’ “ ” €) then
# a continuation byte (U+0080 to U+00BF in latin-1; cp1252's own characters for 0x80-0x9F).
_MISREAD_UTF8 = re.compile(
    "[\u00c2-\u00df][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122]|\u00e2\u20ac"
)


_C1_CONTROL = re.compile("[\u0080-\u009f]")


def _looks_utf16(first: bytes) -> bool:
    """UTF-16 text: its byte-order mark, or (without one) every other byte NUL."""
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    halves = (first[0:2000:2], first[1:2000:2])
    return any(half and half.count(b"\x00") > 0.9 * len(half) for half in halves)


def _line_ends(text: bytes | str) -> int:
    """Line ends in a text (CRLF counted once)."""
    if isinstance(text, bytes):
        return text.count(b"\n") + text.count(b"\r") - text.count(b"\r\n")
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _damaged(file: str, line: int | None = None) -> ReadError:
    """A workbook the parser could not read; never the parser's message (it may quote a
    cell: "invalid literal for int() with base 10: '<a name>'")."""
    return ReadError(
        _("not a readable XLSX workbook (damaged, or another format named .xlsx)"),
        rule="not_xlsx",
        file=file,
        line=line,
    )


def _rows_or_damaged(rows: Iterator[tuple], file: str, line: int) -> Iterator[tuple]:
    """The sheet's rows after line `line`; a parser error while reading one (a damaged sheet)
    as not_xlsx at that row's line."""
    while True:
        line += 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:  # noqa: BLE001
            raise _damaged(file, line) from None
        yield row


def open_source(
    path: Path, *, encoding: str = "utf-8", separator: str | None = None, sheet: str | None = None
) -> CsvSource | XlsxSource:
    """The reader for a partner's file, by its suffix (.xlsx/.xlsm: XLSX, else CSV)."""
    file = str(path)
    if not path.exists():
        raise ReadError(_("no such file"), rule="missing_file", file=file)
    if not path.is_file():
        raise ReadError(_("not a file"), rule="missing_file", file=file)
    suffix = path.suffix.lower()
    if suffix in (".xls", ".ods"):
        raise ReadError(
            _("the {suffix} format is not read: save the sheet as .xlsx or .csv").format(
                suffix=suffix
            ),
            rule="format",
            file=file,
        )
    try:
        if suffix in XLSX_SUFFIXES:
            return XlsxSource(path, sheet=sheet)
        return CsvSource(path, encoding=encoding, separator=separator)
    except PermissionError:
        raise ReadError(_("permission denied"), rule="unreadable", file=file) from None
