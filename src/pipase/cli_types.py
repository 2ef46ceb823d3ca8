"""Argument types shared by the ``pipase`` commands: one wording for one mistake.

A date is written ``AAAA-MM-JJ`` in every command's help and error (the users are French);
a percentage accepts a decimal comma. Each raises :class:`argparse.ArgumentTypeError`, which
argparse turns into a usage error (exit code 2) naming the option.
"""

from __future__ import annotations

import argparse
from datetime import date

from pipase.i18n import _

DATE_METAVAR = "AAAA-MM-JJ"


def iso_date(value: str) -> date:
    """A calendar date written AAAA-MM-JJ (ISO 8601), e.g. 2026-06-30."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("not a date {metavar}: {value!r}").format(metavar=DATE_METAVAR, value=value)
        ) from None


def extraction_day(value: str) -> date:
    """The day the Department extracted the files: a date AAAA-MM-JJ not after today (open
    measures are cut at it: a future date would lengthen every one of them)."""
    day = iso_date(value)
    if day > date.today():
        raise argparse.ArgumentTypeError(
            _("an extraction date cannot be in the future: {value!r}").format(value=value)
        )
    return day


def percent(value: str) -> float:
    """A percentage between 0 and 100 (``1``, ``2.5``, ``2,5``), returned as a fraction."""
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("not a percentage: {value!r}").format(value=value)
        ) from None
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(
            _("not a percentage between 0 and 100: {value!r}").format(value=value)
        )
    return number / 100


def positive_int(value: str) -> int:
    """A whole number above zero (``_`` allowed as a thousands separator: 100_000)."""
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("not a whole number: {value!r}").format(value=value)
        ) from None
    if number <= 0:
        raise argparse.ArgumentTypeError(
            _("expected a number above zero: {value!r}").format(value=value)
        )
    return number


def human_size(size: int) -> str:
    """A size in bytes as a person reads it: `140,2 Ko`, `1,1 Go` (French units)."""
    value = float(size)
    for unit in ("o", "Ko", "Mo", "Go"):
        if value < 1024 or unit == "Go":
            return f"{value:.0f} {unit}" if unit == "o" else f"{value:.1f} {unit}".replace(".", ",")
        value /= 1024
    return f"{size} o"


def database_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    """The ``--database`` option (a DuckDB file, default from the environment or the command):
    one spelling and one metavar for every command; `help_text` says which database."""
    from pathlib import Path

    parser.add_argument("--database", type=Path, default=None, metavar=_("PATH"), help=help_text)
