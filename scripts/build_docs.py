"""Build the French data-dictionary site: dbt docs as one self-contained HTML file.

What: with PIPASE_DUCKDB_PATH pointing at a database built by a synthetic run (`pipase synth`,
  `pipase load`, `dbt build`):
  1. refuses a database that is not synthetic (no canary of `pipase synth` in raw.iodas_ase__
     individus): the site embeds figures of the run and goes to the steering committee;
  2. reads the run's facts: protocol version and variant (plain or keyed), row counts of the
     annex 2 tables, linkage by source, values rejected at load, re-identification risk (the
     reports models, counts only) and the results of the dbt build (target/run_results.json);
     writes them as the docs block `__pipase__` in docs/site/_run_facts.md (generated, ignored
     by git), shown on the page #!/overview/pipase that the home page links to;
  3. runs `dbt docs generate --static` (usage tracking off: DO_NOT_TRACK=1 and the project's
     flags; refused if the manifest says tracking is on, or if the page loads anything from
     outside), then puts back the build's run_results.json that docs generate overwrites
     (`pipase export` reads it);
  4. builds the committee's French site (`pipase.docsite`, MkDocs Material) into site/ from the
     synthetic run's record (pipase_<date>.run.json beside the database) and the linkage
     evaluation on the synthetic truth, with dbt's docs (static_index.html) under site/dbt/ for
     analysts and the printable dictionary (scripts/build_dictionary.py) beside the home page.
  With --synthetic-run-if-missing, a missing database is first built by a synthetic run:
  `pipase synth` into <database folder>/extraction_synthetique, then the main job of
  `pipase run` (`pipase.run.run_main_job`: load, hash-rate measure, a plain `dbt build`, no
  package; test failures do not stop the site: they are shown), whose run record
  pipase_<date>.run.json and .run.md land beside the database.
Why: the steering committee and the DPO read what leaves the Department, and what guards it, on
  a site that needs no server and makes no outside request.
When: `make docs`; tests/python/test_docs_site.py builds it when site/ is missing or stale.

Prints steps and counts, never a value of a person.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import yaml

from pipase.docsite.numbers import fr_int, fr_num
from pipase.docsite.texts import SOURCE_NAMES
from pipase.errors import PipaseError
from pipase.transmission import encryption

REPO = Path(__file__).resolve().parents[1]
RUN_FACTS = REPO / "docs" / "site" / "_run_facts.md"
SYNTHETIC_CODE_KEY = "synthetic-docs-code-key-not-secret"
SYNTHETIC_EXTRACTION = "extraction_synthetique"
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
OUTSIDE_RESOURCE = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I
)
RESOURCE_NAMES = {
    "test": "tests de données",
    "unit_test": "tests unitaires",
    "model": "modèles",
    "seed": "tables de référence (seeds)",
    "snapshot": "instantanés (snapshots)",
}
# rpt_linkage__by_source columns that are no single code of ref_linkage__methodes (the reasons
# without a key, the probabilistic reviews together); the others' labels come from that seed
LINKAGE_DETAIL = {
    "rows_without_primary_key": "sans clé primaire (certaines croisées par la clé secondaire)",
    "without_key_empty_surname": "sans clé : nom vide",
    "without_key_no_birth_date": "sans clé : date de naissance absente",
    "without_key_other_reason": "sans clé : autre motif",
    "ambiguous_probabilistic_review": "ambiguës : envoyées en revue par la passe probabiliste",
}
STATUS_COLUMNS = [
    ("réussis", {"pass", "success"}),
    ("avertissements", {"warn"}),
    ("échecs", {"fail"}),
    ("erreurs", {"error", "runtime error"}),
    ("ignorés", {"skipped", "no-op", "no op"}),
]


class BuildError(Exception):
    """A step failed; the message says which, never a value of a person."""


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


def _say(message: str) -> None:
    sys.stderr.write(f"build_docs: {message}\n")


# ---------------------------------------------------------------------------- commands


def _tool(name: str) -> str:
    """A console script of this venv (dbt, pipase), else from PATH."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def dbt_env(database: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PIPASE_DUCKDB_PATH": str(database),
    }
    # Synthetic runs only (checked before anything is published): a code key that is no secret.
    env.setdefault("PIPASE_CODE_KEY", SYNTHETIC_CODE_KEY)
    return env


