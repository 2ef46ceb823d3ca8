"""`pipase run`: the data office's one command, from the raw files to the encrypted package.

    pipase run EXTRACTION_DIR --extraction-date AAAA-MM-JJ [--database PATH] [--out DIR]
               [--without SOURCE ...] [--accept-rejects FILE ...] [--reject-threshold PERCENT]
               [--keyed] [--threads N] [--memory-limit 3GB] [--overwrite]

One run, in order: `pipase load` of the extraction (every row loaded or rejected with its
reason), the hash-rate measure that the risk report needs (`pipase.run.hash_rate`), one
`dbt build --selector main_job` (in this process, through dbt's programmatic API), the export's
gate and the encrypted package (`pipase export`), then the run record
`<out>/pipase_<date>.run.json` and its French rendering `.run.md` (`pipase.run.record`).
The archive password comes from PIPASE_ARCHIVE_PASSWORD or is asked at the start, before the
long work; never on the command line. Exit codes: 0 done, 1 refused or failed (the reason on
stderr), 2 wrong command line.

Python: :func:`run_main_job` (with :class:`RunSettings`) is the one sequence that `make demo`,
`make dbt-test`, `scripts/build_docs.py` and `pipase bench` use;
:func:`append_to_record` lets `pipase import` and `pipase purge` add their step to a record.
"""

from __future__ import annotations

from pipase.run.command import add_arguments, description, run
from pipase.run.job import STAGES, RunResult, RunSettings, run_main_job
from pipase.run.record import append_to_record

__all__ = [
    "STAGES",
    "RunResult",
    "RunSettings",
    "add_arguments",
    "append_to_record",
    "description",
    "run",
    "run_main_job",
]
