"""`generate()`: build the population, the five source extractions and the ground truth."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from pipase import __version__
from pipase.load.contract import FileSpec, read_contracts
from pipase.paths import CONTRACTS_DIR
from pipase.synth import groundtruth
from pipase.synth.ase import Y2000, build_ase
from pipase.synth.dpas import build_dpas
from pipase.synth.identity import render_identity
from pipase.synth.mdph import build_mdph
from pipase.synth.nova import build_nova
from pipase.synth.numbering import Numbering
from pipase.synth.parameters import POPULATION
from pipase.synth.places import Geo, OrganisationPool
from pipase.synth.population import (
    AFTER_2004,
    BEFORE_2000,
    COHORT,
    OTHER,
    Population,
    build_population,
)
from pipase.synth.util import day, rng_for
from pipase.synth.webrsa import build_webrsa
from pipase.synth.workbook import EXCEL_MAX_ROWS, ExcelRowLimitError
from pipase.synth.writer import TableSink, open_sink, write_table

MIN_YOUTHS = 50
# Youths generated at once: the generator holds about 20 KB per youth of the chunk in memory.
CHUNK_YOUTHS = 50_000
# Stop early when a sheet's projected rows exceed the limit by this factor.
PROJECTION_MARGIN = 1.05
COHORT_BIRTH_LIMIT = day(2004, 12, 31)


def _roles(rng: np.random.Generator, pop: Population) -> dict[str, np.ndarray]:
    """The source where each person outside the ASE appears for sure (others may add more)."""
    adults = np.flatnonzero(~pop.is_youth & ~pop.is_child)
    children = np.flatnonzero(pop.is_child)
    a = rng.choice(5, size=adults.size, p=list(POPULATION.adult_source_weights))
    c = rng.choice(3, size=children.size, p=list(POPULATION.child_source_weights))
    return {
        "partner": adults[a == 4],  # spouses, parents, other household members
        "webrsa_dem": adults[a == 0],
        "nova": adults[a == 1],
        "dpas": adults[a == 2],
        "mdph": np.sort(np.concatenate([adults[a == 3], children[c == 2]])),
        "webrsa_enf": children[c == 0],
        "nova_child": children[c == 1],
    }


def _seen(tables: dict[str, pd.DataFrame]) -> np.ndarray:
    return np.unique(np.concatenate([t["_person"].to_numpy() for t in tables.values()]))


def _cohort_from_data(pop: Population, mesures: pd.DataFrame) -> np.ndarray:
    """in_cohort computed from the generated ASE rows (not from the planned category)."""
    qualifying = mesures.loc[mesures["date_debut"].to_numpy() >= Y2000, "_person"].to_numpy()
    has = np.zeros(pop.n, dtype=bool)
    has[qualifying] = True
    return pop.is_youth & has & (pop.birth <= COHORT_BIRTH_LIMIT)


def chunk_sizes(youths: int, chunk_youths: int = CHUNK_YOUTHS) -> list[int]:
    """Youths of each chunk: as few chunks as `chunk_youths` allows, of (nearly) equal sizes."""
    n = -(-youths // chunk_youths)
    base, extra = divmod(youths, n)
    return [base + 1] * extra + [base] * (n - extra)


def generate(
    out_dir: Path,
    youths: int = 2000,
    seed: int = 93,
    extraction_date: dt.date = dt.date(2026, 6, 30),
    contracts_dir: Path = CONTRACTS_DIR,
    *,
    chunk_youths: int = CHUNK_YOUTHS,
    xlsx_max_rows: int = EXCEL_MAX_ROWS,
    hard_errors: bool = False,
) -> dict[str, int]:
    """Write the five synthetic extractions and `ground_truth/` under `out_dir`.

    Returns the number of data rows of every file written (path relative to `out_dir`).
    The same arguments always give byte-identical files. The youths are generated in chunks of
    at most `chunk_youths` (each chunk from its own random streams, appended to the files), so
    memory stays bounded whatever `youths`; up to `chunk_youths` youths, one chunk. A sheet
    holds at most `xlsx_max_rows` rows (header included; Excel's limit, lowered by tests only):
    a table whose contract declares `parts` goes on in its next part file (returned and listed
    in the manifest like any file), any other raises ExcelRowLimitError.
    """
    if youths < MIN_YOUTHS:
        raise ValueError(f"youths must be at least {MIN_YOUTHS}")
    if chunk_youths < 2 * MIN_YOUTHS:
        raise ValueError(f"chunk_youths must be at least {2 * MIN_YOUTHS}")
    if xlsx_max_rows < 2:
        raise ValueError("xlsx_max_rows must be at least 2 (the header and one row)")
    from pipase.synth.identity import set_hard_errors

    set_hard_errors(hard_errors)
    try:
        with _object_strings():
            return _generate(
                Path(out_dir), youths, seed, extraction_date, contracts_dir, chunk_youths,
                xlsx_max_rows,
            )  # fmt: skip
    finally:
        set_hard_errors(False)


@contextlib.contextmanager
def _object_strings():
    """Keep text columns as Python objects: pandas 3 converts every text column to Arrow
    strings and back, which doubles the time spent building tables. The output is the same
    either way; pandas 4 drops the option, and then this does nothing."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*infer_string.*")
        try:
            context = pd.option_context("future.infer_string", False)
            context.__enter__()
        except (KeyError, pd.errors.OptionError):
            context = None
    try:
        yield
    finally:
        if context is not None:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*infer_string.*")
                context.__exit__(None, None, None)


