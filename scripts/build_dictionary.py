"""Write the printable data dictionary of what leaves the Department (annex 2), in French.

What: from dbt's manifest (the marts' YAML as dbt read it: the same text as the docs site) and
  docs/annex2.yml, writes into the site folder
    dictionnaire_annexe2.csv   one row per column of a leaving model: table, colonne,
                               champ annexe 2, minimisation, type, valeurs autorisées, tests,
                               then base, groupe, obligatoire, tests de la table, description.
                               Separator ';', UTF-8 with BOM (opens as is in a French Excel).
    dictionnaire_annexe2.html  the same, one section per table in the annex's order, with the
                               annex 2 field -> column map; one page, no outside CSS or script,
                               laid out for printing.
Why: the register of processing activities (GDPR article 30) and the DPO need a list of the
  transmitted fields that cannot drift from what the pipeline really sends.
When: by scripts/build_docs.py (make docs), or alone after any dbt command that writes a manifest.

Reads no data: only the manifest and the annex. Prints the paths written.
"""

from __future__ import annotations

import argparse
import csv
import html
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CSV_NAME = "dictionnaire_annexe2.csv"
HTML_NAME = "dictionnaire_annexe2.html"
CSV_HEADER = [
    "table",
    "colonne",
    "champ annexe 2",
    "minimisation",
    "type",
    "valeurs autorisées",
    "tests",
    "base",
    "groupe",
    "obligatoire",
    "tests de la table",
    "description",
]


def _sibling(name: str):
    """Import a script of this folder as a module (scripts/ is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parent / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


completeness = _sibling("check_docs_completeness")


@dataclass
class Column:
    table: str
    name: str
    champ: str
    minimisation: str
    data_type: str
    allowed: list[str]
    tests: list[str]
    required: bool
    description: str
    precision: str = ""


@dataclass
class Table:
    name: str
    base: str
    groupe: str
    description: str
    tests: list[str]
    columns: list[Column] = field(default_factory=list)


def _ref_name(text: str) -> str:
    """ref('ref_communes') -> ref_communes."""
    match = re.search(r"ref\(\s*['\"]([^'\"]+)['\"]", text or "")
    return match.group(1) if match else str(text)


# the model-level test of several columns' NOT NULL (tests/generic/test_has_required_values.sql)
REQUIRED_VALUES_TEST = "has_required_values"


def _arguments(test: dict) -> dict:
    return (test.get("test_metadata") or {}).get("kwargs") or {}


def _test_label(test: dict) -> str:
    """A short French-readable label of a generic or singular test."""
    metadata = test.get("test_metadata") or {}
    name = metadata.get("name") or test["name"]
    kwargs = _arguments(test)
    label = name
    if name == "accepted_values":
        label = "accepted_values (" + ", ".join(str(v) for v in kwargs.get("values", [])) + ")"
    elif name == "relationships":
        label = f"relationships → {_ref_name(kwargs.get('to', ''))}.{kwargs.get('field', '')}"
    elif name == "unique" and kwargs.get("column_name") and " " in str(kwargs["column_name"]):
        label = "unique (combinaison de colonnes)"
    elif name == REQUIRED_VALUES_TEST:
        label = f"{name} (" + ", ".join(kwargs.get("columns") or []) + ")"
    severity = ((test.get("config") or {}).get("severity") or "error").lower()
    return f"{label} [avertissement]" if severity == "warn" else label


def _allowed_values(tests: list[dict], column: dict) -> list[str]:
    """What the tests say a value may be."""
    allowed = []
    for test in tests:
        name = (test.get("test_metadata") or {}).get("name")
        kwargs = _arguments(test)
        if name == "accepted_values":
            allowed.append(" ; ".join(str(v) for v in kwargs.get("values", [])))
        elif name == "relationships":
            allowed.append(
                f"un code de {_ref_name(kwargs.get('to', ''))}.{kwargs.get('field', '')}"
            )
        elif name == "is_month_precision":
            allowed.append("mois AAAA-MM")
        elif name == "is_sha256_hex":
            allowed.append("64 caractères hexadécimaux minuscules")
    return allowed


def _required(tests: list[dict], column: dict) -> bool:
    """not_null on the column, a not_null constraint, or the column in a model-level
    has_required_values test (one test for several columns, registered on each of them)."""
    names = {(t.get("test_metadata") or {}).get("name") for t in tests}
    constraints = {c.get("type") for c in column.get("constraints") or []}
    return bool(names & {"not_null", REQUIRED_VALUES_TEST}) or "not_null" in constraints


def _tests_by_target(manifest: dict) -> tuple[dict, dict]:
    """Data tests by (model id, column) and by model id; unit tests by model id."""
    column_tests: dict[tuple[str, str], list[dict]] = {}
    model_tests: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "test":
            continue
        attached = node.get("attached_node")
        if not attached:
            continue
        column = node.get("column_name")
        if column:
            column_tests.setdefault((attached, column), []).append(node)
        else:
            model_tests.setdefault(attached, []).append(_test_label(node))
            if (node.get("test_metadata") or {}).get("name") == REQUIRED_VALUES_TEST:
                for required in _arguments(node).get("columns") or []:
                    column_tests.setdefault((attached, required), []).append(node)
    for unit_test in manifest.get("unit_tests", {}).values():
        model_id = next(iter(unit_test.get("depends_on", {}).get("nodes", [])), None)
        if model_id:
            model_tests.setdefault(model_id, []).append(f"test unitaire {unit_test['name']}")
    return column_tests, model_tests


def _annex_order(annex: list) -> dict[tuple[str, str], int]:
    order: dict[tuple[str, str], int] = {}
    for index, annex_field in enumerate(annex):
        order.setdefault((annex_field.base, annex_field.group), index)
    return order


def dictionary(manifest: dict, annex: list) -> list[Table]:
    """The leaving tables with their columns, in the annex's order."""
    details = {(f.base, f.champ): f.detail or "" for f in annex}
    order = _annex_order(annex)
    column_tests, model_tests = _tests_by_target(manifest)
    tables = []
    for node in completeness.leaving_models(manifest):
        meta = completeness.annexe2_meta(node)
        base, groupe = meta.get("base") or "", meta.get("groupe") or ""
        table = Table(
            name=node["name"],
            base=base,
            groupe=groupe,
            description=node.get("description") or "",
            tests=sorted(set(model_tests.get(node["unique_id"], []))),
        )
        for name, column in node.get("columns", {}).items():
            column_meta = completeness.annexe2_meta(column)
            champ = column_meta.get("champ") or ""
            tests = sorted(
                column_tests.get((node["unique_id"], name), []), key=lambda t: _test_label(t)
            )
            annex_detail = details.get((base, champ), "")
            project_detail = column_meta.get("detail") or ""
            table.columns.append(
                Column(
                    table=node["name"],
                    name=name,
                    champ=champ,
                    minimisation=annex_detail,
                    precision=project_detail if project_detail != annex_detail else "",
                    data_type=column.get("data_type") or "",
                    allowed=_allowed_values(tests, column),
                    tests=[_test_label(t) for t in tests]
                    + [f"contrainte {c.get('type')}" for c in column.get("constraints") or []],
                    required=_required(tests, column),
                    description=column.get("description") or "",
                )
            )
        tables.append(table)
    return sorted(tables, key=lambda t: (order.get((t.base, t.groupe), len(order)), t.name))


