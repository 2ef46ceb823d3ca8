"""`pipase publier`'s library: the study's tables, checked, as a package for the Department.

Convention article 5.3: the Association publishes anonymous statistics only, after the
Department has checked them. The steps:

1. The table specifications are the `meta.publication` of the Association's indicator models
   (association/models/indicateurs/, read from its dbt manifest), with their French
   descriptions. The dbt build must have passed (run_results.json).
2. For each table, the micro-data (one row per youth, never leaving the Association) go through
   ACRO (`acro.crosstab(..., margins=True)` with suppression on and its threshold set to the
   study's): ACRO flags the cells under the threshold (and zeros) and keeps its checking record.
   The exact counts ACRO saw must equal the indicator model's counts (two computations, one SQL,
   one pandas).
3. ACRO does no secondary suppression (see pipase.study.suppression): the package is built with
   the true margins and, over all tables at once, every cell that subtraction or any linear
   combination of published figures would recover is hidden too.
4. Percentages are computed only where their numerator and base are published.
5. The package (pipase.study.model) is written, then checked by pipase.study.verify, which does
   not use ACRO nor this module: a package that fails is removed and the command refuses.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import shutil
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

import pipase
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.study import charts, report, suppression
from pipase.study.model import (
    CHARTS_DIR,
    CONTROL_DIR,
    CSV_ENCODING,
    CSV_SEPARATOR,
    FORMAT,
    KEY_DEFINITION,
    MANIFEST,
    MINIMUM_THRESHOLD,
    REPORT,
    TABLES_DIR,
    TOTAL,
    canonical_key,
    cell_conditions,
    format_percentage,
)

PACKAGE = "pipase_association"
UNITS = {"jeunes": "Nombre de jeunes", "lignes": "Nombre de lignes"}


class PublicationError(PipaseError):
    """The package cannot be built (missing build, inconsistent counts, refused check)."""


@dataclass
class Variable:
    variable: str
    libelle: str


@dataclass
class Spec:
    """One table to publish (an indicator model, or one of its per-partner copies)."""

    id: str
    modele: str
    titre: str
    description: str
    unite: str
    population_libelle: str
    conditions: dict[str, str]
    ligne: Variable
    colonne: Variable
    source: str  # the micro-data model
    graphique: str | None = None  # the column category whose row share is charted
    filtre: dict[str, str] = field(default_factory=dict)  # extra micro-data filter (partner)
    pour_chaque: str | None = None


@dataclass
class Table:
    spec: Spec
    rows: list[str]  # categories, then TOTAL
    cols: list[str]
    counts: pd.DataFrame  # exact, with margins
    acro_flags: dict[tuple[str, str], str]  # (row, col) -> ACRO's outcome when not "ok"
    keys: dict[tuple[str, str], str] = field(default_factory=dict)

    def relations(self) -> list[suppression.Relation]:
        inner_rows = [r for r in self.rows if r != TOTAL]
        inner_cols = [c for c in self.cols if c != TOTAL]
        relations = []
        for row in self.rows:
            relations.append(
                suppression.Relation(
                    self.spec.id,
                    self.keys[(row, TOTAL)],
                    tuple(self.keys[(row, c)] for c in inner_cols),
                )
            )
        for col in self.cols:
            relations.append(
                suppression.Relation(
                    self.spec.id,
                    self.keys[(TOTAL, col)],
                    tuple(self.keys[(r, col)] for r in inner_rows),
                )
            )
        return relations


@dataclass
class PublicationReport:
    out: Path
    tables: list[str]
    charts: list[str]
    cells: int
    hidden_primary: int
    hidden_secondary: int
    acro_version: str


# --------------------------------------------------------------------------- dbt artefacts
def _load_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise PublicationError(
            _("{what} not found: run the Association's dbt build first").format(what=what),
            rule="missing_dbt_build",
            file=str(path),
        )
    return json.loads(path.read_text(encoding="utf-8"))


def check_build(target: Path, manifest: dict) -> None:
    """Every indicator model and every test of the last build passed."""
    results = _load_json(target / "run_results.json", "run_results.json")
    failed = [
        r["unique_id"]
        for r in results.get("results", [])
        if r.get("status") not in ("success", "pass", "skipped")
    ]
    if failed:
        raise PublicationError(
            _("the Association's dbt build did not pass: {nodes}").format(
                nodes=", ".join(sorted(failed)[:5])
            ),
            rule="dbt_build_failed",
            file=str(target / "run_results.json"),
        )
    done = {r["unique_id"] for r in results.get("results", [])}
    missing = [
        uid
        for uid, node in manifest["nodes"].items()
        if node.get("package_name") == PACKAGE
        and node.get("resource_type") == "model"
        and uid not in done
    ]
    if missing:
        raise PublicationError(
            _("the Association's dbt build did not build: {nodes}").format(
                nodes=", ".join(sorted(missing)[:5])
            ),
            rule="dbt_build_incomplete",
            file=str(target / "run_results.json"),
        )


def _relation(node: dict) -> str:
    return f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'


def read_specs(manifest: dict) -> tuple[list[dict], dict[str, str]]:
    """The indicator models' publication specs, and every Association node's relation."""
    relations = {}
    specs = []
    for node in manifest["nodes"].values():
        if node.get("package_name") != PACKAGE or node.get("resource_type") not in (
            "model",
            "seed",
        ):
            continue
        relations[node["name"]] = _relation(node)
        meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
        if node["resource_type"] == "model" and meta.get("publication"):
            source = next(
                (
                    d.split(".")[-1]
                    for d in node.get("depends_on", {}).get("nodes", [])
                    if d.startswith(f"model.{PACKAGE}.")
                ),
                None,
            )
            specs.append(
                {
                    "modele": node["name"],
                    "description": " ".join(node.get("description", "").split()),
                    "source": source,
                    **meta["publication"],
                }
            )
    specs.sort(key=lambda s: report.order(s["modele"]))
    return specs, relations


def expand(raw: dict, con, relations: dict[str, str]) -> list[Spec]:
    """A spec as Spec objects: one, or one per value of `pour_chaque` (partner files)."""
    population = raw.get("population") or {}
    conditions = {str(k): str(v) for k, v in (population.get("conditions") or {}).items()}
    common = dict(
        modele=raw["modele"],
        titre=raw["titre"],
        description=raw["description"],
        unite=raw.get("unite", "jeunes"),
        population_libelle=population.get("libelle", ""),
        conditions=conditions,
        ligne=Variable(**raw["ligne"]),
        colonne=Variable(**raw["colonne"]),
        source=raw["source"],
        graphique=(raw.get("graphique") or {}).get("modalite"),
    )
    each = raw.get("pour_chaque")
    if not each:
        return [Spec(id=raw["modele"], **common)]
    values = [
        row[0]
        for row in con.execute(
            f"select distinct {each} from {relations[raw['modele']]} order by 1"
        ).fetchall()
        if row[0] is not None
    ]
    specs = []
    for value in values:
        colonne = Variable(
            variable=f"{common['colonne'].variable}__{value}",
            libelle=f"{common['colonne'].libelle} « {value} »",
        )
        specs.append(
            Spec(
                id=f"{raw['modele']}__{value}",
                **{**common, "titre": f"{common['titre']} « {value} »", "colonne": colonne},
                filtre={each: value},
                pour_chaque=each,
            )
        )
    return specs


# --------------------------------------------------------------------------- tables
def _order(variable: str, values: list[str], totals: pd.Series, ranks: dict) -> list[str]:
    known = ranks.get(variable, {})

    def rank(value: str):
        position = known.get(value)
        if position is None:
            return (1, -int(totals.get(value, 0)), value)
        return (0 if position < 98 else 2, position, value)

    return sorted(values, key=rank)


def _quiet() -> None:
    """ACRO logs every step at INFO on loggers named "acro:<module>" (outside the "acro"
    hierarchy): keep its warnings only; its record is written by finalise()."""
    for name in list(logging.Logger.manager.loggerDict):
        if name == "acro" or name.startswith("acro:") or name.startswith("acro."):
            logging.getLogger(name).setLevel(logging.WARNING)


class _Acro:
    """ACRO, imported on demand (the `association` extra), quiet, with the study's threshold."""

    def __init__(self, threshold: int) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import acro
        except ImportError as error:
            raise PublicationError(
                _("ACRO is not installed: pip install -e '.[association]'"),
                rule="missing_dependency",
            ) from error
        from importlib.metadata import version

        self.version = version("acro")
        _quiet()
        self.session = acro.ACRO(suppress=True)
        _quiet()
        # the session's risk appetite is this dict (SDCChecks keeps a reference to it)
        self.session.config["safe_threshold"] = threshold
        self.session.config["zeros_are_disclosive"] = True
        if self.session.sdc_checks.risk_appetite is not self.session.config:
            self.session.sdc_checks.risk_appetite.update(self.session.config)

    def crosstab(self, spec: Spec, frame: pd.DataFrame) -> pd.DataFrame:
        """ACRO's cell-by-cell outcome ("ok" or the checks that failed), margins included."""
        # ACRO formats its tables for debug messages even when they are not logged: a fixed
        # width avoids pandas measuring the terminal for each of them
        with (
            warnings.catch_warnings(),
            pd.option_context(
                "display.width", 120, "display.max_columns", 12, "display.max_rows", 12
            ),
        ):
            warnings.simplefilter("ignore")
            self.session.crosstab(
                frame[spec.ligne.variable].astype(str),
                frame[spec.colonne.variable].astype(str),
                margins=True,
                margins_name=TOTAL,
            )
        uid = f"output_{self.session.results.output_id - 1}"
        self.session.rename_output(uid, spec.id)
        self.session.add_comments(spec.id, f"{spec.titre}. {spec.description}")
        return self.session.results.results[spec.id].outcome

    def custom(self, path: Path, comment: str) -> None:
        if path.suffix.lower() in self.session.config.get("blocked_extensions", []):
            return  # ACRO's default config blocks .svg: the SVG twin of a PNG is listed by us
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            added = self.session.custom_output(str(path), comment)
        if added:
            uid = f"output_{self.session.results.output_id - 1}"
            self.session.rename_output(uid, path.name)

    def finalise(self, folder: Path) -> None:
        _quiet()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.session.finalise(str(folder), "json")