def _dbt(args: list[str], target: Path, env: dict[str, str], quiet: bool) -> int:
    command = [
        _tool("dbt"),
        *args,
        "--project-dir",
        str(REPO),
        "--profiles-dir",
        env.get("DBT_PROFILES_DIR", str(REPO)),
        "--target-path",
        str(target),
    ]
    _say("running " + " ".join(["dbt", *args]))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=quiet, text=True)
    if quiet and result.returncode not in (0, 1):
        sys.stderr.write(result.stdout[-4000:])
    return result.returncode


def _run(command: list[str], env: dict[str, str], quiet: bool) -> None:
    _say(
        "running " + " ".join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command))
    )
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=quiet, text=True)
    if result.returncode != 0:
        if quiet:
            sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise BuildError(f"{Path(command[0]).name} {command[1]} failed (exit {result.returncode})")


def synthetic_run(
    database: Path, target: Path, youths: int, seed: int, env: dict[str, str], quiet: bool
) -> None:
    """synth, then the main job (pipase.run.run_main_job) without a package, into the
    database's folder."""
    from pipase.errors import PipaseError
    from pipase.run import RunSettings, run_main_job
    from pipase.run.progress import PlainReporter, Reporter
    from pipase.synth import DEFAULT_EXTRACTION_DATE

    work = database.parent
    work.mkdir(parents=True, exist_ok=True)
    extraction = work / SYNTHETIC_EXTRACTION
    if extraction.exists():
        if not (extraction / "ground_truth").is_dir():
            raise BuildError(f"{extraction} exists and is not a synthetic extraction; not touched")
        shutil.rmtree(extraction)
    _run(
        [
            _tool("pipase"),
            "synth",
            "--out",
            str(extraction),
            "--youths",
            str(youths),
            "--seed",
            str(seed),
        ],
        env,
        quiet,
    )
    settings = RunSettings(
        extraction_dir=extraction,
        extraction_date=DEFAULT_EXTRACTION_DATE,
        database=database,
        out_dir=None,  # the site needs the built database, not a package
        target_dir=target,
        log_dir=Path(env.get("DBT_LOG_PATH") or work / "logs"),
        selector=None,  # a plain dbt build: the site shows every test
        stop_on_build_failure=False,
        hash_rate_messages=500_000,
    )
    _say("running the main job (pipase.run.run_main_job, no package)")
    saved = {name: os.environ.get(name) for name in ("PIPASE_CODE_KEY",)}
    os.environ["PIPASE_CODE_KEY"] = env["PIPASE_CODE_KEY"]  # read by dbt's plugin in process
    try:
        result = run_main_job(settings, progress=Reporter() if quiet else PlainReporter())
    except PipaseError as error:
        raise BuildError(f"the main job failed: {error}") from None
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if result.build is not None and not result.build.ok:
        _say("dbt build reported failures: the site shows them on the run's page")
    _say(f"run record: {result.record_path}")


# ---------------------------------------------------------------------------- run facts


@dataclass
class BuildResults:
    path: Path
    data: dict
    partial: bool

    @property
    def vars(self) -> dict:
        return self.data.get("args", {}).get("vars") or {}


