"""The run record: the chain of custody of one extraction, from the raw files to the package.

Each `pipase run` writes ``<out>/pipase_<date>.run.json`` and its French rendering
``pipase_<date>.run.md`` (for the docs), whether the run ended with a package or was refused:

* every input file with its size, SHA-256 and rows read, loaded and rejected (``raw.load_report``)
  and the rejected values by file, column and rule (``raw.load_rejects``, never the value);
* the hash-rate measure; the build's nodes and tests by kind and status, and by name those that
  did not pass;
* the reports of the build, read generically by name: the reconciliation of every dropped row
  (``reports.rpt_reconciliation%``, ``rpt_load__reconciliation``), the linkage per source and
  method (``rpt_linkage__by_source``), the minimisation counts (``rpt_minimisation%``) and the
  risk figures (``rpt_risk__%``); a report is read only when this run's build built it;
* the package's name, size and SHA-256 and its tables; the protocol version, plain or keyed;
  a fingerprint of each secret the run used (HMAC-SHA-256 of a fixed label keyed by the
  secret, first 16 hex digits: it tells whether two runs used the same secret, and nothing of
  the secret); the versions of pipase, dbt, dbt-duckdb, DuckDB and Python; the timings.

Counts only, exact (a count below 11 stays as it is: the record does not leave the Department;
the docs site masks small counts itself). Before the text of a report reaches the record, it is
compared with the identities of the extraction (the privacy tests' forbidden set,
``identifying.int_keys__valeurs_identifiantes``): a value that equals one is replaced by
``[masqué]`` and the record says where.

Later steps append to the record with :func:`append_to_record` (``pipase import``: the
Association's check; ``pipase purge``: the deletion), which also rewrites the Markdown.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import metadata
from pathlib import Path

import duckdb

import pipase
from pipase.docsite.numbers import fr_int, fr_num
from pipase.i18n import _

RECORD_FORMAT = "pipase-run"
RECORD_FORMAT_VERSION = 1
# A memory-hard derivation: a fingerprint must cost a guesser no less than the archive does
# (7-Zip derives its AES key with 2^19 SHA-256). An HMAC cost 2 SHA-256 per guess, so that the
# record, beside the package, let anyone test password guesses some 2^18 times faster.
FINGERPRINT_LABEL = b"pipase-empreinte-v2"
FINGERPRINT_COST = {"n": 2**15, "r": 8, "p": 1}  # ~0.1 s and 32 MB per fingerprint
FINGERPRINT_METHOD = (
    "scrypt(secret, sel = 'pipase-empreinte-v2', N = 2^15, r = 8, p = 1), 16 chiffres hexa"
)
SECRET_VARIABLES = (
    "PIPASE_HASH_KEY",
    "PIPASE_CODE_KEY",
    "PIPASE_ARCHIVE_PASSWORD",
    "PIPASE_DB_KEY",
)
MASK = "[masqué]"
MAX_REPORT_ROWS = 500
# Report sections: (key in the record, French title, table-name patterns in schema `reports`)
REPORT_SECTIONS = [
    (
        "reconciliation",
        "Réconciliation des lignes écartées",
        ["rpt_reconciliation%", "rpt_load__reconciliation"],
    ),
    ("appariement", "Appariement par source et méthode", ["rpt_linkage__by_source"]),
    ("minimisation", "Minimisation", ["rpt_minimisation%"]),
    ("risque", "Risque de réidentification", ["rpt_risk\\_\\_%"]),
]
FORBIDDEN_TABLE = ("identifying", "int_keys__valeurs_identifiantes")
# As the privacy test has_no_raw_identity_values: shorter values are not identities.
MIN_LENGTH, MIN_LENGTH_WITHOUT_LETTER = 4, 6


# --------------------------------------------------------------------------- small helpers
def fingerprint(secret: str) -> str:
    """16 hex digits that identify a secret without revealing it, as slow to guess as the
    archive's own key derivation (FINGERPRINT_COST)."""
    return hashlib.scrypt(
        secret.encode("utf-8"), salt=FINGERPRINT_LABEL, maxmem=64 << 20, dklen=8, **FINGERPRINT_COST
    ).hex()