def build_table(
    spec: Spec,
    micro: pd.DataFrame,
    exact: pd.DataFrame,
    acro_session: _Acro,
    ranks: dict,
    threshold: int,
) -> Table:
    frame = micro
    for variable, value in {**spec.conditions, **spec.filtre}.items():
        if variable not in frame.columns:
            raise PublicationError(
                _("table {table}: the micro-data {model} have no column {column}").format(
                    table=spec.id, model=spec.source, column=variable
                ),
                rule="bad_specification",
            )
        frame = frame[frame[variable].astype(str) == value]
    for column in (spec.ligne.variable, spec.colonne.variable):
        if column not in frame.columns:
            raise PublicationError(
                _("table {table}: the micro-data {model} have no column {column}").format(
                    table=spec.id, model=spec.source, column=column
                ),
                rule="bad_specification",
            )
    row_values = frame[spec.ligne.variable].astype(str)
    col_values = frame[spec.colonne.variable].astype(str)
    for value in set(row_values) | set(col_values):
        if value == TOTAL:
            raise PublicationError(
                _("table {table}: a category is named {total}").format(table=spec.id, total=TOTAL),
                rule="bad_specification",
            )
    counts = pd.crosstab(row_values, col_values, margins=True, margins_name=TOTAL)
    # the indicator model (SQL) and the micro-data (pandas) must give the same counts
    inner = counts.drop(index=TOTAL, columns=TOTAL)
    expected = exact.pivot_table(
        index=spec.ligne.variable,
        columns=spec.colonne.variable,
        values="effectif",
        aggfunc="sum",
        fill_value=0,
    )
    expected.index = expected.index.astype(str)
    expected.columns = expected.columns.astype(str)
    expected = expected.reindex(index=inner.index, columns=inner.columns, fill_value=0)
    if set(exact[spec.ligne.variable].astype(str)) - set(inner.index) or set(
        exact[spec.colonne.variable].astype(str)
    ) - set(inner.columns):
        expected = None
    if expected is None or not (expected.astype(int).values == inner.astype(int).values).all():
        raise PublicationError(
            _(
                "table {table}: the indicator model {model} and the micro-data {source} give "
                "different counts (rebuild the Association's dbt project)"
            ).format(table=spec.id, model=spec.modele, source=spec.source),
            rule="inconsistent_counts",
        )
    rows = _order(spec.ligne.variable, list(inner.index), counts[TOTAL], ranks) + [TOTAL]
    base_variable = spec.colonne.variable.split("__")[0] if spec.pour_chaque else None
    cols = _order(
        base_variable or spec.colonne.variable, list(inner.columns), counts.loc[TOTAL], ranks
    ) + [TOTAL]
    counts = counts.reindex(index=rows, columns=cols).astype(int)
    outcome = acro_session.crosstab(spec, frame)
    flags = {}
    for row in rows:
        for col in cols:
            verdict = str(outcome.loc[row, col]) if row in outcome.index else "absent"
            if col not in outcome.columns:
                verdict = "absent"
            if verdict != "ok":
                flags[(row, col)] = verdict.strip().rstrip(";")
            elif counts.loc[row, col] < threshold:
                flags[(row, col)] = "seuil"  # ACRO said ok: the study's own rule still applies
    table = Table(spec, rows, cols, counts, flags)
    for row in rows:
        for col in cols:
            table.keys[(row, col)] = canonical_key(
                spec.unite,
                cell_conditions(
                    spec.conditions, spec.ligne.variable, row, spec.colonne.variable, col
                ),
            )
    return table