@dataclass
class Facts:
    """What the run's page says; every value is a count, a name of the project or a date."""

    sections: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_build_results(path: Path) -> BuildResults | None:
    """The run results of a `dbt build` or `dbt test`, else None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    args = data.get("args", {})
    if args.get("which") not in ("build", "test"):
        return None
    partial = bool(args.get("select")) or bool(args.get("selector"))
    return BuildResults(path, data, partial)


def project_keyed_default() -> bool:
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text(encoding="utf-8"))
    return bool((project.get("vars") or {}).get("pipase_keyed", False))


def _is_true(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "oui")
    return bool(value)


def check_synthetic(con: duckdb.DuckDBPyConnection) -> int:
    """Number of canary rows of `pipase synth` in the ASE extraction (0: not synthetic)."""
    from pipase.synth.population import CANARY_SURNAME

    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'iodas_ase__individus'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute(
        "select count(*) from raw.iodas_ase__individus "
        "where upper(trim(nom_naissance)) = ? or upper(trim(nom_usage)) = ?",
        [CANARY_SURNAME, CANARY_SURNAME],
    ).fetchone()[0]


def fr_number(value, decimals: int = 1) -> str:
    """A number written the French way: 1 234 ; 12,5 ; 5,6 × 10¹³ (whole numbers in full)."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return fr_int(value)
    if isinstance(value, (float, Decimal)):
        number = float(value)
        if number.is_integer() and abs(number) < 1e15:
            return fr_int(number)
        return fr_num(number, decimals, scientific_from=1e7)
    return "—" if value is None else str(value)


def fr_share(value) -> str:
    if value is None:
        return "—"
    return fr_number(float(value) * 100, 1) + " %"


def _cell(text) -> str:
    """Markdown table cell; no Jinja delimiter may reach the docs block."""
    text = str(text).replace("|", "\\|").replace("\n", " ")
    return text.replace("{{", "{ {").replace("{%", "{ %").replace("{#", "{ #")


def md_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def model_link(name: str, manifest: dict | None) -> str:
    unique_id = f"model.pipase.{name}"
    if manifest and unique_id not in manifest.get("nodes", {}):
        return f"`{name}`"
    return f"[{name}](#!/model/{unique_id})"


def _relation(manifest: dict | None, name: str, default_schema: str) -> tuple[str, str]:
    node = (manifest or {}).get("nodes", {}).get(f"model.pipase.{name}")
    return (node or {}).get("schema") or default_schema, name


def _rows(con, manifest, name: str, schema: str, order_by: str = "") -> list[dict] | None:
    schema, table = _relation(manifest, name, schema)
    if not encryption.has_table(con, schema, table):
        return None
    cursor = con.execute(f'select * from "{schema}"."{table}" {order_by}')
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _missing(name: str, manifest) -> str:
    return f"*{model_link(name, manifest)} : table absente de la base (modèle non construit).*"


def section_identity(facts: Facts, build: BuildResults | None, con, manifest) -> None:
    import pipase

    keyed = project_keyed_default()
    if build and "pipase_keyed" in build.vars:
        keyed = _is_true(build.vars["pipase_keyed"])
    variant = (
        "**à clé** : HMAC-SHA-256 avec la clé secrète `PIPASE_HASH_KEY` (variable dbt "
        "`pipase_keyed = true`)"
        if keyed
        else "**simple** : SHA-256 sans clé, celle de l'annexe 1 et des partenaires "
        "(variable dbt `pipase_keyed = false`)"
    )
    rows = [
        [
            "Version du protocole de hachage",
            f"**{pipase.PROTOCOL_VERSION}** (`pipase.PROTOCOL_VERSION`)",
        ],
        ["Variante du protocole utilisée par ce run", variant],
        ["Version de pipase", pipase.__version__],
    ]
    extraction = _rows(con, manifest, "int_keys__iodas_ase__extraction", "identifying")
    if extraction:
        first = extraction[0]
        rows.append(["Date d'extraction retenue", str(first.get("date_extraction") or "—")])
    loads = _rows(con, manifest, "rpt_load__reconciliation", "reports")
    if loads:
        ids = sorted({str(r.get("load_id")) for r in loads if r.get("load_id")})
        rows.append(["Chargement(s) (`pipase load`)", ", ".join(ids) or "—"])
    if build:
        meta = build.data.get("metadata", {})
        command = build.data.get("args", {}).get("invocation_command") or "dbt build"
        rows.append(
            [
                "Run dbt",
                f"`{command}` le {str(meta.get('generated_at', ''))[:19].replace('T', ' ')} UTC, "
                f"dbt {meta.get('dbt_version', '?')}, "
                f"{fr_number(float(build.data.get('elapsed_time') or 0), 0)} s",
            ]
        )
    cohort = _rows(con, manifest, "annexe2_iodas_ase__individu", "leaving")
    if cohort is not None:
        rows.append(
            [
                "Jeunes de la cohorte ASE (lignes de annexe2_iodas_ase__individu)",
                fr_number(len(cohort)),
            ]
        )
    facts.sections.append(
        "## Le run\n\n"
        "Données **synthétiques** (`pipase synth`) : aucune personne réelle, les chiffres ne "
        "décrivent personne.\n\n" + md_table(["", ""], rows)
    )


