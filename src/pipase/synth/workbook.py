"""One XLSX sheet written as rows come, by openpyxl in write-only mode, byte-identical for the
same rows.

openpyxl streams the rows of a write-only sheet to a temporary file and zips the package when
the workbook is saved, so memory stays small whatever the number of rows. Two things would make
two runs differ: the document's creation and modification dates (openpyxl stamps the time of
saving) and the zip members' timestamps (zipfile stamps the time of writing). Both are fixed
here: the properties to FIXED_DOC_TIME, every zip member to FIXED_ZIP_TIME. The bytes depend on
openpyxl's version (it names itself in docProps/app.xml); the cells do not.

Cells: str (text), int/float (number), datetime.date (an Excel date shown dd/mm/yyyy), None (no
cell). A sheet that would exceed Excel's 1,048,576 rows raises ExcelRowLimitError instead of
being truncated (writer.XlsxSink starts the next part of a split export before that happens).
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.writer.excel import ExcelWriter

from pipase.errors import PipaseError

EXCEL_MAX_ROWS = 1_048_576  # rows of a sheet, header included
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
FIXED_DOC_TIME = dt.datetime(2026, 1, 1)
DATE_FORMAT = "dd/mm/yyyy"
CREATOR = "pipase synth"
_COPY_BLOCK = 1 << 20


class ExcelRowLimitError(PipaseError, ValueError):
    """A sheet would hold more rows than Excel opens."""


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


class FixedTimeZip(zipfile.ZipFile):
    """A zip archive whose members all carry FIXED_ZIP_TIME, whatever writes them."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = _member(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        name = str(arcname if arcname is not None else filename)
        with (
            open(filename, "rb") as source,
            self.open(_member(name), "w", force_zip64=True) as target,
        ):
            shutil.copyfileobj(source, target, _COPY_BLOCK)


def save_deterministic(book: Workbook, path: Path) -> None:
    """Save `book` to `path` with fixed document dates and zip timestamps."""
    book.properties.creator = CREATOR
    book.properties.created = FIXED_DOC_TIME
    book.properties.modified = FIXED_DOC_TIME
    with FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()


class SheetWriter:
    """One sheet of one workbook, rows appended as they come; `close` writes the workbook,
    `abort` gives up without writing it."""

    def __init__(
        self,
        path: Path,
        sheet: str,
        header: Sequence[str],
        max_rows: int = EXCEL_MAX_ROWS,
        name: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.sheet = sheet
        self.name = name or str(self.path)
        self.max_rows = max_rows
        self.rows = 0  # data rows written
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet)
        self._sheet.append(list(header))

    def check(self, n: int) -> None:
        """Raise ExcelRowLimitError if `n` more data rows would not fit in the sheet."""
        total = self.rows + n + 1
        if total > self.max_rows:
            raise ExcelRowLimitError(
                f"{self.name}: the sheet {self.sheet!r} would hold {self.rows + n:,} data rows "
                f"plus the header, {total:,} rows, more than Excel's limit of "
                f"{self.max_rows:,} rows per sheet (header included)"
            )

    def _date(self, value: dt.date) -> WriteOnlyCell:
        cell = WriteOnlyCell(self._sheet, value)
        cell.number_format = DATE_FORMAT
        return cell

    def write_rows(self, rows: Iterable[Sequence]) -> None:
        append, date = self._sheet.append, self._date
        count = 0
        for row in rows:
            append([date(v) if isinstance(v, dt.date) else v for v in row])
            count += 1
        self.check(count)
        self.rows += count

    def close(self) -> None:
        """Write the workbook (openpyxl removes its temporary file)."""
        save_deterministic(self._book, self.path)

    def abort(self) -> None:
        """Give up: close the sheet and remove its temporary file, write no workbook."""
        if not self._sheet.closed:
            self._sheet.close()
        writer = getattr(self._sheet, "_writer", None)
        if writer is not None:
            writer.cleanup()
