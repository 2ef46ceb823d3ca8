"""Iodas-ASE: care trajectories of the youths and the seven tables of the export.

Each youth enters care at some age (IPs come first), goes through 1-5 successive measures that
escalate (AED -> AEMO -> OPP -> placement) and may get a contrat jeune majeur after 18. Measures
with accommodation carry 1-4 successive placements (at most 8 per youth); placements carry
periods outside the placement; CJM carry monthly and one-off aids. The cohort rule (born <= 2004,
a measure starting on or after 2000-01-01) is enforced by construction from each youth's
category, and checked again by the ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipase.synth import codes
from pipase.synth.numbering import Numbering
from pipase.synth.parameters import ASE
from pipase.synth.places import Geo, OrganisationPool, address_lines, at_date, commune_as_written
from pipase.synth.population import BEFORE_2000, COHORT, Population
from pipase.synth.util import NODATE, Tags, add_years, day, from_ymd, pick, weighted_index, ymd

Y2000 = day(2000, 1, 1)
K_MAIN = 5  # main measures, plus one young-adult slot
LEVEL_DUR = {0: (120, 540), 1: (180, 900), 2: (20, 200), 3: (300, 1500), 4: (180, 1100)}
MNA_SHELTER = 5  # pseudo-level used for the MNA shelter measure


@dataclass
class Trajectories:
    start: np.ndarray  # (n, 6) day numbers
    end: np.ndarray  # (n, 6) day numbers, NODATE when running at the extraction date
    level: np.ndarray  # (n, 6)
    valid: np.ndarray  # (n, 6) bool
    capped: np.ndarray  # (n, 6) bool: ended at 18 (majority) or 21


@dataclass
class AseResult:
    tables: dict[str, pd.DataFrame]
    first_start: np.ndarray  # per person (NODATE for non youths)
    last_end: np.ndarray  # effective end of the last measure (extraction if running)
    exit_day: np.ndarray  # end of care, NODATE if running
    n_measures: np.ndarray
    n_placements: np.ndarray
    placed: np.ndarray
    has_cjm: np.ndarray
    individu_id: np.ndarray  # per person, "" for non youths
    family_number: np.ndarray


def _draw_levels(rng, n):
    return weighted_index(rng, ASE.entry_level_weights, n)


def _entry_age_days(rng, n):
    """Age at entry: babies, children, teenagers."""
    kind = weighted_index(rng, ASE.entry_age_weights, n)
    lo = np.choose(kind, [b[0] for b in ASE.entry_age_bounds])
    hi = np.choose(kind, [b[1] for b in ASE.entry_age_bounds])
    return (rng.uniform(lo, hi) * 365.25).astype(np.int64) + 1


def _trajectories(
    rng: np.random.Generator,
    birth: np.ndarray,
    is_mna: np.ndarray,
    mna_entry: np.ndarray,
    extraction: int,
    s0_override: np.ndarray | None = None,
    force_cjm_from: np.ndarray | None = None,
    max_entry: np.ndarray | None = None,
) -> Trajectories:
    n = birth.size
    b18 = add_years(birth, 18)
    b21 = add_years(birth, 21)
    start = np.full((n, K_MAIN + 1), NODATE, dtype=np.int64)
    end = np.full((n, K_MAIN + 1), NODATE, dtype=np.int64)
    level = np.full((n, K_MAIN + 1), -1, dtype=np.int64)
    valid = np.zeros((n, K_MAIN + 1), dtype=bool)
    capped = np.zeros((n, K_MAIN + 1), dtype=bool)

    s = birth + _entry_age_days(rng, n)
    s = np.where(is_mna, mna_entry, s)
    if max_entry is not None:
        over = s > max_entry
        span = np.maximum(max_entry - birth - 1, 1)
        s = np.where(over, birth + 1 + (rng.random(n) * span).astype(np.int64), s)
    if s0_override is not None:
        s = np.where(s0_override != NODATE, s0_override, s)
    n_main = weighted_index(rng, ASE.main_measures_weights, n) + 1
    n_main = np.where(is_mna, 3, n_main)
    lvl = _draw_levels(rng, n)
    alive = np.ones(n, dtype=bool)
    cur = s.copy()
    for k in range(K_MAIN):
        if k > 0:
            step = weighted_index(rng, ASE.level_step_weights, n) - 1
            lvl = np.clip(lvl + step, 0, 3)
            gap = np.where(
                rng.random(n) < ASE.measure_follows_at_once, 0, rng.integers(*ASE.gap_days, n)
            )
            cur = end[:, k - 1] + 1 + gap
        this_lvl = lvl.copy()
        # MNA: shelter, OPP, placement until 18
        this_lvl = np.where(is_mna, [MNA_SHELTER, 2, 3, 3, 3][k], this_lvl)
        lo = np.array([LEVEL_DUR.get(int(v), (5, 120))[0] for v in range(6)])
        hi = np.array([LEVEL_DUR.get(int(v), (5, 120))[1] for v in range(6)])
        dur = rng.integers(lo[this_lvl], hi[this_lvl] + 1)
        if k == 2:
            dur = np.where(is_mna, np.maximum(b18 - cur, 1), dur)
        e = cur + dur - 1
        cap = e >= b18 - 1
        e = np.where(cap, b18 - 1, e)
        ok = alive & (k < n_main) & (cur < b18 - 1) & (cur <= extraction - 1) & (e >= cur)
        start[:, k] = np.where(ok, cur, NODATE)
        end[:, k] = np.where(ok, e, NODATE)
        level[:, k] = np.where(ok, this_lvl, -1)
        valid[:, k] = ok
        capped[:, k] = ok & cap
        alive &= ok & ~cap
    # young-adult slot
    last = np.where(valid.any(axis=1), valid.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1), -1)
    last_end = end[np.arange(n), np.maximum(last, 0)]
    placed = (valid & (level >= 2)).any(axis=1)
    ended_at_18 = (last >= 0) & (last_end >= b18 - 60)
    p_cjm = np.where(is_mna, ASE.cjm_after_placement_mna, ASE.cjm_after_placement)
    want = ended_at_18 & placed & (rng.random(n) < p_cjm)
    cs = b18 + rng.integers(0, 60, n)
    if force_cjm_from is not None:
        forced = force_cjm_from != NODATE
        want |= forced
        cs = np.where(forced, np.maximum(cs, force_cjm_from), cs)
    cs = np.maximum(cs, np.where(last >= 0, last_end + 1, cs))
    ce = np.minimum(cs + rng.integers(LEVEL_DUR[4][0], LEVEL_DUR[4][1], n), b21 - 1)
    ok = want & (cs <= extraction - 1) & (ce >= cs) & (cs < b21 - 1)
    start[:, K_MAIN] = np.where(ok, cs, NODATE)
    end[:, K_MAIN] = np.where(ok, ce, NODATE)
    level[:, K_MAIN] = np.where(ok, 4, -1)
    valid[:, K_MAIN] = ok
    capped[:, K_MAIN] = ok & (ce == b21 - 1)
    return Trajectories(start, end, level, valid, capped)


def _qualifies(t: Trajectories) -> np.ndarray:
    return (t.valid & (t.start >= Y2000)).any(axis=1)


def _clip_before_2000(t: Trajectories, rows: np.ndarray) -> None:
    """Keep only measures that ended before 2000 (the category 'no measure since 2000')."""
    limit = Y2000 - 1
    sub_valid = t.valid[rows] & (t.start[rows] < limit - 30)
    new_end = np.minimum(t.end[rows], limit)
    t.capped[rows] &= t.end[rows] <= limit
    t.end[rows] = np.where(sub_valid, new_end, NODATE)
    t.start[rows] = np.where(sub_valid, t.start[rows], NODATE)
    t.level[rows] = np.where(sub_valid, t.level[rows], -1)
    t.valid[rows] = sub_valid


def _assign(t: Trajectories, rows: np.ndarray, new: Trajectories) -> None:
    for name in ("start", "end", "level", "valid", "capped"):
        getattr(t, name)[rows] = getattr(new, name)


def _boundary_start_2000(rng, t: Trajectories, tags: Tags, pop, youth, b18) -> None:
    """Move the start of one measure of a cohort youth to exactly 2000-01-01 (a measure that
    starts in 2000-2002, after any earlier one ended before 2000)."""
    cat, birth, is_mna = pop.category[youth], pop.birth[youth], pop.is_mna[youth]
    cand = []
    for k in range(K_MAIN + 1):
        prev_end_ok = (
            np.ones(youth.size, bool)
            if k == 0
            else (~t.valid[:, k - 1] | ((t.end[:, k - 1] != NODATE) & (t.end[:, k - 1] < Y2000)))
        )
        minor_ok = np.where(t.level[:, k] == 4, b18 <= Y2000, b18 > Y2000 + 1)
        ok = (
            (cat == COHORT)
            & ~pop.is_canary[youth]
            & ~is_mna
            & t.valid[:, k]
            & (t.start[:, k] >= Y2000)
            & (t.start[:, k] <= day(2002, 12, 31))
            & ((t.end[:, k] == NODATE) | (t.end[:, k] >= Y2000))
            & prev_end_ok
            & (birth < Y2000 - 30)
            & minor_ok
        )
        cand.extend((int(i), k) for i in np.flatnonzero(ok))
    if cand:
        cand.sort()
        i, k = cand[int(rng.integers(len(cand)))]
        t.start[i, k] = Y2000
        tags.add([i], "boundary_measure_start_2000_01_01")


def _boundary_end_1999(rng, t: Trajectories, tags: Tags, cat: np.ndarray) -> None:
    """The last measure of one excluded youth ends on 1999-12-31."""
    cand_b = [i for i in np.flatnonzero(cat == BEFORE_2000) if t.valid[i].any()]
    if cand_b:
        i = cand_b[int(rng.integers(len(cand_b)))]
        k = int(np.flatnonzero(t.valid[i])[-1])
        if t.start[i, k] <= Y2000 - 1:
            t.end[i, k] = Y2000 - 1
            tags.add([i], "boundary_measure_end_1999_12_31")


def build_trajectories(
    rng: np.random.Generator, pop: Population, youth: np.ndarray, extraction: int
) -> tuple[Trajectories, Tags]:
    birth = pop.birth[youth]
    is_mna = pop.is_mna[youth]
    entry = pop.mna_entry[youth]
    cat = pop.category[youth]
    b18 = add_years(birth, 18)
    max_entry = np.where(
        cat == BEFORE_2000,
        np.minimum(b18 - 60, day(1999, 6, 30)),
        np.minimum(b18 - 60, extraction - 30),
    )
    t = _trajectories(rng, birth, is_mna, entry, extraction, max_entry=max_entry)
    for _ in range(10):
        bad = np.flatnonzero(((cat == COHORT) & ~_qualifies(t)) | ~t.valid.any(axis=1))
        if not bad.size:
            break
        new = _trajectories(
            rng, birth[bad], is_mna[bad], entry[bad], extraction, max_entry=max_entry[bad]
        )
        _assign(t, bad, new)
    # still failing cohort members: enter care on or after 2000-01-01
    bad = np.flatnonzero(((cat == COHORT) & ~_qualifies(t)) | ~t.valid.any(axis=1))
    if bad.size:
        lo = np.maximum(Y2000, birth[bad] + 1)
        hi = np.minimum(b18[bad] - 60, extraction - 30)
        s0 = np.where(
            hi > lo, lo + (rng.random(bad.size) * np.maximum(hi - lo, 1)).astype(np.int64), NODATE
        )
        cjm_from = np.where(hi > lo, NODATE, np.maximum(Y2000, b18[bad]))
        new = _trajectories(
            rng,
            birth[bad],
            is_mna[bad],
            entry[bad],
            extraction,
            s0_override=s0,
            force_cjm_from=cjm_from,
        )
        _assign(t, bad, new)
    before = np.flatnonzero(cat == BEFORE_2000)
    _clip_before_2000(t, before)
    still = before[~t.valid[before].any(axis=1)]
    for _ in range(10):
        if not still.size:
            break
        new = _trajectories(
            rng, birth[still], is_mna[still], entry[still], extraction, max_entry=max_entry[still]
        )
        _assign(t, still, new)
        _clip_before_2000(t, still)
        still = still[~t.valid[still].any(axis=1)]
    # running measures: end on or after the extraction date becomes empty
    running = t.valid & (t.end >= extraction)
    t.end[running] = NODATE
    t.capped[running] = False

    tags = Tags(youth.size)
    _boundary_start_2000(rng, t, tags, pop, youth, b18)
    _boundary_end_1999(rng, t, tags, cat)
    return t, tags


def _labels(rng, table, n):
    return np.array([x[0] for x in table], dtype=object)[
        weighted_index(rng, [x[1] for x in table], n)
    ]


def _measure_types(rng, levels: np.ndarray, is_mna: np.ndarray, k: np.ndarray):
    n = levels.size
    typ = np.empty(n, dtype=object)
    cadre = np.empty(n, dtype=object)
    for lv in range(5):
        idx = np.flatnonzero(levels == lv)
        if idx.size:
            opts = codes.MEASURES[lv]
            pick_ = weighted_index(rng, [o[2] for o in opts], idx.size)
            typ[idx] = [opts[j][0] for j in pick_]
            cadre[idx] = [opts[j][1] for j in pick_]
    idx = np.flatnonzero(levels == MNA_SHELTER)
    typ[idx], cadre[idx] = codes.MEASURE_MNA_SHELTER
    # MNA: OPP then judicial placement
    idx = np.flatnonzero(is_mna & (levels == 2))
    typ[idx], cadre[idx] = codes.MEASURE_OPP[0], codes.MEASURE_OPP[1]
    idx = np.flatnonzero(is_mna & (levels == 3))
    typ[idx], cadre[idx] = codes.MEASURE_PLJ[0], codes.MEASURE_PLJ[1]
    return typ, cadre


_NATURE_MIX = {
    "baby": [
        ("Assistant(e) familial(e) départemental(e)", 50),
        ("Pouponnière", 30),
        ("Placement familial associatif", 10),
        ("Foyer départemental de l'enfance", 5),
        ("Tiers digne de confiance", 5),
    ],
    "child": [
        ("Assistant(e) familial(e) départemental(e)", 50),
        ("MECS", 22),
        ("Placement familial associatif", 8),
        ("Lieu de vie et d'accueil (LVA)", 5),
        ("Village d'enfants", 4),
        ("Tiers digne de confiance", 6),
        ("IME / ITEP", 3),
        ("Famille (retour à domicile)", 2),
    ],
    "teen": [
        ("MECS", 40),
        ("Assistant(e) familial(e) départemental(e)", 18),
        ("Foyer départemental de l'enfance", 8),
        ("Hôtel", 7),
        ("Lieu de vie et d'accueil (LVA)", 8),
        ("Appartement / studio autonome", 6),
        ("Internat scolaire", 4),
        ("IME / ITEP", 4),
        ("Tiers digne de confiance", 3),
        ("Famille (retour à domicile)", 2),
    ],
    "urgent": [
        ("Foyer départemental de l'enfance", 50),
        ("Assistant(e) familial(e) départemental(e)", 20),
        ("MECS", 20),
        ("Hôtel", 10),
    ],
    "cjm": [
        ("Appartement / studio autonome", 35),
        ("FJT / résidence sociale", 25),
        ("Hôtel", 20),
        ("MECS", 10),
        ("Assistant(e) familial(e) départemental(e)", 10),
    ],
    "mna": [
        ("Hôtel", 45),
        ("MECS", 20),
        ("Appartement / studio autonome", 15),
        ("FJT / résidence sociale", 10),
        ("Foyer départemental de l'enfance", 10),
    ],
    "ame": [("Accueil mère-enfant", 100)],
}


@dataclass
class _Youths:
    """The chunk's youths, in the order of `pop.youths`."""

    pop: Population
    index: np.ndarray  # person index of each youth
    birth: np.ndarray
    is_mna: np.ndarray
    is_canary: np.ndarray
    extraction: int

    @classmethod
    def of(cls, pop: Population, extraction: int) -> _Youths:
        youth = pop.youths
        return cls(
            pop, youth, pop.birth[youth], pop.is_mna[youth], pop.is_canary[youth], extraction
        )

    @property
    def n(self) -> int:
        return self.index.size