def secret_fingerprints(
    environ: dict[str, str] | None = None, archive_password: str | None = None
) -> dict[str, str]:
    """A fingerprint per secret set (the archive password as used, even when prompted)."""
    environ = dict(os.environ if environ is None else environ)
    if archive_password:
        environ["PIPASE_ARCHIVE_PASSWORD"] = archive_password
    return {name: fingerprint(environ[name]) for name in SECRET_VARIABLES if environ.get(name)}


def versions() -> dict[str, str | None]:
    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    return {
        "pipase": pipase.__version__,
        "protocole": pipase.PROTOCOL_VERSION,
        "dbt_core": version("dbt-core"),
        "dbt_duckdb": version("dbt-duckdb"),
        "duckdb": duckdb.__version__,
        "python": platform.python_version(),
    }


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def jsonable(value):
    """A value of a report cell as JSON: dates as ISO text, decimals as numbers."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# --------------------------------------------------------------------------- from the database
def _tables(con: duckdb.DuckDBPyConnection, schema: str, pattern: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_catalog = "
            "current_database() and table_schema = ? and table_name like ? escape '\\' "
            "order by table_name",
            [schema, pattern],
        ).fetchall()
    ]


def _read(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[list[dict], bool]:
    cursor = con.execute(f'select * from "{schema}"."{table}" limit {MAX_REPORT_ROWS + 1}')
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return rows[:MAX_REPORT_ROWS], len(rows) > MAX_REPORT_ROWS


def identity_matches(con: duckdb.DuckDBPyConnection, values: list[str]) -> set[str] | None:
    """The values among `values` that equal an identity of the extraction (trimmed and
    upper-cased, as the privacy test compares them); None when the forbidden set is missing."""
    schema, table = FORBIDDEN_TABLE
    if not _tables(con, schema, table):
        return None
    if not values:
        return set()
    rows = con.execute(
        f"select v from unnest(?::varchar[]) as t (v) where upper(trim(v)) in "
        f'(select valeur from "{schema}"."{table}") '
        f"and (length(trim(v)) >= {MIN_LENGTH_WITHOUT_LETTER} "
        f"or (length(trim(v)) >= {MIN_LENGTH} and regexp_matches(v, '[A-Za-z]')))",
        [sorted(set(values))],
    ).fetchall()
    return {row[0] for row in rows}


def read_reports(
    con: duckdb.DuckDBPyConnection, built: set[str] | None
) -> tuple[dict[str, dict], list[str], list[str]]:
    """(sections, masked, warnings): every report table of REPORT_SECTIONS that this build
    built (`built`: model names with status success; None: no build, no report), its text
    cells compared with the extraction's identities."""
    sections: dict[str, dict] = {}
    warnings: list[str] = []
    if not built:
        return sections, [], warnings
    found: dict[str, dict[str, tuple[list[dict], bool]]] = {}
    for key, _title, patterns in REPORT_SECTIONS:
        for pattern in patterns:
            for table in _tables(con, "reports", pattern):
                if table in built:
                    found.setdefault(key, {})[table] = _read(con, "reports", table)
    texts = [
        value
        for tables in found.values()
        for rows, _more in tables.values()
        for row in rows
        for value in row.values()
        if isinstance(value, str)
    ]
    matches = identity_matches(con, texts)
    if matches is None:
        warnings.append(
            _(
                "the reports are left out of the record: the identity set of the privacy tests "
                "was not built by this run"
            )  # fmt: skip
        )
        return {}, [], warnings
    masked: list[str] = []
    for key, tables in found.items():
        section: dict[str, object] = {}
        for table, (rows, more) in tables.items():
            cleaned = []
            for row in rows:
                out = {}
                for column, value in row.items():
                    if isinstance(value, str) and value in matches:
                        out[column] = MASK
                        where = f"reports.{table}.{column}"
                        if where not in masked:
                            masked.append(where)
                    else:
                        out[column] = jsonable(value)
                cleaned.append(out)
            section[table] = {"lignes": cleaned, "tronque": more}
        sections[key] = section
    return sections, masked, warnings