# --------------------------------------------------------------------------- writing
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def csv_columns(table: Table) -> list[dict]:
    spec = table.spec
    columns = [{"entete": spec.ligne.libelle, "type": "libelle"}]
    for col in table.cols:
        header = TOTAL if col == TOTAL else f"{spec.colonne.libelle} : {col}"
        columns.append({"entete": header, "type": "effectif", "colonne": col})
    for col in table.cols:
        if col == TOTAL:
            continue
        columns.append(
            {
                "entete": f"Part (%) {spec.colonne.libelle} : {col}",
                "type": "part",
                "colonne": col,
                "base": TOTAL,
            }
        )
    return columns


def published_values(
    table: Table, hidden: dict[str, str]
) -> tuple[dict[tuple[str, str], int | None], dict[tuple[str, str], float | None]]:
    counts, shares = {}, {}
    for row in table.rows:
        for col in table.cols:
            key = table.keys[(row, col)]
            counts[(row, col)] = None if key in hidden else int(table.counts.loc[row, col])
    for row in table.rows:
        base = counts[(row, TOTAL)]
        for col in table.cols:
            if col == TOTAL:
                continue
            numerator = counts[(row, col)]
            # no percentage on a suppressed base, nor of a suppressed count
            shares[(row, col)] = (
                None if base is None or numerator is None or base == 0 else 100 * numerator / base
            )
    return counts, shares


