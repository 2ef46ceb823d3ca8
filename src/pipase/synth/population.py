"""The synthetic population: ASE youths (in families, with MNA and twins) and people who appear
only in the other sources (adults, children, and look-alikes of cohort members)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipase.synth import codes
from pipase.synth import names_data as nd
from pipase.synth.names import GROUP_WEIGHTS, GROUPS, MNA_GROUP_WEIGHTS, pools
from pipase.synth.parameters import POPULATION
from pipase.synth.util import NODATE, Tags, day, from_ymd, weighted_index, ymd

COHORT = "cohort"
AFTER_2004 = "born_after_2004"
BEFORE_2000 = "no_measure_since_2000"
OTHER = "not_in_ase"

CANARY_SURNAME = "CANARYZORGLUB"
CANARIES = [
    ("Pipasecanari", "F", (1996, 4, 17)),
    ("Zwxqcanary", "M", (1997, 10, 23)),
    ("Qwxzcanarette", "F", (1999, 2, 11)),
]


@dataclass
class Population:
    n: int
    uid: np.ndarray
    is_youth: np.ndarray
    is_mna: np.ndarray
    is_canary: np.ndarray
    is_child: np.ndarray  # "other" people born after 2004 (children in households)
    sex: np.ndarray  # "M" / "F"
    birth: np.ndarray  # day numbers; for MNA the (possibly estimated) date the ASE records
    birth_estimated: np.ndarray
    group: np.ndarray
    nom: np.ndarray  # birth surname, canonical
    nom_usage: np.ndarray
    prenom: np.ndarray
    prenom2: np.ndarray
    nationality: np.ndarray
    nati: np.ndarray  # WebRSA F / C / A
    family: np.ndarray  # family index for youths, -1 otherwise
    twin_group: np.ndarray  # -1 or twin pair number
    lookalike_of: np.ndarray  # -1 or index of the cohort member imitated
    category: np.ndarray
    home: np.ndarray  # INSEE code of the home commune
    mna_entry: np.ndarray  # day of arrival for MNA, NODATE otherwise
    address: np.ndarray = field(default=None)  # street line of the home, e.g. "12 rue Pasteur"
    addr_parts: tuple = field(default=None)  # (number, street type index, street name)
    tags: Tags = field(default=None)  # person-level planted difficulties
    fam_size: np.ndarray = field(default=None)
    fam_members: list = field(default=None)

    @property
    def youths(self) -> np.ndarray:
        return np.flatnonzero(self.is_youth)

    @property
    def others(self) -> np.ndarray:
        return np.flatnonzero(~self.is_youth)


def _year_weights(years: range, shape) -> np.ndarray:
    return np.array([shape(y) for y in years], dtype=float)


def _random_days_in_year(rng, years: np.ndarray) -> np.ndarray:
    start = from_ymd(years, np.ones_like(years), np.ones_like(years))
    end = from_ymd(years + 1, np.ones_like(years), np.ones_like(years))
    return start + (rng.random(len(years)) * (end - start)).astype(np.int64)


def _sample_commune_codes(rng, n: int, out_share: float) -> np.ndarray:
    c93 = codes.communes_93()
    cout = codes.communes_out_home()
    inside = np.array([c.code for c in c93], dtype=object)
    w_in = np.array([c.weight for c in c93])
    outside = np.array([c.code for c in cout], dtype=object)
    w_out = np.array([c.weight for c in cout])
    res = inside[weighted_index(rng, w_in, n)]
    is_out = rng.random(n) < out_share
    res[is_out] = outside[weighted_index(rng, w_out, int(is_out.sum()))]
    return res


def _nationalities(rng, groups: np.ndarray, sexes: np.ndarray, french: np.ndarray):
    nat = np.empty(len(groups), dtype=object)
    for g in GROUPS:
        opts = codes.NATIONALITIES[g]
        idx = np.flatnonzero(groups == g)
        if not idx.size:
            continue
        pick = weighted_index(rng, [o[2] for o in opts], idx.size)
        nat[idx] = [
            opts[k][0] if s == "M" else opts[k][1] for k, s in zip(pick, sexes[idx], strict=True)
        ]
    fr_idx = np.flatnonzero(french)
    nat[fr_idx] = np.where(sexes[fr_idx] == "M", "Français", "Française")
    nati = np.where(
        np.isin(nat, ["Français", "Française"]),
        "F",
        np.where(np.isin(nat, list(codes.EU_NATIONALITY_LABELS)), "C", "A"),
    ).astype(object)
    return nat, nati


def _distinct_first_names(rng, first, groups, sexes, years, members_lists):
    """Resample first names so that no two children of a family share one."""
    p = pools()
    for members in members_lists:
        if len(members) < 2:
            continue
        for _ in range(20):
            names = list(first[members])
            dup = [m for k, m in enumerate(members) if names[k] in names[:k]]
            if not dup:
                break
            dup = np.array(dup)
            first[dup] = p.sample_first(rng, groups[dup], sexes[dup], years[dup])
    return first


P = POPULATION

_YEARS_COHORT = range(1980, 2005)
_YEARS_AFTER = range(2005, 2011)
_YEARS_BEFORE = range(1975, 1987)
# birth years of each category of family, and their weights
_BIRTH_YEARS = {
    COHORT: (
        _YEARS_COHORT,
        _year_weights(
            _YEARS_COHORT, lambda y: 0.25 if y < 1985 else min(1.0, 0.4 + (y - 1985) * 0.06)
        ),
    ),
    AFTER_2004: (_YEARS_AFTER, _year_weights(_YEARS_AFTER, lambda y: 1.0 - (y - 2005) * 0.1)),
    BEFORE_2000: (_YEARS_BEFORE, _year_weights(_YEARS_BEFORE, lambda y: 1.0)),
}
_ADULT_YEARS = np.arange(1950, 2008)
_ADULT_YEAR_WEIGHTS = np.array(
    [0.3 if y < 1965 else (1.0 if y < 1975 else (1.6 if y < 1998 else 1.0)) for y in _ADULT_YEARS]
)


@dataclass
class _Families:
    """The families of the regular (not MNA, not canary) youths."""

    sizes: np.ndarray
    category: np.ndarray  # per family
    of: np.ndarray  # family of each regular youth
    rank: np.ndarray  # rank of each youth in its family
    first: np.ndarray  # first youth of each family

    @property
    def n(self) -> int:
        return self.sizes.size


def _family_sizes(rng, n_regular: int) -> np.ndarray:
    sizes = []
    total = 0
    while total < n_regular:
        batch = rng.choice(
            np.array(P.family_sizes),
            size=max(16, (n_regular - total) // 2),
            p=np.array(P.family_size_weights),
        )
        for s in batch:
            s = int(min(s, n_regular - total))
            if s <= 0:
                break
            sizes.append(s)
            total += s
    return np.array(sizes, dtype=np.int64)


def _families(rng, n_regular: int) -> _Families:
    sizes = _family_sizes(rng, n_regular)
    n_fam = sizes.size
    fam_cat = np.where(
        rng.random(n_fam) < P.family_before_2000,
        BEFORE_2000,
        np.where(rng.random(n_fam) < P.family_after_2004, AFTER_2004, COHORT),
    ).astype(object)
    # a few families of each kind outside the cohort, whatever the scale
    for cat in (BEFORE_2000, AFTER_2004):
        missing = P.families_outside_cohort_min - int((fam_cat == cat).sum())
        if missing > 0:
            candidates = np.flatnonzero(fam_cat == COHORT)[-missing:]
            fam_cat[candidates] = cat
    fam_of = np.repeat(np.arange(n_fam), sizes)
    first = np.cumsum(sizes) - sizes
    rank = np.arange(n_regular) - np.repeat(first, sizes)
    return _Families(sizes, fam_cat, fam_of, rank, first)


def _sibling_births(rng, k: int, lo: int, hi: int, base: int) -> np.ndarray:
    """Birth days of the `k` siblings of a family born from about `base`, within [lo, hi]."""
    gaps = rng.integers(*P.sibling_gap_days, size=k - 1) if k > 1 else np.zeros(0, np.int64)
    span = int(gaps.sum())
    if span > (hi - lo) * 0.9:
        gaps = np.maximum((gaps * (hi - lo) * 0.85 / span).astype(np.int64), 280)
        if gaps.sum() > (hi - lo) * 0.9:
            gaps = np.full(k - 1, 280, dtype=np.int64)
        span = int(gaps.sum())
    start = min(max(base, lo), hi - span)
    return start + np.concatenate([[0], np.cumsum(gaps)])


def _family_births(rng, fams: _Families, n_regular: int) -> np.ndarray:
    """Birth days of the regular youths, in birth order within each family."""
    births = np.zeros(n_regular, dtype=np.int64)
    for cat, (years, weights) in _BIRTH_YEARS.items():
        chosen = np.flatnonzero(fams.category == cat)
        if not chosen.size:
            continue
        lo, hi = day(years.start, 1, 1), day(years.stop - 1, 12, 31)
        base_years = np.array(list(years))[weighted_index(rng, weights, chosen.size)]
        base = _random_days_in_year(rng, base_years)
        for f, b in zip(chosen, base, strict=True):
            k, first = int(fams.sizes[f]), int(fams.first[f])
            births[first : first + k] = _sibling_births(rng, k, lo, hi, int(b))
    return births


def _twins(rng, fams: _Families, births, sex, n_youths: int) -> np.ndarray:
    """The second child of a few families shares the first one's birth date (twin pair number
    of each regular youth, -1 if none)."""
    multi = np.flatnonzero((fams.sizes >= 2) & (fams.category != BEFORE_2000))
    n_twins = min(multi.size, max(2, int(round(P.twin_pairs_share * n_youths))))
    twin_fams = np.sort(rng.choice(multi, size=n_twins, replace=False)) if n_twins else multi[:0]
    twin_group = np.full(births.size, -1, dtype=np.int64)
    for t, f in enumerate(twin_fams):
        a, b = fams.first[f], fams.first[f] + 1
        births[b] = births[a]
        twin_group[[a, b]] = t
        if rng.random() < P.twins_opposite_sex:
            sex[b] = "F" if sex[a] == "M" else "M"
    return twin_group


def _boundary_births(fams: _Families, births) -> dict[int, str]:
    """One cohort youth born 2004-12-31, one excluded youth born 2005-01-01."""
    singles_cohort = np.flatnonzero((fams.sizes == 1) & (fams.category == COHORT))
    singles_after = np.flatnonzero((fams.sizes == 1) & (fams.category == AFTER_2004))
    boundary = {}
    if singles_cohort.size:
        f = singles_cohort[-1]
        births[fams.first[f]] = day(2004, 12, 31)
        boundary[fams.first[f]] = "boundary_birth_2004_12_31"
    if singles_after.size:
        f = singles_after[-1]
        births[fams.first[f]] = day(2005, 1, 1)
        boundary[fams.first[f]] = "boundary_birth_2005_01_01"
    elif (fams.category == AFTER_2004).any():
        f = np.flatnonzero(fams.category == AFTER_2004)[-1]
        members = np.flatnonzero(fams.of == f)
        births[members] = day(2005, 1, 1) + np.arange(members.size) * 700
        boundary[members[0]] = "boundary_birth_2005_01_01"
    return boundary


@dataclass
class _Mna:
    entry: np.ndarray
    birth: np.ndarray
    estimated: np.ndarray
    sex: np.ndarray
    group: np.ndarray
    category: np.ndarray


def _mna(rng, n_mna: int, extraction: int) -> _Mna:
    """Unaccompanied minors: arrival at 14.5-18, mostly since 2015, often an estimated birth
    date (1 January of the year)."""
    entry_years = np.arange(P.mna_entry_years[0], P.mna_entry_years[1] + 1)
    ey = entry_years[weighted_index(rng, np.array(P.mna_entry_year_weights), n_mna)]
    entry = np.minimum(_random_days_in_year(rng, ey), extraction - 20)
    age_days = (rng.uniform(*P.mna_age_at_entry, n_mna) * 365.25).astype(np.int64)
    true_birth = np.minimum(entry - age_days, day(2010, 12, 31))
    estimated = rng.random(n_mna) < P.mna_birth_estimated
    y, _, _ = ymd(true_birth)
    birth = np.where(estimated, from_ymd(y, np.ones_like(y), np.ones_like(y)), true_birth)
    sex = np.where(rng.random(n_mna) < P.mna_male, "M", "F").astype(object)
    group = np.array(list(MNA_GROUP_WEIGHTS), dtype=object)[
        weighted_index(rng, list(MNA_GROUP_WEIGHTS.values()), n_mna)
    ]
    category = np.where(birth <= day(2004, 12, 31), COHORT, AFTER_2004).astype(object)
    return _Mna(entry, birth, estimated, sex, group, category)


@dataclass
class _People:
    """One half of the population (the youths, or the people outside the ASE)."""

    sex: np.ndarray
    birth: np.ndarray
    group: np.ndarray
    nom: np.ndarray
    prenom: np.ndarray
    nationality: np.ndarray = None
    nati: np.ndarray = None
    home: np.ndarray = None


@dataclass
class _YouthFacts:
    """What the youths are, before their names: family, birth, sex, category..."""

    n_regular: int
    n_mna: int
    planted: list
    fams: _Families
    mna: _Mna
    is_mna: np.ndarray
    is_canary: np.ndarray
    family: np.ndarray  # family of each youth (an MNA, the canaries: a family of their own)
    n_families: int
    birth: np.ndarray
    estimated: np.ndarray
    sex: np.ndarray
    group: np.ndarray
    fam_group: np.ndarray
    category: np.ndarray
    twin_group: np.ndarray
    entry: np.ndarray
    boundary: dict


def _youth_facts(rng, n_youths: int, extraction: int, canaries: bool) -> _YouthFacts:
    """The youths: regular ones in families (twins, boundary births), MNA, canaries."""
    n_mna = int(round(P.mna_share * n_youths))
    planted = CANARIES if canaries else []
    n_canary = len(planted)
    n_regular = n_youths - n_mna - n_canary
    fams = _families(rng, n_regular)
    births = _family_births(rng, fams, n_regular)
    sex_reg = np.where(rng.random(n_regular) < P.youth_male, "M", "F").astype(object)
    fam_group = np.array(GROUPS, dtype=object)[
        weighted_index(rng, [GROUP_WEIGHTS[g] for g in GROUPS], fams.n)
    ]
    twin_group = _twins(rng, fams, births, sex_reg, n_youths)
    boundary = _boundary_births(fams, births)
    mna = _mna(rng, n_mna, extraction)
    is_mna = np.zeros(n_youths, dtype=bool)
    is_mna[n_regular : n_regular + n_mna] = True
    is_canary = np.zeros(n_youths, dtype=bool)
    is_canary[n_regular + n_mna :] = True
    planted_of = np.array([c[1] for c in planted], dtype=object)
    return _YouthFacts(
        n_regular=n_regular, n_mna=n_mna, planted=planted, fams=fams, mna=mna,
        is_mna=is_mna, is_canary=is_canary,
        family=np.concatenate(
            [fams.of, fams.n + np.arange(n_mna), np.full(n_canary, fams.n + n_mna)]
        ),
        n_families=fams.n + n_mna + (1 if n_canary else 0),
        birth=np.concatenate(
            [births, mna.birth, np.array([day(*c[2]) for c in planted], dtype=np.int64)]
        ),
        estimated=np.concatenate(
            [np.zeros(n_regular, bool), mna.estimated, np.zeros(n_canary, bool)]
        ),
        sex=np.concatenate([sex_reg, mna.sex, planted_of]),
        group=np.concatenate(
            [fam_group[fams.of], mna.group, np.array(["FR"] * n_canary, dtype=object)]
        ),
        fam_group=fam_group,
        category=np.concatenate(
            [fams.category[fams.of], mna.category, np.array([COHORT] * n_canary, dtype=object)]
        ),
        twin_group=np.concatenate([twin_group, np.full(n_mna + n_canary, -1)]),
        entry=np.concatenate([np.full(n_regular, NODATE), mna.entry, np.full(n_canary, NODATE)]),
        boundary=boundary,
    )  # fmt: skip


def _youth_surnames(rng, f: _YouthFacts) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    """One surname per family (the forced ones first, the canaries'), a few half-siblings with
    another; returns the surnames and the first names forced with them."""
    p = pools()
    n_fam = f.fams.n
    fam_groups_all = np.concatenate(
        [f.fam_group, f.mna.group, ["FR"] * (f.n_families - n_fam - f.n_mna)]
    ).astype(object)
    fam_surname = p.sample_surnames(rng, fam_groups_all)
    forced_first: dict[int, tuple[str, str]] = {}
    for k in range(min(len(nd.FORCED_SURNAMES), n_fam)):
        surname, grp = nd.FORCED_SURNAMES[k]
        fam_surname[k] = surname
        fam_groups_all[k] = grp
        if surname in nd.FORCED_FIRST:
            forced_first[int(f.fams.first[k])] = nd.FORCED_FIRST[surname]
    f.group[: f.n_regular] = fam_groups_all[f.fams.of]
    if f.planted:
        fam_surname[f.n_families - 1] = CANARY_SURNAME
    nom = fam_surname[f.family].copy()
    regular_twin = f.twin_group[: f.n_regular]
    half = (f.fams.rank > 0) & (rng.random(f.n_regular) < P.half_siblings) & (regular_twin < 0)
    half_idx = np.flatnonzero(half)
    nom[half_idx] = p.sample_surnames(rng, f.group[half_idx])
    return nom, forced_first


def _family_members(family: np.ndarray, n_families: int) -> list[np.ndarray]:
    order = np.argsort(family, kind="stable")
    bounds = np.searchsorted(family[order], np.arange(n_families + 1))
    return [order[bounds[i] : bounds[i + 1]].astype(np.int64) for i in range(n_families)]


def _youth_first_names(rng, f: _YouthFacts, forced_first, members) -> np.ndarray:
    p = pools()
    by = ymd(f.birth)[0]
    prenom = p.sample_first(rng, f.group, f.sex, by, french_share=np.where(f.is_mna, 0.0, np.nan))
    not_mna = np.flatnonzero(~f.is_mna)
    prenom[not_mna] = p.sample_first(rng, f.group[not_mna], f.sex[not_mna], by[not_mna])
    for i, (first, s) in forced_first.items():
        prenom[i] = first
        f.sex[i] = s
    prenom[np.flatnonzero(f.is_canary)] = [c[0] for c in f.planted]
    return _distinct_first_names(rng, prenom, f.group, f.sex, by, members)


def _with_nationality(rng, people: _People, french: np.ndarray, out_share: float, n_homes: int):
    people.nationality, people.nati = _nationalities(rng, people.group, people.sex, french)
    return _sample_commune_codes(rng, n_homes, out_share)


def _youths(rng, f: _YouthFacts, members) -> _People:
    nom, forced_first = _youth_surnames(rng, f)
    prenom = _youth_first_names(rng, f, forced_first, members)
    youths = _People(f.sex, f.birth, f.group, nom, prenom)
    n = f.birth.size
    french = (
        np.where(
            f.group == "FR",
            rng.random(n) < P.youth_french_in_fr_group,
            rng.random(n) < P.youth_french_other_group,
        )
        & ~f.is_mna
    )
    home_fam = _with_nationality(rng, youths, french, P.youth_home_outside_93, f.n_families)
    youths.home = home_fam[f.family]
    return youths


def _others(rng, n_o: int, extraction: int) -> tuple[_People, int]:
    """As many people outside the ASE as youths: adults, and children born after 2004."""
    p = pools()
    n_child = int(round(P.other_children_share * n_o))
    n_adult = n_o - n_child
    oy = _ADULT_YEARS[weighted_index(rng, _ADULT_YEAR_WEIGHTS, n_adult)]
    ob_adult = _random_days_in_year(rng, oy)
    span = extraction - 30 - day(2005, 1, 1)
    ob_child = day(2005, 1, 1) + (rng.random(n_child) * span).astype(np.int64)
    ob = np.concatenate([ob_adult, ob_child])
    osex = np.where(
        np.arange(n_o) < n_adult,
        np.where(rng.random(n_o) < P.other_female_adult, "F", "M"),
        np.where(rng.random(n_o) < P.other_female_child, "F", "M"),
    ).astype(object)
    ogroup = np.array(GROUPS, dtype=object)[
        weighted_index(rng, [GROUP_WEIGHTS[g] for g in GROUPS], n_o)
    ]
    others = _People(osex, ob, ogroup, p.sample_surnames(rng, ogroup), None)
    others.prenom = p.sample_first(rng, ogroup, osex, ymd(ob)[0])
    french = np.where(
        ogroup == "FR",
        rng.random(n_o) < P.other_french_in_fr_group,
        rng.random(n_o) < P.other_french_other_group,
    )
    others.home = _with_nationality(rng, others, french, P.other_home_outside_93, n_o)
    return others, n_adult


def _lookalikes(rng, f: _YouthFacts, youths: _People, others: _People, n_adult: int, n_youths):
    """The first adults outside the ASE become look-alikes of cohort members: same surname,
    born the same month (another day); every 4th shares the first name and sex too. Returns
    (youth imitated by each other person or -1, shares the first name)."""
    p = pools()
    n_o = others.birth.size
    look = np.full(n_o, -1, dtype=np.int64)
    same_first = np.zeros(n_o, dtype=bool)
    targets = np.flatnonzero((f.category == COHORT) & ~f.is_canary & (f.twin_group < 0))
    n_look = min(targets.size, max(4, int(round(P.lookalikes_share * n_youths))), n_adult)
    if not n_look:
        return look, same_first
    for o, t in enumerate(np.sort(rng.choice(targets, size=n_look, replace=False))):
        others.group[o] = youths.group[t]
        others.nom[o] = youths.nom[t]
        ty, tm, td = (int(v[0]) for v in ymd(np.array([youths.birth[t]])))
        dd = int(rng.integers(1, 29))
        if dd == td:
            dd = dd % 28 + 1
        others.birth[o] = day(ty, tm, dd)
        keep_sex = rng.random() < P.lookalike_same_sex
        others.sex[o] = youths.sex[t] if keep_sex else ("F" if youths.sex[t] == "M" else "M")
        same_first[o] = o % P.lookalike_same_first_name_every == 0
        if same_first[o]:
            others.prenom[o] = youths.prenom[t]
            others.sex[o] = youths.sex[t]
        else:
            for _ in range(20):
                cand = p.sample_first(
                    rng, np.array([others.group[o]]), np.array([others.sex[o]]), np.array([ty])
                )[0]
                if cand != youths.prenom[t]:
                    others.prenom[o] = cand
                    break
        look[o] = t
    return look, same_first


def _second_first_names(rng, people: _People, is_canary: np.ndarray) -> np.ndarray:
    p = pools()
    n = people.birth.size
    has2 = rng.random(n) < P.second_first_name
    prenom2 = np.full(n, "", dtype=object)
    idx2 = np.flatnonzero(has2 & ~is_canary)
    prenom2[idx2] = p.sample_first(
        rng, people.group[idx2], people.sex[idx2], ymd(people.birth)[0][idx2]
    )
    prenom2[prenom2 == people.prenom] = ""
    return prenom2


def _usage_names(rng, people: _People, is_youth, is_canary, lookalike, extraction) -> np.ndarray:
    """Married women (and a few men) use their spouse's name (or a double name) after 23."""
    n = people.birth.size
    nom, sex = people.nom, people.sex
    nom_usage = nom.copy()
    age_ok = people.birth <= extraction - int(P.married_age * 365.25)
    can_marry = age_ok & ~is_canary & (lookalike < 0)
    woman_rate = np.where(is_youth, P.married_woman_youth, P.married_woman_other)
    married = can_marry & (
        ((sex == "F") & (rng.random(n) < woman_rate))
        | ((sex == "M") & (rng.random(n) < P.married_man))
    )
    m_idx = np.flatnonzero(married)
    spouse_group = np.array(GROUPS, dtype=object)[
        weighted_index(rng, [GROUP_WEIGHTS[g] for g in GROUPS], m_idx.size)
    ]
    spouse = pools().sample_surnames(rng, spouse_group)
    double = rng.random(m_idx.size) < P.double_usage_name
    nom_usage[m_idx] = np.where(
        double | (sex[m_idx] == "M"),
        np.array([f"{a}-{b}" for a, b in zip(nom[m_idx], spouse, strict=True)], dtype=object),
        spouse,
    )
    same = nom_usage == nom
    nom_usage[m_idx[same[m_idx]]] = nom[m_idx[same[m_idx]]]
    return nom_usage


def _home_addresses(rng, n: int, family: np.ndarray, members: list[np.ndarray]):
    """One street address per family for the youths, per person for the others."""
    from pipase.synth.places import street_parts

    num, typ, street = street_parts(rng, n)
    fam_head = np.array([m[0] if m.size else 0 for m in members], dtype=np.int64)
    head = np.arange(n)
    head[: family.size] = fam_head[family]
    num, typ, street = num[head], typ[head], street[head]
    types = codes.STREET_TYPES
    address = np.array(
        [f"{a} {types[t][0]} {b}" for a, t, b in zip(num, typ, street, strict=True)], dtype=object
    )
    return address, (num, typ, street)


def _tag_population(pop: Population, n_y: int, olook_same: np.ndarray, boundary) -> None:
    pop.tags.add(np.flatnonzero(pop.twin_group >= 0), "twin")
    look = np.flatnonzero(pop.lookalike_of >= 0)
    look_same = look[np.concatenate([np.zeros(n_y, bool), olook_same])[look]]
    pop.tags.add(np.setdiff1d(look, look_same), "lookalike_secondary_key")
    pop.tags.add(look_same, "lookalike_same_first_name")
    pop.tags.add(np.flatnonzero(pop.category == AFTER_2004), "outside_cohort_born_after_2004")
    pop.tags.add(np.flatnonzero(pop.category == BEFORE_2000), "outside_cohort_measures_before_2000")
    pop.tags.add(np.flatnonzero(pop.is_mna & pop.birth_estimated), "mna_estimated_birth_date")
    for i, kind in boundary.items():
        pop.tags.add([i], kind)


def _joined(youths: _People, others: _People) -> _People:
    return _People(
        *(
            np.concatenate([getattr(youths, name), getattr(others, name)])
            for name in ("sex", "birth", "group", "nom", "prenom", "nationality", "nati", "home")
        )
    )


def build_population(
    n_youths: int,
    seed_rng: np.random.Generator,
    extraction: int,
    canaries: bool = True,
    person_offset: int = 0,
    twin_offset: int = 0,
) -> Population:
    """The youths of one chunk and as many other people. `canaries`: the three canaries are
    among the youths (first chunk only); `person_offset` / `twin_offset`: persons and twin pairs
    numbered by the earlier chunks (person uids and twin groups go on from there). The steps
    draw from `seed_rng` in turn: their order is part of a seed's output."""
    rng = seed_rng
    f = _youth_facts(rng, n_youths, extraction, canaries)
    members = _family_members(f.family, f.n_families)
    youths = _youths(rng, f, members)
    others, n_adult = _others(rng, n_youths, extraction)
    olook, olook_same = _lookalikes(rng, f, youths, others, n_adult, n_youths)
    people = _joined(youths, others)
    n_o = others.birth.size
    n = n_youths + n_o
    is_youth = np.arange(n) < n_youths
    is_canary = np.concatenate([f.is_canary, np.zeros(n_o, bool)])
    lookalike = np.concatenate([np.full(n_youths, -1), olook])
    prenom2 = _second_first_names(rng, people, is_canary)
    nom_usage = _usage_names(rng, people, is_youth, is_canary, lookalike, extraction)
    uid = np.array([f"U{i + 1:07d}" for i in range(person_offset, person_offset + n)], dtype=object)
    address, addr_parts = _home_addresses(rng, n, f.family, members)
    pop = Population(
        n=n, uid=uid, is_youth=is_youth,
        is_mna=np.concatenate([f.is_mna, np.zeros(n_o, bool)]),
        is_canary=is_canary,
        is_child=np.concatenate([np.zeros(n_youths, bool), np.arange(n_o) >= n_adult]),
        sex=people.sex, birth=people.birth,
        birth_estimated=np.concatenate([f.estimated, np.zeros(n_o, bool)]),
        group=people.group, nom=people.nom, nom_usage=nom_usage, prenom=people.prenom,
        prenom2=prenom2, nationality=people.nationality, nati=people.nati,
        family=np.concatenate([f.family, np.full(n_o, -1)]),
        twin_group=np.concatenate(
            [np.where(f.twin_group >= 0, f.twin_group + twin_offset, -1), np.full(n_o, -1)]
        ),
        lookalike_of=lookalike,
        category=np.concatenate([f.category, np.full(n_o, OTHER, dtype=object)]),
        home=people.home,
        mna_entry=np.concatenate([f.entry, np.full(n_o, NODATE)]),
        address=address, addr_parts=addr_parts, tags=Tags(n),
        fam_size=np.array([m.size for m in members]), fam_members=members,
    )  # fmt: skip
    _tag_population(pop, n_youths, olook_same, f.boundary)
    return pop
