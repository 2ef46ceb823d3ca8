"""The main job, once: load, hash-rate measure, `dbt build`, gate and export, and the record.

:func:`run_main_job` is the one sequence that `pipase run`, `make demo`, `make dbt-test`,
`scripts/build_docs.py` and `pipase bench` use. It reports progress to a
:class:`pipase.run.progress.Reporter` (never prints), times every stage (wall and CPU seconds,
peak memory of this process and its children), writes the run record
(:mod:`pipase.run.record`) whatever the outcome, and returns a :class:`RunResult`; a refusal or
a failure raises a :class:`pipase.errors.PipaseError` carrying that result (`error.run_result`)
after the record is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import resource
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

import pipase
from pipase import gate, paths
from pipase.connection_secrets import (
    HASH_KEY_ENV,
    MEMORY_LIMIT_ENV,
    duckdb_share,
    memory_limit_from_env,
)
from pipase.docsite.numbers import fr_int
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.linkage.probabilistic import MODEL_ENV
from pipase.run import dbt_build, hash_rate, record
from pipase.run.progress import Reporter

try:
    import psutil
except ImportError:  # pragma: no cover - psutil comes with py7zr
    psutil = None

MAIN_JOB_SELECTOR = "main_job"
STAGES = ("load", "hash_rate", "build", "export")
OK, FAILED, REFUSED, NOT_RUN = "ok", "echec", "refus", "non_lance"


def stage_labels() -> dict[str, str]:
    return {
        "load": _("load"),
        "hash_rate": _("hash-rate measure"),
        "build": _("build (dbt)"),
        "export": _("gate and package"),
    }


@dataclass
class RunSettings:
    """What one run does; :meth:`check` refuses what cannot work before any long step."""

    extraction_dir: Path
    extraction_date: date
    database: Path
    out_dir: Path | None  # None: no gate, no package (the docs' synthetic run)
    target_dir: Path | None = None  # default <project>/target
    log_dir: Path | None = None  # default <project>/logs
    record_dir: Path | None = None  # default out_dir, else the database's folder
    without: tuple[str, ...] = ()
    accept_rejects: tuple[str, ...] = ()
    reject_threshold: float = gate.DEFAULT_REJECT_THRESHOLD
    keyed: bool = False
    threads: int | None = None
    memory_limit: str | None = None
    selector: str | None = MAIN_JOB_SELECTOR  # None: a plain `dbt build` (CI runs every test)
    overwrite: bool = False
    stop_on_build_failure: bool = True
    hash_rate_messages: int = hash_rate.DEFAULT_MESSAGES
    dbt_in_process: bool = True
    # a probabilistic model saved by an earlier run (`--modele`); None: trained on this one
    model_path: Path | None = None

    def __post_init__(self) -> None:
        self.extraction_dir = Path(self.extraction_dir).resolve()
        self.database = Path(self.database).resolve()
        self.out_dir = Path(self.out_dir).resolve() if self.out_dir is not None else None
        self.target_dir = Path(self.target_dir or paths.project_dir() / "target").resolve()
        self.log_dir = Path(self.log_dir or paths.project_dir() / "logs").resolve()
        default_record = self.out_dir if self.out_dir is not None else self.database.parent
        self.record_dir = Path(self.record_dir or default_record).resolve()
        self.without = tuple(self.without)
        self.accept_rejects = tuple(self.accept_rejects)
        self.model_path = Path(self.model_path).resolve() if self.model_path else None

    @property
    def archive_path(self) -> Path | None:
        if self.out_dir is None:
            return None
        return self.out_dir / f"pipase_{self.extraction_date.isoformat()}.7z"

    @property
    def record_path(self) -> Path:
        return self.record_dir / f"pipase_{self.extraction_date.isoformat()}.run.json"

    @property
    def model_out_path(self) -> Path:
        """Where the run saves the probabilistic model it used (beside the record)."""
        name = f"pipase_{self.extraction_date.isoformat()}.modele_probabiliste.json"
        return self.record_dir / name

    @property
    def encrypted(self) -> bool:
        return bool(os.environ.get("PIPASE_DB_KEY"))

    def check(self) -> None:
        """Refuse at once what would fail after minutes of work."""
        if not self.extraction_dir.is_dir():
            raise PipaseError(
                _("no such extraction folder"), rule="missing_folder", file=str(self.extraction_dir)
            )
        if self.keyed and not os.environ.get(HASH_KEY_ENV):
            raise PipaseError(
                _("the keyed variant needs its secret: set the environment variable {name}")
                .format(name=HASH_KEY_ENV),
                rule="missing_hash_key",
            )  # fmt: skip
        if self.memory_limit is not None:
            try:
                memory_limit_from_env({MEMORY_LIMIT_ENV: self.memory_limit})
            except ValueError:
                raise PipaseError(
                    _("memory limit {value!r}: expected a size such as 3GB or 3500MiB").format(
                        value=self.memory_limit
                    ),
                    rule="memory_limit",
                ) from None
        if self.model_path is not None:
            from pipase.linkage.probabilistic import load_model

            load_model(self.model_path)  # unreadable or not a model: refused before the load
        if self.archive_path is not None and self.archive_path.exists() and not self.overwrite:
            raise PipaseError(
                _("the package already exists (--overwrite replaces it)"),
                rule="archive_exists",
                file=str(self.archive_path),
            )


@dataclass
class StageTiming:
    name: str
    status: str = NOT_RUN
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_memory_mb: float | None = None
    summary: str = ""

    def as_dict(self) -> dict:
        return {
            "statut": self.status,
            "secondes": round(self.seconds, 2),
            "cpu_secondes": round(self.cpu_seconds, 2),
            "pic_memoire_mo": self.peak_memory_mb,
        }


@dataclass
class RunResult:
    settings: RunSettings
    status: str = "en_cours"  # termine | refuse | echoue
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    stages: dict[str, StageTiming] = field(
        default_factory=lambda: {name: StageTiming(name) for name in STAGES}
    )
    load: object | None = None  # pipase.load.LoadResult
    measured: dict | None = None
    build: dbt_build.BuildOutcome | None = None
    export: object | None = None  # pipase.transmission.export_cmd.ExportReport
    warnings: list[str] = field(default_factory=list)
    error: PipaseError | None = None
    record: dict | None = None
    record_path: Path | None = None
    record_markdown: Path | None = None
    total_seconds: float = 0.0
    model: dict | None = None  # the probabilistic model saved with the run (file, origin, SHA-256)

    @property
    def timings(self) -> dict[str, dict]:
        """Per-stage timings (seconds, CPU seconds, peak memory in MB, status)."""
        return {name: stage.as_dict() for name, stage in self.stages.items()}


# --------------------------------------------------------------------------- measuring
class _MemorySampler:
    """Peak resident memory of this process and its children, sampled every 0.1 s."""

    def __init__(self) -> None:
        self._peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._process = psutil.Process() if psutil is not None else None

    def _rss(self) -> int:
        total = 0
        try:
            total = self._process.memory_info().rss
            for child in self._process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
        except psutil.Error:
            pass
        return total

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            self._peak = max(self._peak, self._rss())

    def start(self) -> None:
        if self._process is not None:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()

    def reset(self) -> None:
        self._peak = self._rss() if self._process is not None else 0

    def peak_mb(self) -> float | None:
        if self._process is None:
            return None
        return round(max(self._peak, self._rss()) / 2**20, 1)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)


def _cpu_now() -> float:
    own = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + children.ru_utime + children.ru_stime


@contextlib.contextmanager
def _stage(
    result: RunResult, name: str, reporter: Reporter, sampler: _MemorySampler, total=None
) -> Iterator[StageTiming]:
    timing = result.stages[name]
    label = stage_labels()[name]
    reporter.stage_started(name, label, total)
    sampler.reset()
    started, cpu = time.perf_counter(), _cpu_now()
    timing.status = FAILED
    try:
        yield timing
    except PipaseError as error:
        timing.status = REFUSED if getattr(error, "rule", None) == "export_refused" else FAILED
        raise
    finally:
        timing.seconds = time.perf_counter() - started
        timing.cpu_seconds = _cpu_now() - cpu
        timing.peak_memory_mb = sampler.peak_mb()
        reporter.stage_finished(name, timing.seconds, timing.summary, ok=timing.status == OK)


@contextlib.contextmanager
def _environment(settings: RunSettings) -> Iterator[dict[str, str]]:
    values = {
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PIPASE_DUCKDB_PATH": str(settings.database),
        "PIPASE_PROJECT_DIR": str(paths.project_dir()),
    }
    if settings.memory_limit is not None:
        # the run's budget: DuckDB gets its share, the rest is Python's, dbt's and Splink's
        values[MEMORY_LIMIT_ENV] = duckdb_share(settings.memory_limit)
    # the build's probabilistic model: the given one, else trained (an empty value)
    values[MODEL_ENV] = str(settings.model_path) if settings.model_path else ""
    with dbt_build.environment(values):
        yield values


# --------------------------------------------------------------------------- the stages
class _LoadLines:
    """The loader's progress stream: each line becomes a note; a file's final line (its
    counts, or its status) advances the load's bar."""

    def __init__(self, reporter: Reporter, expected: list[str]) -> None:
        self.reporter = reporter
        self.expected = expected
        self.done: list[str] = []
        self._buffer = ""

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        pass

    def write(self, text: str) -> int:
        self._buffer += text.replace("\r", "\n")
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            if line.strip():
                self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        self.reporter.note(line)
        name, _sep, rest = line.strip().partition(": ")
        # a quarter line of a big file says "25% ..."; a final line has the seconds "(1.2 s"
        if rest and "/" in name and not rest.split(" ", 1)[0].endswith("%"):
            if name not in self.done:
                self.done.append(name)
            total = max(len(self.expected), len(self.done))
            self.reporter.stage_progress("load", len(self.done), total, detail=name)


