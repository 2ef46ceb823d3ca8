"""The naive baseline: what a newcomer writes first to hash a partner's file.

pandas reads the CSV, `apply` builds both keys row by row (`unicodedata` NFKD, the protocol's
fold by hand, `hashlib`), the identity columns are dropped and pandas writes the CSV. `pipase
bench` times it as a whole process beside `pipase hash` on the same file (the kit's target: at
least 25x faster); `naive_keys` is the in-process variant of the keys comparison.

Usage: python -m pipase.bench.naive INPUT.csv OUTPUT.csv
(columns nom, nom_naissance, prenom, date_naissance; dates dd/mm/YYYY; separator ;)
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from datetime import datetime

import pandas as pd

DATE_FORMAT = "%d/%m/%Y"
IDENTITY_COLUMNS = ["nom", "nom_naissance", "prenom", "date_naissance"]
KEY_COLUMNS = ("cle_hachage", "cle_hachage_secondaire")
# What a newcomer copies from section 1, step 3 of the protocol.
NAIVE_FOLDS = {
    "Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS", "ẞ": "SS", "Ø": "O", "ø": "O",
    "Ł": "L", "ł": "L", "Đ": "D", "đ": "D", "Ð": "D", "ð": "D", "Þ": "TH", "þ": "TH",
    "ı": "I", "Ħ": "H", "ħ": "H",
}  # fmt: skip


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def naive_normalise(text):
    """Section 1 as a newcomer writes it, character by character with unicodedata."""
    if _missing(text):
        return None
    text = unicodedata.normalize("NFKD", text)
    text = "".join(NAIVE_FOLDS.get(ch, ch) for ch in text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = re.sub("[^A-Z]", "", text.upper())
    return text or None


def naive_row(row):
    nom = naive_normalise(row["nom_naissance"]) or naive_normalise(row["nom"])
    prenom = naive_normalise(row["prenom"])
    if _missing(row["date_naissance"]) or nom is None:
        return (None, None)
    born = datetime.strptime(row["date_naissance"], DATE_FORMAT)
    secondary = hashlib.sha256((nom + born.strftime("%m%Y")).encode("ascii")).hexdigest()
    if prenom is None:
        return (None, secondary)
    primary = hashlib.sha256((nom + prenom + born.strftime("%d%m%Y")).encode("ascii")).hexdigest()
    return (primary, secondary)


def naive_keys(frame: pd.DataFrame) -> pd.DataFrame:
    pairs = frame.apply(naive_row, axis=1)
    return pd.DataFrame(pairs.tolist(), columns=list(KEY_COLUMNS), index=frame.index)


def main(argv: list[str]) -> int:
    source, target = argv
    frame = pd.read_csv(source, sep=";", dtype=str)
    keys = naive_keys(frame)
    output = frame.drop(columns=IDENTITY_COLUMNS)
    output.insert(0, KEY_COLUMNS[0], keys[KEY_COLUMNS[0]])
    output.insert(1, KEY_COLUMNS[1], keys[KEY_COLUMNS[1]])
    output.to_csv(target, sep=";", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
