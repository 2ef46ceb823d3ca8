"""Identifiers that stay unique across the chunks of one extraction.

The generator builds the youths in chunks (each a self-contained population with its own random
streams) and appends every chunk to the same files. Each builder numbers its rows from 1 within
the chunk; `Numbering` carries what the earlier chunks used so that the numbers go on instead of
starting again: plain counters (row ids), counters per key (ids numbered within a year) and the
random numbers already drawn (dossier numbers that must not be drawn twice). A fresh `Numbering`
changes nothing, so the first chunk is numbered exactly as a one-chunk extraction.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from pipase.synth.util import unique_numbers


class Numbering:
    def __init__(self) -> None:
        self._offsets: Counter[str] = Counter()
        self._per_key: dict[str, Counter] = {}
        self._drawn: dict[str, list[np.ndarray]] = {}

    def used(self, name: str) -> int:
        """Numbers used so far by the `name` counter."""
        return self._offsets[name]

    def offset(self, name: str, n: int) -> int:
        """Numbers used so far by the `name` counter; reserves `n` more."""
        used = self._offsets[name]
        self._offsets[name] += int(n)
        return used

    def sequence(self, name: str, keys, local: np.ndarray) -> np.ndarray:
        """Global sequence numbers from `local` ones (1, 2, ... within each key of this chunk):
        shifted by what the earlier chunks used for the same key."""
        local = np.asarray(local, dtype=np.int64)
        if local.size == 0:
            return local
        counter = self._per_key.setdefault(name, Counter())
        codes, uniques = pd.factorize(pd.Series(keys, dtype=object), use_na_sentinel=False)
        base = np.array([counter[k] for k in uniques], dtype=np.int64)
        top = pd.Series(local).groupby(codes).max()
        for code, highest in top.items():
            counter[uniques[code]] += int(highest)
        return local + base[codes]

    def unique_numbers(self, name: str, rng: np.random.Generator, n: int, digits: int):
        """`n` distinct random numbers of `digits` digits never drawn before under `name`."""
        drawn = self._drawn.setdefault(name, [])
        exclude = np.concatenate(drawn) if drawn else None
        if exclude is not None:
            drawn[:] = [exclude]
        numbers = unique_numbers(rng, n, digits, exclude)
        drawn.append(numbers.copy())
        return numbers