def section_leaving(facts: Facts, con, manifest) -> None:
    if not manifest:
        return
    completeness = _sibling("check_docs_completeness")
    rows = []
    stale = []
    for node in completeness.leaving_models(manifest):
        schema, table = node.get("schema") or "leaving", node["name"]
        if not encryption.has_table(con, schema, table):
            rows.append([model_link(table, manifest), "absente", "—", "—"])
            stale.append(table)
            continue
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
        ]
        if [c.lower() for c in columns] != [c.lower() for c in node.get("columns", {})]:
            stale.append(table)
        distinct = (
            'count(distinct "cle_hachage")' if "cle_hachage" in columns else "cast(null as bigint)"
        )
        n_rows, n_keys = con.execute(
            f'select count(*), {distinct} from "{schema}"."{table}"'
        ).fetchone()
        meta = completeness.annexe2_meta(node)
        rows.append(
            [
                model_link(table, manifest),
                f"{meta.get('base', '?')} — {meta.get('groupe', '?')}",
                fr_number(n_rows),
                fr_number(n_keys),
            ]
        )
    facts.sections.append(
        "## Les tables transmises (annexe 2)\n\n"
        + md_table(["table", "base — groupe", "lignes", "personnes (clés distinctes)"], rows)
    )
    if stale:
        message = (
            "la base ne correspond pas aux modèles actuels (colonnes différentes ou table "
            "absente) pour : " + ", ".join(stale) + " ; relancer `dbt build` sur cette base"
        )
        facts.warnings.append(message)
        facts.sections[-1] += f"\n\n> **Attention** : {message}."


def section_linkage(facts: Facts, con, manifest) -> None:
    name = "rpt_linkage__by_source"
    rows = _rows(con, manifest, name, "reports", "order by 1")
    title = "## Croisement avec la cohorte ASE, par source\n\n"
    if rows is None:
        facts.sections.append(title + _missing(name, manifest))
        return
    # the statuses and their labels from the one list (ref_linkage__methodes), as the site
    from pipase.docsite.build import DROPPED_STEPS, MATCHED_STEPS

    main = {
        "rows_in": "lignes reçues",
        **dict(MATCHED_STEPS),
        "matched_total": "**croisées**",
        **dict(DROPPED_STEPS),
        "dropped": "**supprimées**",
        "cohort_members_matched": "jeunes de la cohorte retrouvés",
        "counts_reconcile": "reçues = croisées + supprimées",
    }
    keys = [k for k in main if rows and k in rows[0]]
    keys += [k for k in (rows[0] if rows else {}) if k not in main and k != "base_source"]
    header = ["", *(SOURCE_NAMES.get(r["base_source"], r["base_source"]) for r in rows)]
    from pipase.linkage.methods import report_labels  # the one list of methods and reasons

    labels = {
        **report_labels("statut"),
        **LINKAGE_DETAIL,
        **report_labels("motif"),
        **{k: f"dont : {v}" for k, v in report_labels("methode").items()},
    }
    body = [
        [main.get(k) or labels.get(k, k.replace("_", " ")), *(fr_number(r[k]) for r in rows)]
        for k in keys
    ]
    text = (
        title
        + f"Source : {model_link(name, manifest)}. Article 4.1 : « Croisement de l'extraction "
        "Iodas-ASE avec les autres extractions ; suppression des données non croisées ». "
        "Une ligne est croisée par sa clé primaire, sinon par sa clé secondaire quand celle-ci "
        "désigne une seule personne de chaque côté, de même genre ; les lignes ambiguës, non "
        "croisées ou sans clé sont supprimées et comptées.\n\n" + md_table(header, body)
    )
    facts.sections.append(text)


