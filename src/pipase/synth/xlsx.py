"""A minimal, streaming, deterministic XLSX writer (one sheet, shared strings, a date style).

openpyxl's write-only mode serialises each cell through et_xmlfile (about 25 µs a cell without
lxml): the DPAS workbook of 100 000 youths would take most of the time budget. This writer
produces the same kind of package Excel writes (SpreadsheetML with a shared-string table, dates
as serial numbers with a dd/mm/yyyy number format), byte-identical for the same data: fixed zip
timestamps, fixed document properties, no random ids. Tests read its output back with openpyxl.

The rows are streamed to a temporary file as they come (the generator appends one chunk of
youths at a time) and zipped at the end; a sheet that would exceed Excel's 1,048,576 rows raises
ExcelRowLimitError instead of being truncated (writer.XlsxSink starts the next part of a split
export before that happens).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from pipase.errors import PipaseError

FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
FIXED_DOC_TIME = "2026-01-01T00:00:00Z"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_CHUNK = 2000
_COPY_BLOCK = 1 << 20
EXCEL_MAX_ROWS = 1_048_576  # rows of a sheet, header included

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    'properties"><Application>pipase synth</Application></Properties>'
)
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://'
    'purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:creator>pipase synth</dc:creator>"
    f'<dcterms:created xsi:type="dcterms:W3CDTF">{FIXED_DOC_TIME}</dcterms:created>'
    f'<dcterms:modified xsi:type="dcterms:W3CDTF">{FIXED_DOC_TIME}</dcterms:modified>'
    "</cp:coreProperties>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _column_letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        k, s = i + 1, ""
        while k:
            k, r = divmod(k - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


def _workbook(sheet: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(sheet, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


class ExcelRowLimitError(PipaseError, ValueError):
    """A sheet would hold more rows than Excel opens."""


class SheetWriter:
    """One sheet written as rows come: the rows go to a temporary file beside the workbook
    (the sheet XML must start with its dimension, known only at the end), the shared strings
    stay in memory (one entry per distinct text), and `close` zips the package. Cells: str
    (shared string), int/float (number), datetime.date (date with the dd/mm/yyyy format), None
    (no cell)."""

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
        self._letters = _column_letters(len(header))
        self._strings: dict[str, int] = {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent
        )
        self._tmp_path = Path(tmp)
        self._tmp = os.fdopen(fd, "wb")
        head = "".join(self._cell(c, 1, v) for c, v in zip(self._letters, header, strict=True))
        self._tmp.write(f'<row r="1">{head}</row>'.encode())

    def _sid(self, text: str) -> int:
        idx = self._strings.get(text)
        if idx is None:
            idx = len(self._strings)
            self._strings[text] = idx
        return idx

    def _cell(self, col: str, r: int, value) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return f'<c r="{col}{r}" t="s"><v>{self._sid(value)}</v></c>'
        if isinstance(value, dt.date):
            serial = (value - _EXCEL_EPOCH).days
            return f'<c r="{col}{r}" s="1"><v>{serial}</v></c>'
        if isinstance(value, bool):
            return f'<c r="{col}{r}" t="b"><v>{int(value)}</v></c>'
        return f'<c r="{col}{r}"><v>{value!r}</v></c>'

    def check(self, n: int) -> None:
        """Raise ExcelRowLimitError if `n` more data rows would not fit in the sheet."""
        total = self.rows + n + 1
        if total > self.max_rows:
            raise ExcelRowLimitError(
                f"{self.name}: the sheet {self.sheet!r} would hold {self.rows + n:,} data rows "
                f"plus the header, {total:,} rows, more than Excel's limit of "
                f"{self.max_rows:,} rows per sheet (header included)"
            )

    def write_rows(self, rows: Iterable[Sequence]) -> None:
        letters, cell = self._letters, self._cell
        buffer: list[str] = []
        r = self.rows + 1
        for row in rows:
            r += 1
            cells = "".join(cell(c, r, v) for c, v in zip(letters, row, strict=True))
            buffer.append(f'<row r="{r}">{cells}</row>')
            if len(buffer) >= _CHUNK:
                self._tmp.write("".join(buffer).encode("utf-8"))
                buffer.clear()
        self._tmp.write("".join(buffer).encode("utf-8"))
        self.check(r - 1 - self.rows)
        self.rows = r - 1

    def close(self) -> None:
        """Write the workbook and remove the temporary file."""
        self._tmp.close()
        last = f"{self._letters[-1]}{self.rows + 1}"
        try:
            with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(_info("[Content_Types].xml"), _CONTENT_TYPES)
                zf.writestr(_info("_rels/.rels"), _ROOT_RELS)
                zf.writestr(_info("docProps/app.xml"), _APP)
                zf.writestr(_info("docProps/core.xml"), _CORE)
                zf.writestr(_info("xl/workbook.xml"), _workbook(self.sheet))
                zf.writestr(_info("xl/_rels/workbook.xml.rels"), _WORKBOOK_RELS)
                zf.writestr(_info("xl/styles.xml"), _STYLES)
                with (
                    zf.open(_info("xl/worksheets/sheet1.xml"), "w", force_zip64=True) as out,
                    self._tmp_path.open("rb") as rows,
                ):
                    out.write(
                        (
                            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                            '2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                            f'officeDocument/2006/relationships"><dimension ref="A1:{last}"/>'
                            "<sheetData>"
                        ).encode()
                    )
                    shutil.copyfileobj(rows, out, _COPY_BLOCK)
                    out.write(b"</sheetData></worksheet>")
                zf.writestr(_info("xl/sharedStrings.xml"), self._shared_strings())
        finally:
            self._tmp_path.unlink(missing_ok=True)

    def abort(self) -> None:
        """Give up: remove the temporary file, write no workbook."""
        self._tmp.close()
        self._tmp_path.unlink(missing_ok=True)

    def _shared_strings(self) -> str:
        parts = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{len(self._strings)}" uniqueCount="{len(self._strings)}">'
        ]
        parts.extend(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in self._strings)
        parts.append("</sst>")
        return "".join(parts)


def write_xlsx(
    path: Path, sheet: str, header: Sequence[str], rows: Iterable[Sequence], n_rows: int
) -> None:
    """Write one sheet of `n_rows` rows (see SheetWriter)."""
    writer = SheetWriter(path, sheet, header)
    try:
        writer.check(n_rows)
        writer.write_rows(rows)
    except BaseException:
        writer.abort()
        raise
    writer.close()
