"""`pipase verifier-publication`'s library: the Department re-checks a publication package.

Independent of ACRO and of `pipase publier`'s suppression code: it reads only the package
(publication.json, the CSV tables, the charts' declared values and the HTML report) and checks

* integrity: every file declared with its SHA-256, nothing undeclared outside controle/;
* the threshold: every published count is a whole number of at least the threshold (11 at
  least, whatever the package declares);
* percentages: none whose count or base is suppressed, each equal to count / base;
* margins: a row or column whose cells and total are all published adds up;
* other tables: a count published in two tables is the same; a count suppressed in one
  table is not published in another (tables that count the same population and categories
  share their cells: canonical keys, see pipase.study.model);
* secondary suppression: no row or column (margin relation) of any table holds exactly one
  suppressed cell, and no suppressed cell is determined by any linear combination of all the
  tables' margin relations (rank test: adding the cell's unit vector does not raise the rank
  of the system restricted to suppressed cells, component by component);
* the charts plot only published values of their table, and the report shows only values
  equal to the tables', with no outside request (no script, no outside URL).

Each problem names the file (the table), the CSV line and column, and the rule; never a value
that is suppressed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from pipase.errors import PipaseError
from pipase.i18n import _

MANIFEST = "publication.json"
FORMAT = "pipase-publication/1"
CONTROL = "controle"
TOTAL = "Ensemble"
FLOOR = 11
BOM = b"\xef\xbb\xbf"


class Problem(PipaseError):
    """One reason to refuse the package (collected, not raised, by verify())."""


def _key(unit: str, conditions: dict[str, str]) -> str:
    return json.dumps([unit, sorted([str(k), str(v)] for k, v in conditions.items())])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


class _ReportCells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[dict, str]] = []
        self._open: dict | None = None
        self._text: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        values = dict(attrs)
        if tag == "td" and "data-tableau" in values:
            self._open, self._text = values, []

    def handle_data(self, data):
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self._open is not None:
            self.cells.append((self._open, "".join(self._text).strip()))
            self._open = None


class _Table:
    """One parsed table: cells[(row, col, type)] = text, with where each cell is."""

    def __init__(self, entry: dict) -> None:
        self.entry = entry
        self.id = entry["id"]
        self.file = entry["fichier"]
        self.rows = [*entry["ligne"]["modalites"], TOTAL]
        self.cols = [*entry["colonne"]["modalites"], TOTAL]
        self.cells: dict[tuple[str, str, str], str] = {}
        self.where: dict[tuple[str, str, str], tuple[int, str]] = {}

    def key(self, row: str, col: str) -> str:
        conditions = dict(self.entry["population"]["conditions"])
        if row != TOTAL:
            conditions[self.entry["ligne"]["variable"]] = row
        if col != TOTAL:
            conditions[self.entry["colonne"]["variable"]] = col
        return _key(self.entry["unite"], conditions)

    def count(self, row: str, col: str) -> str:
        return self.cells.get((row, col, "effectif"), "")

    def relations(self) -> list[tuple[tuple[str, str], list[tuple[str, str]]]]:
        inner_rows, inner_cols = self.rows[:-1], self.cols[:-1]
        found = [((r, TOTAL), [(r, c) for c in inner_cols]) for r in self.rows]
        found += [((TOTAL, c), [(r, c) for r in inner_rows]) for c in self.cols]
        return found


def _problem(message: str, rule: str, table: _Table | None = None, cell=None) -> Problem:
    if table is None:
        return Problem(message, rule=rule, file=MANIFEST)
    line, column = (None, None)
    if cell is not None:
        line, column = table.where.get(cell, (None, None))
    # a CSV header holds " : " itself: quoted, so that the message reads clearly
    column = None if column is None else f"« {column} »"
    return Problem(message, rule=rule, file=table.file, line=line, column=column)


def _read_table(folder: Path, entry: dict, problems: list[Problem]) -> _Table | None:
    table = _Table(entry)
    path = folder / entry["fichier"]
    if not path.is_file():
        problems.append(_problem(_("table file missing"), "missing_file", table))
        return None
    raw = path.read_bytes()
    if not raw.startswith(BOM):
        problems.append(_problem(_("not UTF-8 with BOM"), "csv_format", table))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(_problem(_("not UTF-8 with BOM"), "csv_format", table))
        return None
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    columns = entry["colonnes_csv"]
    if not lines or lines[0] != [c["entete"] for c in columns]:
        problems.append(
            _problem(_("the header differs from publication.json"), "csv_format", table)
        )
        return None
    body = lines[1:]
    if [line[0] if line else "" for line in body] != table.rows:
        problems.append(
            _problem(
                _("the rows differ from publication.json (categories, then {total})").format(
                    total=TOTAL
                ),
                "csv_format",
                table,
            )
        )
        return None
    declared = {(c["type"], c.get("colonne")) for c in columns[1:]}
    needed = {("effectif", c) for c in table.cols} | {("part", c) for c in table.cols[:-1]}
    if not declared <= needed or not {("effectif", c) for c in table.cols} <= declared:
        problems.append(
            _problem(_("the columns do not match the table's categories"), "csv_format", table)
        )
        return None
    for number, (label, line) in enumerate(zip(table.rows, body, strict=True), start=2):
        if len(line) != len(columns):
            problems.append(
                Problem(_("wrong number of cells"), rule="csv_format", file=table.file, line=number)
            )
            return None
        for column, text in zip(columns[1:], line[1:], strict=True):
            cell = (label, column["colonne"], column["type"])
            table.cells[cell] = text.strip()
            table.where[cell] = (number, column["entete"])
    return table


def _check_cells(table: _Table, threshold: int, problems: list[Problem]) -> None:
    for (row, col, kind), text in table.cells.items():
        cell = (row, col, kind)
        where = _("row « {row} »").format(row=row)
        if kind == "effectif":
            if text == "":
                continue
            if not text.isdigit():
                problems.append(
                    _problem(
                        _("{where}: not a whole number").format(where=where),
                        "not_a_count",
                        table,
                        cell,
                    )
                )
            elif int(text) < threshold:
                problems.append(
                    _problem(
                        _("{where}: published count below the threshold {threshold}").format(
                            where=where, threshold=threshold
                        ),
                        "small_count",
                        table,
                        cell,
                    )
                )
            continue
        if text == "":
            continue
        value = _number(text)
        numerator, base = table.count(row, col), table.count(row, TOTAL)
        if base == "":
            problems.append(
                _problem(
                    _("{where}: percentage computed on a suppressed base").format(where=where),
                    "percentage_on_suppressed_base",
                    table,
                    cell,
                )
            )
        elif numerator == "":
            problems.append(
                _problem(
                    _("{where}: percentage of a suppressed count").format(where=where),
                    "percentage_of_suppressed_count",
                    table,
                    cell,
                )
            )
        elif value is None or not (
            base.isdigit()
            and numerator.isdigit()
            and int(base) > 0
            and abs(value - 100 * int(numerator) / int(base)) <= 0.05 + 1e-9
        ):
            problems.append(
                _problem(
                    _("{where}: the percentage is not count / base").format(where=where),
                    "wrong_percentage",
                    table,
                    cell,
                )
            )


def _check_margins(table: _Table, problems: list[Problem]) -> None:
    for total, parts in table.relations():
        texts = [table.count(*total)] + [table.count(*p) for p in parts]
        if all(t.isdigit() for t in texts) and int(texts[0]) != sum(int(t) for t in texts[1:]):
            problems.append(
                _problem(
                    _(
                        "row « {row} », column « {col} »: the total is not the sum of its cells"
                    ).format(row=total[0], col=total[1]),
                    "inconsistent_margin",
                    table,
                    (*total, "effectif"),
                )
            )


def _rank(matrix: np.ndarray) -> int:
    return int(np.linalg.matrix_rank(matrix)) if matrix.size else 0


def _check_recoverable(tables: list[_Table], problems: list[Problem]) -> None:
    # every canonical cell: where it appears, what is published
    places: dict[str, list[tuple[_Table, tuple[str, str]]]] = defaultdict(list)
    for table in tables:
        for row in table.rows:
            for col in table.cols:
                places[table.key(row, col)].append((table, (row, col)))
    hidden: set[str] = set()
    for key, where in places.items():
        published = {t.count(*cell) for t, cell in where if t.count(*cell) != ""}
        suppressed = [(t, cell) for t, cell in where if t.count(*cell) == ""]
        if len(published) > 1:
            table, cell = where[0]
            problems.append(
                _problem(
                    _(
                        "row « {row} », column « {col} »: the same count differs in another table"
                    ).format(row=cell[0], col=cell[1]),
                    "inconsistent_between_tables",
                    table,
                    (*cell, "effectif"),
                )
            )
        if published and suppressed:
            table, cell = suppressed[0]
            other = next(t for t, c in where if t.count(*c) != "")
            problems.append(
                _problem(
                    _(
                        "row « {row} », column « {col} »: suppressed here, published in table "
                        "{other}"
                    ).format(row=cell[0], col=cell[1], other=other.id),
                    "suppressed_cell_published_elsewhere",
                    table,
                    (*cell, "effectif"),
                )
            )
        if not published:
            hidden.add(key)

    relations = []  # (table, total cell, [keys])
    for table in tables:
        for total, parts in table.relations():
            relations.append((table, [total, *parts], [table.key(*c) for c in [total, *parts]]))
    reported: set[str] = set()
    for table, cells, keys in relations:
        inside = [(cell, key) for cell, key in zip(cells, keys, strict=True) if key in hidden]
        if len(inside) == 1 and inside[0][1] not in reported:
            cell, key = inside[0]
            reported.add(key)
            problems.append(
                _problem(
                    _(
                        "row « {row} », column « {col} »: the only suppressed cell of its row "
                        "or column, recoverable from the published margin"
                    ).format(row=cell[0], col=cell[1]),
                    "recoverable_from_margins",
                    table,
                    (*cell, "effectif"),
                )
            )

    # the exact test, per connected component of suppressed cells
    parent = {key: key for key in hidden}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    equations = []
    for _table, _cells, keys in relations:
        inside = [k for k in keys if k in hidden]
        if not inside:
            continue
        for other in inside[1:]:
            parent[find(other)] = find(inside[0])
        equations.append({k: (1.0 if i == 0 else -1.0) for i, k in enumerate(keys) if k in hidden})
    components: dict[str, list[str]] = defaultdict(list)
    for key in sorted(hidden):
        components[find(key)].append(key)
    for members in components.values():
        index = {key: i for i, key in enumerate(members)}
        rows = []
        for equation in equations:
            if next(iter(equation)) in index:
                row = np.zeros(len(members))
                for key, coefficient in equation.items():
                    row[index[key]] += coefficient
                rows.append(row)
        matrix = np.array(rows) if rows else np.zeros((0, len(members)))
        rank = _rank(matrix)
        for key in members:
            if key in reported or rank == 0:
                continue
            unit = np.zeros((1, len(members)))
            unit[0, index[key]] = 1.0
            if _rank(np.vstack([matrix, unit])) == rank:
                table, cell = places[key][0]
                reported.add(key)
                problems.append(
                    _problem(
                        _(
                            "row « {row} », column « {col} »: suppressed but recoverable by "
                            "combining published margins"
                        ).format(row=cell[0], col=cell[1]),
                        "recoverable_by_combination",
                        table,
                        (*cell, "effectif"),
                    )
                )


def _check_files(folder: Path, manifest: dict, problems: list[Problem]) -> None:
    declared = manifest.get("fichiers") or {}
    for name, digest in declared.items():
        path = folder / name
        if not path.is_file():
            problems.append(Problem(_("declared file missing"), rule="missing_file", file=name))
        elif _sha256(path) != digest:
            problems.append(
                Problem(
                    _("its SHA-256 differs from publication.json (altered after the check)"),
                    rule="checksum_mismatch",
                    file=name,
                )
            )
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if not path.is_file() or name == MANIFEST or name.startswith(CONTROL + "/"):
            continue
        if name not in declared:
            problems.append(
                Problem(
                    _("file not declared in publication.json (it was not checked)"),
                    rule="undeclared_file",
                    file=name,
                )
            )
    needed = [t["fichier"] for t in manifest.get("tableaux", [])]
    needed += [f for c in manifest.get("graphiques", []) for f in c.get("fichiers", [])]
    needed.append(manifest.get("rapport") or "rapport.html")
    for name in needed:
        if name not in declared:
            problems.append(
                Problem(
                    _("not listed in the files of publication.json"),
                    rule="undeclared_file",
                    file=name,
                )
            )


SVG_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.S)
SVG_SHARE = re.compile(r"(\d+(?:,\d+)?)\s*%")


def _check_charts(
    folder: Path, manifest: dict, tables: dict[str, _Table], problems: list[Problem]
) -> None:
    for chart in manifest.get("graphiques", []):
        declared = {v["valeur"] for v in chart.get("valeurs", [])}
        for name in chart.get("fichiers", []):
            path = folder / name
            if path.suffix.lower() != ".svg" or not path.is_file():
                continue
            # the SVG keeps its text as text: every percentage it writes is a declared value
            for text in SVG_TEXT.findall(path.read_text(encoding="utf-8")):
                for share in SVG_SHARE.findall(text):
                    if share not in declared:
                        problems.append(
                            Problem(
                                _("the chart writes a percentage that is not declared"),
                                rule="chart_shows_unpublished_value",
                                file=name,
                            )
                        )
        table = tables.get(chart.get("tableau"))
        name = (chart.get("fichiers") or ["?"])[0]
        if table is None:
            problems.append(
                Problem(_("chart of an unknown table"), rule="chart_unknown_table", file=name)
            )
            continue
        for value in chart.get("valeurs", []):
            cell = (value["ligne"], value["colonne"], value.get("type", "part"))
            if table.cells.get(cell, "") == "" or table.cells[cell] != value["valeur"]:
                problems.append(
                    Problem(
                        _(
                            "row « {row} »: the chart shows a value the table does not publish"
                        ).format(row=value["ligne"]),
                        rule="chart_shows_unpublished_value",
                        file=name,
                    )
                )


OUTSIDE = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?!#|data:)[^"'\s>]+)"""
    r"""|url\(\s*["']?\s*(?!#|data:)|@import""",
    re.I,
)