def section_load(facts: Facts, con, manifest) -> None:
    title = "## Chargement : lignes lues, chargées, rejetées\n\n"
    name = "rpt_load__reconciliation"
    reconciliation = _rows(con, manifest, name, "reports")
    text = title
    if reconciliation is None:
        text += _missing(name, manifest)
    else:
        totals: dict[str, list[int]] = {}
        for row in reconciliation:
            source = SOURCE_NAMES.get(row["base_source"], row["base_source"])
            total = totals.setdefault(source, [0, 0, 0, 0])
            total[0] += 1
            for index, key in enumerate(("rows_read", "rows_loaded", "rows_rejected"), start=1):
                total[index] += int(row.get(key) or 0)
        text += (
            f"Source : {model_link(name, manifest)} (lignes lues = chargées + rejetées, fichier "
            "par fichier).\n\n"
            + md_table(
                ["source", "fichiers", "lignes lues", "chargées", "rejetées"],
                [[s, *map(fr_number, t)] for s, t in sorted(totals.items())],
            )
        )
    name = "rpt_load__rejects_by_rule"
    rejects = _rows(con, manifest, name, "reports", "order by base_source, table_name, column_name")
    text += "\n\n### Valeurs rejetées, par règle\n\n"
    if rejects is None:
        text += _missing(name, manifest)
    elif not rejects:
        text += f"Aucune valeur rejetée ({model_link(name, manifest)})."
    else:
        several_loads = len({r.get("load_id") for r in rejects}) > 1
        header = (["chargement"] if several_loads else []) + [
            "source",
            "table",
            "colonne",
            "règle",
            "valeurs rejetées",
            "lignes rejetées",
        ]
        body = [
            ([r.get("load_id")] if several_loads else [])
            + [
                SOURCE_NAMES.get(r["base_source"], r["base_source"]),
                f"`{r['table_name']}`",
                f"`{r['column_name']}`",
                f"`{r['rule_name']}`",
                fr_number(r["values_rejected"]),
                fr_number(r["rows_rejected"]),
            ]
            for r in rejects
        ]
        text += (
            f"Source : {model_link(name, manifest)}. Des comptes seulement : les valeurs "
            "rejetées restent dans la zone identifiante.\n\n" + md_table(header, body)
        )
    facts.sections.append(text)


def section_risk(facts: Facts, con, manifest) -> None:
    text = "## Risque de ré-identification\n\n### k-anonymat des tables transmises\n\n"
    name = "rpt_risk__k_anonymity"
    rows = _rows(con, manifest, name, "reports")
    if rows is None:
        text += _missing(name, manifest)
    else:
        header = [
            "quasi-identifiants",
            "personnes",
            "classes",
            "k min. / médian",
            "seules dans leur classe (k = 1)",
            "dans une classe de moins de 5",
            "dans une classe de moins de 11",
        ]
        tables = []
        for model in dict.fromkeys(r.get("modele") for r in rows):
            body = [
                [
                    r.get("quasi_identifiants"),
                    fr_number(r.get("n_personnes")),
                    fr_number(r.get("n_classes")),
                    f"{fr_number(r.get('k_minimum'))} / {fr_number(r.get('k_median'))}",
                    f"{fr_number(r.get('n_personnes_k1'))} "
                    f"({fr_share(r.get('part_personnes_k1'))})",
                    f"{fr_number(r.get('n_personnes_k_moins_5'))} "
                    f"({fr_share(r.get('part_personnes_k_moins_5'))})",
                    f"{fr_number(r.get('n_personnes_k_moins_11'))} "
                    f"({fr_share(r.get('part_personnes_k_moins_11'))})",
                ]
                for r in rows
                if r.get("modele") == model
            ]
            tables.append(
                f"Table {model_link(str(model), manifest)} :\n\n" + md_table(header, body)
            )
        text += (
            f"Source : {model_link(name, manifest)}. Une classe regroupe les personnes qui ont "
            "les mêmes valeurs pour les quasi-identifiants : une personne seule dans sa classe "
            "peut être reconnue par qui connaît ces valeurs. Sur un petit jeu synthétique, "
            "presque tout le monde est seul : le site construit depuis le registre du run réel "
            "(`pipase docs --run-record`) donne les chiffres qui comptent."
            "\n\n" + "\n\n".join(tables)
        )
    text += "\n\n### Attaque par dictionnaire sur les clés\n\n"
    from pipase.docsite.build import duration  # one way to write a duration, as the site

    name = "rpt_risk__dictionary_attack"
    rows = _rows(con, manifest, name, "reports", "order by ordre")
    if rows is None:
        text += _missing(name, manifest)
    else:
        header = [
            "clé",
            "message haché",
            "candidats à essayer",
            "hachages par seconde",
            "temps pour tout essayer",
        ]
        body = [
            [
                r.get("cle"),
                r.get("message"),
                fr_number(r.get("espace_candidats")),
                fr_number(r.get("hachages_par_seconde")),
                duration(r.get("secondes_enumeration")),
            ]
            for r in rows
        ]
        text += (
            f"Source : {model_link(name, manifest)}. Sans clé secrète, quiconque dispose de la "
            "liste des noms (INSEE) peut hacher tous les candidats et retrouver l'identité "
            "derrière une clé ; la vitesse est mesurée sur cette machine. La variante à clé "
            "(HMAC) rend l'essai impossible sans la clé.\n\n" + md_table(header, body)
        )
    facts.sections.append(text)


