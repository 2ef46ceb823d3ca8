"""Measure the precision and recall of the crossing against a known truth.

The code lives in the package: this script runs the command `pipase evaluation`
(pipase.linkage.evaluation), for the commands that call it by path:
  python scripts/evaluate_linkage.py --extraction data/demo/extraction [--database ...]
  python scripts/evaluate_linkage.py --vrais-couples vrais_couples.csv --database ...
"""

from __future__ import annotations

import sys

from pipase.linkage.evaluation import main

if __name__ == "__main__":
    sys.exit(main())
