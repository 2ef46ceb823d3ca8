"""The export's gate: what must be proven before a single row leaves the Department.

`pipase export` calls :func:`check` and writes nothing unless every condition holds; each
refusal names the source, file, model or test concerned, never a value of the data.

1. **The build.** Every model, seed and snapshot of the build that produced the tables succeeded
   and every test the data office's run (selector ``main_job``) includes passed: no failure, no
   error, nothing skipped, nothing left out. A test that only warned is listed in the export's
   manifest. ``manifest.json`` and ``run_results.json`` come from that one ``dbt build``.
   The tests ``main_job`` leaves to CI are the tests of the reference seeds alone and the unit
   tests of ``models/intermediate`` and ``models/marts/reports`` (:func:`required_nodes`; the
   suite checks that it equals ``dbt ls --selector main_job``).
2. **The structure.** The structural privacy check (:mod:`pipase.privacy_check`) passes on that
   build's own manifest: every leaving model public, contracted and guarded by its privacy tests,
   the zones respected.
3. **The load.** The tables were built from one complete load of the requested extraction: the
   latest successful ``pipase load`` has that extraction date, every source was loaded in it
   or declared absent (``--without``), no loaded source is empty, no file rejected more than
   ``reject_threshold`` of its rows unless the data office accepted that file by name, and the
   build started after that load had finished.
4. **The cohort.** The cohort table is not empty.

The keyed variant needs nothing special here: the build's conformance test compares the SQL
keys with Python's ``hmac`` under the run's own key (the dbt plugin's ``pipase_reference_hmac``),
so a keyed build passes like a plain one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from pipase import privacy_check
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.transmission import encryption
from pipase.transmission.artifacts import DbtArtifacts, parse_timestamp

DEFAULT_REJECT_THRESHOLD = 0.01  # 1 % of a file's rows
COHORT_TABLE = "annexe2_iodas_ase__individu"
MIN_LEAVING_MODELS = 10  # annex 2 has ten tables: fewer means the manifest is not the project's
# Unit tests the data office's run leaves to CI (selectors.yml, main_job): SQL logic on fixtures.
CI_ONLY_UNIT_TEST_PATHS = ("models/intermediate/", "models/marts/reports/")
LOADED, ABSENT = "loaded", "absent"
FILE_OK_STATUSES = {"loaded", "loaded_with_rejects", "absent"}


class ExportRefused(PipaseError):
    """The gate's refusal: every reason, one per line, each naming what is concerned."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        shown = reasons[:25]
        if len(reasons) > 25:
            shown.append(_("... and {n} more").format(n=len(reasons) - 25))
        super().__init__(_("export refused:") + "\n  " + "\n  ".join(shown), rule="export_refused")


@dataclass
class SourceLoad:
    source: str
    status: str  # loaded | absent
    files: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int


@dataclass
class LoadProvenance:
    load_id: str
    extraction_date: date
    finished_at: datetime
    sources: list[SourceLoad]
    accepted_rejects: list[dict] = field(default_factory=list)

    def as_manifest(self) -> dict:
        return {
            "id_chargement": self.load_id,
            "date_extraction": self.extraction_date.isoformat(),
            "fin_chargement": self.finished_at.isoformat(timespec="seconds"),
            "sources": [
                {
                    "source": s.source,
                    "statut": "absente" if s.status == ABSENT else "chargee",
                    "fichiers": s.files,
                    "lignes_lues": s.rows_read,
                    "lignes_chargees": s.rows_loaded,
                    "lignes_rejetees": s.rows_rejected,
                }
                for s in self.sources
            ],
            "rejets_acceptes": self.accepted_rejects,
        }


@dataclass
class GateReport:
    load: LoadProvenance
    warnings: list[str]
    build: dict


# --------------------------------------------------------------------------- 1. the build
def _is_reference_seed_test(node: dict, nodes: dict) -> bool:
    """A test of the reference seeds alone (seeds/): repository data, tested by CI."""
    parents = [p for p in node.get("depends_on", {}).get("nodes", []) if p]
    return bool(parents) and all(
        nodes.get(p, {}).get("resource_type") == "seed"
        and nodes.get(p, {}).get("original_file_path", "").startswith("seeds/")
        for p in parents
    )


