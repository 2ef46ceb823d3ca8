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
    return weighted_index(rng, [0.40, 0.25, 0.25, 0.10], n)


def _entry_age_days(rng, n):
    """Age at entry: babies, children, teenagers."""
    kind = weighted_index(rng, [0.2, 0.35, 0.45], n)
    lo = np.choose(kind, [0.0, 3.0, 11.0])
    hi = np.choose(kind, [3.0, 11.0, 17.7])
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
    n_main = weighted_index(rng, [0.18, 0.24, 0.24, 0.20, 0.14], n) + 1
    n_main = np.where(is_mna, 3, n_main)
    lvl = _draw_levels(rng, n)
    alive = np.ones(n, dtype=bool)
    cur = s.copy()
    for k in range(K_MAIN):
        if k > 0:
            step = weighted_index(rng, [0.10, 0.35, 0.45, 0.10], n) - 1
            lvl = np.clip(lvl + step, 0, 3)
            gap = np.where(rng.random(n) < 0.65, 0, rng.integers(30, 720, n))
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
    p_cjm = np.where(is_mna, 0.72, 0.45)
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
    # boundary: a measure starting exactly on 2000-01-01
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
    # boundary: the last measure of an excluded youth ends on 1999-12-31
    cand_b = [i for i in np.flatnonzero(cat == BEFORE_2000) if t.valid[i].any()]
    if cand_b:
        i = cand_b[int(rng.integers(len(cand_b)))]
        k = int(np.flatnonzero(t.valid[i])[-1])
        if t.start[i, k] <= Y2000 - 1:
            t.end[i, k] = Y2000 - 1
            tags.add([i], "boundary_measure_end_1999_12_31")
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


