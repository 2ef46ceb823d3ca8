"""Generate src/pipase/protocol_data/prenoms_frequents.txt, the kit's reference list of first names.

What: the first names given most often in France, normalised by the hashing protocol (A-Z only),
one per line, that `pipase.identifiers` uses to recognise a column of first names in a partner's
file. Source: the `prenoms` package (0.5.1, MIT), which ships INSEE's public "Fichier des
prénoms" ranked by frequency with four classes (common, uncommon, rare, very rare) per sex, for
all years and per decade. Kept: the common and uncommon classes of all years and of the decades
1981-2011 (the youths of the study and their parents), three letters or more. Removed: the words
listed in COMMON_WORDS, first names that are also everyday words, months or places (FRANCE,
PARIS, AVRIL, LILAS...): a column of countries or communes must not read as first names.

Why a generated file: the kit must run with the standard library only, and a reviewer sees the
list in a diff. Run it again when the source or the thresholds change; --check (in the tests)
fails when the committed file is not what this script writes.

Usage: python scripts/generate_first_names.py [--check]
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import generated_file  # noqa: E402

from pipase.protocol import normalise_name  # noqa: E402


def _word_set(text: str) -> frozenset[str]:
    """A set of words written as one text, separated by spaces."""
    return frozenset(text.split())


OUTPUT = ROOT / "src" / "pipase" / "protocol_data" / "prenoms_frequents.txt"
SOURCE_PACKAGE = "prenoms"
SOURCE_VERSION = "0.5.1"
PERIODS = ("all", "1981", "1991", "2001", "2011")
KEPT_CLASSES = "« courants » et « peu courants »"  # rank below the package's uncommon boundary
MIN_LETTERS = 3
COMMON_WORDS = _word_set(
    """AMOUR AVRIL MAI JANVIER JUIN JUILLET FRANCE PARIS LIBERTE LUNE FLEUR PRINCE PRINCESSE
    REINE VICTOIRE SAINT SAINTE LILAS CRISTAL PERLE"""
)


def _data_dir() -> Path:
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or spec.origin is None:
        raise SystemExit(f"the '{SOURCE_PACKAGE}' package is needed (pip install -e '.[synth]')")
    return Path(spec.origin).parent / "data"


def first_names() -> list[str]:
    data = _data_dir()
    names: set[str] = set()
    for sex in ("f", "m"):
        for period in PERIODS:
            lines = (data / f"dist.prenoms.{sex}.{period}.txt").read_text("utf-8").splitlines()
            boundaries = [int(i) for i in lines[0].split()]  # common, uncommon, rare, total
            ranked = [n for n in lines[1].strip().split(",") if n]
            for name in ranked[: boundaries[1]]:
                normalised = normalise_name(name)
                if normalised and len(normalised) >= MIN_LETTERS:
                    names.add(normalised)
    return sorted(names - COMMON_WORDS)


def render() -> str:
    names = first_names()
    header = [
        "# Prénoms fréquents en France, normalisés par le protocole de hachage (A-Z).",
        f"# Source : paquet Python {SOURCE_PACKAGE} {SOURCE_VERSION} (licence MIT), données",
        "# publiques de l'INSEE (Fichier des prénoms), classées par fréquence.",
        f"# Gardés : classes {KEPT_CLASSES} du paquet, toutes années et décennies",
        f"# {', '.join(PERIODS[1:])}, {MIN_LETTERS} lettres ou plus ; retirés : mots courants,",
        "# mois et lieux (voir COMMON_WORDS). Généré par scripts/generate_first_names.py.",
        f"# {len(names)} prénoms.",
    ]
    return "\n".join(header + names) + "\n"


def main() -> int:
    return generated_file.main(__doc__, OUTPUT, render)


if __name__ == "__main__":
    raise SystemExit(main())