def required_nodes(manifest: dict) -> dict[str, str]:
    """unique_id -> resource type of every node the data office's build must have run."""
    nodes = manifest.get("nodes", {})
    required = {}
    for uid, node in nodes.items():
        if not node.get("config", {}).get("enabled", True):
            continue
        kind = node.get("resource_type")
        built = kind in {"model", "seed", "snapshot"}
        if built or (kind == "test" and not _is_reference_seed_test(node, nodes)):
            required[uid] = kind
    for uid, node in manifest.get("unit_tests", {}).items():
        path = node.get("original_file_path", "")
        if not path.startswith(CI_ONLY_UNIT_TEST_PATHS):
            required[uid] = "unit_test"
    return required


def build_started_at(artifacts: DbtArtifacts) -> datetime:
    metadata = artifacts.run_results.get("metadata", {})
    if metadata.get("invocation_started_at"):
        return parse_timestamp(metadata["invocation_started_at"])
    elapsed = float(artifacts.run_results.get("elapsed_time") or 0)
    return artifacts.generated_at - timedelta(seconds=elapsed)


def check_build(artifacts: DbtArtifacts) -> tuple[list[str], list[str]]:
    """(problems, warnings) of the build that produced the tables."""
    problems, warnings = [], []
    if not artifacts.same_invocation:
        problems.append(
            _(
                "manifest.json and run_results.json come from two different dbt commands: run "
                "`dbt build --selector main_job` again, then export"
            )
        )
    command = artifacts.invocation.get("command")
    if command != "build":
        problems.append(
            _("the last dbt command was `{command}`, not `dbt build`").format(command=command)
        )
    results = {uid: r.get("status") for uid, r in artifacts._results.items()}
    required = required_nodes(artifacts.manifest)
    names = {**artifacts.manifest.get("nodes", {}), **artifacts.manifest.get("unit_tests", {})}

    def name(uid: str) -> str:
        return names.get(uid, {}).get("name", uid)

    for uid, status in sorted(results.items()):
        if status in {"error", "fail", "skipped", "runtime error"}:
            problems.append(
                _("{kind} {name}: {status}").format(
                    kind=uid.split(".", 1)[0], name=name(uid), status=status
                )
            )
        elif status == "warn":
            warnings.append(_("test {name}: warning").format(name=name(uid)))
    not_run = sorted(uid for uid in required if uid not in results)
    for uid in not_run[:10]:
        problems.append(
            _("{kind} {name}: not run by this build").format(kind=required[uid], name=name(uid))
        )
    if len(not_run) > 10:
        problems.append(
            _("... and {n} more nodes not run by this build").format(n=len(not_run) - 10)
        )
    return problems, warnings


# --------------------------------------------------------------------------- 2. the structure
def check_structure(artifacts: DbtArtifacts) -> list[str]:
    problems = [
        _("structural check: {problem}").format(problem=str(problem))
        for problem in privacy_check.check(artifacts.manifest, artifacts.run_results)
    ]
    n_leaving = len(privacy_check.leaving_models(artifacts.manifest))
    if n_leaving < MIN_LEAVING_MODELS:
        problems.append(
            _("structural check: {n} leaving models in the manifest, {expected} expected").format(
                n=n_leaving, expected=MIN_LEAVING_MODELS
            )
        )
    return problems


# --------------------------------------------------------------------------- 3. the load
def _expected_sources() -> list[str]:
    from pipase.load.contract import read_contracts

    return sorted(read_contracts())


