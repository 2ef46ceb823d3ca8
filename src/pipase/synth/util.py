"""Small helpers shared by the generator: random streams, day-number dates, difficulty tags.

Dates are handled as integer day numbers since 1970-01-01 (numpy int64), with `NODATE` for a
missing date, so that whole columns are computed and formatted without per-row Python.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

NODATE = -(10**6)
"""Day number standing for an empty date."""

_EPOCH = dt.date(1970, 1, 1)

# Stable stream numbers: adding a stream never changes the numbers drawn by the others.
STREAMS = {
    "population": 1,
    "names": 2,
    "ase": 3,
    "webrsa": 4,
    "nova": 5,
    "dpas": 6,
    "mdph": 7,
    "identity": 8,
    "writer": 9,
    "places": 10,
    "roles": 11,
}


def rng_for(seed: int, stream: str, chunk: int = 0) -> np.random.Generator:
    """An independent generator per component and chunk of youths, derived from the user seed.

    Chunk 0 draws what the generator drew before it worked in chunks, so an extraction that fits
    in one chunk is unchanged; chunk k > 0 has its own streams."""
    entropy = [int(seed), STREAMS[stream]] + ([int(chunk)] if chunk else [])
    return np.random.default_rng(np.random.SeedSequence(entropy))


def day(y: int, m: int, d: int) -> int:
    """Day number of a calendar date."""
    return (dt.date(y, m, d) - _EPOCH).days


def to_date(days: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(days))


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised day number -> (year, month, day)."""
    d64 = np.asarray(days, dtype="int64").astype("datetime64[D]")
    y = d64.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d64.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d64 - d64.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def from_ymd(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Vectorised (year, month, day) -> day number; day overflow rolls into the next month."""
    y = np.asarray(y, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    d = np.asarray(d, dtype=np.int64)
    months = (y - 1970) * 12 + (m - 1)
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return first + d - 1


def add_years(days: np.ndarray, years: int | np.ndarray) -> np.ndarray:
    """Anniversary: same day and month `years` later (29 February -> 1 March)."""
    y, m, d = ymd(days)
    return from_ymd(y + years, m, d)


def month_start(days: np.ndarray, months_after: int = 0) -> np.ndarray:
    y, m, _ = ymd(days)
    return from_ymd(y, m + months_after, np.ones_like(y))


def choice(rng: np.random.Generator, values, size: int, p=None) -> np.ndarray:
    """rng.choice over a list of labels, with normalised weights."""
    arr = np.empty(len(values), dtype=object)
    arr[:] = list(values)
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return arr[rng.choice(len(arr), size=size, p=p)]


def weighted_index(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=size, p=w / w.sum())


def zipf_weights(n: int, exponent: float = 0.9, offset: float = 3.0) -> np.ndarray:
    """Frequency-like weights for a list sorted from the most to the least common."""
    return 1.0 / (np.arange(n, dtype=float) + offset) ** exponent


def pick(
    rng: np.random.Generator, eligible: np.ndarray, rate: float, minimum: int = 1
) -> np.ndarray:
    """Indices drawn from `eligible` at `rate`, at least `minimum` when there are any."""
    eligible = np.asarray(eligible, dtype=np.int64)
    if eligible.size == 0:
        return eligible
    k = int(rng.binomial(eligible.size, rate))
    k = min(eligible.size, max(k, minimum))
    return np.sort(rng.choice(eligible, size=k, replace=False))


class Tags:
    """Difficulty tags of the rows of one table (a ';'-joined string per row)."""

    def __init__(self, n: int):
        self.values = np.full(n, "", dtype=object)

    def add(self, idx, kind: str) -> None:
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size == 0:
            return
        cur = self.values[idx]
        self.values[idx] = [
            kind if c == "" else (c if kind in c.split(";") else f"{c};{kind}") for c in cur
        ]

    def extend(self, other: np.ndarray) -> None:
        self.values = np.concatenate([self.values, other])


def between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniform day in [lo, hi]; NODATE where the interval is empty."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    span = hi - lo + 1
    ok = span > 0
    out = lo + (rng.random(lo.size) * np.maximum(span, 1)).astype(np.int64)
    return np.where(ok, out, NODATE)


def labels(rng: np.random.Generator, table, n: int) -> np.ndarray:
    """Draw `n` labels from [(label, weight), ...]."""
    arr = np.empty(len(table), dtype=object)
    arr[:] = [t[0] for t in table]
    return arr[weighted_index(rng, [t[1] for t in table], n)]


def tag_multiple_ids(tags: Tags, persons: np.ndarray, ids: np.ndarray) -> None:
    """Tag rows of persons known under more than one id in the same table."""
    import pandas as pd

    frame = pd.DataFrame({"p": persons, "i": ids})
    counts = frame.drop_duplicates().groupby("p")["i"].transform("size")
    several = frame.drop_duplicates().loc[counts > 1, "p"].unique()
    tags.add(np.flatnonzero(np.isin(persons, several) & (persons >= 0)), "multiple_ids_in_source")


def unique_numbers(
    rng: np.random.Generator, n: int, digits: int, exclude: np.ndarray | None = None
) -> np.ndarray:
    """`n` distinct random numbers with exactly `digits` digits, none of them in `exclude`
    (numbers drawn by the earlier chunks of the extraction)."""
    lo, hi = 10 ** (digits - 1), 10**digits
    if exclude is not None and n + exclude.size > (hi - lo) // 2:
        raise ValueError(f"{n + exclude.size} distinct {digits}-digit numbers asked for")
    out = np.zeros(0, dtype=np.int64)
    while out.size < n:
        draw = rng.integers(lo, hi, size=int((n - out.size) * 1.2) + 8)
        merged = np.concatenate([out, draw])
        _, first = np.unique(merged, return_index=True)
        out = merged[np.sort(first)]
        if exclude is not None and exclude.size:
            out = out[~np.isin(out, exclude)]
    return out[:n]


class Drawer:
    """Draw people from a pool without replacement, reshuffling when the pool is used up, so
    that a person is reused (spouse, parent, child) only once everybody has been used."""

    def __init__(self, rng: np.random.Generator, pool: np.ndarray) -> None:
        self.rng = rng
        self.pool = np.asarray(pool, dtype=np.int64)
        self.order = rng.permutation(self.pool)
        self.pos = 0

    def take(self, k: int = 1) -> np.ndarray:
        out = []
        while len(out) < k and self.pool.size:
            if self.pos >= self.order.size:
                self.order = self.rng.permutation(self.pool)
                self.pos = 0
            n = min(k - len(out), self.order.size - self.pos)
            out.extend(self.order[self.pos : self.pos + n].tolist())
            self.pos += n
        return np.array(out, dtype=np.int64)

    def one(self) -> int:
        return int(self.take(1)[0])


def map_unique(values: np.ndarray, fn) -> np.ndarray:
    """Apply `fn` once per distinct value (names repeat a lot)."""
    import pandas as pd

    values = np.asarray(values, dtype=object)
    if values.size == 0:
        return np.empty(0, dtype=object)
    codes_, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(u) for u in uniques]
    return mapped[codes_]
