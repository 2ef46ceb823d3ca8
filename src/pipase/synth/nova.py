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
from pipase.synth.parameters import NOVA
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


class _Households:
    """Household files under construction: usager, start, members [(person, lien)]."""

    def __init__(self, rng, pop: Population, roles: dict) -> None:
        adults = np.flatnonzero(~pop.is_youth & ~pop.is_child & (pop.lookalike_of < 0))
        children = np.flatnonzero(pop.is_child)
        self.draw_adult = Drawer(rng, roles["partner"] if roles["partner"].size else adults)
        other_children = np.setdiff1d(children, roles["nova_child"])
        self.draw_child = Drawer(rng, other_children if other_children.size else children)
        self.usager: list[int] = []
        self.start: list[int] = []
        self.members: list[list[tuple[int, str]]] = []

    def add(self, usager: int, start: int, members: list[tuple[int, str]]) -> None:
        self.usager.append(usager)
        self.start.append(start)
        self.members.append([(usager, "Usager"), *members])


def _youth_households(rng, pop: Population, extraction: int, h: _Households) -> None:
    """Former youths as the usager of their own household, some with a second file."""
    youth = pop.youths
    b18 = add_years(pop.birth[youth], 18)
    want = (rng.random(youth.size) < NOVA.youth_usager) & (b18 <= extraction - 60)
    starts = between(rng, np.maximum(b18, NOVA_START), np.full(youth.size, extraction - 30))
    for i in np.flatnonzero(want & (starts != NODATE)):
        members = []
        if rng.random() < NOVA.with_spouse:
            members.append((h.draw_adult.one(), "Conjoint de"))
        if rng.random() < NOVA.with_children:
            for _ in range(int(rng.integers(1, 3))):
                members.append((h.draw_child.one(), "Enfant de"))
        if rng.random() < NOVA.with_parent:
            members.append((h.draw_adult.one(), "Parent de"))
        if rng.random() < NOVA.with_other_member:
            members.append((h.draw_adult.one(), "Autre membre"))
        h.add(int(youth[i]), int(starts[i]), members)
        if rng.random() < NOVA.second_file:
            s2 = int(starts[i]) + int(rng.integers(200, 1500))
            if s2 <= extraction - 30:
                h.add(int(youth[i]), s2, [])


def _parent_households(rng, pop: Population, extraction: int, h: _Households) -> None:
    """Youths seen as children in their parent's household, with their siblings."""
    for members in pop.fam_members:
        if members.size == 0 or pop.is_mna[members[0]] or pop.is_canary[members[0]]:
            continue
        if rng.random() >= NOVA.family_household:
            continue
        births = pop.birth[members]
        lo = max(NOVA_START, int(births.min()))
        hi = min(int(add_years(births.max(), 18)), extraction - 30)
        if hi <= lo:
            continue
        s = int(between(rng, np.array([lo]), np.array([hi]))[0])
        kids = members[(births <= s) & (add_years(births, 18) > s)]
        if kids.size:
            h.add(h.draw_adult.one(), s, [(int(k), "Enfant de") for k in kids])


def _adult_start(rng, pop: Population, person: int, extraction: int) -> int:
    lo = max(NOVA_START, int(add_years(np.array([pop.birth[person]]), 18)[0]))
    s = int(between(rng, np.array([lo]), np.array([extraction - 30]))[0])
    return s if s != NODATE else extraction - 30


def _mark(present: np.ndarray, h: _Households) -> None:
    for members in h.members:
        for p, _ in members:
            present[p] = True


