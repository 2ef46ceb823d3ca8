"""`pipase run`: argument parsing, the password asked first, progress and the French summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipase import gate, paths
from pipase.cli_types import (
    DATE_METAVAR,
    database_argument,
    extraction_day,
    human_size,
    percent,
    positive_int,
)
from pipase.errors import PipaseError
from pipase.i18n import _


def description() -> str:
    return _(
        "Run the main job on one extraction, from the raw files to the encrypted package: "
        "load (every row loaded or rejected with its reason), hash-rate measure, dbt build "
        "(selector main_job), the export's gate and the 7-zip AES-256 package, then the run "
        "record (OUT/pipase_<date>.run.json and .run.md). The archive password comes from "
        "PIPASE_ARCHIVE_PASSWORD or is asked at the start, never on the command line. Exit "
        "codes: 0 done, 1 refused or failed (the reason on stderr), 2 wrong command line."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "extraction_dir",
        type=Path,
        metavar=_("EXTRACTION_DIR"),
        help=_("folder of the extraction, one sub-folder per source"),
    )
    parser.add_argument(
        "--extraction-date",
        type=extraction_day,
        required=True,
        metavar=DATE_METAVAR,
        help=_("date the Department extracted the files; names the package"),
    )
    database_argument(
        parser,
        _(
            "DuckDB database of the identifying zone (default: PIPASE_DUCKDB_PATH or "
            "data/pipase.duckdb); encrypted when PIPASE_DB_KEY is set"
        ),  # fmt: skip
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar=_("DIR"),
        help=_("folder of the package and the run record (default: data/export)"),
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar=_("SOURCE"),
        help=_("a source absent from this extraction, declared so (repeatable)"),
    )
    parser.add_argument(
        "--accept-rejects",
        action="append",
        default=[],
        metavar=_("FILE"),
        help=_(
            "accept the rejected rows of this file above the threshold, e.g. "
            "iodas_ase/individus.csv (repeatable; recorded in the manifest)"
        ),  # fmt: skip
    )
    parser.add_argument(
        "--reject-threshold",
        type=percent,
        default=gate.DEFAULT_REJECT_THRESHOLD,
        metavar=_("PERCENT"),
        help=_(
            "largest share of a file's rows that may be rejected without --accept-rejects "
            "(default 1)"
        ),  # fmt: skip
    )
    parser.add_argument(
        "--keyed",
        action="store_true",
        help=_("keyed variant (HMAC-SHA-256) with the secret in PIPASE_HASH_KEY"),
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        metavar="N",
        help=_("dbt threads (default: the profile's)"),
    )
    parser.add_argument(
        "--memory-limit",
        default=None,
        metavar=_("SIZE"),
        help=_(
            "memory budget of the whole run, e.g. 8GB: DuckDB gets three fifths of it for the "
            "load and the build (PIPASE_DUCKDB_MEMORY_LIMIT), the rest is left to Python, dbt "
            "and Splink"
        ),  # fmt: skip
    )
    parser.add_argument(
        "--modele",
        type=Path,
        default=None,
        metavar=_("FILE"),
        help=_(
            "reuse the probabilistic crossing model saved by an earlier run "
            "(pipase_<date>.modele_probabiliste.json) instead of training it on this extraction"
        ),  # fmt: skip
    )
    parser.add_argument(
        "--overwrite", action="store_true", help=_("replace a package of the same name")
    )
    parser.add_argument(
        "--target-dir",
        type=Path,
        default=None,
        metavar=_("DIR"),
        help=_("dbt's target folder (default: target)"),
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=None,
        metavar=_("DIR"),
        help=_("dbt's log folder (default: logs)"),
    )
    parser.add_argument(
        "--all-tests",
        action="store_true",
        help=_("a plain dbt build: also the unit tests and seed tests left to CI"),
    )
    parser.add_argument(
        "--dbt-subprocess",
        action="store_true",
        help=_("run dbt in a subprocess instead of in this process"),
    )


def _seconds(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    text = f"{int(minutes)} min {rest:04.1f} s" if minutes else f"{rest:.1f} s"
    return text.replace(".", ",")


def summary_lines(result) -> list[str]:
    """The French summary of a run (what was done, how long, where the package is)."""
    from pipase.run.job import NOT_RUN, stage_labels

    labels = stage_labels()
    if result.status == "termine":
        head = _("Run done in {elapsed} (extraction of {date})")
    elif result.status == "refuse":
        head = _("Run refused after {elapsed} (extraction of {date})")
    else:
        head = _("Run failed after {elapsed} (extraction of {date})")
    lines = [
        head.format(
            elapsed=_seconds(result.total_seconds),
            date=result.settings.extraction_date.isoformat(),
        )
    ]
    width = max(len(label) for label in labels.values())
    for name, stage in result.stages.items():
        if stage.status == NOT_RUN:
            continue
        lines.append(
            f"  {labels[name]:<{width}}  {_seconds(stage.seconds):>10}  {stage.summary}".rstrip()
        )
    export = result.export
    if export is not None:
        lines.append(
            _("Package: {path} ({size}, AES-256, file names hidden)").format(
                path=export.archive, size=human_size(export.archive_bytes)
            )
        )
        lines.append(_("SHA-256: {digest}").format(digest=export.archive_sha256))
    if result.record_path is not None:
        lines.append(
            _("Run record: {path} (French version: {markdown})").format(
                path=result.record_path, markdown=result.record_markdown.name
            )
        )
    model = getattr(result, "model", None)
    if model is not None and result.record_path is not None:
        origin = {
            "fourni": _("reused"),
            "sans_donnees": _("not trained: too few rows, no probabilistic link"),
        }.get(model["origine"], _("trained on this extraction"))
        lines.append(
            _("Probabilistic crossing model ({origin}): {path}").format(
                origin=origin, path=result.record_path.parent / model["fichier"]
            )
        )
    if export is not None:
        lines.append(_("Send the password to the Association by another channel than the archive."))
    return lines


def run(args: argparse.Namespace) -> int:
    from pipase.run.job import MAIN_JOB_SELECTOR, RunSettings, run_main_job
    from pipase.run.progress import reporter_for
    from pipase.transmission.passwords import archive_password

    settings = RunSettings(
        extraction_dir=args.extraction_dir,
        extraction_date=args.extraction_date,
        database=args.database or paths.database_path(),
        out_dir=args.out or paths.data_dir() / "export",
        target_dir=args.target_dir,
        log_dir=args.log_dir,
        without=tuple(args.without),
        accept_rejects=tuple(args.accept_rejects),
        reject_threshold=args.reject_threshold,
        keyed=args.keyed,
        threads=args.threads,
        memory_limit=args.memory_limit,
        selector=None if args.all_tests else MAIN_JOB_SELECTOR,
        overwrite=args.overwrite,
        dbt_in_process=not args.dbt_subprocess,
        model_path=args.modele,
    )
    settings.check()  # before asking anything: a wrong folder or flag stops at once
    password = archive_password(confirm=True)  # at the start, before the long work
    reporter = reporter_for(sys.stderr)
    try:
        result = run_main_job(settings, password=password, progress=reporter)
    except PipaseError as error:
        failed = getattr(error, "run_result", None)
        if failed is not None:
            print("\n".join(summary_lines(failed)))
        raise
    for warning in result.warnings:
        print(_("pipase run: warning: {warning}").format(warning=warning), file=sys.stderr)
    print("\n".join(summary_lines(result)))
    return 0
