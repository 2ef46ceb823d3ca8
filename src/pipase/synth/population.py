"""The synthetic population: ASE youths (in families, with MNA and twins) and people who appear
only in the other sources (adults, children, and look-alikes of cohort members)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipase.synth import codes
from pipase.synth import names_data as nd
from pipase.synth.names import GROUP_WEIGHTS, GROUPS, MNA_GROUP_WEIGHTS, pools
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
    numbered by the earlier chunks (person uids and twin groups go on from there)."""
    rng = seed_rng
    p = pools()
    n_mna = int(round(0.18 * n_youths))
    planted = CANARIES if canaries else []
    n_canary = len(planted)
    n_regular = n_youths - n_mna - n_canary

    # ---- families of regular youths
    sizes = []
    total = 0
    size_values = np.array([1, 2, 3, 4, 5])
    size_p = np.array([0.55, 0.25, 0.12, 0.06, 0.02])
    while total < n_regular:
        batch = rng.choice(size_values, size=max(16, (n_regular - total) // 2), p=size_p)
        for s in batch:
            s = int(min(s, n_regular - total))
            if s <= 0:
                break
            sizes.append(s)
            total += s
    sizes = np.array(sizes, dtype=np.int64)
    n_fam = sizes.size
    fam_cat = np.where(
        rng.random(n_fam) < 0.045,
        BEFORE_2000,
        np.where(rng.random(n_fam) < 0.08, AFTER_2004, COHORT),
    ).astype(object)
    # at least two families of each kind outside the cohort, whatever the scale
    for cat in (BEFORE_2000, AFTER_2004):
        missing = 2 - int((fam_cat == cat).sum())
        if missing > 0:
            candidates = np.flatnonzero(fam_cat == COHORT)[-missing:]
            fam_cat[candidates] = cat

    years_cohort = range(1980, 2005)
    w_cohort = _year_weights(
        years_cohort, lambda y: 0.25 if y < 1985 else min(1.0, 0.4 + (y - 1985) * 0.06)
    )
    years_after = range(2005, 2011)
    w_after = _year_weights(years_after, lambda y: 1.0 - (y - 2005) * 0.1)
    years_before = range(1975, 1987)
    w_before = _year_weights(years_before, lambda y: 1.0)

    fam_of = np.repeat(np.arange(n_fam), sizes)
    rank = np.arange(n_regular) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    births = np.zeros(n_regular, dtype=np.int64)
    bounds = {
        COHORT: (years_cohort, w_cohort),
        AFTER_2004: (years_after, w_after),
        BEFORE_2000: (years_before, w_before),
    }
    for cat, (years, weights) in bounds.items():
        fams = np.flatnonzero(fam_cat == cat)
        if not fams.size:
            continue
        lo = day(years.start, 1, 1)
        hi = day(years.stop - 1, 12, 31)
        base_years = np.array(list(years))[weighted_index(rng, weights, fams.size)]
        base = _random_days_in_year(rng, base_years)
        starts_of = np.cumsum(sizes) - sizes
        for f, b in zip(fams, base, strict=True):
            k = int(sizes[f])
            gaps = rng.integers(420, 1700, size=k - 1) if k > 1 else np.zeros(0, dtype=np.int64)
            span = int(gaps.sum())
            if span > (hi - lo) * 0.9:
                gaps = np.maximum((gaps * (hi - lo) * 0.85 / span).astype(np.int64), 280)
                if gaps.sum() > (hi - lo) * 0.9:
                    gaps = np.full(k - 1, 280, dtype=np.int64)
                span = int(gaps.sum())
            start = min(max(int(b), lo), hi - span)
            first = int(starts_of[f])
            births[first : first + k] = start + np.concatenate([[0], np.cumsum(gaps)])
    # the youngest born in a family is the last one: keep order by birth
    sex_reg = np.where(rng.random(n_regular) < 0.52, "M", "F").astype(object)
    fam_group = np.array(GROUPS, dtype=object)[
        weighted_index(rng, [GROUP_WEIGHTS[g] for g in GROUPS], n_fam)
    ]

    # ---- twins: second child of a family shares the first one's birth date
    multi = np.flatnonzero((sizes >= 2) & (fam_cat != BEFORE_2000))
    n_twins = min(multi.size, max(2, int(round(0.006 * n_youths))))
    twin_fams = np.sort(rng.choice(multi, size=n_twins, replace=False)) if n_twins else multi[:0]
    twin_group_reg = np.full(n_regular, -1, dtype=np.int64)
    first_of_fam = np.cumsum(sizes) - sizes
    for t, f in enumerate(twin_fams):
        a, b = first_of_fam[f], first_of_fam[f] + 1
        births[b] = births[a]
        twin_group_reg[[a, b]] = t
        if rng.random() < 0.4:
            sex_reg[b] = "F" if sex_reg[a] == "M" else "M"
    # ---- boundary births: one cohort youth born 2004-12-31, one excluded born 2005-01-01
    singles_cohort = np.flatnonzero((sizes == 1) & (fam_cat == COHORT))
    singles_after = np.flatnonzero((sizes == 1) & (fam_cat == AFTER_2004))
    boundary = {}
    if singles_cohort.size:
        f = singles_cohort[-1]
        births[first_of_fam[f]] = day(2004, 12, 31)
        boundary[first_of_fam[f]] = "boundary_birth_2004_12_31"
    if singles_after.size:
        f = singles_after[-1]
        births[first_of_fam[f]] = day(2005, 1, 1)
        boundary[first_of_fam[f]] = "boundary_birth_2005_01_01"
    elif (fam_cat == AFTER_2004).any():
        f = np.flatnonzero(fam_cat == AFTER_2004)[-1]
        members = np.flatnonzero(fam_of == f)
        births[members] = day(2005, 1, 1) + np.arange(members.size) * 700
        boundary[members[0]] = "boundary_birth_2005_01_01"

    # ---- MNA: one per family file, arrival at 14.5-18, mostly since 2015
    entry_years = np.arange(2008, 2027)
    w_entry = np.array(
        [
            0.3,
            0.3,
            0.4,
            0.5,
            0.6,
            0.8,
            1.0,
            1.6,
            2.0,
            2.4,
            2.6,
            2.4,
            1.4,
            1.8,
            2.2,
            2.4,
            2.4,
            2.2,
            1.0,
        ]
    )
    ey = entry_years[weighted_index(rng, w_entry, n_mna)]
    mna_entry = _random_days_in_year(rng, ey)
    mna_entry = np.minimum(mna_entry, extraction - 20)
    age_days = (rng.uniform(14.5, 17.95, n_mna) * 365.25).astype(np.int64)
    mna_true_birth = np.minimum(mna_entry - age_days, day(2010, 12, 31))
    mna_estimated = rng.random(n_mna) < 0.65
    y, _, _ = ymd(mna_true_birth)
    mna_birth = np.where(
        mna_estimated, from_ymd(y, np.ones_like(y), np.ones_like(y)), mna_true_birth
    )
    mna_sex = np.where(rng.random(n_mna) < 0.92, "M", "F").astype(object)
    mna_group = np.array(list(MNA_GROUP_WEIGHTS), dtype=object)[
        weighted_index(rng, list(MNA_GROUP_WEIGHTS.values()), n_mna)
    ]
    mna_cat = np.where(mna_birth <= day(2004, 12, 31), COHORT, AFTER_2004).astype(object)

    # ---- assemble youths: regular, MNA, canaries
    n_y = n_youths
    is_mna = np.zeros(n_y, dtype=bool)
    is_mna[n_regular : n_regular + n_mna] = True
    is_canary = np.zeros(n_y, dtype=bool)
    is_canary[n_regular + n_mna :] = True
    family = np.concatenate([fam_of, n_fam + np.arange(n_mna), np.full(n_canary, n_fam + n_mna)])
    n_families = n_fam + n_mna + (1 if n_canary else 0)
    birth = np.concatenate(
        [births, mna_birth, np.array([day(*c[2]) for c in planted], dtype=np.int64)]
    )
    estimated = np.concatenate([np.zeros(n_regular, bool), mna_estimated, np.zeros(n_canary, bool)])
    sex = np.concatenate([sex_reg, mna_sex, np.array([c[1] for c in planted], dtype=object)])
    group_y = np.concatenate(
        [fam_group[fam_of], mna_group, np.array(["FR"] * n_canary, dtype=object)]
    )
    category = np.concatenate(
        [fam_cat[fam_of], mna_cat, np.array([COHORT] * n_canary, dtype=object)]
    )
    twin_group = np.concatenate([twin_group_reg, np.full(n_mna + n_canary, -1)])
    entry = np.concatenate([np.full(n_regular, NODATE), mna_entry, np.full(n_canary, NODATE)])

    # surnames: one per family, half-siblings 12 %
    fam_groups_all = np.concatenate([fam_group, mna_group, ["FR"] * (n_families - n_fam - n_mna)])
    fam_groups_all = fam_groups_all.astype(object)
    fam_surname = p.sample_surnames(rng, fam_groups_all)
    n_forced = min(len(nd.FORCED_SURNAMES), n_fam)
    forced_first: dict[int, tuple[str, str]] = {}
    for k in range(n_forced):
        surname, grp = nd.FORCED_SURNAMES[k]
        fam_surname[k] = surname
        fam_groups_all[k] = grp
        if surname in nd.FORCED_FIRST:
            forced_first[int(first_of_fam[k])] = nd.FORCED_FIRST[surname]
    group_y[:n_regular] = fam_groups_all[fam_of]
    if n_canary:
        fam_surname[n_families - 1] = CANARY_SURNAME
    nom_y = fam_surname[family].copy()
    half = (rank > 0) & (rng.random(n_regular) < 0.12) & (twin_group_reg < 0)
    half_idx = np.flatnonzero(half)
    nom_y[half_idx] = p.sample_surnames(rng, group_y[half_idx])

    by = ymd(birth)[0]
    prenom_y = p.sample_first(rng, group_y, sex, by, french_share=np.where(is_mna, 0.0, np.nan))
    nan_share = np.flatnonzero(~is_mna)
    prenom_y[nan_share] = p.sample_first(rng, group_y[nan_share], sex[nan_share], by[nan_share])
    for i, (first, s) in forced_first.items():
        prenom_y[i] = first
        sex[i] = s
    canary_idx = np.flatnonzero(is_canary)
    prenom_y[canary_idx] = [c[0] for c in planted]
    fam_members = [[] for _ in range(n_families)]
    for i, f in enumerate(family):
        fam_members[f].append(i)
    fam_members = [np.array(m, dtype=np.int64) for m in fam_members]
    prenom_y = _distinct_first_names(rng, prenom_y, group_y, sex, by, fam_members)

    french_y = np.where(group_y == "FR", rng.random(n_y) < 0.99, rng.random(n_y) < 0.7) & ~is_mna
    nat_y, nati_y = _nationalities(rng, group_y, sex, french_y)
    home_fam = _sample_commune_codes(rng, n_families, 0.14)
    home_y = home_fam[family]

    # ---- others: adults, children, look-alikes
    n_o = n_youths
    n_child = int(round(0.35 * n_o))
    n_adult = n_o - n_child
    adult_years = np.arange(1950, 2008)
    w_adult = np.array(
        [
            0.3 if yy < 1965 else (1.0 if yy < 1975 else (1.6 if yy < 1998 else 1.0))
            for yy in adult_years
        ]
    )
    oy = adult_years[weighted_index(rng, w_adult, n_adult)]
    ob_adult = _random_days_in_year(rng, oy)
    ob_child = day(2005, 1, 1) + (rng.random(n_child) * (extraction - 30 - day(2005, 1, 1))).astype(
        np.int64
    )
    ob = np.concatenate([ob_adult, ob_child])
    osex = np.where(
        np.arange(n_o) < n_adult,
        np.where(rng.random(n_o) < 0.56, "F", "M"),
        np.where(rng.random(n_o) < 0.5, "F", "M"),
    ).astype(object)
    ogroup = np.array(GROUPS, dtype=object)[
        weighted_index(rng, [GROUP_WEIGHTS[g] for g in GROUPS], n_o)
    ]
    onom = p.sample_surnames(rng, ogroup)
    oprenom = p.sample_first(rng, ogroup, osex, ymd(ob)[0])
    ofrench = np.where(ogroup == "FR", rng.random(n_o) < 0.98, rng.random(n_o) < 0.6)
    onat, onati = _nationalities(rng, ogroup, osex, ofrench)
    ohome = _sample_commune_codes(rng, n_o, 0.12)
    olook = np.full(n_o, -1, dtype=np.int64)
    olook_same = np.zeros(n_o, dtype=bool)

    targets = np.flatnonzero((category == COHORT) & ~is_canary & (twin_group < 0))
    n_look = min(targets.size, max(4, int(round(0.02 * n_youths))), n_adult)
    if n_look:
        tsel = np.sort(rng.choice(targets, size=n_look, replace=False))
        for k, t in enumerate(tsel):
            o = k  # the first adults of the "others" become look-alikes
            ogroup[o] = group_y[t]
            onom[o] = nom_y[t]
            ty, tm, td = (int(v[0]) for v in ymd(np.array([birth[t]])))
            dd = int(rng.integers(1, 29))
            if dd == td:
                dd = dd % 28 + 1
            ob[o] = day(ty, tm, dd)
            osex[o] = sex[t] if rng.random() < 0.7 else ("F" if sex[t] == "M" else "M")
            same = k % 4 == 0
            olook_same[o] = same
            if same:
                oprenom[o] = prenom_y[t]
                osex[o] = sex[t]
            else:
                for _ in range(20):
                    cand = p.sample_first(
                        rng, np.array([ogroup[o]]), np.array([osex[o]]), np.array([ty])
                    )[0]
                    if cand != prenom_y[t]:
                        oprenom[o] = cand
                        break
            olook[o] = t

    # ---- put everything together
    n = n_y + n_o
    is_youth = np.zeros(n, dtype=bool)
    is_youth[:n_y] = True
    group = np.concatenate([group_y, ogroup])
    sex_all = np.concatenate([sex, osex])
    birth_all = np.concatenate([birth, ob])
    nom = np.concatenate([nom_y, onom])
    prenom = np.concatenate([prenom_y, oprenom])
    years_all = ymd(birth_all)[0]
    has2 = rng.random(n) < 0.4
    prenom2 = np.full(n, "", dtype=object)
    idx2 = np.flatnonzero(has2 & ~np.concatenate([is_canary, np.zeros(n_o, bool)]))
    prenom2[idx2] = p.sample_first(rng, group[idx2], sex_all[idx2], years_all[idx2])
    prenom2[prenom2 == prenom] = ""

    # usage names: married women (and a few men) use their spouse's name after 23
    nom_usage = nom.copy()
    age_ok = birth_all <= extraction - int(23 * 365.25)
    lookalike_all = np.concatenate([np.full(n_y, -1), olook])
    can_marry = age_ok & ~np.concatenate([is_canary, np.zeros(n_o, bool)]) & (lookalike_all < 0)
    married = can_marry & (
        ((sex_all == "F") & (rng.random(n) < np.where(is_youth, 0.22, 0.3)))
        | ((sex_all == "M") & (rng.random(n) < 0.01))
    )
    m_idx = np.flatnonzero(married)
    spouse_group = np.array(GROUPS, dtype=object)[
        weighted_index(rng, [GROUP_WEIGHTS[g] for g in GROUPS], m_idx.size)
    ]
    spouse = p.sample_surnames(rng, spouse_group)
    double = rng.random(m_idx.size) < 0.25
    nom_usage[m_idx] = np.where(
        double | (sex_all[m_idx] == "M"),
        np.array([f"{a}-{b}" for a, b in zip(nom[m_idx], spouse, strict=True)], dtype=object),
        spouse,
    )
    same = nom_usage == nom
    nom_usage[m_idx[same[m_idx]]] = nom[m_idx[same[m_idx]]]

    uid = np.array([f"U{i + 1:07d}" for i in range(person_offset, person_offset + n)], dtype=object)
    # one home address per family for the youths, per person for the others
    from pipase.synth.places import street_parts

    num, typ, street = street_parts(rng, n)
    fam_head = np.array([m[0] if m.size else 0 for m in fam_members], dtype=np.int64)
    head = np.arange(n)
    head[:n_y] = fam_head[family]
    num, typ, street = num[head], typ[head], street[head]
    types = codes.STREET_TYPES
    address = np.array(
        [f"{a} {types[t][0]} {b}" for a, t, b in zip(num, typ, street, strict=True)], dtype=object
    )
    pop = Population(
        n=n,
        uid=uid,
        is_youth=is_youth,
        is_mna=np.concatenate([is_mna, np.zeros(n_o, bool)]),
        is_canary=np.concatenate([is_canary, np.zeros(n_o, bool)]),
        is_child=np.concatenate([np.zeros(n_y, bool), np.arange(n_o) >= n_adult]),
        sex=sex_all,
        birth=birth_all,
        birth_estimated=np.concatenate([estimated, np.zeros(n_o, bool)]),
        group=group,
        nom=nom,
        nom_usage=nom_usage,
        prenom=prenom,
        prenom2=prenom2,
        nationality=np.concatenate([nat_y, onat]),
        nati=np.concatenate([nati_y, onati]),
        family=np.concatenate([family, np.full(n_o, -1)]),
        twin_group=np.concatenate(
            [np.where(twin_group >= 0, twin_group + twin_offset, -1), np.full(n_o, -1)]
        ),
        lookalike_of=lookalike_all,
        category=np.concatenate([category, np.full(n_o, OTHER, dtype=object)]),
        home=np.concatenate([home_y, ohome]),
        mna_entry=np.concatenate([entry, np.full(n_o, NODATE)]),
        address=address,
        addr_parts=(num, typ, street),
        tags=Tags(n),
        fam_size=np.array([m.size for m in fam_members]),
        fam_members=fam_members,
    )
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
    return pop
