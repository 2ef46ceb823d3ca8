"""`pipase verifier-publication DOSSIER`: the Department re-checks a publication package.

Independent of ACRO and of `pipase publier`: thresholds, percentages, margins, the same count
in several tables, secondary suppression (no suppressed cell recoverable from the margins or by
combining them), charts and report. Exit 0: accepted; exit 1: refused, one line per problem
naming the table (file), the line and column, and the rule.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.study.model import MINIMUM_THRESHOLD


def description() -> str:
    return _(
        "Re-check a publication package before anything is released (convention article "
        "5.3), independently of the tool that made it: thresholds, percentages, margins, "
        "secondary suppression across tables, charts and report. Exit 1 when refused."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dossier", type=Path, help=_("the package folder made by pipase publier"))
    parser.add_argument(
        "--seuil",
        type=int,
        default=MINIMUM_THRESHOLD,
        help=_("smallest count that may be published (at least 11)"),
    )


def run(args: argparse.Namespace) -> int:
    from pipase.study import verify

    problems = verify.verify(args.dossier, threshold=args.seuil)
    if problems:
        for problem in problems:
            print(f"pipase verifier-publication : {problem}", file=sys.stderr)
        raise PipaseError(
            # one message, not ngettext: the compiled catalogue takes Babel's three French
            # plural forms, and a two-form plural falls back to English from n = 2 on
            _("package refused: {n} problem(s)").format(n=len(problems)),
            rule="publication_refused",
            file=str(args.dossier),
        )
    print(_("package accepted: {folder}").format(folder=args.dossier))
    return 0