@dataclass
class _Measures:
    """The measures (one row per valid trajectory slot) and the youth-level summaries."""

    table: pd.DataFrame
    youth: np.ndarray  # youth of each measure
    start: np.ndarray
    end: np.ndarray
    eff_end: np.ndarray  # end, or the extraction date when running
    level: np.ndarray
    type: np.ndarray
    ids: np.ndarray  # id_mesure of each measure
    first_start: np.ndarray  # per youth
    last_end: np.ndarray
    exit_day: np.ndarray
    n_measures: np.ndarray
    has_cjm: np.ndarray
    individu_ids: np.ndarray  # per youth
    individu_numbers: np.ndarray


@dataclass
class _Placements:
    table: pd.DataFrame  # in id order
    youth: np.ndarray  # youth of each placement (generation order, as the arrays below)
    individu: np.ndarray  # id_individu of each placement
    ids: np.ndarray
    nature: np.ndarray
    start: np.ndarray
    end: np.ndarray


def _numbered(order_keys: tuple, prefix_offset: tuple[Numbering, str], n: int) -> np.ndarray:
    """Numbers 1..n in the order of `order_keys` (np.lexsort's keys), shifted by the ids the
    earlier chunks used of the counter `prefix_offset[1]`."""
    numbering, counter = prefix_offset
    order = np.lexsort(order_keys)
    numbers = np.empty(n, dtype=np.int64)
    numbers[order] = np.arange(n) + 1
    return numbers + numbering.offset(counter, n)


