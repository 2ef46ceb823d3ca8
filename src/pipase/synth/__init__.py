"""`pipase synth`: realistic synthetic exports of the five sources, with their ground truth.

    pipase synth --out DIR [--youths N] [--seed S] [--extraction-date AAAA-MM-JJ]

writes DIR/iodas_ase/, webrsa/, nova_dpas/, iodas_dpas/, iodas_mdph/ exactly as the contracts in
src/pipase/contracts/ declare them, DIR/ground_truth/ (never read by the pipeline) and
DIR/manifest.json. The same seed and number of youths give byte-identical files.

The youths are generated in chunks of at most 50,000 (--chunk-youths), each appended to the
files, so memory stays bounded whatever the number of youths (about 1 GB). An Excel sheet
holds 1,048,576 rows (header included): beyond about 1.2 million youths the Iodas-DPAS table
no longer fits in aides_financieres.xlsx and, as its contract declares (`parts`), goes on in
aides_financieres_2.xlsx, aides_financieres_3.xlsx... (each part a full workbook with the same
sheet and header, listed in the manifest; the ground truth names each row's part and line),
as a department's export above Excel's limit comes. Below the limit the output is unchanged.
A contract without `parts` still stops the command at the limit.

Hidden option, for tests only: --xlsx-max-rows N lowers the rows per sheet (header included),
so that a few hundred youths give a workbook split into several parts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from pipase.cli_types import DATE_METAVAR, iso_date
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.synth.generator import CHUNK_YOUTHS, MIN_YOUTHS, generate
from pipase.synth.workbook import EXCEL_MAX_ROWS, ExcelRowLimitError

DEFAULT_YOUTHS = 2000
DEFAULT_SEED = 93
DEFAULT_EXTRACTION_DATE = dt.date(2026, 6, 30)


def description() -> str:
    return _(
        "Write realistic synthetic exports of the five sources (Iodas-ASE, WebRSA, Nova-DPAS, "
        "Iodas-DPAS, Iodas-MDPH) exactly as their contracts declare them, with their ground "
        "truth (ground_truth/, never read by the pipeline) and a manifest.json. The same seed "
        "and number of youths give byte-identical files. Synthetic data only."
    )


def _int(text: str) -> int:
    try:
        return int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("not a whole number: {value!r}").format(value=text)
        ) from None


def _youths(text: str) -> int:
    value = _int(text)
    if value < MIN_YOUTHS:
        raise argparse.ArgumentTypeError(_("at least {n} youths").format(n=MIN_YOUTHS))
    return value


def _chunk_youths(text: str) -> int:
    value = _int(text)
    if value < 2 * MIN_YOUTHS:
        raise argparse.ArgumentTypeError(_("at least {n} youths").format(n=2 * MIN_YOUTHS))
    return value


def _max_rows(text: str) -> int:
    value = _int(text)
    if not 2 <= value <= EXCEL_MAX_ROWS:
        raise argparse.ArgumentTypeError(_("between 2 and {n}").format(n=EXCEL_MAX_ROWS))
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar=_("DIR"),
        help=_("folder that receives the five source folders and ground_truth/"),
    )
    parser.add_argument(
        "--youths",
        type=_youths,
        default=DEFAULT_YOUTHS,
        metavar="N",
        help=_(
            "number of ASE youths (default {n}); about as many people again appear only in "
            "the other sources"
        ).format(n=DEFAULT_YOUTHS),
    )
    parser.add_argument(
        "--seed",
        type=_int,
        default=DEFAULT_SEED,
        help=_("random seed (default {n})").format(n=DEFAULT_SEED),
    )
    parser.add_argument(
        "--extraction-date",
        type=iso_date,
        default=DEFAULT_EXTRACTION_DATE,
        metavar=DATE_METAVAR,
        help=_("date of the extraction (default {date})").format(
            date=DEFAULT_EXTRACTION_DATE.isoformat()
        ),
    )
    parser.add_argument(
        "--chunk-youths",
        type=_chunk_youths,
        default=CHUNK_YOUTHS,
        metavar="N",
        help=_(
            "youths generated at once (default {n}; about 20 KB of memory each); the files "
            "depend on it when the youths do not fit in one chunk"
        ).format(n=CHUNK_YOUTHS),
    )
    parser.add_argument(
        "--difficile",
        action="store_true",
        help=_(
            "also plant the harder real-world errors (surname typos and transliterations, "
            "first name replaced, names swapped, month off by one, particle dropped, compound "
            "first name cut), each labelled in the ground truth"
        ),
    )
    # For tests only (not in --help): rows per sheet, header included, instead of Excel's
    # 1,048,576, so that a small extraction splits the Iodas-DPAS workbook into parts.
    parser.add_argument("--xlsx-max-rows", type=_max_rows, default=None, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    max_rows = getattr(args, "xlsx_max_rows", None)
    try:
        counts = generate(
            args.out,
            youths=args.youths,
            seed=args.seed,
            extraction_date=args.extraction_date,
            chunk_youths=getattr(args, "chunk_youths", CHUNK_YOUTHS),
            hard_errors=getattr(args, "difficile", False),
            **({} if max_rows is None else {"xlsx_max_rows": max_rows}),
        )
    except ExcelRowLimitError as error:
        raise PipaseError(
            _(
                "{problem}. Generate fewer youths; the folder is incomplete (no manifest.json)"
            ).format(problem=error),
            rule="excel_row_limit",
            file=str(args.out),
        ) from None
    elapsed = time.perf_counter() - started
    source_rows = sum(n for path, n in counts.items() if not path.startswith("ground_truth/"))
    for path in sorted(counts):
        sys.stdout.write(f"{counts[path]:>10}  {path}\n")
    sys.stdout.write(
        _("{rows} rows in the five sources, written to {out} in {seconds} s").format(
            rows=source_rows, out=args.out, seconds=f"{elapsed:.1f}"
        )
        + "\n"
    )
    return 0


__all__ = ["add_arguments", "description", "generate", "run"]