def _expected_files(without: tuple[str, ...]) -> list[str]:
    from pipase.load.contract import read_contracts

    return [
        f"{source}/{spec.file}"
        for source, contract in read_contracts().items()
        if source not in without
        for spec in contract.files
    ]


def _as_pipase_error(error: Exception, rule: str) -> PipaseError:
    if isinstance(error, PipaseError):
        return error
    return PipaseError(
        getattr(error, "message", None) or str(error).splitlines()[0],
        rule=getattr(error, "rule", None) or rule,
        file=getattr(error, "file", None),
        line=getattr(error, "line", None),
        column=getattr(error, "column", None),
    )


def _load(settings: RunSettings, reporter: Reporter, timing: StageTiming):
    from pipase.load.errors import LoadError
    from pipase.load.loader import load_extraction
    from pipase.transmission import encryption

    expected = _expected_files(settings.without)
    stream = _LoadLines(reporter, expected)
    reporter.stage_progress("load", 0, len(expected))
    kwargs: dict = {"extraction_date": settings.extraction_date, "progress": stream}
    if settings.without:
        kwargs["absent"] = list(settings.without)  # declared absent (pipase load --without)
    try:
        if settings.encrypted:
            con = encryption.connect(settings.database)
            try:
                result = load_extraction(settings.extraction_dir, connection=con, **kwargs)
            finally:
                con.close()
        else:
            result = load_extraction(settings.extraction_dir, settings.database, **kwargs)
    except (LoadError, ValueError, encryption.EncryptionError) as error:
        raise _as_pipase_error(error, "load") from None
    read = sum(f.rows_read or 0 for f in result.files)
    loaded = sum(f.rows_loaded or 0 for f in result.files)
    timing.summary = _("{read} rows read, {loaded} loaded, {rejected} rejected").format(
        read=_count(read), loaded=_count(loaded), rejected=_count(result.rows_rejected)
    )
    return result