def section_tests(facts: Facts, build: BuildResults | None, manifest: dict | None) -> None:
    text = "## Résultats des tests du run\n\n"
    if build is None:
        text += (
            "*Résultats non disponibles : pas de `run_results.json` d'un `dbt build` ou d'un "
            "`dbt test` à côté de la base.*"
        )
        facts.warnings.append("no run_results.json of a dbt build: test results not shown")
        facts.sections.append(text)
        return
    results = build.data.get("results", [])
    counts: dict[str, dict[str, int]] = {}
    for result in results:
        kind = result["unique_id"].split(".", 1)[0]
        status = str(result.get("status", "")).lower()
        label = next((label for label, names in STATUS_COLUMNS if status in names), "ignorés")
        counts.setdefault(kind, {}).setdefault(label, 0)
        counts[kind][label] += 1
    header = ["", *[label for label, _ in STATUS_COLUMNS], "total"]
    body = []
    for kind in ("test", "unit_test", "model", "seed", "snapshot"):
        if kind in counts:
            row = [counts[kind].get(label, 0) for label, _ in STATUS_COLUMNS]
            body.append([RESOURCE_NAMES[kind], *map(fr_number, row), fr_number(sum(row))])
    command = build.data.get("args", {}).get("which", "build")
    text += f"Source : `run_results.json` du `dbt {command}` de ce run."
    if build.partial:
        text += " **Run partiel** (une sélection de nœuds) : tous les tests n'y sont pas."
        facts.warnings.append("the run results are those of a partial dbt run")
    text += "\n\n" + md_table(header, body)

    if manifest:
        completeness = _sibling("check_docs_completeness")
        leaving = {n["unique_id"] for n in completeness.leaving_models(manifest)}
        by_id = {r["unique_id"]: str(r.get("status", "")).lower() for r in results}
        guarding = [
            uid
            for uid, node in manifest.get("nodes", {}).items()
            if node.get("resource_type") == "test" and node.get("attached_node") in leaving
        ]
        passed = sum(by_id.get(uid) == "pass" for uid in guarding)
        not_run = sum(uid not in by_id for uid in guarding)
        text += (
            f"\n\nTests attachés aux tables transmises (confidentialité, valeurs, clés) : "
            f"**{fr_number(passed)} réussis sur {fr_number(len(guarding))}**"
            + (f", {fr_number(not_run)} non exécutés" if not_run else "")
            + "."
        )
    problems = [r for r in results if str(r.get("status", "")).lower() not in ("pass", "success")]
    if problems:
        rows = []
        for result in sorted(problems, key=lambda r: (str(r.get("status")), r["unique_id"])):
            unique_id = result["unique_id"]
            kind = unique_id.split(".", 1)[0]
            known = (
                manifest is None
                or unique_id in manifest.get("nodes", {})
                or unique_id in (manifest.get("unit_tests", {}))
            )
            name = unique_id.split(".")[2] if kind != "unit_test" else unique_id.split(".")[-1]
            link = f"[{name}](#!/{kind}/{unique_id})" if known else f"`{name}`"
            failures = result.get("failures")
            rows.append(
                [link, result.get("status"), fr_number(failures) if failures is not None else "—"]
            )
        text += (
            "\n\nCe qui n'a pas réussi (nom, statut, nombre de lignes en défaut ; jamais les "
            "valeurs) :\n\n" + md_table(["nœud", "statut", "lignes en défaut"], rows)
        )
    facts.sections.append(text)