def _generate(
    out_dir: Path,
    youths: int,
    seed: int,
    extraction_date: dt.date,
    contracts_dir: Path,
    chunk_youths: int,
    xlsx_max_rows: int,
) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    extraction = day(extraction_date.year, extraction_date.month, extraction_date.day)
    if extraction < day(2012, 1, 1):
        raise ValueError("the extraction date must be 2012-01-01 or later")
    specs = _files_in_generation_order(contracts_dir)
    # a manifest left by an earlier run would describe files this run rewrites
    (out_dir / "manifest.json").unlink(missing_ok=True)

    geo = Geo()
    orgs = OrganisationPool(rng_for(seed, "places"), geo)  # one pool for every chunk
    numbering = Numbering()
    sizes = chunk_sizes(youths, chunk_youths)
    sinks: dict[tuple[str, str], TableSink] = {}
    truth: groundtruth.GroundTruth | None = None
    try:
        for key, spec in specs.items():
            sinks[key] = open_sink(spec, out_dir, xlsx_max_rows)
        truth = groundtruth.GroundTruth(out_dir)
        done = 0
        for chunk, n_youths in enumerate(sizes):
            _chunk(seed, chunk, n_youths, extraction, geo, orgs, numbering, specs, sinks, truth)
            done += n_youths
            if done < youths:
                _check_projected_rows(sinks, done, youths)
        for sink in sinks.values():
            sink.close()
        counts = {path: n for sink in sinks.values() for path, n in sink.files().items()}
        counts.update(truth.close(extraction))
    except BaseException:
        for sink in sinks.values():
            sink.abort()
        if truth is not None:
            truth.abort()
        raise
    _write_manifest(out_dir, counts, youths, seed, extraction_date, chunk_youths, len(sizes))
    return counts


