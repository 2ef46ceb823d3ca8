"""Measure the precision and recall of the crossing against a known truth.

The code lives in the package (pipase.linkage.evaluation); this script is
kept for the commands and tests that call it by path:
  python scripts/evaluate_linkage.py --extraction data/demo/extraction [--database ...]
"""

from __future__ import annotations

import sys

from pipase.linkage.evaluation import *  # noqa: F403
from pipase.linkage.evaluation import main

if __name__ == "__main__":
    sys.exit(main())
