"""The kit's output: CSV or XLSX that no spreadsheet turns into a formula, written atomically.

A value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
LibreOffice (OWASP, "CSV Injection"): in CSV it is written with a leading `'`, which spreadsheets
show as text (a plain number such as `-12` or `+3.5` is left as it is); in XLSX every cell is
typed as a string, so `=HYPERLINK(...)` stays text. The file is written under a temporary name
in the output folder and moved into place (`os.replace`) only when the whole run succeeded: a
refused or failed run leaves no partial output.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pipase.errors import PipaseError
from pipase.i18n import _

FORMULA_STARTS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
LINE_END = "\r\n"
XLSX_MAX_CELL = 32_767  # characters of a cell (Excel's limit)
XLSX_MAX_ROWS = 1_048_576


def is_formula_like(value: str) -> bool:
    return value[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(value)


def neutralise(value: str) -> str:
    """The CSV text of a value: prefixed with ' when a spreadsheet would evaluate it."""
    return "'" + value if is_formula_like(value) else value


def neutralise_column(values: Sequence[str]) -> Sequence[str]:
    """neutralise() of each value; the column itself when no value needs it (the usual case,
    found by a few substring searches on the joined column: a value starts after a line end)."""
    joined = "\n" + "\n".join(values)
    if not any("\n" + c in joined for c in FORMULA_STARTS):
        return values
    return [neutralise(v) for v in values]


class _AtomicOutput:
    def __init__(self, path: Path) -> None:
        self.path = path
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(handle)
        self.temporary = Path(name)
        self.rows = 0

    def commit(self) -> None:
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        self.temporary.unlink(missing_ok=True)


class CsvWriter(_AtomicOutput):
    """CSV with the input's separator and encoding (and its UTF-8 byte-order mark, if any)."""

    def __init__(self, path: Path, *, separator: str, encoding: str, bom: bool = False) -> None:
        super().__init__(path)
        self.separator = separator
        self._handle = self.temporary.open("w", encoding=encoding, newline="")
        if bom:
            self._handle.write("\ufeff")
        self._csv = csv.writer(self._handle, delimiter=separator, lineterminator=LINE_END)

    def header(self, names: Sequence[str]) -> None:
        self._csv.writerow([neutralise(n) for n in names])

    def write(self, columns: Sequence[Sequence[str]], lines: Sequence[int], plain: bool) -> None:
        """One batch, by column. `plain`: no value holds a separator, quote or line break, so
        rows are joined directly (the fast path); otherwise the csv module quotes them."""
        if not lines:
            return
        rows = zip(*columns, strict=True)
        if plain:
            self._handle.write(LINE_END.join(map(self.separator.join, rows)) + LINE_END)
        else:
            self._csv.writerows(rows)
        self.rows += len(lines)

    def close(self) -> None:
        self._handle.close()

    def discard(self) -> None:
        self._handle.close()
        super().discard()


class XlsxWriter(_AtomicOutput):
    """One sheet, every cell typed as a string (openpyxl's write-only mode)."""

    def __init__(self, path: Path, *, sheet: str = "pipase") -> None:
        import openpyxl
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ERROR_CODES

        super().__init__(path)
        self._book = openpyxl.Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet)
        self._cell = WriteOnlyCell
        self._error_codes = frozenset(ERROR_CODES)
        self._column_names: Sequence[str] = ()

    def _text_cell(self, value: str):
        if value[:1] in FORMULA_STARTS or value in self._error_codes:
            cell = self._cell(self._sheet, value=value)
            cell.data_type = "s"  # text, never a formula or an error value
            return cell
        return value

    def header(self, names: Sequence[str]) -> None:
        self._column_names = list(names)
        self._sheet.append([self._text_cell(n) for n in names])

    def write(self, columns: Sequence[Sequence[str]], lines: Sequence[int], plain: bool) -> None:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as illegal

        text_cell = self._text_cell
        for line, row in zip(lines, zip(*columns, strict=True), strict=True):
            if self.rows + 2 > XLSX_MAX_ROWS:
                raise PipaseError(
                    _("more rows than an XLSX sheet holds ({rows}): write a .csv file").format(
                        rows=XLSX_MAX_ROWS
                    ),
                    rule="xlsx_rows",
                    file=str(self.path),
                )
            if illegal.search("".join(row)):
                # what openpyxl refuses (IllegalCharacterError), refused before the row reaches
                # it: its writer, stopped by that error, printed "Exception ignored ...
                # Traceback" when collected
                position = next(i for i, v in enumerate(row) if illegal.search(v))
                raise PipaseError(
                    _(
                        "a control character that an XLSX cell cannot hold: write a .csv file, "
                        "or remove the character"
                    ),
                    rule="xlsx_character",
                    file=str(self.path),
                    line=line,
                    column=self._column_names[position] if self._column_names else None,
                )
            longest = max(map(len, row), default=0)
            if longest > XLSX_MAX_CELL:
                position = next(i for i, v in enumerate(row) if len(v) == longest)
                raise PipaseError(
                    _(
                        "a value longer than an XLSX cell holds ({limit} characters): write a "
                        ".csv file"
                    ).format(limit=XLSX_MAX_CELL),  # fmt: skip
                    rule="xlsx_cell_length",
                    file=str(self.path),
                    line=line,
                    column=self._column_names[position] if self._column_names else None,
                )
            self._sheet.append([text_cell(v) if v else None for v in row])
            self.rows += 1

    def close(self) -> None:
        self._book.save(self.temporary)

    def discard(self) -> None:
        with contextlib.suppress(Exception):  # end openpyxl's open sheet stream cleanly
            self._sheet.close()
        self._book.close() if hasattr(self._book, "close") else None
        super().discard()
