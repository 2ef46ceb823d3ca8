"""Generate the protocol's letter map: every Unicode character whose normalisation gives letters.

The hashing protocol (docs/protocole_hachage.md, section 1) normalises a name character by
character: NFKD, fold the letters that do not decompose (Œ→OE, ß→SS, Ø→O...), drop combining
marks, upper-case, keep A-Z. Each step works on one character at a time, so the result for a
whole name is the concatenation of the results for its characters. This script applies the
steps with Python's `unicodedata` to every code point and writes the characters whose result is
not empty to `src/pipase/protocol_data/ref_letter_map.csv`, the table that both the SQL macros
(as the dbt seed `ref_letter_map`) and the Python code use. Re-run it only to move to another
Unicode version; `tests/python/test_protocol.py` checks that the committed file matches.

Usage: python scripts/generate_letter_map.py [--check]
"""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
from pathlib import Path

import generated_file

OUTPUT = Path(__file__).resolve().parents[1] / "src/pipase/protocol_data/ref_letter_map.csv"

# Section 1, step 3 of the protocol: letters that NFKD does not decompose.
FOLDS = {
    "Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS", "ẞ": "SS", "Ø": "O", "ø": "O",
    "Ł": "L", "ł": "L", "Đ": "D", "đ": "D", "Ð": "D", "ð": "D", "Þ": "TH", "þ": "TH",
    "ı": "I", "Ħ": "H", "ħ": "H",
}  # fmt: skip
NOT_A_TO_Z = re.compile("[^A-Z]+")


def reference_normalise(text: str) -> str:
    """The protocol's steps, literally, with unicodedata (slow; the reference)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(FOLDS.get(ch, ch) for ch in text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return NOT_A_TO_Z.sub("", text.upper())


def letter_map_rows() -> list[tuple[str, str, str]]:
    rows = []
    for code_point in range(sys.maxunicode + 1):
        if 0xD800 <= code_point <= 0xDFFF:  # surrogates are not characters
            continue
        letters = reference_normalise(chr(code_point))
        if letters:
            rows.append((f"U+{code_point:04X}", chr(code_point), letters))
    return rows


def render() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code_point", "caractere", "lettres"])
    writer.writerows(letter_map_rows())
    return buffer.getvalue()


def main() -> int:
    return generated_file.main(
        __doc__,
        OUTPUT,
        render,
        lambda content: (
            f"{content.count(chr(10)) - 1} characters, Unicode {unicodedata.unidata_version}"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