def write_csv(path: Path, table: Table, counts: dict, shares: dict) -> None:
    columns = csv_columns(table)
    with path.open("w", encoding=CSV_ENCODING, newline="") as handle:
        writer = csv.writer(handle, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
        writer.writerow([c["entete"] for c in columns])
        for row in table.rows:
            line = [row]
            for column in columns[1:]:
                if column["type"] == "effectif":
                    value = counts[(row, column["colonne"])]
                    line.append("" if value is None else str(value))
                else:
                    value = shares[(row, column["colonne"])]
                    line.append("" if value is None else format_percentage(value))
            writer.writerow(line)


def _table_entry(table: Table, counts: dict) -> dict:
    spec = table.spec
    return {
        "id": spec.id,
        "modele": spec.modele,
        "titre": spec.titre,
        "description": spec.description,
        "unite": spec.unite,
        "population": {"libelle": spec.population_libelle, "conditions": spec.conditions},
        "ligne": {
            "variable": spec.ligne.variable,
            "libelle": spec.ligne.libelle,
            "modalites": table.rows[:-1],
        },
        "colonne": {
            "variable": spec.colonne.variable,
            "libelle": spec.colonne.libelle,
            "modalites": table.cols[:-1],
        },
        "fichier": f"{TABLES_DIR}/{spec.id}.csv",
        "colonnes_csv": csv_columns(table),
        "cases_masquees": sum(v is None for v in counts.values()),
    }


def publish(
    *,
    con,
    target: Path,
    out: Path,
    threshold: int = MINIMUM_THRESHOLD,
    overwrite: bool = False,
) -> PublicationReport:
    """Build and self-check the package in `out` from the Association's database `con`."""
    if threshold < MINIMUM_THRESHOLD:
        raise PublicationError(
            _("the threshold cannot be below {minimum}").format(minimum=MINIMUM_THRESHOLD),
            rule="threshold_too_low",
        )
    manifest = _load_json(target / "manifest.json", "manifest.json")
    check_build(target, manifest)
    raw_specs, relations = read_specs(manifest)
    if not raw_specs:
        raise PublicationError(
            _("no indicator model with meta.publication in the dbt manifest"),
            rule="no_tables",
            file=str(target / "manifest.json"),
        )
    if out.exists():
        if not overwrite:
            raise PublicationError(
                _("the folder already exists (use --overwrite to replace it)"),
                rule="output_exists",
                file=str(out),
            )
        shutil.rmtree(out)

    ranks: dict[str, dict[str, int]] = {}
    if "ref_modalites" in relations:
        for variable, value, rank in con.execute(
            f"select nom_variable, modalite, rang from {relations['ref_modalites']}"
        ).fetchall():
            ranks.setdefault(variable, {})[value] = rank
    extraction = con.execute(
        "select cast(arg_max(extraction_date, imported_at) as varchar) from main.import_log "
        "where kind = 'departement'"
    ).fetchone()[0]

    acro_session = _Acro(threshold)
    micro_cache: dict[str, pd.DataFrame] = {}
    tables: list[Table] = []
    for raw in raw_specs:
        for spec in expand(raw, con, relations):
            if spec.source not in micro_cache:
                micro_cache[spec.source] = con.execute(
                    f"select * from {relations[spec.source]}"
                ).df()
            exact = con.execute(f"select * from {relations[spec.modele]}").df()
            for variable, value in spec.filtre.items():
                exact = exact[exact[variable].astype(str) == value]
            if spec.pour_chaque:
                exact = exact.rename(
                    columns={spec.colonne.variable.split("__")[0]: spec.colonne.variable}
                )
            micro = micro_cache[spec.source]
            if spec.pour_chaque:
                micro = micro[micro[spec.pour_chaque].astype(str) == spec.filtre[spec.pour_chaque]]
                micro = micro.rename(
                    columns={spec.colonne.variable.split("__")[0]: spec.colonne.variable}
                )
            filtered = micro
            for variable, value in spec.conditions.items():
                filtered = filtered[filtered[variable].astype(str) == value]
            if filtered.empty:
                continue  # nothing to count (no partner file, an empty population)
            tables.append(
                build_table(
                    Spec(**{**spec.__dict__, "filtre": {}}),
                    micro,
                    exact,
                    acro_session,
                    ranks,
                    threshold,
                )
            )

    # one value per canonical cell, whatever the table
    values: dict[str, int] = {}
    for table in tables:
        for (row, col), key in table.keys.items():
            value = int(table.counts.loc[row, col])
            if values.setdefault(key, value) != value:
                raise PublicationError(
                    _("table {table}: a count differs from the same count in another table").format(
                        table=table.spec.id
                    ),
                    rule="inconsistent_counts",
                )
    primary = {table.keys[cell] for table in tables for cell in table.acro_flags}
    relations_all = [r for table in tables for r in table.relations()]
    hidden = suppression.suppress(values, primary, relations_all)

    out.mkdir(parents=True)
    (out / TABLES_DIR).mkdir()
    (out / CHARTS_DIR).mkdir()
    (out / CONTROL_DIR).mkdir()
    entries, chart_entries, record_tables = [], [], {}
    rendered = []
    for table in tables:
        counts, shares = published_values(table, hidden)
        path = out / TABLES_DIR / f"{table.spec.id}.csv"
        write_csv(path, table, counts, shares)
        entry = _table_entry(table, counts)
        entries.append(entry)
        chart = None
        if table.spec.graphique and table.spec.graphique in table.cols:
            chart = charts.share_chart(
                out / CHARTS_DIR,
                table.spec.id,
                title=table.spec.titre,
                row_label=table.spec.ligne.libelle,
                value_label=f"Part (%) {table.spec.colonne.libelle} : {table.spec.graphique}",
                rows=table.rows,
                shares={row: shares[(row, table.spec.graphique)] for row in table.rows},
            )
            chart_entries.append(
                {
                    "id": table.spec.id,
                    "tableau": table.spec.id,
                    "fichiers": [f"{CHARTS_DIR}/{p.name}" for p in chart.files],
                    "valeurs": [
                        {
                            "ligne": row,
                            "colonne": table.spec.graphique,
                            "type": "part",
                            "valeur": format_percentage(shares[(row, table.spec.graphique)]),
                        }
                        for row in table.rows
                        if shares[(row, table.spec.graphique)] is not None
                    ],
                }
            )
        rendered.append((table, entry, counts, shares, chart))
        record_tables[table.spec.id] = {
            "cases_masquees": [
                {
                    "ligne": row,
                    "colonne": col,
                    "motif": hidden[table.keys[(row, col)]],
                    "controle_acro": table.acro_flags.get((row, col), "ok"),
                }
                for row in table.rows
                for col in table.cols
                if table.keys[(row, col)] in hidden
            ]
        }

    created = datetime.now(UTC).isoformat(timespec="seconds")
    (out / REPORT).write_text(
        report.render(
            rendered,
            threshold=threshold,
            extraction=extraction,
            created=created,
            acro_version=acro_session.version,
        ),
        encoding="utf-8",
    )

    # the output-check record: ACRO's, and which cells were hidden and why
    for _table, _entry, _counts, _shares, chart in rendered:
        if chart:
            for file in chart.files:
                acro_session.custom(
                    file, "graphique tracé à partir des cases publiées du tableau seulement"
                )
    for entry in entries:
        acro_session.custom(
            out / entry["fichier"],
            "tableau publié : marges exactes, suppression secondaire pipase (voir "
            "controle_secret.json)",
        )
    acro_session.finalise(out / CONTROL_DIR / "acro")
    (out / CONTROL_DIR / "LISEZMOI.txt").write_text(
        "Relevé du contrôle de sortie (article 5.3 de la convention), pour le Département "
        "seulement : NE PAS DIFFUSER.\n\n"
        "- acro/ : le relevé de l'outil ACRO (results.json, sommes de contrôle). Ses propres "
        "tableaux ont des marges recalculées sans les cases masquées : rapprochés des tableaux "
        "publiés, ils redonneraient des cases masquées.\n"
        "- controle_secret.json : chaque case masquée et son motif (primaire : effectif sous le "
        "seuil ou nul ; secondaire : case qui permettrait de la recalculer).\n\n"
        "Ce qui peut être diffusé après l'accord du Département : tableaux/, graphiques/, "
        "rapport.html, contrôlés par « pipase verifier-publication ».\n",
        encoding="utf-8",
    )
    audit_left = suppression.recomputable(relations_all, set(hidden))
    (out / CONTROL_DIR / "controle_secret.json").write_text(
        json.dumps(
            {
                "seuil": threshold,
                "outil_controle": f"ACRO {acro_session.version}",
                "regle": "effectif publié >= seuil ; zéro masqué ; suppression secondaire "
                "ensembliste sur toutes les relations de marges de tous les tableaux, puis "
                "audit exact (rang) : aucune case masquée recalculable",
                "relations": len(relations_all),
                "cases": len(values),
                "masquees_primaires": sum(v == suppression.PRIMARY for v in hidden.values()),
                "masquees_secondaires": sum(v == suppression.SECONDARY for v in hidden.values()),
                "recalculables_apres_suppression": len(audit_left),
                "tableaux": record_tables,
                "avertissement": "dossier de contrôle pour le Département : ne pas diffuser",
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )

    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            files[path.relative_to(out).as_posix()] = _sha256(path)
    (out / MANIFEST).write_text(
        json.dumps(
            {
                "format": FORMAT,
                "cree_le": created,
                "pipase_version": pipase.__version__,
                "seuil": threshold,
                "date_extraction": extraction,
                "outil_controle": f"ACRO {acro_session.version}",
                "cle_canonique": KEY_DEFINITION,
                "tableaux": entries,
                "graphiques": chart_entries,
                "rapport": REPORT,
                "controle": CONTROL_DIR,
                "fichiers": files,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )

    # the package is checked as the Department will check it, independently of ACRO
    from pipase.study import verify

    problems = verify.verify(out, threshold=threshold)
    if problems:
        shutil.rmtree(out, ignore_errors=True)
        raise PublicationError(
            _("the package failed its own check: {problem}").format(problem=problems[0]),
            rule="self_check_failed",
        )
    return PublicationReport(
        out=out,
        tables=[e["id"] for e in entries],
        charts=[c["fichiers"][0] for c in chart_entries],
        cells=len(values),
        hidden_primary=sum(v == suppression.PRIMARY for v in hidden.values()),
        hidden_secondary=sum(v == suppression.SECONDARY for v in hidden.values()),
        acro_version=acro_session.version,
    )