def _check_load(result, timing: StageTiming) -> None:
    if result.errors:
        first = result.errors[0]
        raise PipaseError(
            _("the load stopped for source(s) {sources} (left unchanged); first problem: "
              "{problem}").format(sources=", ".join(result.failed_sources), problem=str(first)),
            rule="load_failed",
        )  # fmt: skip
    timing.status = OK


def _gate_the_load(settings: RunSettings) -> None:
    """The export's load conditions (gate part 3: every source, the rejects, the extraction
    date), checked before the build: a load the export would refuse costs no build."""
    from pipase.transmission import encryption

    con = encryption.connect(settings.database, read_only=True)
    try:
        problems, _warnings, _provenance = gate.check_load(
            con,
            settings.extraction_date,
            None,
            accept_rejects=settings.accept_rejects,
            reject_threshold=settings.reject_threshold,
            sent_dir=settings.out_dir,
        )
    finally:
        con.close()
    if problems:
        raise gate.ExportRefused(problems)


def _count(n: int | None) -> str:
    return fr_int(n or 0)


def _build(settings: RunSettings, reporter: Reporter, timing: StageTiming, env: dict[str, str]):
    args = dbt_build.dbt_arguments(
        selector=settings.selector,
        project_dir=paths.project_dir(),
        profiles_dir=Path(os.environ.get("DBT_PROFILES_DIR") or paths.project_dir()),
        target_dir=settings.target_dir,
        log_dir=settings.log_dir,
        threads=settings.threads,
        keyed=settings.keyed,
        target="duckdb_encrypted" if settings.encrypted else None,
    )
    command = dbt_build.shown_command(args)
    state = {"total": None, "done": 0}
    lock = threading.Lock()

    def on_node(event) -> None:
        with lock:
            if event[0] == "phase":
                if event[1] == "full_parse":
                    reporter.note(
                        _(
                            "dbt reads the whole project (first build with this target folder): "
                            "about a minute"
                        )  # fmt: skip
                    )
                else:
                    reporter.stage_progress("build", 0, None, detail=_("running the nodes"))
                return
            if event[0] == "start":
                state["total"] = event[2] or state["total"]
                reporter.stage_progress("build", state["done"], state["total"], detail=event[3])
                return
            _kind, kind, name, status = event
            state["done"] += 1
            if status not in dbt_build.PASSING:
                reporter.note(_("{kind} {name}: {status}").format(kind=kind, name=name,
                                                                    status=status))  # fmt: skip
            reporter.stage_progress("build", state["done"], state["total"], detail=name)

    since = time.time() - 1
    reporter.stage_progress("build", 0, None, detail=_("reading the dbt project"))
    if settings.dbt_in_process:
        failure = dbt_build.run_in_process(args, env, on_node)
    else:
        failure = dbt_build.run_subprocess(args, env, on_node)
    outcome = dbt_build.summarise(settings.target_dir, command, since)
    if outcome is None:
        detail = str(failure).strip().splitlines()[0] if failure else ""
        raise PipaseError(
            _("dbt build did not run: {detail}").format(detail=detail or _("no run results")),
            rule="build_failed",
        )
    outcome.in_process = settings.dbt_in_process
    counts: dict[str, int] = {}
    for statuses in outcome.by_kind.values():
        for status, n in statuses.items():
            counts[status] = counts.get(status, 0) + n
    timing.summary = _("{nodes} nodes: {statuses}").format(
        nodes=outcome.nodes, statuses=", ".join(f"{s} {n}" for s, n in sorted(counts.items()))
    )
    if not outcome.ok and settings.stop_on_build_failure:
        failing = [f for f in outcome.not_passing if f["statut"] != "warn"]
        failing.sort(key=lambda f: f["statut"] == "skipped")  # what failed first, then skipped
        shown = ", ".join(f"{f['type']} {f['nom']} ({f['statut']})" for f in failing[:10])
        more = len(failing) - 10
        raise _BuildFailed(
            _("the build did not pass: {nodes}").format(nodes=shown)
            + (_(" and {n} more").format(n=more) if more > 0 else "")
            + _(" (details in {log})").format(log=settings.log_dir / "dbt.log"),
            outcome,
        )
    timing.status = OK
    return outcome


