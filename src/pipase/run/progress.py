"""How a run shows its progress: a bar per stage on a terminal, plain lines in a log.

The job (`pipase.run.job`) calls a :class:`Reporter`; it never prints. `pipase run` gives it a
:class:`RichReporter` when stderr is a terminal (a bar per stage with the file or node being
worked on, counts and elapsed time, drawn by `rich`), a :class:`PlainReporter` otherwise (one
line per file, per failing node and per tenth of the build, each with the elapsed time), and a
library caller gives nothing (:class:`Reporter` itself says nothing). Counts and names of files,
tables and dbt nodes only: never a value read from the data.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from pipase.i18n import _, language


class Reporter:
    """Says nothing: the interface, and what a library caller gets by default."""

    def stage_started(self, stage: str, label: str, total: int | None = None) -> None:
        """A stage begins; `total` items (files, nodes) when known."""

    def stage_progress(
        self, stage: str, completed: int, total: int | None = None, detail: str = ""
    ) -> None:
        """`completed` items of the stage are done; `detail` names the current one."""

    def note(self, text: str) -> None:
        """One line worth keeping (a file's figures, a failing node, a warning)."""

    def stage_finished(self, stage: str, seconds: float, summary: str, ok: bool = True) -> None:
        """The stage ended after `seconds`; `summary` in a few words."""

    def close(self) -> None:
        """Nothing more will be reported."""


def elapsed(seconds: float) -> str:
    """`12.3 s`, `2 min 05.0 s` (a decimal comma in French)."""
    minutes, rest = divmod(seconds, 60)
    text = f"{int(minutes)} min {rest:04.1f} s" if minutes else f"{rest:.1f} s"
    return text.replace(".", ",") if language() == "fr" else text


class PlainReporter(Reporter):
    """Lines for a log or a pipe: `[  12.3 s] construction : 130/433 ...`."""

    def __init__(self, stream: TextIO | None = None, steps: int = 10) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.perf_counter()
        self.steps = steps
        self._shown: dict[str, int] = {}
        self._labels: dict[str, str] = {}
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        with self._lock:
            self.stream.write(f"[{elapsed(time.perf_counter() - self.started):>12}] {text}\n")
            self.stream.flush()

    def stage_started(self, stage: str, label: str, total: int | None = None) -> None:
        self._labels[stage] = label
        self._shown[stage] = 0
        self._write(f"{label}…")

    def stage_progress(
        self, stage: str, completed: int, total: int | None = None, detail: str = ""
    ) -> None:
        if not total:
            return
        step = completed * self.steps // total
        if step > self._shown.get(stage, 0) and completed < total:
            self._shown[stage] = step
            label = self._labels.get(stage, stage)
            self._write(f"{label} : {completed}/{total} ({completed / total:.0%})")

    def note(self, text: str) -> None:
        self._write(f"  {text.strip()}")

    def stage_finished(self, stage: str, seconds: float, summary: str, ok: bool = True) -> None:
        label = self._labels.get(stage, stage)
        text = _("{stage}: done in {elapsed}") if ok else _("{stage}: FAILED after {elapsed}")
        text = text.format(stage=label, elapsed=elapsed(seconds))
        self._write(text + (f" — {summary}" if summary else ""))


class RichReporter(Reporter):
    """Bars on a terminal, drawn by rich on stderr; notes are printed above the bars."""

    def __init__(self, console=None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = console or Console(stderr=True)
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/green]"),
            TextColumn("{task.description}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[detail]}[/dim]"),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        self._tasks: dict[str, int] = {}
        self._labels: dict[str, str] = {}

    def stage_started(self, stage: str, label: str, total: int | None = None) -> None:
        self._labels[stage] = label
        self._tasks[stage] = self.progress.add_task(label, total=total, detail="")

    def stage_progress(
        self, stage: str, completed: int, total: int | None = None, detail: str = ""
    ) -> None:
        task = self._tasks.get(stage)
        if task is None:
            return
        fields = {"detail": detail[:60]}
        if total is not None:
            fields["total"] = total
        self.progress.update(task, completed=completed, **fields)

    def note(self, text: str) -> None:
        self.progress.console.print(f"  {text.strip()}", markup=False, highlight=False)

    def stage_finished(self, stage: str, seconds: float, summary: str, ok: bool = True) -> None:
        task = self._tasks.get(stage)
        if task is None:
            return
        label = self._labels.get(stage, stage)
        total = self.progress.tasks[task].total
        description = label if ok else "[red]" + _("{stage}: failed").format(stage=label) + "[/red]"
        self.progress.update(
            task,
            description=description,
            detail=summary,
            **({"completed": total} if ok and total else {}),
        )
        if not self.progress.tasks[task].total:
            self.progress.update(task, total=1, completed=1 if ok else 0)
        self.progress.stop_task(task)

    def close(self) -> None:
        self.progress.stop()


def reporter_for(stream: TextIO | None = None) -> Reporter:
    """Bars when `stream` (default stderr) is a terminal, plain lines otherwise."""
    stream = stream if stream is not None else sys.stderr
    if stream.isatty():
        from rich.console import Console

        return RichReporter(Console(file=stream))
    return PlainReporter(stream)
