"""The `pipase` command: one sub-command per step of the convention's journey.

Each sub-command lives in its own module exposing add_arguments(parser) and run(args). The
messages are French by default (``pipase.i18n``); a :class:`pipase.errors.PipaseError` is one
line on stderr and exit code 1; a usage error is exit code 2 (argparse).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys

import pipase
from pipase.errors import EXIT_OK, EXIT_REFUSED, PipaseError
from pipase.i18n import _, install_argparse

# command -> (module, one-line help). The help is an English message id, shown translated.
COMMANDS = {
    "hash": ("pipase.hashkit", "partners' kit: replace identities in a CSV/XLSX by the keys"),
    "synth": ("pipase.synth", "write realistic synthetic exports of the five sources"),
    "run": ("pipase.run", "the main job in one command: load, build, gate, package, record"),
    "load": ("pipase.load", "load an extraction into the identifying zone, row by row checked"),
    "export": ("pipase.transmission.export_cmd", "encrypted 7-zip archive of the leaving tables"),
    "import": (
        "pipase.transmission.import_cmd",
        "Association: check and load an archive and partners' files",
    ),
    "purge": ("pipase.transmission.purge_cmd", "delete the study's data, write a deletion record"),
    "bench": ("pipase.bench", "time every stage of the main job at several scales"),
    "revue": (
        "pipase.linkage.revue",
        "the probabilistic crossing's undecided pairs, side by side, for an agent (never exported)",
    ),
    "evaluation": (
        "pipase.linkage.evaluation",
        "precision and recall of the crossing against a file of true pairs",
    ),
    "publier": (
        "pipase.study.publier_cmd",
        "Association: the study's checked tables, charts and report",
    ),
    "verifier-publication": (
        "pipase.study.verifier_cmd",
        "Department: re-check a publication package before its release",
    ),
    "docs": (
        "pipase.docsite",
        "build the French site for the committee and the DPO from a run record",
    ),
}
# command -> the extra that installs what its module imports (the core, `pip install pipase`,
# has the protocol and `pipase hash` only)
EXTRAS = {
    "synth": "synth",
    "run": "pipeline",
    "load": "pipeline",
    "export": "pipeline",
    "import": "pipeline",
    "purge": "pipeline",
    "bench": "pipeline,synth",
    "evaluation": "pipeline",
    "publier": "pipeline,association",
    "verifier-publication": "pipeline,association",
}
# Marked for the catalogue extraction (scripts/compile_messages.py) without translating here.
_HELP_IDS = [
    _("partners' kit: replace identities in a CSV/XLSX by the keys"),
    _("write realistic synthetic exports of the five sources"),
    _("the main job in one command: load, build, gate, package, record"),
    _("load an extraction into the identifying zone, row by row checked"),
    _("encrypted 7-zip archive of the leaving tables"),
    _("Association: check and load an archive and partners' files"),
    _("delete the study's data, write a deletion record"),
    _("time every stage of the main job at several scales"),
    _("precision and recall of the crossing against a file of true pairs"),
    _("Association: the study's checked tables, charts and report"),
    _("Department: re-check a publication package before its release"),
    _("build the French site for the committee and the DPO from a run record"),
]


def version_text() -> str:
    return _("pipase {version} (hashing protocol {protocol})").format(
        version=pipase.__version__, protocol=pipase.PROTOCOL_VERSION
    )


class MissingExtraError(PipaseError):
    """A command whose dependencies are not installed (a partner's core installation)."""


def _import_command(name: str, module_name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        # only a missing third-party package; a missing pipase module is a bug, not the user's
        if (error.name or "").split(".")[0] == "pipase" or name not in EXTRAS:
            raise
        raise MissingExtraError(
            _(
                "the command {command} needs the {package} package, which this installation "
                "does not have: install pipase with it (pip install 'pipase[{extra}]')"
            ).format(command=name, package=error.name, extra=EXTRAS[name]),
            rule="installation",
        ) from None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the named command's module is imported (each has heavy imports)."""
    install_argparse()
    parser = argparse.ArgumentParser(
        prog="pipase",
        description=_("Pseudonymise the Department's extracts for the PIPASE study."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=version_text(),
        help=_("show the version of pipase and of its hashing protocol, then exit"),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar=_("COMMAND"))
    for name, (module_name, help_text) in COMMANDS.items():
        if name != command:
            sub.add_parser(name, help=_(help_text))
            continue
        module = _import_command(name, module_name)
        sub_parser = sub.add_parser(
            name,
            help=_(help_text),
            # a module's description() gives its French help text; else its docstring
            description=module.description() if hasattr(module, "description") else module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(_module=module)
    return parser


EXIT_INTERRUPTED = 130  # as a shell reports a process stopped by Ctrl-C


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _terminate_as_interrupt() -> object:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does: without it the process died at once,
    and an export stopped by `kill` left its clear Parquet files in the output folder. Returns
    the previous handler (None when it could not be set)."""
    # not in the main thread (a caller embedding pipase), signal() raises: left as it is
    with contextlib.suppress(ValueError):
        return signal.signal(signal.SIGTERM, _interrupt)
    return None


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
        parser = build_parser(command if command in COMMANDS else None)
    except MissingExtraError as error:
        print(f"pipase {command} : {_('error')} : {error}", file=sys.stderr)
        return EXIT_REFUSED
    args = parser.parse_args(argv)
    previous = _terminate_as_interrupt()
    try:
        return args._module.run(args)
    except PipaseError as error:
        print(f"pipase {args.command} : {_('error')} : {error}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        # Ctrl-C, or SIGTERM (a scheduler's stop): every command's cleanup ran on the way out
        # (`finally`: the export's clear Parquet removed, a load rolled back)
        print(f"pipase {args.command} : {_('interrupted')}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader of the standard output left (`pipase hash ... | head -1`): every command
        # prints its summary after its work is done and written; no traceback, and Python's
        # final flush of stdout must not raise again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