def _end_reasons(rng, traj: Trajectories, yi, k, m_start, m_end, m_lvl) -> np.ndarray:
    nm = yi.size
    next_same = np.zeros(nm, dtype=bool)
    next_same[:-1] = (yi[1:] == yi[:-1]) & (m_start[1:] == m_end[:-1] + 1)
    motif = _labels(rng, codes.MOTIFS_FIN["other"], nm)
    motif[next_same] = codes.MOTIFS_FIN["relay"]
    cap = traj.capped[yi, k]
    motif[cap & (m_lvl < 4)] = codes.MOTIFS_FIN["majority"]
    motif[(m_lvl == 4) & (m_end != NODATE)] = codes.MOTIFS_FIN["cjm_end"]
    motif[m_end == NODATE] = ""
    return motif


def _decision_dates(rng, m_start: np.ndarray, m_type: np.ndarray) -> np.ndarray:
    """The judge's or the president's decision: a few days before the start (the day of an OPP
    or a shelter), sometimes not recorded."""
    nm = m_start.size
    decision = m_start - rng.integers(0, ASE.decision_lead_days, nm)
    same_day = np.isin(m_type, [codes.MEASURE_OPP[0], codes.MEASURE_MNA_SHELTER[0]])
    decision[same_day] = m_start[same_day]
    decision[rng.random(nm) < ASE.decision_missing] = NODATE
    return decision