def build_ase(
    rng: np.random.Generator,
    pop: Population,
    extraction: int,
    geo: Geo,
    orgs: OrganisationPool,
    numbering: Numbering | None = None,
) -> AseResult:
    """The seven tables; ids go on from those the earlier chunks used (`numbering`)."""
    numbering = Numbering() if numbering is None else numbering
    youth = pop.youths
    ny = youth.size
    traj, traj_tags = build_trajectories(rng, pop, youth, extraction)
    for i in np.flatnonzero(traj_tags.values != ""):
        pop.tags.add([youth[i]], traj_tags.values[i])
    birth = pop.birth[youth]
    is_mna = pop.is_mna[youth]

    # ------------------------------------------------------------------ measures (flat)
    yi, k = np.nonzero(traj.valid)
    order = np.lexsort((k, yi))
    yi, k = yi[order], k[order]
    m_start = traj.start[yi, k]
    m_end = traj.end[yi, k]
    m_lvl = traj.level[yi, k]
    m_type, m_cadre = _measure_types(rng, m_lvl, is_mna[yi], k)
    nm = yi.size
    # end reasons
    next_same = np.zeros(nm, dtype=bool)
    next_same[:-1] = (yi[1:] == yi[:-1]) & (m_start[1:] == m_end[:-1] + 1)
    motif = _labels(rng, codes.MOTIFS_FIN["other"], nm)
    motif[next_same] = codes.MOTIFS_FIN["relay"]
    cap = traj.capped[yi, k]
    motif[cap & (m_lvl < 4)] = codes.MOTIFS_FIN["majority"]
    motif[(m_lvl == 4) & (m_end != NODATE)] = codes.MOTIFS_FIN["cjm_end"]
    motif[m_end == NODATE] = ""
    decision = m_start - rng.integers(0, 21, nm)
    decision[np.isin(m_type, [codes.MEASURE_OPP[0], codes.MEASURE_MNA_SHELTER[0]])] = m_start[
        np.isin(m_type, [codes.MEASURE_OPP[0], codes.MEASURE_MNA_SHELTER[0]])
    ]
    decision[rng.random(nm) < 0.05] = NODATE

    # youth-level summaries
    eff_end = np.where(m_end == NODATE, extraction, m_end)
    first_start = np.full(ny, NODATE, dtype=np.int64)
    last_end = np.full(ny, NODATE, dtype=np.int64)
    fs = pd.Series(m_start).groupby(yi).min()
    le = pd.Series(eff_end).groupby(yi).max()
    first_start[fs.index.to_numpy()] = fs.to_numpy()
    last_end[le.index.to_numpy()] = le.to_numpy()
    running_any = pd.Series(m_end == NODATE).groupby(yi).any()
    exit_day = last_end.copy()
    exit_day[running_any.index.to_numpy()[running_any.to_numpy()]] = NODATE
    n_meas = np.bincount(yi, minlength=ny)
    has_cjm = np.bincount(yi, weights=(m_lvl == 4), minlength=ny) > 0

    # ids: youths numbered by first contact, measures by start date
    ind_order = np.lexsort((np.arange(ny), first_start))
    ind_num = np.empty(ny, dtype=np.int64)
    ind_num[ind_order] = np.arange(ny) + 1
    ind_off = numbering.offset("ase_individu", ny)
    id_ind = np.array([f"IND{v + ind_off:07d}" for v in ind_num], dtype=object)
    mes_order = np.lexsort((yi, m_start))
    mes_num = np.empty(nm, dtype=np.int64)
    mes_num[mes_order] = np.arange(nm) + 1
    mes_off = numbering.offset("ase_mesure", nm)
    id_mes = np.array([f"MES-{v + mes_off:07d}" for v in mes_num], dtype=object)
    protect = (pop.category[youth][yi] == COHORT) & (m_start >= Y2000)
    mesures = pd.DataFrame(
        {
            "id_mesure": id_mes,
            "id_individu": id_ind[yi],
            "cadre": m_cadre,
            "type_mesure": m_type,
            "date_decision": decision,
            "date_debut": m_start,
            "date_fin": m_end,
            "motif_fin": motif,
            "_person": youth[yi],
            "_protect": protect,
        }
    )

    # ------------------------------------------------------------------ placements
    accom = np.isin(m_type, list(codes.ACCOMMODATING))
    acc = np.flatnonzero(accom)
    a_len = eff_end[acc] - m_start[acc] + 1
    n_p = np.minimum(1 + rng.poisson(a_len / 365.25 * 0.4), 4)
    n_p = np.where(m_lvl[acc] == MNA_SHELTER, 1, n_p)
    n_p = np.maximum(np.minimum(n_p, a_len // 15), 1)
    rep = np.repeat(acc, n_p)
    seg = np.concatenate([np.arange(c) for c in n_p]) if n_p.size else np.zeros(0, np.int64)
    w = rng.uniform(0.3, 1.0, rep.size)
    grp = np.repeat(np.arange(acc.size), n_p)
    cum = pd.Series(w).groupby(grp).cumsum().to_numpy()
    tot = pd.Series(w).groupby(grp).transform("sum").to_numpy()
    frac_hi = cum / tot
    frac_lo = frac_hi - w / tot
    length = (eff_end[rep] - m_start[rep] + 1).astype(float)
    p_start = m_start[rep] + np.floor(frac_lo * length).astype(np.int64)
    p_end = m_start[rep] + np.floor(frac_hi * length).astype(np.int64) - 1
    last_seg = seg == n_p[grp] - 1
    p_end[last_seg] = eff_end[rep][last_seg]
    p_end = np.maximum(p_end, p_start)
    p_end[last_seg & (m_end[rep] == NODATE)] = NODATE
    p_y = yi[rep]
    # at most 8 placements per youth
    rank = pd.Series(np.ones(rep.size)).groupby(p_y).cumsum().to_numpy()
    keep = rank <= 8
    rep, p_start, p_end, p_y = rep[keep], p_start[keep], p_end[keep], p_y[keep]
    npl = rep.size
    age = (p_start - birth[p_y]) / 365.25
    bucket = np.where(age < 3, "baby", np.where(age < 13, "child", "teen")).astype(object)
    bucket[m_lvl[rep] == 2] = "urgent"
    bucket[m_lvl[rep] == 4] = "cjm"
    bucket[is_mna[p_y]] = "mna"
    bucket[m_type[rep] == "Accueil mère-enfant"] = "ame"
    nature = np.empty(npl, dtype=object)
    for b, mix in _NATURE_MIX.items():
        idx = np.flatnonzero(bucket == b)
        if idx.size:
            nature[idx] = _labels(rng, mix, idx.size)
    organisme = np.full(npl, "", dtype=object)
    adresse = np.full(npl, "", dtype=object)
    commune_code = np.empty(npl, dtype=object)
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
                rng.random(idx.size) < 0.3,
                cout[rng.integers(0, cout.size, idx.size)],
                c93[rng.integers(0, c93.size, idx.size)],
            )
        else:  # back home
            commune_code[idx] = pop.home[youth[p_y[idx]]]
    commune_code = at_date(commune_code, p_start)
    dept = np.array([geo.dept(c) for c in commune_code], dtype=object)
    commune_lieu = geo.names(commune_code)
    pl_order = np.lexsort((np.arange(npl), p_start))
    pl_num = np.empty(npl, dtype=np.int64)
    pl_num[pl_order] = np.arange(npl) + 1
    pl_off = numbering.offset("ase_placement", npl)
    id_pl = np.array([f"PL-{v + pl_off:07d}" for v in pl_num], dtype=object)
    placements = pd.DataFrame(
        {
            "id_placement": id_pl,
            "id_mesure": id_mes[rep],
            "id_individu": id_ind[p_y],
            "nature_placement": nature,
            "organisme": organisme,
            "adresse_organisme": adresse,
            "commune_lieu": commune_lieu,
            "departement_lieu": dept,
            "date_debut": p_start,
            "date_fin": p_end,
            "_person": youth[p_y],
        }
    )
    n_placements = np.bincount(p_y, minlength=ny)
    placed = n_placements > 0

    # ------------------------------------------------------------------ hors placement
    p_eff_end = np.where(p_end == NODATE, extraction, p_end)
    p_len = p_eff_end - p_start + 1
    elig = np.flatnonzero((p_len >= 20) & (nature != "Famille (retour à domicile)"))
    first = elig[rng.random(elig.size) < 0.22]
    second = first[rng.random(first.size) < 0.25]
    hp_src = np.sort(np.concatenate([first, second]))
    nh = hp_src.size
    ht = weighted_index(rng, [h[1] for h in codes.HORS_PLACEMENT], nh)
    ht = np.where(is_mna[p_y[hp_src]] & (rng.random(nh) < 0.3), 3, ht)
    h_lo = np.array([h[2] for h in codes.HORS_PLACEMENT])[ht]
    h_hi = np.array([h[3] for h in codes.HORS_PLACEMENT])[ht]
    h_dur = rng.integers(h_lo, h_hi + 1)
    room = np.maximum(p_len[hp_src] - h_dur, 1)
    h_start = p_start[hp_src] + (rng.random(nh) * room).astype(np.int64)
    h_end = np.minimum(h_start + h_dur - 1, p_eff_end[hp_src])
    h_end[(p_end[hp_src] == NODATE) & (h_end >= extraction - 1)] = NODATE
    h_order = np.lexsort((np.arange(nh), h_start))
    h_num = np.empty(nh, dtype=np.int64)
    h_num[h_order] = np.arange(nh) + 1
    h_off = numbering.offset("ase_hors_placement", nh)
    hors = pd.DataFrame(
        {
            "id_hors_placement": [f"HP-{v + h_off:07d}" for v in h_num],
            "id_individu": id_ind[p_y[hp_src]],
            "id_placement": id_pl[hp_src],
            "type_hors_placement": np.array([h[0] for h in codes.HORS_PLACEMENT], dtype=object)[ht],
            "date_debut": h_start,
            "date_fin": h_end,
            "_person": youth[p_y[hp_src]],
        }
    )
    # a placement without its id (the period was entered on the youth, not the placement)
    hors.loc[rng.random(nh) < 0.05, "id_placement"] = ""

    # ------------------------------------------------------------------ CJM aids
    cjm = np.flatnonzero(m_lvl == 4)
    c_end = eff_end[cjm]
    monthly = rng.random(cjm.size) < 0.45
    y0, mo0, _ = ymd(m_start[cjm])
    y1, mo1, _ = ymd(c_end)
    n_months = np.minimum((y1 - y0) * 12 + (mo1 - mo0) + 1, 24) * monthly
    rep_m = np.repeat(np.arange(cjm.size), n_months)
    off = np.concatenate([np.arange(c) for c in n_months]) if cjm.size else np.zeros(0, np.int64)
    pay_day = rng.integers(5, 11, cjm.size)
    m_dates = from_ymd(y0[rep_m], mo0[rep_m] + off, pay_day[rep_m])
    amount_m = (rng.integers(25, 76, cjm.size) * 10.0)[rep_m]
    keep = m_dates <= extraction - 1
    rep_m, m_dates, amount_m = rep_m[keep], m_dates[keep], amount_m[keep]
    nature_m = np.full(rep_m.size, codes.AIDES_CJM["monthly"], dtype=object)
    n_one = rng.poisson(0.8, cjm.size)
    n_inst = (rng.random(cjm.size) < 0.2).astype(np.int64)
    n_train = (rng.random(cjm.size) < 0.1).astype(np.int64)
    extra_src = np.concatenate(
        [
            np.repeat(np.arange(cjm.size), n_one),
            np.repeat(np.arange(cjm.size), n_inst),
            np.repeat(np.arange(cjm.size), n_train),
        ]
    )
    extra_kind = np.concatenate(
        [
            np.full(n_one.sum(), codes.AIDES_CJM["oneoff"], dtype=object),
            np.full(n_inst.sum(), codes.AIDES_CJM["install"], dtype=object),
            np.full(n_train.sum(), codes.AIDES_CJM["training"], dtype=object),
        ]
    )
    span = np.maximum(c_end[extra_src] - m_start[cjm][extra_src], 1)
    e_dates = m_start[cjm][extra_src] + (rng.random(extra_src.size) * span).astype(np.int64)
    e_dates = np.minimum(e_dates, extraction - 1)
    lo = np.where(extra_kind == codes.AIDES_CJM["install"], 300, 50)
    hi = np.where(extra_kind == codes.AIDES_CJM["oneoff"], 800, 1500)
    e_amount = np.round(rng.uniform(lo, hi), 2)
    a_src = np.concatenate([rep_m, extra_src])
    a_dates = np.concatenate([m_dates, e_dates])
    a_amount = np.concatenate([amount_m, e_amount])
    a_kind = np.concatenate([nature_m, extra_kind])
    a_kind[rng.random(a_kind.size) < 0.03] = ""
    a_y = yi[cjm][a_src]
    a_order = np.lexsort((a_src, a_dates))
    a_num = np.empty(a_src.size, dtype=np.int64)
    a_num[a_order] = np.arange(a_src.size) + 1
    a_off = numbering.offset("ase_aide_cjm", a_src.size)
    aides = pd.DataFrame(
        {
            "id_aide": [f"AJM-{v + a_off:07d}" for v in a_num],
            "id_individu": id_ind[a_y],
            "nature_aide": a_kind,
            "montant": a_amount,
            "date_paiement": a_dates,
            "_person": youth[a_y],
        }
    )

    # ------------------------------------------------------------------ IPs
    n_ip = weighted_index(rng, [0.25, 0.38, 0.2, 0.1, 0.05, 0.02], ny)
    n_ip = np.where(is_mna, (rng.random(ny) < 0.8).astype(np.int64), n_ip)
    ip_y = np.repeat(np.arange(ny), n_ip)
    rank_ip = np.concatenate([np.arange(c) for c in n_ip]) if ny else np.zeros(0, np.int64)
    lead = rng.integers(5, 540, ip_y.size) * (rank_ip + 1) // np.maximum(n_ip[ip_y], 1)
    ip_date = first_start[ip_y] - np.maximum(lead, 5)
    ok = ip_date > birth[ip_y]
    ip_y, ip_date, rank_ip = ip_y[ok], ip_date[ok], rank_ip[ok]
    later = np.flatnonzero((rng.random(ny) < 0.15) & (last_end - first_start > 120))
    l_date = first_start[later] + (
        rng.random(later.size) * (last_end[later] - first_start[later] - 60)
    ).astype(np.int64)
    ip_y = np.concatenate([ip_y, later])
    ip_date = np.concatenate([ip_date, l_date])
    is_later = np.concatenate([np.zeros(ok.sum(), bool), np.ones(later.size, bool)])
    ni = ip_y.size
    closing = ip_date + rng.integers(10, 121, ni)
    closing[closing >= extraction] = NODATE
    # the IP just before the first measure leads to it
    last_before = (~is_later) & (
        pd.Series(ip_date).groupby(ip_y).transform("max").to_numpy() == ip_date
    )
    suite = _labels(rng, codes.SUITES_AUTRES, ni)
    suite[last_before] = _labels(rng, codes.SUITES_MESURE, int(last_before.sum()))
    suite[is_later] = "Mesure en cours – information jointe"
    prescripteur = _labels(rng, codes.PRESCRIPTEURS, ni)
    motif_ip = _labels(rng, codes.MOTIFS_IP, ni)
    mna_ip = is_mna[ip_y]
    motif_ip[mna_ip] = codes.MOTIF_MNA
    prescripteur[mna_ip] = _labels(
        rng,
        [
            ("Police ou gendarmerie", 4),
            ("Conseil départemental", 4),
            ("Autre service social et association", 3),
        ],
        int(mna_ip.sum()),
    )
    yy, _, _ = ymd(ip_date)
    ip_order = np.lexsort((ip_y, ip_date))
    ip_num = np.empty(ni, dtype=np.int64)
    seq = np.zeros(ni, dtype=np.int64)
    counters: dict[int, int] = {}
    for j in ip_order:
        counters[int(yy[j])] = counters.get(int(yy[j]), 0) + 1
        seq[j] = counters[int(yy[j])]
    ip_num[:] = numbering.sequence("ase_ip", yy, seq)
    ips = (
        pd.DataFrame(
            {
                "id_ip": [f"IP{a}-{b:05d}" for a, b in zip(yy, ip_num, strict=True)],
                "id_individu": id_ind[ip_y],
                "date_reception": ip_date,
                "date_cloture": closing,
                "prescripteur": prescripteur,
                "motif": motif_ip,
                "suite_donnee": suite,
                "_person": youth[ip_y],
            }
        )
        .iloc[ip_order]
        .reset_index(drop=True)
    )

    # ------------------------------------------------------------------ individus
    fam = pop.family[youth]
    first_contact = first_start.copy()
    ip_min = (
        pd.Series(ips["date_reception"].to_numpy())
        .groupby(pd.Series(ips["_person"].to_numpy()))
        .min()
    )
    pos = {int(p): i for i, p in enumerate(youth)}
    for person, d in ip_min.items():
        i = pos[int(person)]
        first_contact[i] = min(first_contact[i], int(d))
    fam_first = pd.Series(first_contact).groupby(fam).min()
    fam_ids = fam_first.index.to_numpy()
    fam_year = ymd(fam_first.to_numpy())[0]
    fam_rank = pd.Series(fam_first.to_numpy()).groupby(fam_year).rank(method="first").to_numpy()
    fam_rank = numbering.sequence("ase_family_file", fam_year, fam_rank.astype(np.int64))
    fam_number_map = {
        int(f): f"DF-{y}-{int(r):05d}" for f, y, r in zip(fam_ids, fam_year, fam_rank, strict=True)
    }
    fam_number = np.array([fam_number_map[int(f)] for f in fam], dtype=object)
    labels, by_code = codes.circonscriptions()
    home = pop.home[youth]
    circ = np.array([by_code.get(c, "") for c in home], dtype=object)
    missing = np.flatnonzero(circ == "")
    circ[missing] = np.array(labels, dtype=object)[rng.integers(0, len(labels), missing.size)]
    circ[rng.random(ny) < 0.01] = ""
    sexe = np.where(pop.sex[youth] == "M", "Masculin", "Féminin").astype(object)
    unknown = (rng.random(ny) < 0.002) & ~pop.is_canary[youth]
    sexe[unknown] = "Inconnu"
    nat = pop.nationality[youth].copy()
    nat[(rng.random(ny) < 0.03) & ~pop.is_canary[youth]] = ""
    individus = (
        pd.DataFrame(
            {
                "id_individu": id_ind,
                "num_dossier_familial": fam_number,
                "statut_mna": np.where(is_mna, "Oui", "Non"),
                "nationalite": nat,
                "circonscription": circ,
                "date_naissance": birth,
                "sexe": sexe,
                "_person": youth,
                "_protect": np.ones(ny, dtype=bool),
            }
        )
        .iloc[np.argsort(ind_num)]
        .reset_index(drop=True)
    )

    # ------------------------------------------------------------------ holders
    fam_type = _labels(rng, codes.DETENTEURS, pop.fam_size.size)
    y_type = fam_type[fam]
    mna_type = np.where(rng.random(ny) < 0.65, codes.DETENTEUR_CD, codes.DETENTEUR_NSP)
    y_type = np.where(is_mna, mna_type, y_type)
    y_type[pop.is_canary[youth]] = "Mère seule"
    n_h = np.where(y_type == codes.DETENTEUR_SEPARES, 2, 1)
    n_h[(rng.random(ny) < 0.04) & ~pop.is_canary[youth]] = 0
    n_h[is_mna & (rng.random(ny) < 0.15)] = 0
    h_y = np.repeat(np.arange(ny), n_h)
    h_rank = np.concatenate([np.arange(c) for c in n_h]) if ny else np.zeros(0, np.int64)
    other_home = pop.home[rng.integers(0, pop.n, h_y.size)]
    h_code = np.where(h_rank == 0, home[h_y], other_home)
    ref_day = np.where(exit_day[h_y] == NODATE, extraction, exit_day[h_y])
    h_code = at_date(h_code.astype(object), ref_day)
    h_addr = np.where(h_rank == 0, pop.address[youth[h_y]], address_lines(rng, h_y.size))
    no_home = np.isin(
        y_type[h_y],
        [codes.DETENTEUR_CD, codes.DETENTEUR_NSP, "Établissement", "Préfet (pupille de l'État)"],
    )
    h_addr[no_home] = ""
    h_cp = geo.postals(h_code)
    h_cp[no_home] = ""
    h_commune = commune_as_written(rng, geo, h_code, name_share=0.55)
    h_commune[no_home] = ""
    holders = pd.DataFrame(
        {
            "id_individu": id_ind[h_y],
            "type_detenteur": y_type[h_y],
            "adresse": h_addr,
            "code_postal": h_cp,
            "commune_domicile": h_commune,
            "_person": youth[h_y],
        }
    )
    holders = holders.iloc[np.lexsort((h_rank, ind_num[h_y]))].reset_index(drop=True)

    mesures = mesures.iloc[np.argsort(mes_num)].reset_index(drop=True)
    placements = placements.iloc[np.argsort(pl_num[: len(placements)])].reset_index(drop=True)
    hors = hors.iloc[np.argsort(h_num)].reset_index(drop=True)
    aides = aides.iloc[np.argsort(a_num)].reset_index(drop=True)

    # data-quality plants that the loader does not reject: end before start
    for table in (placements, hors):
        closed = np.flatnonzero(
            (table["date_fin"].to_numpy() != NODATE) & ~pop.is_canary[table["_person"].to_numpy()]
        )
        chosen = pick(rng, closed, 0.0008, minimum=1)
        if chosen.size:
            starts = table["date_debut"].to_numpy()
            table.loc[chosen, "date_fin"] = starts[chosen] - rng.integers(1, 40, chosen.size)
            table["_tag"] = ""
            table.loc[chosen, "_tag"] = "end_before_start"

    def spread(values, fill):
        out = np.full(pop.n, fill, dtype=np.asarray(values).dtype)
        out[youth] = values
        return out

    return AseResult(
        tables={
            "individus": individus,
            "detenteurs_autorite_parentale": holders,
            "informations_preoccupantes": ips,
            "mesures": mesures,
            "placements": placements,
            "hors_placement": hors,
            "aides_cjm": aides,
        },
        first_start=spread(first_start, NODATE),
        last_end=spread(last_end, NODATE),
        exit_day=spread(exit_day, NODATE),
        n_measures=spread(n_meas, 0),
        n_placements=spread(n_placements, 0),
        placed=spread(placed, False),
        has_cjm=spread(has_cjm, False),
        individu_id=spread(id_ind, ""),
        family_number=spread(fam_number, ""),
    )
