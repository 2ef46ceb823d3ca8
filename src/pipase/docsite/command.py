"""`pipase docs`: argument parsing and console output (the CLI layer of pipase.docsite).

The run record (``pipase_<date>.run.json``, written by `pipase run`) holds counts only; the site
shows every count of rows or people below 11 as "< 11". See :mod:`pipase.docsite.build`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipase.errors import EXIT_OK, PipaseError
from pipase.i18n import _


def description() -> str:
    return _(
        "Build the French site for the steering committee and the DPO (site/index.html) from "
        "the run record of `pipase run`: what leaves and in what form, the run's figures with "
        "charts, the re-identification risk, the annex 2 dictionary. Every count below 11 is "
        "shown as '< 11'."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--run-record",
        type=Path,
        required=True,
        metavar=_("RECORD"),
        help=_("run record of pipase run (pipase_<date>.run.json)"),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("site"),
        help=_("folder of the site, replaced (default: site)"),
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help=_("dbt manifest.json of the build, for the annex 2 dictionary and the tests"),
    )
    parser.add_argument(
        "--dbt-docs",
        type=Path,
        default=None,
        help=_("dbt's static page (static_index.html), copied under dbt/ for analysts"),
    )
    parser.add_argument(
        "--evaluation",
        type=Path,
        default=None,
        help=_("linkage evaluation on the synthetic truth (evaluate_linkage.py --json)"),
    )
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help=_("label the site as built from a synthetic run"),
    )


def _json(path: Path | None, rule: str) -> dict | None:
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PipaseError(_("file not found"), rule=rule, file=str(path)) from None
    except ValueError:
        raise PipaseError(_("unreadable JSON"), rule=rule, file=str(path)) from None


def run(args: argparse.Namespace) -> int:
    from pipase.docsite.build import SiteInputs, build_site, load_record

    record = load_record(args.run_record)
    if args.dbt_docs is not None and not args.dbt_docs.is_file():
        raise PipaseError(_("file not found"), rule="dbt_docs", file=str(args.dbt_docs))
    inputs = SiteInputs(
        record=record,
        manifest=_json(args.manifest, "manifest"),
        evaluation=_json(args.evaluation, "evaluation"),
        dbt_docs=args.dbt_docs,
        synthetic=args.synthetic,
    )
    index = build_site(inputs, args.out)
    print(_("site written: {path}").format(path=index))
    return EXIT_OK