class _BuildFailed(PipaseError):
    def __init__(self, message: str, outcome: dbt_build.BuildOutcome) -> None:
        super().__init__(message, rule="build_failed")
        self.outcome = outcome


def _export(settings: RunSettings, password: str | None, timing: StageTiming):
    from pipase.transmission import encryption, export_cmd

    try:
        report = export_cmd.export(
            database=settings.database,
            target_dir=settings.target_dir,
            out_dir=settings.out_dir,
            extraction_date=settings.extraction_date,
            password=password,
            overwrite=settings.overwrite,
            accept_rejects=settings.accept_rejects,
            reject_threshold=settings.reject_threshold,
        )
    except PipaseError:
        raise
    except (encryption.EncryptionError, duckdb.Error, OSError) as error:
        raise PipaseError(str(error).splitlines()[0], rule="export") from None
    timing.summary = _("{tables} tables, {rows} rows").format(
        tables=len(report.tables), rows=_count(sum(t.rows for t in report.tables))
    )
    timing.status = OK
    return report


# --------------------------------------------------------------------------- the record
def _built_models(settings: RunSettings, since: float) -> set[str] | None:
    outcome_path = settings.target_dir / "run_results.json"
    if not outcome_path.is_file() or outcome_path.stat().st_mtime < since:
        return None
    import json

    run = json.loads(outcome_path.read_text(encoding="utf-8"))
    return {
        r["unique_id"].rsplit(".", 1)[-1]
        for r in run.get("results", [])
        if r.get("unique_id", "").startswith("model.") and r.get("status") == "success"
    }


