"""The run's `dbt build`: in this process through dbt's programmatic API, or in a subprocess.

In process (the default): ``dbt.cli.main.dbtRunner`` with a callback on dbt's events, so each
node's start and end reach the progress display as they happen; dbt's own console output is
off (``--log-level none``), its file log is kept at info level (``--log-level-file info``,
``--log-path``: each node's result and a failure's error, where a failed build points). After
the invocation the DuckDB database that dbt-duckdb keeps open is closed, so that the export can
open it.

In a subprocess: the same arguments plus ``--log-format json``; the node events are read from
its standard output, one JSON object per line.

Either way the outcome is read from dbt's own ``run_results.json``; the events only drive the
display. Only node names, kinds and statuses are passed on, never a message of dbt (a failing
test's message may quote a value).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipase.i18n import _

# What a callback receives: ("start", index, total, name), ("end", kind, name, status) or
# ("phase", "full_parse" | "parsed").
NodeEvent = tuple
_PHASES = {"UnableToPartialParse": "full_parse", "FoundStats": "parsed"}
PASSING = {"success", "pass"}
_FINAL = {"success", "pass", "fail", "error", "warn", "skipped", "runtime error", "no-op"}


@dataclass
class BuildOutcome:
    """What the build did, from run_results.json (names and statuses only)."""

    command: str
    ok: bool
    seconds: float = 0.0
    nodes: int = 0
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    not_passing: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None  # dbt could not run (project, profile, parse): its first lines
    in_process: bool = True


def dbt_arguments(
    *,
    selector: str | None,
    project_dir: Path,
    profiles_dir: Path,
    target_dir: Path,
    log_dir: Path,
    threads: int | None = None,
    keyed: bool = False,
    target: str | None = None,
) -> list[str]:
    args = ["build"]
    if selector:
        args += ["--selector", selector]
    args += ["--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir)]
    args += ["--target-path", str(target_dir), "--log-path", str(log_dir)]
    if threads:
        args += ["--threads", str(threads)]
    if keyed:
        args += ["--vars", "{pipase_keyed: true}"]
    if target:
        args += ["--target", target]
    return args


def shown_command(args: list[str]) -> str:
    """The command as a user would type it, without the folders."""
    shown, skip = ["dbt"], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("--project-dir", "--profiles-dir", "--target-path", "--log-path"):
            skip = True
            continue
        shown.append(f"'{arg}'" if " " in arg else arg)
    return " ".join(shown)


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` set for the duration (dbt's plugin reads the secrets there)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _close_dbt_duckdb() -> None:
    """Close the database dbt-duckdb keeps open in this process after an invocation."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            with contextlib.suppress(Exception):
                env.close()
            DuckDBConnectionManager._ENV = None


def _node_event(name: str, data) -> NodeEvent | None:
    """A node's start or end from one dbt event (protobuf message or dict from JSON)."""

    def get(obj, key, default=None):
        if isinstance(obj, dict):
            return obj.get(key, default)
        return getattr(obj, key, default)

    if name in _PHASES:
        return ("phase", _PHASES[name])
    if name == "LogStartLine":
        info = get(data, "node_info") or {}
        return ("start", int(get(data, "index") or 0), int(get(data, "total") or 0),
                get(info, "node_name") or "")  # fmt: skip
    if name == "NodeFinished" or (name.startswith("Log") and name.endswith("Result")):
        info = get(data, "node_info") or {}
        status = str(get(info, "node_status") or "")
        if name == "NodeFinished":
            result = get(data, "run_result") or {}
            status = str(get(result, "status") or status)
        if status.lower() not in _FINAL:
            return None
        return ("end", get(info, "resource_type") or "", get(info, "node_name") or "",
                status.lower())  # fmt: skip
    return None


def run_in_process(args: list[str], env: dict[str, str], on_node: Callable[[NodeEvent], None]):
    """dbtRunner.invoke(args); returns dbt's exception, if any."""
    from dbt.cli.main import dbtRunner

    seen_end: set[str] = set()

    def callback(event) -> None:
        name = event.info.name
        if name not in ("LogStartLine", "NodeFinished", *_PHASES):
            return
        found = _node_event(name, event.data)
        if found is None:
            return
        if found[0] == "end":  # NodeFinished only (the Log*Result events repeat it)
            key = f"{found[1]}.{found[2]}"
            if key in seen_end:
                return
            seen_end.add(key)
        on_node(found)

    # the console off; the file log at info (node results and errors, no compiled SQL): dbt
    # applies --log-level to the file too unless --log-level-file is given, and a failed build
    # pointed to a dbt.log that held nothing
    invoked = [*args, "--log-level", "none", "--log-level-file", "info"]
    saved_argv = sys.argv
    # dbt records `dbt ` + sys.argv[1:] as the invocation command (run_results.json, the docs'
    # run page): the command dbt runs, not the one of the calling program.
    sys.argv = ["dbt", *invoked]
    with environment(env):
        try:
            result = dbtRunner(callbacks=[callback]).invoke(invoked)
        finally:
            sys.argv = saved_argv
            _close_dbt_duckdb()
    return result.exception


def run_subprocess(args: list[str], env: dict[str, str], on_node: Callable[[NodeEvent], None]):
    """`dbt ARGS --log-format json` in a subprocess; returns an error text or None."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt) if dbt.exists() else "dbt", *args, "--log-format", "json"]
    tail: list[str] = []
    with subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                tail = (tail + [line.rstrip()])[-5:]
                continue
            name = (event.get("info") or {}).get("name", "")
            found = _node_event(name, event.get("data") or {})
            if found is not None:
                on_node(found)
            elif name in ("MainEncounteredError", "RunResultError", "GenericExceptionOnRun"):
                tail = (tail + [(event.get("info") or {}).get("msg", "")])[-5:]
        code = process.wait()
    if code not in (0, 1):
        return _("dbt stopped with exit code {code}").format(code=code) + (
            ": " + " / ".join(t for t in tail if t) if tail else ""
        )
    return None


def node_name(uid: str) -> str:
    """A node's name as a person reads it: `test.pipase.unique_x.5863a9dd10` is `unique_x`
    (a generic test's id ends with a hash), `model.pipase.int_x` is `int_x`."""
    parts = uid.split(".")
    if parts[0] == "test" and len(parts) >= 3:
        return parts[2]
    return parts[-1]


def summarise(target_dir: Path, command: str, since: float) -> BuildOutcome | None:
    """The build's nodes by kind and status, and the ones that did not pass, from
    run_results.json (None when the file is older than `since`: this build wrote none)."""
    path = target_dir / "run_results.json"
    if not path.is_file() or path.stat().st_mtime < since:
        return None
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    outcome = BuildOutcome(command=command, ok=True)
    for result in run.get("results", []):
        uid = str(result.get("unique_id") or "")
        kind = uid.split(".", 1)[0]
        status = str(result.get("status") or "")
        outcome.nodes += 1
        counts = outcome.by_kind.setdefault(kind, {})
        counts[status] = counts.get(status, 0) + 1
        if status not in PASSING:
            outcome.not_passing.append({"type": kind, "nom": node_name(uid), "statut": status})
            if status != "warn":
                outcome.ok = False
    outcome.seconds = round(float(run.get("elapsed_time") or 0.0), 2)
    return outcome
