"""The `pipase` command: one sub-command per step of the convention's journey.

Each sub-command lives in its own module exposing add_arguments(parser) and run(args).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# command -> (module, one-line help)
COMMANDS = {
    "hash": ("pipase.hashkit", "partners' kit: replace identities in a CSV/XLSX by the keys"),
    "synth": ("pipase.synth", "write realistic synthetic exports of the five sources"),
    "load": ("pipase.load", "load an extraction into the identifying zone, row by row checked"),
    "export": ("pipase.transmission.export_cmd", "encrypted 7-zip archive of the leaving tables"),
    "import": (
        "pipase.transmission.import_cmd",
        "Association: check and load an archive and partners' files",
    ),
    "purge": ("pipase.transmission.purge_cmd", "delete the study's data, write a deletion record"),
    "bench": ("pipase.bench", "time every stage of the main job at several scales"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the named command's module is imported (each has heavy imports)."""
    parser = argparse.ArgumentParser(
        prog="pipase",
        description="Pseudonymise the Department's extracts for the PIPASE study.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if name != command:
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(module_name)
        sub_parser = sub.add_parser(
            name,
            help=help_text,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(command if command in COMMANDS else None).parse_args(argv)
    return args._module.run(args)


if __name__ == "__main__":
    sys.exit(main())
