"""The publication package's format, shared by `pipase publier` (writes) and the documentation.

A package is a folder:

    publication.json          what the package holds: tables (population, variables, CSV
                              columns), charts and the values they plot, SHA-256 of every file
    tableaux/<id>.csv         one checked table each: French headers, `;`, UTF-8 with BOM,
                              suppressed cells empty, totals labelled "Ensemble"
    graphiques/<id>.png|.svg  the charts (matplotlib), drawn from published cells only
    rapport.html              the French report, self-contained (no outside request)
    controle/                 the output-check record, for the Department only (ACRO's record
                              and the list of suppressed cells with their reason): not for
                              publication

A table's *canonical cells*: each count is identified by its unit and the set of conditions
that define it (the population's conditions plus the row's and the column's category, a total
dropping its own variable). Two tables counting the same thing share the cell. The verifier
(`pipase verifier-publication`) recomputes these keys from publication.json on its own.
"""

from __future__ import annotations

import json

FORMAT = "pipase-publication/1"
MANIFEST = "publication.json"
TABLES_DIR = "tableaux"
CHARTS_DIR = "graphiques"
REPORT = "rapport.html"
CONTROL_DIR = "controle"
TOTAL = "Ensemble"
MINIMUM_THRESHOLD = 11  # the small-cell rule of the French health-data platforms
CSV_SEPARATOR = ";"
CSV_ENCODING = "utf-8-sig"  # UTF-8 with BOM, as Excel expects

KEY_DEFINITION = (
    "clé canonique d'une case : JSON [unité, [[variable, modalité], ...]] des conditions de la "
    "population, de la modalité de ligne et de la modalité de colonne (une marge « Ensemble » "
    "ne pose pas de condition sur sa variable), triées par variable"
)


def canonical_key(unit: str, conditions: dict[str, str]) -> str:
    """The canonical identity of a count: its unit and its sorted conditions."""
    return json.dumps([unit, sorted([str(k), str(v)] for k, v in conditions.items())])


def cell_conditions(
    population: dict[str, str], row_variable: str, row: str, col_variable: str, col: str
) -> dict[str, str]:
    conditions = dict(population)
    if row != TOTAL:
        conditions[row_variable] = row
    if col != TOTAL:
        conditions[col_variable] = col
    return conditions


def format_percentage(value: float) -> str:
    """French decimal comma, one decimal: 45,3."""
    return f"{value:.1f}".replace(".", ",")