def _plain(markdown: str) -> str:
    """Markdown of a description as one line of plain text (for the CSV)."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", markdown or "", flags=re.S)
    text = text.replace("`", "")
    return " ".join(text.split())


def write_csv(tables: list[Table], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(CSV_HEADER)
        for table in tables:
            for column in table.columns:
                minimisation = column.minimisation
                if column.precision:
                    minimisation = "; ".join(filter(None, [minimisation, column.precision]))
                writer.writerow(
                    [
                        table.name,
                        column.name,
                        column.champ,
                        minimisation,
                        column.data_type,
                        " | ".join(column.allowed),
                        " | ".join(column.tests),
                        table.base,
                        table.groupe,
                        "oui" if column.required else "non",
                        " | ".join(table.tests),
                        _plain(column.description),
                    ]
                )


def _html_text(markdown: str) -> str:
    """The little markdown the descriptions use (**bold**, `code`, paragraphs), escaped."""
    escaped = html.escape(markdown or "")
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped, flags=re.S)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", escaped) if p.strip()]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #111;
       margin: 2em auto; max-width: 1200px; line-height: 1.35; }
h1 { font-size: 18pt; margin-bottom: 0.2em; }
h2 { font-size: 13pt; margin-top: 1.6em; border-bottom: 2px solid #333; padding-bottom: 2px; }
h2 small { font-weight: normal; color: #444; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0 1em; table-layout: fixed; }
th, td { border: 1px solid #999; padding: 3px 5px; vertical-align: top; text-align: left;
         overflow-wrap: anywhere; }
th { background: #e8e8e8; }
td p { margin: 0 0 0.3em; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 9.5pt; }
.meta { color: #444; }
.missing { color: #a00; font-weight: bold; }
ul.tests { margin: 0.2em 0 0.6em 1.2em; padding: 0; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9pt; }
  section.table { page-break-before: always; }
  section.table:first-of-type { page-break-before: auto; }
  tr { page-break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def _colgroup(percents: list[int]) -> str:
    return "<colgroup>" + "".join(f'<col style="width:{p}%">' for p in percents) + "</colgroup>"


def _cell(items: list[str]) -> str:
    return "<br>".join(html.escape(i) for i in items) if items else "—"


def render_html(tables: list[Table], annex: list, facts: dict[str, str]) -> str:
    columns_by_field: dict[tuple[str, str], list[str]] = {}
    for table in tables:
        for column in table.columns:
            key = (table.base, column.champ)
            columns_by_field.setdefault(key, []).append(f"{table.name}.{column.name}")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        "<title>PIPASE : dictionnaire des données transmises (annexe 2)</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>PIPASE : dictionnaire des données transmises</h1>",
        "<p>Champs de l'annexe 2 de la convention entre le Département de la Seine-Saint-Denis et "
        "l'Association, tels que le traitement les transmet : une section par table, une ligne "
        "par colonne, avec le libellé du champ de l'annexe, sa minimisation, son type, ses "
        "valeurs autorisées et les tests qui la vérifient. Document pour le registre des "
        "activités de traitement (RGPD, article 30). Aucune autre colonne ne sort du "
        "Département : les tables sont des contrats dbt appliqués.</p>",
        '<p class="meta">'
        + " · ".join(f"{html.escape(k)} : {html.escape(v)}" for k, v in facts.items())
        + "</p>",
        "<h2>Champs de l'annexe 2 et colonnes transmises</h2>",
        "<table>" + _colgroup([10, 16, 22, 17, 35]) + "<thead><tr><th>base</th><th>groupe</th>"
        "<th>champ</th><th>détail de l'annexe</th><th>table.colonne</th></tr></thead><tbody>",
    ]
    for annex_field in annex:
        mapped = columns_by_field.get((annex_field.base, annex_field.champ))
        target = _cell(mapped) if mapped else '<span class="missing">aucune colonne</span>'
        parts.append(
            f"<tr><td>{html.escape(annex_field.base)}</td><td>{html.escape(annex_field.group)}</td>"
            f"<td>{html.escape(annex_field.champ)}</td>"
            f"<td>{html.escape(annex_field.detail or '')}</td><td>{target}</td></tr>"
        )
    parts.append("</tbody></table>")
    for table in tables:
        parts.append(f'<section class="table" id="{html.escape(table.name)}">')
        parts.append(
            f"<h2>{html.escape(table.base)} — {html.escape(table.groupe)} "
            f"<small><code>{html.escape(table.name)}</code></small></h2>"
        )
        parts.append(_html_text(table.description))
        if table.tests:
            parts.append("<p><strong>Tests de la table :</strong></p><ul class='tests'>")
            parts.extend(f"<li>{html.escape(t)}</li>" for t in table.tests)
            parts.append("</ul>")
        parts.append(
            "<table>"
            + _colgroup([12, 11, 10, 7, 12, 7, 14, 27])
            + "<thead><tr><th>colonne</th><th>champ annexe 2</th><th>minimisation</th>"
            "<th>type</th><th>valeurs autorisées</th><th>obligatoire</th><th>tests</th>"
            "<th>description</th></tr></thead><tbody>"
        )
        for column in table.columns:
            minimisation = html.escape(column.minimisation or "—")
            if column.precision:
                minimisation += f"<br><em>{html.escape(column.precision)}</em>"
            parts.append(
                f"<tr><td><code>{html.escape(column.name)}</code></td>"
                f"<td>{html.escape(column.champ) or '<span class=missing>aucun</span>'}</td>"
                f"<td>{minimisation}</td><td><code>{html.escape(column.data_type)}</code></td>"
                f"<td>{_cell(column.allowed)}</td><td>{'oui' if column.required else 'non'}</td>"
                f"<td>{_cell(column.tests)}</td><td>{_html_text(column.description)}</td></tr>"
            )
        parts.append("</tbody></table></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def build(manifest_path: Path, annex_path: Path, out_dir: Path) -> tuple[Path, Path]:
    manifest = completeness.load_manifest(manifest_path)
    annex = completeness.load_annex(annex_path)
    tables = dictionary(manifest, annex)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / CSV_NAME, out_dir / HTML_NAME
    write_csv(tables, csv_path)
    import pipase

    facts = {
        "généré le": datetime.now().astimezone().strftime("%d/%m/%Y %H:%M"),
        "pipase": pipase.__version__,
        "version du protocole de hachage": pipase.PROTOCOL_VERSION,
        "manifeste dbt du": str(manifest["metadata"].get("generated_at", ""))[:19],
        "tables": str(len(tables)),
        "colonnes": str(sum(len(t.columns) for t in tables)),
    }
    html_path.write_text(render_html(tables, annex, facts), encoding="utf-8")
    return csv_path, html_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    default_target = Path(os.environ.get("DBT_TARGET_PATH", REPO / "target"))
    parser.add_argument("--manifest", type=Path, default=default_target / "manifest.json")
    parser.add_argument("--annex", type=Path, default=completeness.DEFAULT_ANNEX)
    parser.add_argument("--out-dir", type=Path, default=REPO / "site")
    args = parser.parse_args(argv)
    try:
        paths = build(args.manifest, args.annex, args.out_dir)
    except (OSError, ValueError, KeyError) as error:
        sys.stderr.write(f"build_dictionary: {error}\n")
        return 2
    for path in paths:
        sys.stdout.write(f"build_dictionary: wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