def _save_model(settings: RunSettings, warnings: list[str]) -> dict | None:
    """Write the probabilistic model the build used beside the run record (never exported:
    it stays at the Department, for `pipase run --modele` on the next extraction)."""
    from pipase.transmission import encryption

    try:
        con = encryption.connect(settings.database, read_only=True)
    except (encryption.EncryptionError, duckdb.Error):
        return None
    try:
        row = con.execute(
            "select origine_modele, modele_json from identifying.int_keys__modele_probabiliste"
        ).fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    if row is None:
        warnings.append(_("the probabilistic model was not built: not saved"))
        return None
    origin, text = row
    path = settings.model_out_path
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(data, encoding="utf-8")
    return {
        "fichier": path.name,
        "origine": origin,
        "modele_fourni": str(settings.model_path) if settings.model_path else None,
        "sha256": hashlib.sha256(data.encode("utf-8")).hexdigest(),
    }


def build_record(result: RunResult, password: str | None, build_since: float | None) -> dict:
    """The record of `result` (see :mod:`pipase.run.record`)."""
    settings = result.settings
    keyed = settings.keyed
    out: dict = {
        "format": record.RECORD_FORMAT,
        "version_format": record.RECORD_FORMAT_VERSION,
        "statut": result.status,
        "motif": str(result.error) if result.error else None,
        "date_extraction": settings.extraction_date.isoformat(),
        "debut": result.started_at.isoformat(timespec="seconds"),
        "fin": (result.finished_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "dossier_extraction": str(settings.extraction_dir),
        "base": str(settings.database),
        "commande": {
            "selecteur": settings.selector,
            "sans": list(settings.without),
            "rejets_acceptes": list(settings.accept_rejects),
            "seuil_rejets": settings.reject_threshold,
            "threads": settings.threads,
            "limite_memoire": settings.memory_limit,
            "limite_memoire_duckdb": (
                duckdb_share(settings.memory_limit) if settings.memory_limit else None
            ),
            "dbt": "en processus" if settings.dbt_in_process else "sous-processus",
            "base_chiffree": settings.encrypted,
        },
        "protocole": {
            "version": pipase.PROTOCOL_VERSION,
            "variante": "keyed" if keyed else "plain",
            "algorithme": "HMAC-SHA-256" if keyed else "SHA-256",
        },
        "empreintes_secrets": record.secret_fingerprints(archive_password=password),
        "methode_empreinte": record.FINGERPRINT_METHOD,
        "versions": record.versions(),
        "chargement": None,
        "fichiers": [],
        "rejets": [],
        "mesure_hachage": result.measured,
        "construction": None,
        "rapports": {},
        "masquages": [],
        "controle_export": None,
        "paquet": None,
        "modele_probabiliste": result.model,
        "durees": result.timings,
        "secondes_total": round(result.total_seconds, 2),
        "avertissements": list(result.warnings),
    }
    load = result.load
    if load is not None:
        out["chargement"] = {
            "id_chargement": load.load_id,
            "statut": load.status,
            "lignes_lues": sum(f.rows_read or 0 for f in load.files),
            "lignes_chargees": sum(f.rows_loaded or 0 for f in load.files),
            "lignes_rejetees": load.rows_rejected,
            "lignes_avec_avertissement": load.rows_with_warnings,
        }
    build = result.build
    if build is not None:
        out["construction"] = {
            "commande": build.command,
            "noeuds": build.nodes,
            "par_type": build.by_kind,
            "non_reussis": build.not_passing,
            "secondes_dbt": build.seconds,
        }
    if result.export is not None:
        report = result.export
        out["paquet"] = {
            "fichier": report.archive.name,
            "octets": report.archive_bytes,
            "sha256": report.archive_sha256,
            "manifeste": report.manifest_copy.name,
            "tables": [
                {"nom": t.name, "lignes": t.rows, "octets": t.bytes, "sha256": t.sha256}
                for t in report.tables
            ],
        }
        out["controle_export"] = {"avertissements": list(report.warnings)}
    if load is not None and settings.database.is_file():
        from pipase.transmission import encryption

        try:
            con = encryption.connect(settings.database, read_only=True)
        except (encryption.EncryptionError, duckdb.Error) as error:
            out["avertissements"].append(
                _("the database could not be read for the record: {reason}").format(
                    reason=str(error).splitlines()[0]
                )
            )
            return out
        try:
            seconds = {f.file: round(f.seconds, 2) for f in load.files}
            out["fichiers"], out["rejets"] = record.read_load(
                con, load.load_id, settings.extraction_dir, seconds
            )
            built = _built_models(settings, build_since) if build_since is not None else None
            reports, masked, warnings = record.read_reports(con, built)
            out["rapports"], out["masquages"] = reports, masked
            out["avertissements"] += warnings
            from pipase.linkage import revue

            # the agents' review decisions kept in the database (applied ones: the reports)
            out["revue"] = revue.stored_counts(con)
        finally:
            con.close()
    return out


# --------------------------------------------------------------------------- the job
def _record_path(settings: RunSettings, result: RunResult) -> Path:
    """The record's file: the package's own name, unless this run made no package while an
    earlier run's package is there: its record stays, this one is written beside it with the
    time of the run (an adversarial tester's failed `--overwrite` run replaced the record of
    the package still in place)."""
    path = settings.record_path
    archive = settings.archive_path
    if result.status != "termine" and archive is not None and archive.exists() and path.exists():
        stamp = (result.finished_at or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
        path = path.with_name(path.name.replace(".run.json", f".run.sans_paquet_{stamp}.json"))
    return path


def run_main_job(
    settings: RunSettings, *, password: str | None = None, progress: Reporter | None = None
) -> RunResult:
    """Load, measure, build, check and export one extraction; write its record.

    `password` is the archive's (asked by the caller before the long work; None reads it from
    PIPASE_ARCHIVE_PASSWORD or the terminal when the package is written). Returns the
    :class:`RunResult`; raises :class:`PipaseError` (with ``error.run_result``) when a stage
    fails or the gate refuses, after writing the record."""
    from pipase.load.loader import unknown_files

    reporter = progress or Reporter()
    settings.check()
    result = RunResult(settings)
    started = time.perf_counter()
    sampler = _MemorySampler()
    sampler.start()
    build_since: float | None = None
    try:
        with _environment(settings) as env:
            with _stage(result, "load", reporter, sampler) as timing:
                result.load = _load(settings, reporter, timing)
                _check_load(result.load, timing)  # the record keeps the files even so
                if settings.out_dir is not None:
                    _gate_the_load(settings)
                for name in unknown_files(settings.extraction_dir):
                    result.warnings.append(
                        _(
                            "{file}: a file no contract names, not loaded (its rows are in no "
                            "count)"
                        ).format(file=name)  # fmt: skip
                    )
            with _stage(result, "hash_rate", reporter, sampler) as timing:
                result.measured = hash_rate.measure_and_write(
                    settings.database, settings.hash_rate_messages
                )
                rate = result.measured["hash_rate"]["hachages_par_seconde"]
                timing.summary = _("{rate} SHA-256 per second").format(rate=_count(rate))
                timing.status = OK
            build_since = time.time() - 1
            with _stage(result, "build", reporter, sampler) as timing:
                try:
                    result.build = _build(settings, reporter, timing, env)
                except _BuildFailed as failed:
                    result.build = failed.outcome
                    raise
                if not result.build.ok:
                    result.warnings.append(
                        _("the build did not pass: no package (see the record's build section)")
                    )
            result.model = _save_model(settings, result.warnings)
            if settings.out_dir is not None and result.build.ok:
                with _stage(result, "export", reporter, sampler) as timing:
                    result.export = _export(settings, password, timing)
                    result.warnings += list(result.export.warnings)
        result.status = "termine"
    except PipaseError as error:
        result.error = error
        result.status = "refuse" if error.rule == "export_refused" else "echoue"
    except KeyboardInterrupt:
        result.error = PipaseError(_("interrupted"), rule="interrupted")
        result.status = "echoue"
        raise
    except Exception as error:  # a bug: recorded by its type only (a message may quote data)
        result.status = "echoue"
        result.warnings.append(
            _("internal error {kind}: see the traceback").format(kind=type(error).__name__)
        )
        raise
    finally:
        sampler.stop()
        result.finished_at = datetime.now(UTC)
        result.total_seconds = time.perf_counter() - started
        result.record = build_record(result, password, build_since)
        path = _record_path(settings, result)
        result.record_markdown = record.write_record(result.record, path)
        result.record_path = path
        reporter.close()
    if result.error is not None:
        result.error.run_result = result  # type: ignore[attr-defined]
        raise result.error
    return result