def _source_loads(con: duckdb.DuckDBPyConnection, load_id: str) -> dict[str, SourceLoad]:
    """Per source, from raw.load_sources (one row per source of a load) when the loader wrote
    it, else from the per-file raw.load_report of that load."""
    if encryption.has_table(con, "raw", "load_sources"):
        rows = con.execute(
            "select source, status, files, rows_read, rows_loaded, rows_rejected "
            "from raw.load_sources where load_id = ?",
            [load_id],
        ).fetchall()
    else:
        rows = con.execute(
            "select source, case when bool_and(status = 'absent') then 'absent' "
            "when bool_and(status in ('loaded', 'loaded_with_rejects')) then 'loaded' "
            "else 'failed' end, count(*), sum(rows_read), sum(rows_loaded), "
            "sum(rows_rejected) from raw.load_report where load_id = ? group by source",
            [load_id],
        ).fetchall()
    return {
        r[0]: SourceLoad(r[0], r[1], int(r[2] or 0), int(r[3] or 0), int(r[4] or 0), int(r[5] or 0))
        for r in rows
    }


def check_load(
    con: duckdb.DuckDBPyConnection,
    extraction_date: date,
    build_started: datetime | None,
    *,
    accept_rejects: tuple[str, ...] = (),
    reject_threshold: float = DEFAULT_REJECT_THRESHOLD,
    expected_sources: list[str] | None = None,
    sent_dir: Path | None = None,
) -> tuple[list[str], list[str], LoadProvenance | None]:
    """(problems, warnings, provenance) of the load the tables were built from.

    `build_started` None checks the load alone, before any build (`pipase run` does, so that a
    load the export would refuse does not cost a build first). `sent_dir`, the package folder:
    the run records of the extractions already packaged there are compared with this load's
    files (_already_sent)."""
    problems: list[str] = []
    warnings: list[str] = []
    if not encryption.has_table(con, "raw", "load_extractions"):
        return [_("no `pipase load` recorded in this database (raw.load_extractions)")], [], None
    attempts = con.execute(
        "select load_id, extraction_date, started_at, finished_at, status "
        "from raw.load_extractions order by started_at, load_id"
    ).fetchall()
    done = [a for a in attempts if a[4] == LOADED]
    if not done:
        return [_("no complete `pipase load` in this database")], [], None
    load_id, loaded_date, _started, finished, _status = done[-1]
    for attempt in attempts[attempts.index(done[-1]) + 1 :]:
        when = attempt[1].isoformat() if attempt[1] else "?"
        if attempt[4] == "failed":
            warnings.append(
                _(
                    "a later load ({load_id}, extraction of {date}) failed and changed nothing"
                ).format(load_id=attempt[0], date=when)
            )
        else:
            problems.append(
                _(
                    "the load {load_id} (extraction of {date}) is {status}: the database may "
                    "hold part of it; load the extraction again"
                ).format(load_id=attempt[0], date=when, status=attempt[4])
            )
    if loaded_date != extraction_date:
        problems.append(
            _(
                "the tables come from the extraction of {loaded} (load {load_id}), not of "
                "{requested}: load the extraction of {requested} completely, build, then export"
            ).format(
                loaded=loaded_date.isoformat() if loaded_date else "?",
                load_id=load_id,
                requested=extraction_date.isoformat(),
            )
        )
    finished_utc = finished.replace(tzinfo=UTC) if finished.tzinfo is None else finished
    if build_started is not None and build_started <= finished_utc:
        problems.append(
            _(
                "the dbt build started before the load {load_id} had finished: build again, "
                "then export"
            ).format(load_id=load_id)
        )
    sources = _source_loads(con, load_id)
    for source in expected_sources if expected_sources is not None else _expected_sources():
        found = sources.get(source)
        if found is None:
            problems.append(
                _(
                    "source {source}: not in the load {load_id} and not declared absent "
                    "(pipase load --without {source})"
                ).format(source=source, load_id=load_id)
            )
        elif found.status not in {LOADED, ABSENT}:
            problems.append(
                _("source {source}: {status} in the load {load_id}").format(
                    source=source, status=found.status, load_id=load_id
                )
            )
        elif found.status == LOADED and found.rows_loaded == 0:
            problems.append(
                _("source {source}: no row loaded (empty source)").format(source=source)
            )
    files = con.execute(
        "select file, status, coalesce(rows_read, 0), coalesce(rows_rejected, 0) "
        "from raw.load_report where load_id = ? order by source, file",
        [load_id],
    ).fetchall()
    accepted = set(accept_rejects)
    unknown = sorted(accepted - {f[0] for f in files})
    for file in unknown:
        problems.append(
            _("--accept-rejects {file}: no such file in the load {load_id}").format(
                file=file, load_id=load_id
            )
        )
    accepted_rows = []
    problems += _late_events(con, load_id, extraction_date, files, reject_threshold)
    if sent_dir is not None:
        stale_problems, stale_warnings = _already_sent(con, load_id, extraction_date, sent_dir)
        problems += stale_problems
        warnings += stale_warnings
    for file, status, read, rejected in files:
        if status not in FILE_OK_STATUSES:
            problems.append(_("file {file}: {status}").format(file=file, status=status))
            continue
        if not read:
            # a file of a loaded source with its header only: its tables leave empty (an
            # extraction cut short looks the same), which the data office must see
            warnings.append(
                _(
                    "file {file}: no row (its header only): the tables built from it are empty "
                    "in the package"
                ).format(file=file)
            )
            continue
        if not rejected:
            continue
        rate = rejected / read
        if file in accepted:
            accepted_rows.append(
                {"fichier": file, "lignes_lues": read, "lignes_rejetees": rejected}
            )
        elif rate > reject_threshold:
            problems.append(
                _(
                    "file {file}: {rejected} of {read} rows rejected ({rate:.2%}, above "
                    "{threshold:.2%}); see raw.load_rejects, correct the extraction or accept "
                    "them with --accept-rejects {file}"
                ).format(
                    file=file,
                    rejected=rejected,
                    read=read,
                    rate=rate,
                    threshold=reject_threshold,
                )
            )
    provenance = LoadProvenance(
        load_id=load_id,
        extraction_date=loaded_date,
        finished_at=finished_utc,
        sources=[sources[s] for s in sorted(sources)],
        accepted_rejects=accepted_rows,
    )
    return problems, warnings, provenance


