"""`pipase hash --verifier`: the published conformance vectors through this installation.

The vectors (`kit/conformance_vectors.csv`, a copy of the project's
`tests/fixtures/protocol/conformance_vectors.csv`, synthetic people, kept out of dbt's seed paths
so that dbt sees one seed; a test checks that the two are identical) give, for each name, first
name and birth date, the normalised names and the four keys (SHA-256 and HMAC-SHA-256 with the
test key `pipase-test-key-not-secret`). Each row goes through the protocol's scalar functions
and through the kit's key engine, the path `pipase hash` takes; the first difference is returned.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipase import protocol
from pipase.kit.keys import KeyEngine

VECTORS_FILE = Path(__file__).with_name("conformance_vectors.csv")
TEST_KEY = b"pipase-test-key-not-secret"
VECTOR_DATE_FORMAT = "%Y-%m-%d"


@dataclass
class Difference:
    line: int  # line of the vectors file (header = 1)
    column: str
    expected: str
    found: str
    path: str  # "protocol" (scalar functions) or "kit" (the key engine)


def read_vectors(path: Path | None = None) -> list[dict[str, str]]:
    with (path or VECTORS_FILE).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def first_difference(path: Path | None = None) -> tuple[int, Difference | None]:
    """(number of vectors, the first difference or None)."""
    rows = read_vectors(path)
    plain = KeyEngine([VECTOR_DATE_FORMAT]).batch(
        [r["nom"] for r in rows], [r["prenom"] for r in rows], [r["date_naissance"] for r in rows]
    )
    keyed = KeyEngine([VECTOR_DATE_FORMAT], TEST_KEY).batch(
        [r["nom"] for r in rows], [r["prenom"] for r in rows], [r["date_naissance"] for r in rows]
    )
    for index, row in enumerate(rows):
        born = date.fromisoformat(row["date_naissance"])
        found = {
            ("protocol", "nom_normalise"): protocol.normalise_name(row["nom"]) or "",
            ("protocol", "prenom_normalise"): protocol.normalise_name(row["prenom"]) or "",
            ("protocol", "cle_primaire"): protocol.primary_key(row["nom"], row["prenom"], born)
            or "",
            ("protocol", "cle_secondaire"): protocol.secondary_key(row["nom"], born) or "",
            ("protocol", "cle_primaire_hmac"): protocol.primary_key(
                row["nom"], row["prenom"], born, key=TEST_KEY
            )
            or "",
            ("protocol", "cle_secondaire_hmac"): protocol.secondary_key(
                row["nom"], born, key=TEST_KEY
            )
            or "",
            ("kit", "cle_primaire"): plain.primary[index],
            ("kit", "cle_secondaire"): plain.secondary[index],
            ("kit", "cle_primaire_hmac"): keyed.primary[index],
            ("kit", "cle_secondaire_hmac"): keyed.secondary[index],
        }
        for (where, column), value in found.items():
            if value != row[column]:
                return len(rows), Difference(index + 2, column, row[column], value, where)
    return len(rows), None
