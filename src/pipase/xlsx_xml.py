"""Patterns over a worksheet's XML for cells a reader shows as empty but that are not: the one
definition, used by the loader (`pipase.load.xlsx_source`) and the partners' kit
(`pipase.kit.reader`). Standard library only: the kit installs without the loader's needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

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
# rule -> (pattern, a substring without which a block cannot hold a match: a cheap skip)
MARKS = {
    "cell_error": (ERROR_CELL, b't="e"'),
    "uncomputed_formula": (UNCOMPUTED_FORMULA, b"<f"),
}


def column_index(letters: bytes) -> int:
    """Spreadsheet column letters -> 0-based index (A -> 0, AA -> 26)."""
    index = 0
    for char in letters:
        index = index * 26 + char - 64
    return index - 1


def marked_cells(
    handle: BinaryIO, rules: tuple[str, ...], block: int
) -> Iterator[tuple[str, int | None, int | None]]:
    """(rule, column index, row) of each cell of a worksheet's XML matching one of `rules`
    (MARKS), read `block` bytes at a time so the memory stays bounded; the column and row are
    None for a cell without a reference. A cell in the overlap of two blocks may come twice."""
    tail = b""
    while data := handle.read(block):
        xml = tail + data
        for rule in rules:
            pattern, hint = MARKS[rule]
            if hint not in xml:
                continue
            for found in pattern.finditer(xml):
                ref = CELL_REF.search(found.group(0))
                if ref is None:
                    yield rule, None, None
                else:
                    yield rule, column_index(ref.group(1)), int(ref.group(2))
        tail = xml[-OVERLAP:]  # a cell cut by the block's end is seen whole