def _late_events(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    extraction_date: date,
    files: list[tuple],
    reject_threshold: float,
) -> list[str]:
    """One problem when, in some file, more than the threshold of the rows record a birth, a
    decision, a start or a payment after the extraction date (rule date_after_extraction): the
    date given to the run is then wrong, and durations cut at it would be too. Accepting the
    file's rejects does not lift it."""
    if not encryption.has_table(con, "raw", "load_rejects"):
        return []
    late = dict(
        con.execute(
            "select file, count(distinct line) from raw.load_rejects "
            "where load_id = ? and rule = 'date_after_extraction' group by file",
            [load_id],
        ).fetchall()
    )
    read = {f[0]: f[2] for f in files}
    over = sorted(f for f, n in late.items() if read.get(f) and n / read[f] > reject_threshold)
    if not over:
        return []
    return [
        _(
            "the extraction date {date} precedes the dates of {rows} rows (births, decisions, "
            "starts, payments recorded after it) in {files}: is it the right extraction "
            "date? Run again with the date the files were extracted (--extraction-date); "
            "--accept-rejects does not accept these"
        ).format(
            date=extraction_date.isoformat(),
            rows=sum(late[f] for f in over),
            files=", ".join(over),
        )
    ]


# --------------------------------------------------------------------------- 4. the cohort
# A run record of an extraction packaged: written by `pipase run` beside its package
# (pipase_<date>.run.json; a run that made no package writes pipase_<date>.run.sans_paquet_*).
SENT_RECORD_GLOB = "pipase_*.run.json"
SENT_STATUS = "termine"


