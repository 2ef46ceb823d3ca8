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
from pipase.paths import CONTRACTS_DIR
from pipase.synth import groundtruth
from pipase.synth.ase import Y2000, build_ase
from pipase.synth.contracts import load_contracts
from pipase.synth.dpas import build_dpas
from pipase.synth.identity import render_identity
from pipase.synth.mdph import build_mdph
from pipase.synth.nova import build_nova
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
from pipase.synth.writer import Written, write_table

MIN_YOUTHS = 50
COHORT_BIRTH_LIMIT = day(2004, 12, 31)


def _roles(rng: np.random.Generator, pop: Population) -> dict[str, np.ndarray]:
    """The source where each person outside the ASE appears for sure (others may add more)."""
    adults = np.flatnonzero(~pop.is_youth & ~pop.is_child)
    children = np.flatnonzero(pop.is_child)
    a = rng.choice(5, size=adults.size, p=[0.30, 0.18, 0.10, 0.07, 0.35])
    c = rng.choice(3, size=children.size, p=[0.5, 0.35, 0.15])
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


def generate(
    out_dir: Path,
    youths: int = 2000,
    seed: int = 93,
    extraction_date: dt.date = dt.date(2026, 6, 30),
    contracts_dir: Path = CONTRACTS_DIR,
) -> dict[str, int]:
    """Write the five synthetic extractions and `ground_truth/` under `out_dir`.

    Returns the number of data rows of every file written (path relative to `out_dir`).
    The same arguments always give byte-identical files.
    """
    if youths < MIN_YOUTHS:
        raise ValueError(f"youths must be at least {MIN_YOUTHS}")
    with _object_strings():
        return _generate(out_dir, youths, seed, extraction_date, contracts_dir)


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
    out_dir: Path, youths: int, seed: int, extraction_date: dt.date, contracts_dir: Path
) -> dict[str, int]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    extraction = day(extraction_date.year, extraction_date.month, extraction_date.day)
    if extraction < day(2012, 1, 1):
        raise ValueError("the extraction date must be 2012-01-01 or later")
    specs = load_contracts(contracts_dir)

    pop = build_population(youths, rng_for(seed, "population"), extraction)
    geo = Geo()
    orgs = OrganisationPool(rng_for(seed, "places"), geo)
    ase = build_ase(rng_for(seed, "ase"), pop, extraction, geo, orgs)
    individus = ase.tables["individus"]
    ident = render_identity(
        rng_for(seed, "identity"),
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

    roles = _roles(rng_for(seed, "roles"), pop)
    tables: dict[str, dict[str, pd.DataFrame]] = {"iodas_ase": ase.tables}
    tables["webrsa"] = build_webrsa(rng_for(seed, "webrsa"), pop, roles, extraction, geo, ase)
    tables["iodas_dpas"] = build_dpas(rng_for(seed, "dpas"), pop, roles, extraction, geo)
    tables["iodas_mdph"] = build_mdph(rng_for(seed, "mdph"), pop, roles, extraction, geo)
    seen = np.unique(np.concatenate([_seen(t) for t in tables.values()]))
    tables["nova_dpas"] = build_nova(rng_for(seed, "nova"), pop, roles, extraction, seen, geo)

    writer_rng = rng_for(seed, "writer")
    protected = np.flatnonzero(pop.is_canary)
    written: list[Written] = []
    for (source, table), spec in specs.items():
        frame = tables[source].get(table)
        if frame is None:
            raise ValueError(f"the generator has no table for {spec.path}")
        written.append(
            write_table(spec, frame, out_dir, writer_rng, pop.uid, pop.tags.values, protected)
        )

    counts = {w.path: w.rows for w in written}
    counts.update(groundtruth.write(out_dir, pop, ase, in_cohort, written, extraction))
    _write_manifest(out_dir, counts, youths, seed, extraction_date)
    return counts


def _write_manifest(
    out_dir: Path, counts: dict[str, int], youths: int, seed: int, extraction_date: dt.date
) -> None:
    files = {}
    for path in sorted(counts):
        data = (out_dir / path).read_bytes()
        files[path] = {
            "rows": counts[path],
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    manifest = {
        "generator": "pipase synth",
        "pipase_version": __version__,
        "seed": seed,
        "youths": youths,
        "extraction_date": extraction_date.isoformat(),
        "total_source_rows": sum(v for k, v in counts.items() if not k.startswith("ground_")),
        "files": files,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


__all__ = ["generate", "AFTER_2004", "BEFORE_2000", "COHORT", "OTHER"]