def read_load(
    con: duckdb.DuckDBPyConnection, load_id: str, extraction_dir: Path, seconds: dict[str, float]
) -> tuple[list[dict], list[dict]]:
    """(files, rejects) of the load `load_id`: per file its size, SHA-256 and rows; rejected
    values by file, column and rule (counts, never a value)."""
    files = []
    for source, table, file, sha, read, loaded, rejected, status, detail, warned in con.execute(
        'select source, "table", file, file_sha256, rows_read, rows_loaded, rows_rejected, '
        "status, detail, rows_with_warnings from raw.load_report where load_id = ? "
        "order by source, file",
        [load_id],
    ).fetchall():
        path = extraction_dir / file
        files.append(
            {
                "source": source,
                "table": table,
                "fichier": file,
                "octets": path.stat().st_size if path.is_file() else None,
                "sha256": sha,
                "lignes_lues": read,
                "lignes_chargees": loaded,
                "lignes_rejetees": rejected,
                "lignes_avec_avertissement": warned,
                "statut": status,
                "detail": detail,
                "secondes": seconds.get(file),
            }
        )
    rejects = [
        {"fichier": f, "colonne": c, "regle": r, "valeurs": v, "lignes": n}
        for f, c, r, v, n in con.execute(
            'select file, "column", rule, count(*), count(distinct line) from raw.load_rejects '
            "where load_id = ? group by all order by all",
            [load_id],
        ).fetchall()
    ]
    return files, rejects