def gather_facts(database: Path, build: BuildResults | None, manifest: dict | None) -> Facts:
    facts = Facts()
    con = duckdb.connect(str(database), read_only=True, config=DUCKDB_CONFIG)
    try:
        if not check_synthetic(con):
            raise BuildError(
                f"{database} holds no canary of `pipase synth`: the docs site is built from "
                "synthetic runs only"
            )
        section_identity(facts, build, con, manifest)
        section_leaving(facts, con, manifest)
        section_linkage(facts, con, manifest)
        section_load(facts, con, manifest)
        section_risk(facts, con, manifest)
        section_tests(facts, build, manifest)
    finally:
        con.close()
    return facts


def render_facts(facts: Facts) -> str:
    generated = datetime.now().astimezone().strftime("%d/%m/%Y à %H:%M")
    return (
        "{# Generated by scripts/build_docs.py: do not edit, not in git (run's facts). #}\n"
        "{% docs __pipase__ %}\n"
        "# Chiffres du run dont ce site est tiré\n\n"
        f"Page écrite par `scripts/build_docs.py` le {generated}. "
        "[Retour à l'accueil](#!/overview).\n\n" + "\n\n".join(facts.sections) + "\n{% enddocs %}\n"
    )


# ---------------------------------------------------------------------------- the site


def _embedded_manifest_metadata(html_text: str) -> dict:
    """The metadata of the manifest that dbt embeds in static_index.html."""
    start = html_text.find('manifest:{"metadata"')
    if start < 0:
        raise BuildError("static_index.html: embedded manifest not found")
    decoder = json.JSONDecoder()
    manifest, _ = decoder.raw_decode(html_text, start + len("manifest:"))
    return manifest["metadata"]


