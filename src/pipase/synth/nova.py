"""Nova-DPAS: households followed by the service social départemental and their appointments.

A former ASE youth may appear as a child ("Enfant de") in the parents' household while in care,
and later as the "Usager" of their own household: two ids for one person. People who appear in
no other source are given a household here, so that every synthetic person exists somewhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipase.synth import codes
from pipase.synth.identity import render_identity
from pipase.synth.numbering import Numbering
from pipase.synth.places import Geo
from pipase.synth.population import Population
from pipase.synth.util import (
    NODATE,
    Drawer,
    add_years,
    between,
    day,
    labels,
    tag_multiple_ids,
    ymd,
)

NOVA_START = day(2012, 1, 1)


def build_nova(
    rng: np.random.Generator,
    pop: Population,
    roles: dict,
    extraction: int,
    seen_elsewhere: np.ndarray,
    geo: Geo,
    numbering: Numbering | None = None,
) -> dict[str, pd.DataFrame]:
    """Households and appointments; ids go on from the earlier chunks' (`numbering`)."""
    numbering = Numbering() if numbering is None else numbering
    adults = np.flatnonzero(~pop.is_youth & ~pop.is_child & (pop.lookalike_of < 0))
    children = np.flatnonzero(pop.is_child)
    draw_adult = Drawer(rng, roles["partner"] if roles["partner"].size else adults)
    other_children = np.setdiff1d(children, roles["nova_child"])
    draw_child = Drawer(rng, other_children if other_children.size else children)
    f_usager, f_start, f_members = [], [], []  # members: list of (person, lien)

    def household(usager: int, start: int, members: list[tuple[int, str]]) -> None:
        f_usager.append(usager)
        f_start.append(start)
        f_members.append([(usager, "Usager"), *members])

    youth = pop.youths
    b18 = add_years(pop.birth[youth], 18)
    want = (rng.random(youth.size) < 0.30) & (b18 <= extraction - 60)
    starts = between(rng, np.maximum(b18, NOVA_START), np.full(youth.size, extraction - 30))
    for i in np.flatnonzero(want & (starts != NODATE)):
        members = []
        if rng.random() < 0.15:
            members.append((draw_adult.one(), "Conjoint de"))
        if rng.random() < 0.2:
            for _ in range(int(rng.integers(1, 3))):
                members.append((draw_child.one(), "Enfant de"))
        if rng.random() < 0.05:
            members.append((draw_adult.one(), "Parent de"))
        if rng.random() < 0.03:
            members.append((draw_adult.one(), "Autre membre"))
        household(int(youth[i]), int(starts[i]), members)
        if rng.random() < 0.05:  # household change: a second file, a second id
            s2 = int(starts[i]) + int(rng.integers(200, 1500))
            if s2 <= extraction - 30:
                household(int(youth[i]), s2, [])

    # youths seen as children in their parents' household
    for members in pop.fam_members:
        if members.size == 0 or pop.is_mna[members[0]] or pop.is_canary[members[0]]:
            continue
        if rng.random() >= 0.18:
            continue
        births = pop.birth[members]
        lo = max(NOVA_START, int(births.min()))
        hi = min(int(add_years(births.max(), 18)), extraction - 30)
        if hi <= lo:
            continue
        s = int(between(rng, np.array([lo]), np.array([hi]))[0])
        kids = members[(births <= s) & (add_years(births, 18) > s)]
        if kids.size:
            household(draw_adult.one(), s, [(int(k), "Enfant de") for k in kids])

    # other people: primary role here, then whoever appears nowhere else
    primary_kids = list(roles["nova_child"])
    rng.shuffle(primary_kids)
    present = np.zeros(pop.n, dtype=bool)
    present[seen_elsewhere] = True
    for lst in f_members:
        for p, _ in lst:
            present[p] = True
    usagers = list(roles["nova"])
    first_new = len(f_usager)
    for u in usagers:
        lo = max(NOVA_START, int(add_years(np.array([pop.birth[u]]), 18)[0]))
        s = int(between(rng, np.array([lo]), np.array([extraction - 30]))[0])
        if s == NODATE:
            s = extraction - 30
        members = []
        if rng.random() < 0.2:
            members.append((draw_adult.one(), "Conjoint de"))
        household(int(u), s, members)
        present[u] = True
    new_range = list(range(first_new, len(f_usager)))
    for c in primary_kids:
        h = new_range[int(rng.integers(len(new_range)))] if new_range else None
        if h is None:
            break
        f_members[h].append((int(c), "Enfant de"))
        present[c] = True
    for lst in f_members:
        for p, _ in lst:
            present[p] = True
    missing = np.flatnonzero(~present & ~pop.is_youth)
    for p in missing:
        if pop.is_child[p] and new_range:
            h = new_range[int(rng.integers(len(new_range)))]
            f_members[h].append((int(p), "Enfant de"))
        else:
            lo = max(NOVA_START, int(add_years(np.array([pop.birth[p]]), 18)[0]))
            s = int(between(rng, np.array([lo]), np.array([extraction - 30]))[0])
            household(int(p), s if s != NODATE else extraction - 30, [])

    nf = len(f_usager)
    order = np.lexsort((np.arange(nf), np.array(f_start)))
    f_start = np.array(f_start, dtype=np.int64)[order]
    f_members = [f_members[i] for i in order]
    f_off = 10000001 + numbering.offset("nova_foyer", nf)
    foyer_ids = np.array([f"F{v:08d}" for v in f_off + np.arange(nf)], dtype=object)

    m_person = np.array([p for lst in f_members for p, _ in lst], dtype=np.int64)
    m_lien = np.array([lien for lst in f_members for _, lien in lst], dtype=object)
    m_foyer = np.repeat(np.arange(nf), [len(lst) for lst in f_members])
    nm = m_person.size
    p_off = 20000001 + numbering.offset("nova_personne", nm)
    id_personne = np.array([f"P{v:08d}" for v in p_off + np.arange(nm)], dtype=object)
    child_row = (m_lien == "Enfant de") | ((f_start[m_foyer] - pop.birth[m_person]) < 18 * 365.25)
    ident = render_identity(rng, pop, "nova_dpas", m_person, child_row)
    tag_multiple_ids(ident.tags, m_person, id_personne)
    sexe = pop.sex[m_person].astype(object).copy()
    sexe[(rng.random(nm) < 0.02) & ~pop.is_canary[m_person]] = None
    personnes = pd.DataFrame(
        {
            "id_personne": id_personne,
            "id_foyer": foyer_ids[m_foyer],
            "nom_usage": ident.nom_usage,
            "nom_naissance": ident.nom_naissance,
            "prenom": ident.prenom,
            "date_naissance": ident.birth,
            "sexe": sexe,
            "lien_usager": m_lien,
            "_person": m_person,
            "_tag": ident.tags.values,
        }
    )

    # ---- appointments: usagers (and a few spouses), skewed counts over 1-4 years
    who = np.flatnonzero(
        (m_lien == "Usager") | ((m_lien == "Conjoint de") & (rng.random(nm) < 0.1))
    )
    count = np.minimum(rng.geometric(0.5, who.size), 40)
    heavy = rng.random(who.size) < 0.05
    count[heavy] += rng.integers(5, 35, int(heavy.sum()))
    count = np.minimum(count, 40)
    r_src = np.repeat(who, count)
    f0 = f_start[m_foyer[r_src]]
    span = rng.integers(30, 4 * 365, who.size)[np.searchsorted(who, r_src)]
    r_day = np.minimum(f0 + (rng.random(r_src.size) * span).astype(np.int64), extraction - 1)
    minutes = (rng.integers(34, 71, r_src.size) * 15).astype(np.int64)  # 08:30 to 17:30
    minutes[rng.random(r_src.size) < 0.12] = -1
    home = pop.home[m_person[r_src]]
    circ = np.array(
        [f"CSS {geo.name(c)}" if c.startswith("93") else None for c in home], dtype=object
    )
    order = np.lexsort((minutes, r_day))
    r_src, r_day, minutes, circ = r_src[order], r_day[order], minutes[order], circ[order]
    year = ymd(r_day)[0]
    seq = pd.Series(np.ones(r_src.size)).groupby(year).cumsum().astype(int).to_numpy()
    seq = numbering.sequence("nova_rdv", year, seq)
    rdv = pd.DataFrame(
        {
            "id_rdv": [f"RDV{y}-{s:07d}" for y, s in zip(year, seq, strict=True)],
            "id_personne": id_personne[r_src],
            "date_rdv": r_day,
            "_time_date_rdv": minutes,
            "circonscription": circ,
            "type_rdv": labels(rng, codes.TYPE_RDV, r_src.size),
            "statut_rdv": labels(rng, codes.STATUT_RDV, r_src.size),
            "_person": m_person[r_src],
        }
    )
    return {"personnes": personnes, "rendez_vous": rdv}