def _chunk(
    seed: int,
    chunk: int,
    n_youths: int,
    extraction: int,
    geo: Geo,
    orgs: OrganisationPool,
    numbering: Numbering,
    specs: dict,
    sinks: dict,
    truth: groundtruth.GroundTruth,
) -> None:
    """Generate one chunk of youths (with as many other people) and append it to every file.
    The canaries are planted in the first chunk only; ids go on from the earlier chunks'."""

    def rng(stream: str) -> np.random.Generator:
        return rng_for(seed, stream, chunk)

    pop = build_population(
        n_youths,
        rng("population"),
        extraction,
        canaries=chunk == 0,
        person_offset=numbering.used("person"),
        twin_offset=numbering.used("twin"),
    )
    numbering.offset("person", pop.n)
    numbering.offset("twin", np.unique(pop.twin_group[pop.twin_group >= 0]).size)
    ase = build_ase(rng("ase"), pop, extraction, geo, orgs, numbering)
    individus = ase.tables["individus"]
    ident = render_identity(
        rng("identity"),
        pop,
        "iodas_ase",
        individus["_person"].to_numpy(),
        child_row=np.ones(len(individus), dtype=bool),
    )
    individus["nom_usage"] = ident.nom_usage
    individus["nom_naissance"] = ident.nom_naissance
    individus["prenom"] = ident.prenom
    individus["date_naissance"] = ident.birth
    individus["_tag"] = ident.tags.values

    in_cohort = _cohort_from_data(pop, ase.tables["mesures"])
    planned = pop.category == COHORT
    if not np.array_equal(in_cohort, planned):
        raise AssertionError("generated measures disagree with the planned cohort categories")

    roles = _roles(rng("roles"), pop)
    tables: dict[str, dict[str, pd.DataFrame]] = {"iodas_ase": ase.tables}
    tables["webrsa"] = build_webrsa(rng("webrsa"), pop, roles, extraction, geo, ase, numbering)
    tables["iodas_dpas"] = build_dpas(rng("dpas"), pop, roles, extraction, geo, numbering)
    tables["iodas_mdph"] = build_mdph(rng("mdph"), pop, roles, extraction, geo, numbering)
    seen = np.unique(np.concatenate([_seen(t) for t in tables.values()]))
    tables["nova_dpas"] = build_nova(rng("nova"), pop, roles, extraction, seen, geo, numbering)

    writer_rng = rng("writer")
    protected = np.flatnonzero(pop.is_canary)
    truth.start_chunk(pop)
    for (source, table), spec in specs.items():
        frame = tables[source].pop(table, None)  # released once written
        if frame is None:
            raise ValueError(f"the generator has no table for {spec.display_name}")
        written = write_table(
            spec, frame, sinks[(source, table)], writer_rng, pop.uid, pop.tags.values, protected
        )
        del frame
        truth.add_table(written)
    truth.end_chunk(ase, in_cohort)


# The order the tables are generated in: each source's random draws follow the previous ones'
# so this order (not the contracts' file-name order) keeps a seed's output unchanged.
GENERATION_ORDER = ("iodas_ase", "webrsa", "nova_dpas", "iodas_dpas", "iodas_mdph")


def _files_in_generation_order(contracts_dir: Path) -> dict[tuple[str, str], FileSpec]:
    """Every (source, table) of the five contracts, read by the loader's contract reader."""
    contracts = read_contracts(contracts_dir)
    return {
        (source, spec.table): spec
        for source in GENERATION_ORDER
        for spec in contracts[source].files
    }


def _check_projected_rows(sinks: dict, done: int, youths: int) -> None:
    """Stop early when a sheet that cannot be split (no `parts` in its contract) clearly cannot
    hold the whole extraction: its rows so far, scaled to all the youths, exceed the limit by
    more than the chunks' spread (the exact check, when the rows are written, catches a
    projection just under it)."""
    for sink in sinks.values():
        if sink.max_rows is None or not sink.rows:
            continue
        projected = int(sink.rows * youths / done)
        if projected + 1 > PROJECTION_MARGIN * sink.max_rows:
            raise ExcelRowLimitError(
                f"{sink.spec.display_name}: the sheet {sink.spec.sheet or sink.spec.table!r} "
                "would hold "
                f"about {projected:,} data rows for {youths:,} youths ({sink.rows:,} for the "
                f"first {done:,}), more than Excel's limit of {sink.max_rows:,} rows per sheet "
                "(header included)"
            )


def _digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _write_manifest(
    out_dir: Path,
    counts: dict[str, int],
    youths: int,
    seed: int,
    extraction_date: dt.date,
    chunk_youths: int,
    chunks: int,
) -> None:
    files = {}
    for path in sorted(counts):
        size, sha256 = _digest(out_dir / path)
        files[path] = {"rows": counts[path], "bytes": size, "sha256": sha256}
    manifest = {
        "generator": "pipase synth",
        "pipase_version": __version__,
        "seed": seed,
        "youths": youths,
        "extraction_date": extraction_date.isoformat(),
        # several chunks: the same seed gives the same files only with the same chunk size
        **({"chunk_youths": chunk_youths, "chunks": chunks} if chunks > 1 else {}),
        "total_source_rows": sum(v for k, v in counts.items() if not k.startswith("ground_")),
        "files": files,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


__all__ = [
    "generate",
    "chunk_sizes",
    "CHUNK_YOUTHS",
    "ExcelRowLimitError",
    "AFTER_2004",
    "BEFORE_2000",
    "COHORT",
    "OTHER",
]