def check_static_site(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if _embedded_manifest_metadata(text).get("send_anonymous_usage_stats") is not False:
        raise BuildError("dbt usage tracking is on: the site would load an outside script")
    if OUTSIDE_RESOURCE.search(text):
        raise BuildError("static_index.html loads a resource from outside")


def build_site(
    database: Path, target: Path, site: Path, run_results: Path | None, quiet: bool
) -> Path:
    env = dbt_env(database)
    build = read_build_results(run_results or target / "run_results.json")
    if build is None:
        _say("no run results of a dbt build or test: the run's page says so")
    manifest_path = target / "manifest.json"
    manifest = (
        json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    )
    facts = gather_facts(database, build, manifest)
    for warning in facts.warnings:
        _say(f"warning: {warning}")
    RUN_FACTS.write_text(render_facts(facts), encoding="utf-8")

    saved_results = (
        (target / "run_results.json").read_bytes()
        if (target / "run_results.json").exists()
        else None
    )
    args = ["docs", "generate", "--static"]
    if build and build.vars:
        args += ["--vars", json.dumps(build.vars)]
    try:
        code = _dbt(args, target, env, quiet)
    finally:
        # docs generate overwrites run_results.json; pipase export reads the build's.
        if saved_results is not None:
            (target / "run_results.json").write_bytes(saved_results)
    static = target / "static_index.html"
    if code != 0 or not static.exists():
        raise BuildError(f"dbt docs generate failed (exit {code})")
    check_static_site(static)

    return committee_site(database, target, static, site, quiet)


def find_record(database: Path) -> Path | None:
    """The newest run record beside the database (pipase run writes it there without --out)."""
    records = sorted(
        database.parent.glob("pipase_*.run.json"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    return records[0] if records else None


def linkage_evaluation(database: Path, target: Path, quiet: bool) -> Path | None:
    """Precision and recall on the synthetic truth (scripts/evaluate_linkage.py --json)."""
    extraction = database.parent / SYNTHETIC_EXTRACTION
    if not (extraction / "ground_truth").is_dir():
        return None
    out = target / "evaluation_croisement.json"
    command = [
        sys.executable,
        str(REPO / "scripts" / "evaluate_linkage.py"),
        "--extraction",
        str(extraction),
        "--database",
        str(database),
        "--json",
        str(out),
    ]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        _say("linkage evaluation failed: the site shows no precision and recall")
        if not quiet:
            sys.stderr.write(result.stderr[-2000:])
        return None
    return out


def committee_site(database: Path, target: Path, static: Path, site: Path, quiet: bool) -> Path:
    """The committee's MkDocs site (pipase docs) from the synthetic run's record, with dbt's
    docs under site/dbt/ and the printable dictionary beside the home page."""
    from pipase.docsite.build import SiteInputs, build_site, load_record

    record_path = find_record(database)
    if record_path is None:
        raise BuildError(
            f"no run record (pipase_*.run.json) beside {database}: run the synthetic run again "
            "(remove the database, then --synthetic-run-if-missing)"
        )
    evaluation = linkage_evaluation(database, target, quiet)
    inputs = SiteInputs(
        record=load_record(record_path),
        manifest=json.loads((target / "manifest.json").read_text(encoding="utf-8")),
        evaluation=json.loads(evaluation.read_text(encoding="utf-8")) if evaluation else None,
        dbt_docs=static,
        synthetic=True,
    )
    _say(f"committee site from the run record {record_path.name}")
    return build_site(inputs, site)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--target-path",
        type=Path,
        default=Path(os.environ.get("DBT_TARGET_PATH", REPO / "target")),
        help="dbt target folder (default: DBT_TARGET_PATH or target/)",
    )
    parser.add_argument("--site-dir", type=Path, default=REPO / "site")
    parser.add_argument(
        "--run-results",
        type=Path,
        help="run_results.json of the dbt build (default: <target>/run_results.json)",
    )
    parser.add_argument(
        "--synthetic-run-if-missing",
        action="store_true",
        help="build the database by a synthetic run when PIPASE_DUCKDB_PATH does not exist",
    )
    parser.add_argument("--youths", type=int, default=300, help="synthetic run: ASE youths")
    parser.add_argument("--seed", type=int, default=93, help="synthetic run: random seed")
    parser.add_argument(
        "--quiet", action="store_true", help="keep the tools' output unless they fail"
    )
    args = parser.parse_args(argv)

    if not os.environ.get("PIPASE_DUCKDB_PATH"):
        _say("set PIPASE_DUCKDB_PATH to the database of a synthetic run")
        return 2
    database = Path(os.environ["PIPASE_DUCKDB_PATH"]).resolve()
    target = args.target_path.resolve()
    try:
        if not database.exists():
            if not args.synthetic_run_if_missing:
                _say(f"{database} does not exist (--synthetic-run-if-missing builds one)")
                return 2
            try:
                synthetic_run(
                    database, target, args.youths, args.seed, dbt_env(database), args.quiet
                )
            except BuildError:
                # A half-built database would be reused next time: remove the one made here.
                for path in (database, database.with_name(database.name + ".wal")):
                    path.unlink(missing_ok=True)
                raise
        index = build_site(database, target, args.site_dir.resolve(), args.run_results, args.quiet)
    except (BuildError, PipaseError, duckdb.Error) as error:
        _say(f"failed: {error}")
        return 2
    _say(f"site written: {index} (+ dbt/index.html, dictionnaire_annexe2.csv and .html)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