def _measures(rng, y: _Youths, traj: Trajectories, numbering: Numbering) -> _Measures:
    """The table `mesures` and what the other tables need of it."""
    yi, k = np.nonzero(traj.valid)
    order = np.lexsort((k, yi))
    yi, k = yi[order], k[order]
    m_start, m_end, m_lvl = traj.start[yi, k], traj.end[yi, k], traj.level[yi, k]
    m_type, m_cadre = _measure_types(rng, m_lvl, y.is_mna[yi], k)
    motif = _end_reasons(rng, traj, yi, k, m_start, m_end, m_lvl)
    decision = _decision_dates(rng, m_start, m_type)
    eff_end = np.where(m_end == NODATE, y.extraction, m_end)
    first_start = np.full(y.n, NODATE, dtype=np.int64)
    last_end = np.full(y.n, NODATE, dtype=np.int64)
    fs = pd.Series(m_start).groupby(yi).min()
    le = pd.Series(eff_end).groupby(yi).max()
    first_start[fs.index.to_numpy()] = fs.to_numpy()
    last_end[le.index.to_numpy()] = le.to_numpy()
    running_any = pd.Series(m_end == NODATE).groupby(yi).any()
    exit_day = last_end.copy()
    exit_day[running_any.index.to_numpy()[running_any.to_numpy()]] = NODATE
    # ids: youths numbered by first contact, measures by start date
    ind_num = _numbered((np.arange(y.n), first_start), (numbering, "ase_individu"), y.n)
    id_ind = np.array([f"IND{v:07d}" for v in ind_num], dtype=object)
    mes_num = _numbered((yi, m_start), (numbering, "ase_mesure"), yi.size)
    id_mes = np.array([f"MES-{v:07d}" for v in mes_num], dtype=object)
    table = pd.DataFrame(
        {
            "id_mesure": id_mes,
            "id_individu": id_ind[yi],
            "cadre": m_cadre,
            "type_mesure": m_type,
            "date_decision": decision,
            "date_debut": m_start,
            "date_fin": m_end,
            "motif_fin": motif,
            "_person": y.index[yi],
            "_protect": (y.pop.category[y.index][yi] == COHORT) & (m_start >= Y2000),
        }
    )
    return _Measures(
        table=table.iloc[np.argsort(mes_num)].reset_index(drop=True),
        youth=yi, start=m_start, end=m_end, eff_end=eff_end, level=m_lvl, type=m_type,
        ids=id_mes, first_start=first_start, last_end=last_end, exit_day=exit_day,
        n_measures=np.bincount(yi, minlength=y.n),
        has_cjm=np.bincount(yi, weights=(m_lvl == 4), minlength=y.n) > 0,
        individu_ids=id_ind, individu_numbers=ind_num,
    )  # fmt: skip


