"""`pipase publier`: the study's checked tables, charts and French report, for the Department.

Reads the Association's database (written by `pipase import`, then built by the Association's
dbt project) and the dbt artefacts of that build; writes a folder that `pipase
verifier-publication` accepts (it runs that check itself before finishing). Needs the
`association` extra (ACRO, matplotlib).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipase.cli_types import database_argument
from pipase.i18n import _
from pipase.study.model import MINIMUM_THRESHOLD


def description() -> str:
    return _(
        "Build the study's publication package: the indicator tables checked by ACRO with "
        "secondary suppression over all tables, as CSV, their charts, the French report and "
        "the output-check record, for the Department's review (convention article 5.3)."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    database_argument(
        parser,
        _("the Association's DuckDB database (default: data/association/...duckdb)"),
    )
    parser.add_argument(
        "--dbt-target",
        type=Path,
        default=None,
        metavar=_("DIR"),
        help=_(
            "target folder of the Association's dbt build (default: target beside the database)"
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar=_("DIR"),
        help=_("folder of the package (default: publication beside the database)"),
    )
    parser.add_argument(
        "--seuil",
        type=int,
        default=MINIMUM_THRESHOLD,
        help=_("smallest count that may be published (at least 11)"),
    )
    parser.add_argument(
        "--overwrite", action="store_true", help=_("replace the package folder if it exists")
    )


def run(args: argparse.Namespace) -> int:
    from pipase.study import publish
    from pipase.transmission import encryption, import_cmd

    database = (args.database or import_cmd.default_database()).resolve()
    target = (args.dbt_target or database.parent / "target").resolve()
    out = (args.out or database.parent / "publication").resolve()
    try:
        con = encryption.connect(database, read_only=True)
    except encryption.EncryptionError as error:
        raise publish.PublicationError(str(error), rule="database", file=str(database)) from None
    try:
        result = publish.publish(
            con=con, target=target, out=out, threshold=args.seuil, overwrite=args.overwrite
        )
    finally:
        con.close()
    print(
        _("{tables} tables, {charts} charts, report and check record in {out}").format(
            tables=len(result.tables), charts=len(result.charts), out=result.out
        )
    )
    print(
        _(
            "{cells} distinct cells; suppressed: {primary} under the threshold {threshold}, "
            "{secondary} secondary; checked with ACRO {version}, then re-checked by "
            "verifier-publication: accepted"
        ).format(
            cells=result.cells,
            primary=result.hidden_primary,
            threshold=args.seuil,
            secondary=result.hidden_secondary,
            version=result.acro_version,
        )
    )
    for table in result.tables:
        print(f"  tableaux/{table}.csv")
    return 0
