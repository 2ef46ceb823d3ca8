"""The matching statuses, methods and reasons of the crossing, read from their one list.

The seed ``protocol_data/ref_linkage__methodes.csv`` (a dbt seed shipped with the package) lists
every ``statut_appariement``, ``methode_appariement`` and ``motif_non_appariement`` that
``int_crossing__appariements`` may write, with the ``rpt_linkage__by_source`` column that counts
it (empty when it is counted only in a total), its French label and its meaning. The crossing
model's tests (is_in_code_list), the evaluation and both docs builders read it, so adding a
method is one row there plus the SQL that produces it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipase.paths import PROTOCOL_DATA_DIR

SEED = PROTOCOL_DATA_DIR / "ref_linkage__methodes.csv"
NATURES = ("statut", "methode", "motif")


@dataclass(frozen=True)
class Outcome:
    """One row of the seed."""

    nature: str  # statut, methode or motif
    code: str  # the value int_crossing__appariements writes
    colonne_rapport: str  # rpt_linkage__by_source column counting it, "" when none
    libelle: str  # French label
    signification: str  # French meaning


@cache
def read_outcomes(path: Path = SEED) -> tuple[Outcome, ...]:
    """Every row of the seed, in its order (the order of the reports)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Outcome(**{k: (v or "").strip() for k, v in row.items()})
            for row in csv.DictReader(handle)
        )


def codes(nature: str, path: Path = SEED) -> tuple[str, ...]:
    """The codes of one nature (statut, methode or motif), in the seed's order."""
    return tuple(o.code for o in read_outcomes(path) if o.nature == nature)


def labels(nature: str, path: Path = SEED) -> dict[str, str]:
    """code -> French label, for the codes of one nature."""
    return {o.code: o.libelle for o in read_outcomes(path) if o.nature == nature}


def report_labels(nature: str, path: Path = SEED) -> dict[str, str]:
    """rpt_linkage__by_source column -> French label, for the codes of one nature that have one."""
    return {
        o.colonne_rapport: o.libelle
        for o in read_outcomes(path)
        if o.nature == nature and o.colonne_rapport
    }