def _sent_files(sent_dir: Path) -> tuple[list[tuple[str, str, dict[str, list[str]]]], list[str]]:
    """The extractions packaged in `sent_dir`: (extraction date, record file name, the SHA-256
    of each source's files, sorted), and a warning per record that cannot be read."""
    sent, warnings = [], []
    for path in sorted(sent_dir.glob(SENT_RECORD_GLOB)):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("statut") != SENT_STATUS or not record.get("paquet"):
                continue
            by_source: dict[str, list[str]] = {}
            for entry in record.get("fichiers") or []:
                by_source.setdefault(str(entry["source"]), []).append(str(entry["sha256"]))
            sent.append((str(record["date_extraction"]), path.name, by_source))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            warnings.append(
                _(
                    "run record {file}: unreadable, not compared with this extraction's files"
                ).format(file=path.name)
            )
    return [(day, name, {k: sorted(v) for k, v in files.items()}) for day, name, files in sent], (
        warnings
    )


def _already_sent(
    con: duckdb.DuckDBPyConnection, load_id: str, extraction_date: date, sent_dir: Path
) -> tuple[list[str], list[str]]:
    """A stale extraction: this load's files, byte for byte (SHA-256), are those of an
    extraction of another date already packaged in `sent_dir` (its run record). Every source
    so: a re-dated copy of an old extraction, refused. Some sources so: a warning each (a
    source no longer fed, or its files not renewed). Nothing is compared when `sent_dir` holds
    no run record (a first run, another package folder)."""
    if not sent_dir.is_dir():
        return [], []
    sent, warnings = _sent_files(sent_dir)
    rows = con.execute(
        "select source, list(file_sha256 order by file_sha256), bool_and(file_sha256 is not null)"
        " from raw.load_report where load_id = ? group by source order by source",
        [load_id],
    ).fetchall()
    current = {source: hashes for source, hashes, complete in rows if complete}
    stale: dict[str, tuple[str, str]] = {}
    for day, name, files in sent:
        if day == extraction_date.isoformat():
            continue
        for source, hashes in current.items():
            if files.get(source) == hashes and day > stale.get(source, ("", ""))[0]:
                stale[source] = (day, name)
    if current and set(stale) == set(current):
        day, name = max(stale.values())
        return [
            _(
                "every file of this extraction is, byte for byte, a file of the extraction of "
                "{date} already packaged ({record}): a stale or mis-dated extraction; extract "
                "the sources again"
            ).format(date=day, record=name)
        ], warnings
    for source, (day, name) in sorted(stale.items()):
        warnings.append(
            _(
                "source {source}: its files are, byte for byte, those of the extraction of "
                "{date} already packaged ({record}): a source no longer fed, or files not "
                "extracted again?"
            ).format(source=source, date=day, record=name)
        )
    return [], warnings


def check_cohort(con: duckdb.DuckDBPyConnection, artifacts: DbtArtifacts) -> list[str]:
    for table in artifacts.leaving_tables():
        if table.name == COHORT_TABLE:
            try:
                n = con.execute(f'select count(*) from "{table.schema}"."{table.name}"').fetchone()
            except duckdb.Error:
                return []  # a missing table is named by the export's own table check
            if n[0] == 0:
                return [_("the cohort table {table} is empty").format(table=table.name)]
    return []


# --------------------------------------------------------------------------- all together
def check(
    artifacts: DbtArtifacts,
    con: duckdb.DuckDBPyConnection,
    extraction_date: date,
    *,
    accept_rejects: tuple[str, ...] = (),
    reject_threshold: float = DEFAULT_REJECT_THRESHOLD,
    sent_dir: Path | None = None,
) -> GateReport:
    """Every condition at once; raises :class:`ExportRefused` with every reason."""
    problems, warnings = check_build(artifacts)
    problems += check_structure(artifacts)
    load_problems, load_warnings, provenance = check_load(
        con,
        extraction_date,
        build_started_at(artifacts),
        accept_rejects=accept_rejects,
        reject_threshold=reject_threshold,
        sent_dir=sent_dir,
    )
    problems += load_problems
    warnings += load_warnings
    problems += check_cohort(con, artifacts)
    if problems or provenance is None:
        raise ExportRefused(problems)
    return GateReport(
        load=provenance,
        warnings=warnings,
        build={
            **artifacts.invocation,
            "debut": build_started_at(artifacts).isoformat(timespec="seconds"),
            "noeuds_requis": len(required_nodes(artifacts.manifest)),
        },
    )