# --------------------------------------------------------------------------- files
def write_record(record: dict, path: Path) -> Path:
    """Write the JSON record and its French Markdown beside it; returns the Markdown path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown = markdown_path(path)
    markdown.write_text(render_markdown(record), encoding="utf-8")
    return markdown


def markdown_path(path: Path) -> Path:
    name = path.name[: -len(".json")] if path.name.endswith(".json") else path.name
    return path.with_name(name + ".md")


def read_record(path: Path) -> dict:
    """A run record read back (``pipase docs``, ``append_to_record``); a PipaseError naming the
    file when it is missing, unreadable or not a record of pipase."""
    from pipase.errors import PipaseError

    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PipaseError(
            _("no run record at this path"), rule="no_record", file=str(path)
        ) from None
    except ValueError:
        raise PipaseError(
            _("not a run record (unreadable JSON)"), rule="bad_record", file=str(path)
        ) from None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise PipaseError(_("not a run record of pipase"), rule="bad_record", file=str(path))
    return record


def append_to_record(record_path: Path | str, section: str, data: dict) -> Path:
    """Append a later step to a run record (``pipase import``: the Association's check;
    ``pipase purge``: the deletion) and rewrite its Markdown; returns the record's path.

    `data` must be JSON (counts, names of files and tables, dates; never a value of a person
    nor a secret). Each call adds one entry to ``suites`` with the time it was added."""
    path = Path(record_path)
    record = read_record(path)
    record.setdefault("suites", []).append(
        {
            "section": section,
            "ajoute_le": datetime.now(UTC).isoformat(timespec="seconds"),
            "donnees": jsonable(data),
        }
    )
    write_record(record, path)
    return path


# --------------------------------------------------------------------------- French Markdown
def _n(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return fr_int(value)
    if isinstance(value, float):
        return fr_num(value, 2)
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_n(c) for c in row) + " |" for row in rows]
    return lines


def _octets(size) -> str:
    if size is None:
        return "–"
    value = float(size)
    for unit in ("o", "Ko", "Mo", "Go"):
        if value < 1024 or unit == "Go":
            return f"{value:.0f} {unit}" if unit == "o" else f"{value:.1f} {unit}".replace(".", ",")
        value /= 1024
    return f"{size} o"


STATUS_FR = {"termine": "terminé", "refuse": "refusé", "echoue": "échoué", "en_cours": "en cours"}
STAGE_FR = {
    "load": "Chargement",
    "hash_rate": "Mesure du hachage",
    "build": "Construction (dbt build)",
    "export": "Contrôle et paquet",
}


def render_markdown(record: dict) -> str:
    """The record in French, for the docs site (counts exact: the site masks small ones)."""
    out: list[str] = []
    date_text = record.get("date_extraction") or "?"
    out += [f"# Registre du run : extraction du {date_text}", ""]
    statut = STATUS_FR.get(record.get("statut"), record.get("statut"))
    out.append(f"- **Statut** : {statut}")
    if record.get("motif"):
        out.append(f"- **Motif** : {_n(record['motif'])}")
    out.append(f"- **Début** : {record.get('debut')} ; **fin** : {record.get('fin')}")
    protocole = record.get("protocole") or {}
    out.append(
        f"- **Protocole de hachage** : version {protocole.get('version')}, "
        f"{'à clé (HMAC-SHA-256)' if protocole.get('variante') == 'keyed' else 'simple (SHA-256)'}"
    )
    v = record.get("versions") or {}
    out.append(
        f"- **Versions** : pipase {v.get('pipase')}, dbt {v.get('dbt_core')} (dbt-duckdb "
        f"{v.get('dbt_duckdb')}), DuckDB {v.get('duckdb')}, Python {v.get('python')}"
    )
    commande = record.get("commande") or {}
    if commande.get("sans"):
        out.append(f"- **Sources déclarées absentes** : {', '.join(commande['sans'])}")
    out.append("")

    secrets = record.get("empreintes_secrets") or {}
    out += ["## Secrets (empreintes)", ""]
    if secrets:
        out += _table(["variable", "empreinte"], [[k, f"`{v}`"] for k, v in secrets.items()])
        out += ["", f"Méthode : {record.get('methode_empreinte', FINGERPRINT_METHOD)}.", ""]
    else:
        out += ["Aucun secret utilisé.", ""]

    files = record.get("fichiers") or []
    out += ["## Fichiers reçus", ""]
    if files:
        out += _table(
            ["fichier", "taille", "SHA-256", "lues", "chargées", "rejetées", "statut"],
            [
                [f["fichier"], _octets(f.get("octets")), f"`{(f.get('sha256') or '')[:16]}…`",
                 f.get("lignes_lues"), f.get("lignes_chargees"), f.get("lignes_rejetees"),
                 f.get("statut")]
                for f in files
            ],
        )  # fmt: skip
        total = lambda key: sum(f.get(key) or 0 for f in files)  # noqa: E731
        out += [
            "",
            f"Total : {_n(total('lignes_lues'))} lignes lues, {_n(total('lignes_chargees'))} "
            f"chargées, {_n(total('lignes_rejetees'))} rejetées ; "
            f"{_n(total('lignes_avec_avertissement'))} chargées avec une date de naissance "
            "vide (motif dans la colonne motif_ de la table brute).",
            "",
        ]
    else:
        out += ["Aucun fichier chargé.", ""]
    rejects = record.get("rejets") or []
    if rejects:
        out += ["### Rejets par règle", ""]
        out += _table(
            ["fichier", "colonne", "règle", "valeurs", "lignes"],
            [[r["fichier"], r["colonne"], r["regle"], r["valeurs"], r["lignes"]] for r in rejects],
        )
        out.append("")

    mesure = (record.get("mesure_hachage") or {}).get("hash_rate")
    if mesure:
        out += [
            "## Mesure du hachage",
            "",
            f"{_n(mesure.get('hachages_par_seconde'))} SHA-256 par seconde "
            f"({_n(mesure.get('n_messages'))} messages, {mesure.get('threads')} fils).",
            "",
        ]

    build = record.get("construction")
    out += ["## Construction (dbt build)", ""]
    if build:
        out.append(f"Commande : `{build.get('commande')}` ; {_n(build.get('noeuds'))} nœuds.")
        out.append("")
        rows = [
            [kind, ", ".join(f"{s} {_n(n)}" for s, n in sorted(statuses.items()))]
            for kind, statuses in sorted((build.get("par_type") or {}).items())
        ]
        out += _table(["type", "statuts"], rows)
        failing = build.get("non_reussis") or []
        out += ["", f"Non réussis : {len(failing)}." if failing else "Tout a réussi.", ""]
        if failing:
            out += _table(["type", "nom", "statut"], [[f["type"], f["nom"], f["statut"]]
                                                      for f in failing])  # fmt: skip
            out.append("")
    else:
        out += ["Pas de construction dans ce run.", ""]

    for key, title, _patterns in REPORT_SECTIONS:
        section = (record.get("rapports") or {}).get(key)
        if not section:
            continue
        out += [f"## {title}", ""]
        for table, content in section.items():
            rows = content.get("lignes") or []
            out += [f"### `{table}`", ""]
            if not rows:
                out += ["(aucune ligne)", ""]
                continue
            header = list(rows[0])
            if len(header) > 8 and len(rows) <= 10:  # wide and short: one line per column
                first = header[0]
                out += _table(
                    [first] + [_n(row.get(first)) for row in rows],
                    [[c] + [row.get(c) for row in rows] for c in header[1:]],
                )
            else:
                out += _table(header, [[row.get(c) for c in header] for row in rows])
            if content.get("tronque"):
                out.append(f"\n(les {MAX_REPORT_ROWS} premières lignes)")
            out.append("")
    if record.get("masquages"):
        out += [
            "Valeurs masquées (égales à une identité de l'extraction) : "
            + ", ".join(f"`{m}`" for m in record["masquages"]),
            "",
        ]

    package = record.get("paquet")
    out += ["## Paquet transmis", ""]
    if package:
        out += [
            f"`{package['fichier']}` : {_octets(package.get('octets'))}, SHA-256 "
            f"`{package.get('sha256')}`.",
            "",
        ]
        out += _table(["table", "lignes"], [[t["nom"], t["lignes"]] for t in package["tables"]])
        out.append("")
    else:
        out += ["Aucun paquet écrit par ce run.", ""]

    model = record.get("modele_probabiliste")
    if model:
        origin = {
            "fourni": "réutilisé",
            "sans_donnees": "non entraîné, trop peu de lignes : aucun lien probabiliste",
        }.get(model.get("origine"), "entraîné sur cette extraction")
        out += [
            "## Modèle du croisement probabiliste",
            "",
            f"`{model['fichier']}` ({origin}), SHA-256 `{model.get('sha256')}` : gardé au "
            "Département, jamais dans le paquet ; `pipase run --modele` le réutilise.",
            "",
        ]

    review = record.get("revue")
    if review is not None:
        sections = (record.get("rapports") or {}).get("appariement") or {}
        rows = (sections.get("rpt_linkage__by_source") or {}).get("lignes") or []
        applied = {
            column: sum(int(row.get(column) or 0) for row in rows)
            for column in ("matched_agent_review", "unmatched_agent_rejected")
        }
        out += [
            "## Revue des paires par un agent",
            "",
            f"Décisions gardées dans la base (`pipase revue --decisions`) : "
            f"{_n(review.get('lier'))} à lier, {_n(review.get('rejeter'))} à rejeter ; "
            f"appliquées par cette construction : {_n(applied.get('matched_agent_review'))} "
            f"liées, {_n(applied.get('unmatched_agent_rejected'))} rejetées.",
            "",
        ]

    durations = record.get("durees") or {}
    if durations:
        out += ["## Durées", ""]
        rows = [
            [STAGE_FR.get(name, name), d.get("statut"), d.get("secondes"), d.get("pic_memoire_mo")]
            for name, d in durations.items()
            if isinstance(d, dict)
        ]
        out += _table(["étape", "statut", "secondes", "pic mémoire (Mo)"], rows)
        out += ["", f"Total : {_n(record.get('secondes_total'))} s.", ""]
    if record.get("avertissements"):
        out += ["## Avertissements", ""] + [f"- {_n(w)}" for w in record["avertissements"]] + [""]
    for suite in record.get("suites") or []:
        out += [f"## Suite : {suite.get('section')} ({suite.get('ajoute_le')})", ""]
        out += [
            "```json",
            json.dumps(suite.get("donnees"), indent=2, ensure_ascii=False),
            "```",
            "",
        ]
    return "\n".join(out).rstrip() + "\n"