def _placement_periods(rng, m: _Measures, acc: np.ndarray):
    """Split each accommodating measure into 1 to 4 successive placements (one for the MNA
    shelter), at most 8 per youth: (measure of each placement, start, end)."""
    a_len = m.eff_end[acc] - m.start[acc] + 1
    n_p = np.minimum(
        1 + rng.poisson(a_len / 365.25 * ASE.placements_per_year), ASE.placements_per_measure_max
    )
    n_p = np.where(m.level[acc] == MNA_SHELTER, 1, n_p)
    n_p = np.maximum(np.minimum(n_p, a_len // 15), 1)
    rep = np.repeat(acc, n_p)
    seg = np.concatenate([np.arange(c) for c in n_p]) if n_p.size else np.zeros(0, np.int64)
    w = rng.uniform(0.3, 1.0, rep.size)
    grp = np.repeat(np.arange(acc.size), n_p)
    cum = pd.Series(w).groupby(grp).cumsum().to_numpy()
    tot = pd.Series(w).groupby(grp).transform("sum").to_numpy()
    frac_hi = cum / tot
    frac_lo = frac_hi - w / tot
    length = (m.eff_end[rep] - m.start[rep] + 1).astype(float)
    p_start = m.start[rep] + np.floor(frac_lo * length).astype(np.int64)
    p_end = m.start[rep] + np.floor(frac_hi * length).astype(np.int64) - 1
    last_seg = seg == n_p[grp] - 1
    p_end[last_seg] = m.eff_end[rep][last_seg]
    p_end = np.maximum(p_end, p_start)
    p_end[last_seg & (m.end[rep] == NODATE)] = NODATE
    rank = pd.Series(np.ones(rep.size)).groupby(m.youth[rep]).cumsum().to_numpy()
    keep = rank <= ASE.placements_per_youth_max
    return rep[keep], p_start[keep], p_end[keep]


def _placement_natures(rng, y: _Youths, m: _Measures, rep, p_y, p_start) -> np.ndarray:
    age = (p_start - y.birth[p_y]) / 365.25
    bucket = np.where(age < 3, "baby", np.where(age < 13, "child", "teen")).astype(object)
    bucket[m.level[rep] == 2] = "urgent"
    bucket[m.level[rep] == 4] = "cjm"
    bucket[y.is_mna[p_y]] = "mna"
    bucket[m.type[rep] == "Accueil mère-enfant"] = "ame"
    nature = np.empty(rep.size, dtype=object)
    for b, mix in _NATURE_MIX.items():
        idx = np.flatnonzero(bucket == b)
        if idx.size:
            nature[idx] = _labels(rng, mix, idx.size)
    return nature


def _placement_places(rng, y: _Youths, nature, p_y, geo: Geo, orgs: OrganisationPool):
    """(organisation, its address, commune code) of each placement, by the nature's kind."""
    n = nature.size
    organisme = np.full(n, "", dtype=object)
    adresse = np.full(n, "", dtype=object)
    commune_code = np.empty(n, dtype=object)
    for label, (_share, kind) in codes.PLACEMENT_NATURES.items():
        idx = np.flatnonzero(nature == label)
        if not idx.size:
            continue
        if kind in orgs.by_kind:
            drawn = orgs.draw(rng, kind, idx.size)
            organisme[idx] = [o.name for o in drawn]
            adresse[idx] = [o.address for o in drawn]
            commune_code[idx] = [o.commune_code for o in drawn]
        elif kind == "tdc":
            c93 = np.array([c.code for c in geo.c93], dtype=object)
            cout = np.array([c.code for c in geo.out_place], dtype=object)
            commune_code[idx] = np.where(
                rng.random(idx.size) < ASE.relative_outside_93,
                cout[rng.integers(0, cout.size, idx.size)],
                c93[rng.integers(0, c93.size, idx.size)],
            )
        else:  # back home
            commune_code[idx] = y.pop.home[y.index[p_y[idx]]]
    return organisme, adresse, commune_code


def _placements(rng, y: _Youths, m: _Measures, geo, orgs, numbering) -> _Placements:
    """The table `placements`: the accommodating measures split into places."""
    acc = np.flatnonzero(np.isin(m.type, list(codes.ACCOMMODATING)))
    rep, p_start, p_end = _placement_periods(rng, m, acc)
    p_y = m.youth[rep]
    nature = _placement_natures(rng, y, m, rep, p_y, p_start)
    organisme, adresse, commune_code = _placement_places(rng, y, nature, p_y, geo, orgs)
    commune_code = at_date(commune_code, p_start)
    pl_num = _numbered((np.arange(rep.size), p_start), (numbering, "ase_placement"), rep.size)
    id_pl = np.array([f"PL-{v:07d}" for v in pl_num], dtype=object)
    table = pd.DataFrame(
        {
            "id_placement": id_pl,
            "id_mesure": m.ids[rep],
            "id_individu": m.individu_ids[p_y],
            "nature_placement": nature,
            "organisme": organisme,
            "adresse_organisme": adresse,
            "commune_lieu": geo.names(commune_code),
            "departement_lieu": np.array([geo.dept(c) for c in commune_code], dtype=object),
            "date_debut": p_start,
            "date_fin": p_end,
            "_person": y.index[p_y],
        }
    )
    table = table.iloc[np.argsort(pl_num)].reset_index(drop=True)
    return _Placements(table, p_y, m.individu_ids[p_y], id_pl, nature, p_start, p_end)


def _hors_placement(rng, y: _Youths, p: _Placements, numbering: Numbering) -> pd.DataFrame:
    """The table `hors_placement`: periods away from the place (holidays, runaway...)."""
    p_eff_end = np.where(p.end == NODATE, y.extraction, p.end)
    p_len = p_eff_end - p.start + 1
    elig = np.flatnonzero((p_len >= 20) & (p.nature != "Famille (retour à domicile)"))
    first = elig[rng.random(elig.size) < ASE.hors_placement_first]
    second = first[rng.random(first.size) < ASE.hors_placement_second]
    src = np.sort(np.concatenate([first, second]))
    nh = src.size
    ht = weighted_index(rng, [h[1] for h in codes.HORS_PLACEMENT], nh)
    ht = np.where(y.is_mna[p.youth[src]] & (rng.random(nh) < ASE.hors_placement_mna_kind_3), 3, ht)
    h_lo = np.array([h[2] for h in codes.HORS_PLACEMENT])[ht]
    h_hi = np.array([h[3] for h in codes.HORS_PLACEMENT])[ht]
    h_dur = rng.integers(h_lo, h_hi + 1)
    room = np.maximum(p_len[src] - h_dur, 1)
    h_start = p.start[src] + (rng.random(nh) * room).astype(np.int64)
    h_end = np.minimum(h_start + h_dur - 1, p_eff_end[src])
    h_end[(p.end[src] == NODATE) & (h_end >= y.extraction - 1)] = NODATE
    h_num = _numbered((np.arange(nh), h_start), (numbering, "ase_hors_placement"), nh)
    hors = pd.DataFrame(
        {
            "id_hors_placement": [f"HP-{v:07d}" for v in h_num],
            "id_individu": p.individu[src],
            "id_placement": p.ids[src],
            "type_hors_placement": np.array([h[0] for h in codes.HORS_PLACEMENT], dtype=object)[ht],
            "date_debut": h_start,
            "date_fin": h_end,
            "_person": y.index[p.youth[src]],
        }
    )
    # a placement without its id (the period was entered on the youth, not the placement)
    hors.loc[rng.random(nh) < ASE.hors_placement_without_placement_id, "id_placement"] = ""
    return hors.iloc[np.argsort(h_num)].reset_index(drop=True)


def _cjm_monthly(rng, m: _Measures, cjm: np.ndarray, c_end: np.ndarray):
    """Monthly allowances of the CJM that have one: (CJM of each, date, amount)."""
    monthly = rng.random(cjm.size) < ASE.cjm_monthly
    y0, mo0, _ = ymd(m.start[cjm])
    y1, mo1, _ = ymd(c_end)
    n_months = np.minimum((y1 - y0) * 12 + (mo1 - mo0) + 1, ASE.cjm_monthly_max_months) * monthly
    rep_m = np.repeat(np.arange(cjm.size), n_months)
    off = np.concatenate([np.arange(c) for c in n_months]) if cjm.size else np.zeros(0, np.int64)
    pay_day = rng.integers(5, 11, cjm.size)
    m_dates = from_ymd(y0[rep_m], mo0[rep_m] + off, pay_day[rep_m])
    amount_m = (rng.integers(25, 76, cjm.size) * 10.0)[rep_m]
    return rep_m, m_dates, amount_m


def _cjm_one_off(rng, m: _Measures, cjm: np.ndarray, c_end: np.ndarray, extraction: int):
    """One-off, installation and training aids: (CJM of each, kind, date, amount)."""
    n = cjm.size
    counts = {
        "oneoff": rng.poisson(ASE.cjm_one_off_per_cjm, n),
        "install": (rng.random(n) < ASE.cjm_installation).astype(np.int64),
        "training": (rng.random(n) < ASE.cjm_training).astype(np.int64),
    }
    src = np.concatenate([np.repeat(np.arange(n), c) for c in counts.values()])
    kind = np.concatenate(
        [np.full(c.sum(), codes.AIDES_CJM[name], dtype=object) for name, c in counts.items()]
    )
    span = np.maximum(c_end[src] - m.start[cjm][src], 1)
    dates = m.start[cjm][src] + (rng.random(src.size) * span).astype(np.int64)
    dates = np.minimum(dates, extraction - 1)
    lo = np.where(kind == codes.AIDES_CJM["install"], 300, 50)
    hi = np.where(kind == codes.AIDES_CJM["oneoff"], 800, 1500)
    return src, kind, dates, np.round(rng.uniform(lo, hi), 2)


def _aides_cjm(rng, y: _Youths, m: _Measures, numbering: Numbering) -> pd.DataFrame:
    """The table `aides_cjm`: what the contrats jeune majeur pay."""
    cjm = np.flatnonzero(m.level == 4)
    c_end = m.eff_end[cjm]
    rep_m, m_dates, amount_m = _cjm_monthly(rng, m, cjm, c_end)
    keep = m_dates <= y.extraction - 1
    rep_m, m_dates, amount_m = rep_m[keep], m_dates[keep], amount_m[keep]
    nature_m = np.full(rep_m.size, codes.AIDES_CJM["monthly"], dtype=object)
    extra_src, extra_kind, e_dates, e_amount = _cjm_one_off(rng, m, cjm, c_end, y.extraction)
    a_src = np.concatenate([rep_m, extra_src])
    a_dates = np.concatenate([m_dates, e_dates])
    a_kind = np.concatenate([nature_m, extra_kind])
    a_kind[rng.random(a_kind.size) < ASE.cjm_aid_nature_missing] = ""
    a_y = m.youth[cjm][a_src]
    a_num = _numbered((a_src, a_dates), (numbering, "ase_aide_cjm"), a_src.size)
    aides = pd.DataFrame(
        {
            "id_aide": [f"AJM-{v:07d}" for v in a_num],
            "id_individu": m.individu_ids[a_y],
            "nature_aide": a_kind,
            "montant": np.concatenate([amount_m, e_amount]),
            "date_paiement": a_dates,
            "_person": y.index[a_y],
        }
    )
    return aides.iloc[np.argsort(a_num)].reset_index(drop=True)


def _ip_dates(rng, y: _Youths, m: _Measures):
    """(youth, date, later) of each IP: 0 to 5 before the first measure, one MNA referral, and
    a few while a measure runs."""
    n_ip = weighted_index(rng, ASE.ips_per_youth_weights, y.n)
    n_ip = np.where(y.is_mna, (rng.random(y.n) < ASE.ip_mna).astype(np.int64), n_ip)
    ip_y = np.repeat(np.arange(y.n), n_ip)
    rank_ip = np.concatenate([np.arange(c) for c in n_ip]) if y.n else np.zeros(0, np.int64)
    lead = rng.integers(5, 540, ip_y.size) * (rank_ip + 1) // np.maximum(n_ip[ip_y], 1)
    ip_date = m.first_start[ip_y] - np.maximum(lead, 5)
    ok = ip_date > y.birth[ip_y]
    ip_y, ip_date = ip_y[ok], ip_date[ok]
    later = np.flatnonzero(
        (rng.random(y.n) < ASE.ip_during_care) & (m.last_end - m.first_start > 120)
    )
    l_date = m.first_start[later] + (
        rng.random(later.size) * (m.last_end[later] - m.first_start[later] - 60)
    ).astype(np.int64)
    is_later = np.concatenate([np.zeros(ok.sum(), bool), np.ones(later.size, bool)])
    return np.concatenate([ip_y, later]), np.concatenate([ip_date, l_date]), is_later


def _ip_labels(rng, y: _Youths, ip_y, ip_date, is_later):
    """(suite, prescripteur, motif) of each IP; the IP just before the first measure leads to
    it."""
    ni = ip_y.size
    last_before = (~is_later) & (
        pd.Series(ip_date).groupby(ip_y).transform("max").to_numpy() == ip_date
    )
    suite = _labels(rng, codes.SUITES_AUTRES, ni)
    suite[last_before] = _labels(rng, codes.SUITES_MESURE, int(last_before.sum()))
    suite[is_later] = "Mesure en cours – information jointe"
    prescripteur = _labels(rng, codes.PRESCRIPTEURS, ni)
    motif = _labels(rng, codes.MOTIFS_IP, ni)
    mna_ip = y.is_mna[ip_y]
    motif[mna_ip] = codes.MOTIF_MNA
    prescripteur[mna_ip] = _labels(rng, _MNA_PRESCRIPTEURS, int(mna_ip.sum()))
    return suite, prescripteur, motif


_MNA_PRESCRIPTEURS = [
    ("Police ou gendarmerie", 4),
    ("Conseil départemental", 4),
    ("Autre service social et association", 3),
]


def _informations_preoccupantes(rng, y: _Youths, m: _Measures, numbering) -> pd.DataFrame:
    """The table `informations_preoccupantes`, numbered IPyyyy-nnnnn within each year."""
    ip_y, ip_date, is_later = _ip_dates(rng, y, m)
    ni = ip_y.size
    closing = ip_date + rng.integers(10, 121, ni)
    closing[closing >= y.extraction] = NODATE
    suite, prescripteur, motif = _ip_labels(rng, y, ip_y, ip_date, is_later)
    yy, _, _ = ymd(ip_date)
    ip_order = np.lexsort((ip_y, ip_date))
    seq = np.zeros(ni, dtype=np.int64)
    sorted_years = yy[ip_order]  # the order is by date: the years are sorted
    seq[ip_order] = np.arange(ni) - np.searchsorted(sorted_years, sorted_years) + 1
    ip_num = numbering.sequence("ase_ip", yy, seq)
    ips = pd.DataFrame(
        {
            "id_ip": [f"IP{a}-{b:05d}" for a, b in zip(yy, ip_num, strict=True)],
            "id_individu": m.individu_ids[ip_y],
            "date_reception": ip_date,
            "date_cloture": closing,
            "prescripteur": prescripteur,
            "motif": motif,
            "suite_donnee": suite,
            "_person": y.index[ip_y],
        }
    )
    return ips.iloc[ip_order].reset_index(drop=True)


def _family_numbers(y: _Youths, m: _Measures, ips: pd.DataFrame, numbering) -> np.ndarray:
    """num_dossier_familial of each youth: DF-yyyy-nnnnn, numbered by the family's first
    contact (IP or measure) within its year."""
    fam = y.pop.family[y.index]
    ip_min = pd.Series(ips["date_reception"].to_numpy()).groupby(ips["_person"].to_numpy()).min()
    first_contact = pd.Series(m.first_start.copy(), index=y.index)
    common = ip_min.index.intersection(first_contact.index)
    first_contact[common] = np.minimum(first_contact[common], ip_min[common])
    fam_first = pd.Series(first_contact.to_numpy()).groupby(fam).min()
    fam_year = ymd(fam_first.to_numpy())[0]
    fam_rank = pd.Series(fam_first.to_numpy()).groupby(fam_year).rank(method="first").to_numpy()
    fam_rank = numbering.sequence("ase_family_file", fam_year, fam_rank.astype(np.int64))
    numbers = pd.Series(
        [f"DF-{yy}-{int(r):05d}" for yy, r in zip(fam_year, fam_rank, strict=True)],
        index=fam_first.index,
    )
    return numbers.reindex(fam).to_numpy(dtype=object)


def _individus(rng, y: _Youths, m: _Measures, fam_number: np.ndarray) -> pd.DataFrame:
    """The table `individus` (identities are rendered later by the generator), in id order."""
    labels, by_code = codes.circonscriptions()
    home = y.pop.home[y.index]
    circ = np.array([by_code.get(c, "") for c in home], dtype=object)
    missing = np.flatnonzero(circ == "")
    circ[missing] = np.array(labels, dtype=object)[rng.integers(0, len(labels), missing.size)]
    circ[rng.random(y.n) < ASE.circonscription_missing] = ""
    sexe = np.where(y.pop.sex[y.index] == "M", "Masculin", "Féminin").astype(object)
    sexe[(rng.random(y.n) < ASE.sex_unknown) & ~y.is_canary] = "Inconnu"
    nat = y.pop.nationality[y.index].copy()
    nat[(rng.random(y.n) < ASE.nationality_missing) & ~y.is_canary] = ""
    individus = pd.DataFrame(
        {
            "id_individu": m.individu_ids,
            "num_dossier_familial": fam_number,
            "statut_mna": np.where(y.is_mna, "Oui", "Non"),
            "nationalite": nat,
            "circonscription": circ,
            "date_naissance": y.birth,
            "sexe": sexe,
            "_person": y.index,
            "_protect": np.ones(y.n, dtype=bool),
        }
    )
    return individus.iloc[np.argsort(m.individu_numbers)].reset_index(drop=True)


_NO_HOME_HOLDERS = [
    codes.DETENTEUR_CD,
    codes.DETENTEUR_NSP,
    "Établissement",
    "Préfet (pupille de l'État)",
]


def _holder_types(rng, y: _Youths) -> tuple[np.ndarray, np.ndarray]:
    """(type of holder, number of holders) of each youth: one type per family, the department
    or nobody for most MNA, two holders for separated parents, sometimes none recorded."""
    fam = y.pop.family[y.index]
    y_type = _labels(rng, codes.DETENTEURS, y.pop.fam_size.size)[fam]
    mna_type = np.where(
        rng.random(y.n) < ASE.mna_holder_department, codes.DETENTEUR_CD, codes.DETENTEUR_NSP
    )
    y_type = np.where(y.is_mna, mna_type, y_type)
    y_type[y.is_canary] = "Mère seule"
    n_h = np.where(y_type == codes.DETENTEUR_SEPARES, 2, 1)
    n_h[(rng.random(y.n) < ASE.holder_missing) & ~y.is_canary] = 0
    n_h[y.is_mna & (rng.random(y.n) < ASE.holder_missing_mna)] = 0
    return y_type, n_h


def _holders(rng, y: _Youths, m: _Measures, geo: Geo) -> pd.DataFrame:
    """The table `detenteurs_autorite_parentale`: the first holder lives at the youth's home,
    a second one elsewhere; no address for an institution."""
    y_type, n_h = _holder_types(rng, y)
    h_y = np.repeat(np.arange(y.n), n_h)
    h_rank = np.concatenate([np.arange(c) for c in n_h]) if y.n else np.zeros(0, np.int64)
    other_home = y.pop.home[rng.integers(0, y.pop.n, h_y.size)]
    h_code = np.where(h_rank == 0, y.pop.home[y.index][h_y], other_home)
    ref_day = np.where(m.exit_day[h_y] == NODATE, y.extraction, m.exit_day[h_y])
    h_code = at_date(h_code.astype(object), ref_day)
    h_addr = np.where(h_rank == 0, y.pop.address[y.index[h_y]], address_lines(rng, h_y.size))
    no_home = np.isin(y_type[h_y], _NO_HOME_HOLDERS)
    h_addr[no_home] = ""
    h_cp = geo.postals(h_code)
    h_cp[no_home] = ""
    h_commune = commune_as_written(rng, geo, h_code, name_share=ASE.holder_commune_as_name)
    h_commune[no_home] = ""
    holders = pd.DataFrame(
        {
            "id_individu": m.individu_ids[h_y],
            "type_detenteur": y_type[h_y],
            "adresse": h_addr,
            "code_postal": h_cp,
            "commune_domicile": h_commune,
            "_person": y.index[h_y],
        }
    )
    return holders.iloc[np.lexsort((h_rank, m.individu_numbers[h_y]))].reset_index(drop=True)


def _plant_end_before_start(rng, pop: Population, tables: tuple[pd.DataFrame, ...]) -> None:
    """Data-quality plants the loader does not reject: a closed period ending before it
    starts (at least one per table, never a canary's)."""
    for table in tables:
        closed = np.flatnonzero(
            (table["date_fin"].to_numpy() != NODATE) & ~pop.is_canary[table["_person"].to_numpy()]
        )
        chosen = pick(rng, closed, ASE.end_before_start, minimum=1)
        if chosen.size:
            starts = table["date_debut"].to_numpy()
            table.loc[chosen, "date_fin"] = starts[chosen] - rng.integers(1, 40, chosen.size)
            table["_tag"] = ""
            table.loc[chosen, "_tag"] = "end_before_start"


def build_ase(
    rng: np.random.Generator,
    pop: Population,
    extraction: int,
    geo: Geo,
    orgs: OrganisationPool,
    numbering: Numbering | None = None,
) -> AseResult:
    """The seven tables; ids go on from those the earlier chunks used (`numbering`). Each
    table's builder draws from `rng` in turn: their order is part of a seed's output."""
    numbering = Numbering() if numbering is None else numbering
    y = _Youths.of(pop, extraction)
    traj, traj_tags = build_trajectories(rng, pop, y.index, extraction)
    for i in np.flatnonzero(traj_tags.values != ""):
        pop.tags.add([y.index[i]], traj_tags.values[i])
    m = _measures(rng, y, traj, numbering)
    placements = _placements(rng, y, m, geo, orgs, numbering)
    hors = _hors_placement(rng, y, placements, numbering)
    aides = _aides_cjm(rng, y, m, numbering)
    ips = _informations_preoccupantes(rng, y, m, numbering)
    fam_number = _family_numbers(y, m, ips, numbering)
    individus = _individus(rng, y, m, fam_number)
    holders = _holders(rng, y, m, geo)
    _plant_end_before_start(rng, pop, (placements.table, hors))
    n_placements = np.bincount(placements.youth, minlength=y.n)

    def spread(values, fill):
        out = np.full(pop.n, fill, dtype=np.asarray(values).dtype)
        out[y.index] = values
        return out

    return AseResult(
        tables={
            "individus": individus,
            "detenteurs_autorite_parentale": holders,
            "informations_preoccupantes": ips,
            "mesures": m.table,
            "placements": placements.table,
            "hors_placement": hors,
            "aides_cjm": aides,
        },
        first_start=spread(m.first_start, NODATE),
        last_end=spread(m.last_end, NODATE),
        exit_day=spread(m.exit_day, NODATE),
        n_measures=spread(m.n_measures, 0),
        n_placements=spread(n_placements, 0),
        placed=spread(n_placements > 0, False),
        has_cjm=spread(m.has_cjm, False),
        individu_id=spread(m.individu_ids, ""),
        family_number=spread(fam_number, ""),
    )
