"""Progress on stderr, no dependency: one line per file, a bar for big files.

A file over BAR_BYTES, or estimated over BAR_ROWS rows from its first block, gets a bar while it
is read: redrawn in place on a terminal, one line per quarter otherwise (logs stay readable).
Then every file gets a line with its counts and speed. Counts only, never a value.
"""

from __future__ import annotations

import time
from typing import TextIO

from pipase.i18n import _, number

BAR_BYTES = 100 * 1024 * 1024
BAR_ROWS = 1_000_000
BAR_WIDTH = 30


class Progress:
    def __init__(self, stream: TextIO | None, bar: bool | None = None) -> None:
        self.stream = stream
        self.tty = bar if bar is not None else bool(stream and stream.isatty())
        self.name = ""
        self.total = 0
        self.started = 0.0
        self.show_bar = False
        self.phase_name = ""
        self._last_draw = 0.0
        self._last_quarter = -1

    def _write(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write(text)
            self.stream.flush()

    def start_file(self, name: str, size: int) -> None:
        self.name = name
        self.total = max(size, 1)
        self.started = time.perf_counter()
        self.show_bar = size >= BAR_BYTES
        self.phase_name = _("checking")
        self._last_quarter = -1
        self._last_draw = 0.0

    def update(self, done: int, lines: int = 0) -> None:
        """`done` bytes read of the file, holding `lines` lines so far."""
        if not self.show_bar and done and lines and lines / done * self.total >= BAR_ROWS:
            self.show_bar = True  # estimated from the lines read so far
        if not self.show_bar or self.stream is None:
            return
        fraction = min(done / self.total, 1.0)
        if self.tty:
            now = time.perf_counter()
            if now - self._last_draw < 0.2 and fraction < 1.0:
                return
            self._last_draw = now
            filled = int(fraction * BAR_WIDTH)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self._write(f"\r  {self.name} [{bar}] {fraction:4.0%} {self.phase_name}   ")
        else:
            quarter = int(fraction * 4)
            if quarter > self._last_quarter:
                self._last_quarter = quarter
                self._write(f"  {self.name}: {fraction:.0%} {self.phase_name}\n")

    def phase(self, name: str) -> None:
        self.phase_name = name
        if self.show_bar and self.stream is not None:
            if self.tty:
                self._write(f"\r  {self.name} [{'#' * BAR_WIDTH}] 100% {name}...   ")
            else:
                self._write(f"  {self.name}: {name}\n")

    def end_file(self, rows: int | None, status: str) -> None:
        seconds = time.perf_counter() - self.started
        if self.show_bar and self.tty:
            self._write("\r" + " " * (len(self.name) + BAR_WIDTH + 30) + "\r")
        if rows is None:
            self._write(f"  {self.name}: {status} ({seconds:.1f} s)\n")
            return
        rate = rows / seconds if seconds > 0 else 0.0
        counts = _("{rows} rows in {seconds} s ({rate} rows/s)").format(
            rows=number(rows), seconds=number(seconds, 1), rate=number(rate)
        )
        self._write(f"  {self.name}: {counts}, {status}\n")