def _other_households(rng, pop, roles, extraction, seen_elsewhere, h: _Households) -> None:
    """People whose primary source is Nova (their children join their households), then
    whoever appears in no source yet: every synthetic person exists somewhere."""
    primary_kids = list(roles["nova_child"])
    rng.shuffle(primary_kids)
    present = np.zeros(pop.n, dtype=bool)
    present[seen_elsewhere] = True
    _mark(present, h)
    first_new = len(h.usager)
    for u in roles["nova"]:
        s = _adult_start(rng, pop, u, extraction)
        members = []
        if rng.random() < NOVA.other_with_spouse:
            members.append((h.draw_adult.one(), "Conjoint de"))
        h.add(int(u), s, members)
    new_range = list(range(first_new, len(h.usager)))
    if new_range:
        for c in primary_kids:
            h.members[new_range[int(rng.integers(len(new_range)))]].append((int(c), "Enfant de"))
    _mark(present, h)
    for p in np.flatnonzero(~present & ~pop.is_youth):
        if pop.is_child[p] and new_range:
            h.members[new_range[int(rng.integers(len(new_range)))]].append((int(p), "Enfant de"))
        else:
            h.add(int(p), _adult_start(rng, pop, p, extraction), [])


def _personnes(rng, pop: Population, f_start, f_members, foyer_ids, numbering):
    """The table `personnes`, one row per member of each household, and the member arrays."""
    nf = len(f_members)
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
    sexe[(rng.random(nm) < NOVA.sex_missing) & ~pop.is_canary[m_person]] = None
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
    return personnes, m_person, m_lien, m_foyer, id_personne


def _appointment_days(rng, who, f0_of, extraction: int):
    """(member row, day, minutes or -1) of each appointment: skewed counts over 1-4 years."""
    count = np.minimum(rng.geometric(NOVA.appointments_geometric, who.size), NOVA.appointments_max)
    heavy = rng.random(who.size) < NOVA.heavy_follow_up
    count[heavy] += rng.integers(5, 35, int(heavy.sum()))
    count = np.minimum(count, NOVA.appointments_max)
    r_src = np.repeat(who, count)
    f0 = f0_of[r_src]
    span = rng.integers(30, 4 * 365, who.size)[np.searchsorted(who, r_src)]
    r_day = np.minimum(f0 + (rng.random(r_src.size) * span).astype(np.int64), extraction - 1)
    minutes = (rng.integers(34, 71, r_src.size) * 15).astype(np.int64)  # 08:30 to 17:30
    minutes[rng.random(r_src.size) < NOVA.appointment_time_missing] = -1
    return r_src, r_day, minutes


def _rendez_vous(rng, pop, geo, m_person, m_lien, f0_of, id_personne, extraction, numbering):
    """The table `rendez_vous`: usagers (and a few spouses), numbered within each year."""
    nm = m_person.size
    who = np.flatnonzero(
        (m_lien == "Usager")
        | ((m_lien == "Conjoint de") & (rng.random(nm) < NOVA.spouse_appointments))
    )
    r_src, r_day, minutes = _appointment_days(rng, who, f0_of, extraction)
    home = pop.home[m_person[r_src]]
    circ = np.array(
        [f"CSS {geo.name(c)}" if c.startswith("93") else None for c in home], dtype=object
    )
    order = np.lexsort((minutes, r_day))
    r_src, r_day, minutes, circ = r_src[order], r_day[order], minutes[order], circ[order]
    year = ymd(r_day)[0]
    seq = pd.Series(np.ones(r_src.size)).groupby(year).cumsum().astype(int).to_numpy()
    seq = numbering.sequence("nova_rdv", year, seq)
    return pd.DataFrame(
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
    h = _Households(rng, pop, roles)
    _youth_households(rng, pop, extraction, h)
    _parent_households(rng, pop, extraction, h)
    _other_households(rng, pop, roles, extraction, seen_elsewhere, h)
    nf = len(h.usager)
    order = np.lexsort((np.arange(nf), np.array(h.start)))
    f_start = np.array(h.start, dtype=np.int64)[order]
    f_members = [h.members[i] for i in order]
    f_off = 10000001 + numbering.offset("nova_foyer", nf)
    foyer_ids = np.array([f"F{v:08d}" for v in f_off + np.arange(nf)], dtype=object)
    personnes, m_person, m_lien, m_foyer, id_personne = _personnes(
        rng, pop, f_start, f_members, foyer_ids, numbering
    )
    rdv = _rendez_vous(
        rng, pop, geo, m_person, m_lien, f_start[m_foyer], id_personne, extraction, numbering
    )
    return {"personnes": personnes, "rendez_vous": rdv}
