"""Run a pipase command module that the CLI does not dispatch yet: `python -m pipase.bench.launch
MODULE ARGS...` builds the module's parser (add_arguments) and calls its run(args)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    module = importlib.import_module(argv[0])
    parser = argparse.ArgumentParser(prog=f"pipase ({argv[0]})", description=module.__doc__)
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
