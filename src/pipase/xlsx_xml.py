"""Patterns over a worksheet's XML for cells a reader shows as empty but that are not: the one
definition, used by the loader (`pipase.load.xlsx_source`) and the partners' kit
(`pipase.kit.reader`). Standard library only: the kit installs without the loader's needs.
"""

from __future__ import annotations

import re

# a cell holding a formula (<f>...</f> or a shared <f .../>) and no value (<v>) after it: a
# workbook written by a program and never opened in a spreadsheet
UNCOMPUTED_FORMULA = re.compile(
    rb"<c\b[^>]*>\s*(?:<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>|</c>)"
)
# a cell whose value is an error (#N/A, #REF!, #DIV/0!...)
ERROR_CELL = re.compile(rb'<c\b[^>]*\bt="e"[^>]*>')
# the reference of a cell (its column letters, its row)
CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
OVERLAP = 65_536  # bytes kept from a block for the next: longer than one cell's XML