def _check_report(folder: Path, manifest: dict, tables: dict[str, _Table], problems) -> None:
    name = manifest.get("rapport") or "rapport.html"
    path = folder / name
    if not path.is_file():
        problems.append(Problem(_("report missing"), rule="missing_file", file=name))
        return
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if OUTSIDE.search(line):
            problems.append(
                Problem(
                    _("the report loads something from outside (URL, import)"),
                    rule="report_outside_request",
                    file=name,
                    line=number,
                )
            )
    parser = _ReportCells()
    parser.feed(text)
    if parser.scripts:
        problems.append(Problem(_("the report holds a script"), rule="report_script", file=name))
    for attributes, shown in parser.cells:
        table = tables.get(attributes.get("data-tableau"))
        cell = (
            attributes.get("data-ligne"),
            attributes.get("data-colonne"),
            attributes.get("data-type"),
        )
        if table is None or cell not in table.cells or table.cells[cell] != shown:
            problems.append(
                Problem(
                    _(
                        "table {table}, row « {row} »: the report shows a value the table does not"
                    ).format(table=attributes.get("data-tableau"), row=cell[0]),
                    rule="report_differs_from_table",
                    file=name,
                )
            )


def verify(folder: Path, threshold: int = FLOOR) -> list[Problem]:
    """Every reason to refuse the package in `folder` (an empty list: accepted)."""
    threshold = max(threshold, FLOOR)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        return [
            Problem(
                _("no publication.json: not a publication package"),
                rule="not_a_package",
                file=str(folder),
            )
        ]
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return [
            Problem(_("publication.json is not valid JSON"), rule="not_a_package", file=MANIFEST)
        ]
    problems: list[Problem] = []
    if manifest.get("format") != FORMAT:
        problems.append(_problem(_("unknown package format"), "not_a_package"))
    declared = manifest.get("seuil")
    if not isinstance(declared, int) or declared < threshold:
        problems.append(
            _problem(
                _("the package declares a threshold below {threshold}").format(threshold=threshold),
                "threshold_too_low",
            )
        )
    _check_files(folder, manifest, problems)
    tables: dict[str, _Table] = {}
    for entry in manifest.get("tableaux", []):
        table = _read_table(folder, entry, problems)
        if table is not None:
            tables[table.id] = table
            _check_cells(table, threshold, problems)
            _check_margins(table, problems)
    _check_recoverable(list(tables.values()), problems)
    _check_charts(folder, manifest, tables, problems)
    _check_report(folder, manifest, tables, problems)
    return problems
