"""WebRSA: RSA dossiers, households and their members, with the CD93 tables the study reads.

Former ASE youths apply from 25 (or earlier as single parents / young workers), appear as
spouses (CJT) in another household, or as children (ENF) in their parents' household while in
care. Other people fill most households. A person who re-applies gets a new `personnes` row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipase.synth import codes
from pipase.synth.identity import render_identity
from pipase.synth.names import fold_ascii
from pipase.synth.numbering import Numbering
from pipase.synth.parameters import WEBRSA
from pipase.synth.places import Geo, at_date, street_addresses, upper_parts
from pipase.synth.population import Population
from pipase.synth.util import (
    NODATE,
    Drawer,
    add_years,
    between,
    day,
    labels,
    map_unique,
    pick,
    tag_multiple_ids,
    weighted_index,
    ymd,
)

RSA_START = day(2009, 6, 1)

W = WEBRSA


@dataclass
class _Rows:
    """Household episodes under construction: applicant, spouse, number of children, start."""

    dem: list = field(default_factory=list)
    cjt: list = field(default_factory=list)
    kids: list = field(default_factory=list)
    start: list = field(default_factory=list)

    def add(self, dem, cjt, kids, start) -> None:
        self.dem.append(dem)
        self.cjt.append(cjt)
        self.kids.append(kids)
        self.start.append(start)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "dem": np.array(self.dem, dtype=np.int64),
                "cjt": np.array(self.cjt, dtype=np.int64),
                "n_kids": np.array(self.kids, dtype=np.int64),
                "start": np.array(self.start, dtype=np.int64),
            }
        )


def _youth_applicants(rng, pop: Population, extraction: int, spouses: Drawer, rows: _Rows):
    """Former youths applying: from 25, or earlier (single parents, young workers); some apply
    again later (a second dossier)."""
    youth = pop.youths
    b = pop.birth[youth]
    b18, b25 = add_years(b, 18), add_years(b, 25)
    old = b25 <= extraction - 90
    young = ~old & (b18 <= extraction - 120)
    want = (old & (rng.random(youth.size) < W.youth_applies_from_25)) | (
        young & (rng.random(youth.size) < W.youth_applies_before_25)
    )
    want |= pop.is_canary[youth]
    lo = np.where(old, np.maximum(b25, RSA_START), np.maximum(b18 + 90, RSA_START))
    hi = np.where(old, extraction - 1, np.minimum(b25 - 1, extraction - 1))
    start = lo + np.minimum(
        rng.exponential(W.applicant_start_mean_days, youth.size).astype(np.int64),
        np.maximum(hi - lo, 0),
    )
    start = np.where(start > hi, between(rng, lo, hi), start)
    sel = np.flatnonzero(want & (start != NODATE) & (hi >= lo))
    has_cjt = rng.random(sel.size) < W.with_spouse
    n_kids = np.where(rng.random(sel.size) < W.with_children, rng.integers(1, 3, sel.size), 0)
    for k, i in enumerate(sel):
        rows.add(youth[i], spouses.one() if has_cjt[k] else -1, n_kids[k], start[i])
        if rng.random() < W.reapplies and not pop.is_canary[youth[i]]:
            s2 = start[i] + int(rng.integers(365, 2000))
            if s2 <= extraction - 1:
                rows.add(youth[i], -1, 0, s2)


def _youth_spouses(rng, pop: Population, extraction: int, spouses: Drawer, rows: _Rows):
    """Former youths as the spouse (CJT) in another household."""
    youth = pop.youths
    b20 = add_years(pop.birth[youth], 20)
    cjt = np.flatnonzero(
        (b20 <= extraction - 60)
        & (rng.random(youth.size) < W.youth_as_spouse)
        & ~pop.is_canary[youth]
    )
    s_cjt = between(rng, np.maximum(b20[cjt], RSA_START), np.full(cjt.size, extraction - 1))
    cjt = cjt[s_cjt != NODATE]
    s_cjt = s_cjt[s_cjt != NODATE]
    rows.dem.extend(spouses.take(cjt.size).tolist())
    rows.cjt.extend(youth[cjt].tolist())
    rows.kids.extend([0] * cjt.size)
    rows.start.extend(s_cjt.tolist())


def _other_applicants(rng, pop: Population, o: np.ndarray, extraction, spouses) -> pd.DataFrame:
    """People outside the ASE whose primary source is WebRSA, some with a spouse."""
    ob25 = add_years(pop.birth[o], 25)
    ob18 = add_years(pop.birth[o], 18)
    lo = np.maximum(
        np.where(rng.random(o.size) < W.other_applies_from_25, ob25, ob18 + 180), RSA_START
    )
    o_start = between(rng, lo, np.full(o.size, extraction - 1))
    conv = (rng.random(o.size) < W.converted_from_rmi) & (lo <= RSA_START)
    o_start[conv] = RSA_START
    bad = o_start == NODATE
    o_start[bad] = between(rng, np.full(bad.sum(), RSA_START), np.full(bad.sum(), extraction - 1))
    with_cjt = rng.random(o.size) < W.with_spouse
    o_cjt = np.full(o.size, -1, dtype=np.int64)
    o_cjt[with_cjt] = spouses.take(int(with_cjt.sum()))
    o_cjt[o_cjt == o] = -1
    o_kids = np.where(rng.random(o.size) < W.with_children, rng.integers(1, 4, o.size), 0)
    return pd.DataFrame({"dem": o, "cjt": o_cjt, "n_kids": o_kids, "start": o_start})


def _parent_households(rng, pop: Population, extraction: int, spouses: Drawer) -> pd.DataFrame:
    """Youths as children (ENF) in their parent's household, with their siblings."""
    fam_rows = []
    for members in pop.fam_members:
        if members.size == 0 or pop.is_mna[members[0]] or pop.is_canary[members[0]]:
            continue
        if rng.random() >= W.family_household:
            continue
        births = pop.birth[members]
        lo_ = max(RSA_START, int(births.min()))
        hi_ = min(int(add_years(births.max(), 18)), extraction - 1)
        if hi_ <= lo_:
            continue
        s = int(between(rng, np.array([lo_]), np.array([hi_]))[0])
        kids = members[(births <= s) & (add_years(births, 20) > s)]
        if kids.size == 0:
            continue
        fam_rows.append((spouses.one(), -1, 0, s, "parent", kids))
    return pd.DataFrame(fam_rows, columns=["dem", "cjt", "n_kids", "start", "kind", "kids"])


def _household_children(rng, pop: Population, roles: dict, ep: pd.DataFrame) -> list:
    """The children of each household: the primary WebRSA children first, then others; the
    primary children left over join random adult households."""
    children = list(roles["webrsa_enf"])
    not_primary = np.setdiff1d(np.flatnonzero(pop.is_child), roles["webrsa_enf"])
    pool_extra = Drawer(rng, not_primary if not_primary.size else np.flatnonzero(pop.is_child))
    rng.shuffle(children)
    kid_lists = list(ep["kids"])
    pos = 0
    need_all = ep["n_kids"].to_numpy()
    for e in np.flatnonzero(need_all > 0):
        need = int(need_all[e])
        got = children[pos : pos + need]
        pos += len(got)
        if len(got) < need:
            got = list(got) + pool_extra.take(need - len(got)).tolist()
        kid_lists[e] = np.array(got, dtype=np.int64)
    adult_eps = np.flatnonzero(ep["kind"].to_numpy() == "adult")
    for c in children[pos:]:
        e = int(adult_eps[rng.integers(adult_eps.size)])
        kid_lists[e] = np.concatenate([kid_lists[e], [c]])
    return kid_lists


def _episodes(rng, pop: Population, roles: dict, extraction: int) -> pd.DataFrame:
    """One row per household episode: dem, cjt, children (array of persons), start, kind."""
    adults = np.flatnonzero(~pop.is_youth & ~pop.is_child & (pop.lookalike_of < 0))
    spouses = Drawer(rng, roles["partner"] if roles["partner"].size else adults)
    rows = _Rows()
    _youth_applicants(rng, pop, extraction, spouses, rows)
    _youth_spouses(rng, pop, extraction, spouses, rows)
    others = _other_applicants(rng, pop, roles["webrsa_dem"], extraction, spouses)
    ep = pd.concat([rows.frame(), others], ignore_index=True)
    ep["kind"] = "adult"
    ep_fam = _parent_households(rng, pop, extraction, spouses)
    ep["kids"] = [np.zeros(0, dtype=np.int64)] * len(ep)
    ep = pd.concat([ep, ep_fam], ignore_index=True)
    ep["kids"] = _household_children(rng, pop, roles, ep)
    return ep.sort_values(["start", "dem"], kind="stable").reset_index(drop=True)


def _nir(rng, pop: Population, persons: np.ndarray) -> np.ndarray:
    """A structurally valid NIR per person (the same on every row of the person)."""
    uniq, inverse = np.unique(persons, return_inverse=True)
    y, m, _ = ymd(pop.birth[uniq])
    sex = np.where(pop.sex[uniq] == "M", 1, 2)
    foreign = pop.nati[uniq] != "F"
    dept = np.where(foreign, 99, 93)
    place = np.where(foreign, rng.integers(100, 500, uniq.size), rng.integers(1, 80, uniq.size))
    order = rng.integers(1, 999, uniq.size)
    out = np.empty(uniq.size, dtype=object)
    for i in range(uniq.size):
        body = f"{sex[i]}{y[i] % 100:02d}{m[i]:02d}{dept[i]:02d}{place[i]:03d}{order[i]:03d}"
        out[i] = f"{body}{97 - int(body) % 97:02d}"
    return out[inverse]


@dataclass
class _Households:
    """The household episodes with their ids, and one row per member."""

    ep: pd.DataFrame
    dossier_id: np.ndarray
    foyer_id: np.ndarray
    start: np.ndarray
    dem: np.ndarray  # applicant of each episode
    person: np.ndarray  # member rows: person, episode, role, personnes.id
    episode: np.ndarray
    role: np.ndarray
    personne_id: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ep)


def _households(rng, pop, roles, extraction, numbering: Numbering) -> _Households:
    ep = _episodes(rng, pop, roles, extraction)
    ne = len(ep)
    n_members = 1 + (ep["cjt"].to_numpy() >= 0) + np.array([len(k) for k in ep["kids"]])
    episode = np.repeat(np.arange(ne), n_members)
    person = np.concatenate(
        [np.concatenate([[d], [c] if c >= 0 else [], k]) for d, c, k in
         zip(ep["dem"], ep["cjt"], ep["kids"], strict=True)]
    ).astype(np.int64) if ne else np.zeros(0, np.int64)  # fmt: skip
    first = np.repeat(np.cumsum(n_members) - n_members, n_members)
    rank = np.arange(episode.size) - first
    has_cjt = (ep["cjt"].to_numpy() >= 0)[episode]
    role = np.where(rank == 0, "DEM", np.where((rank == 1) & has_cjt, "CJT", "ENF"))
    return _Households(
        ep=ep,
        dossier_id=100001 + numbering.offset("webrsa_dossier", ne) + np.arange(ne),
        foyer_id=500001 + numbering.offset("webrsa_foyer", ne) + np.arange(ne),
        start=ep["start"].to_numpy(),
        dem=ep["dem"].to_numpy(),
        person=person,
        episode=episode,
        role=role.astype(object),
        personne_id=1000001 + numbering.offset("webrsa_personne", person.size)
        + np.arange(person.size),
    )  # fmt: skip


def _imprecise_birth_dates(rng, dtnai, free, tags) -> np.ndarray:
    """typedtnai of each row; a few dates known only partly (J: day unknown, O: day and month
    unknown) are moved to the 1st of the month or of January (dtnai changed in place)."""
    typedtnai = np.full(dtnai.size, "N", dtype=object)
    imprecise = pick(rng, np.flatnonzero(free & (ymd(dtnai)[2] != 1)), W.birth_date_imprecise)
    if imprecise.size:
        kind = np.where(rng.random(imprecise.size) < W.imprecise_day_only, "J", "O")
        y, mo, d = ymd(dtnai[imprecise])
        new = np.where(
            kind == "J",
            dtnai[imprecise] - (d - 1),
            dtnai[imprecise] - (dtnai[imprecise] - day_of_year_start(y)),
        )
        changed = new != dtnai[imprecise]
        dtnai[imprecise] = new
        typedtnai[imprecise] = kind
        tags.add(imprecise[changed], "birth_date_imprecise_typedtnai")
    typedtnai[rng.random(dtnai.size) < W.typedtnai_missing] = None
    return typedtnai


def _personnes(rng, pop: Population, h: _Households) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables `personnes` (identities rendered as WebRSA writes them) and `prestations`."""
    m_person, n = h.person, h.person.size
    child_row = h.role == "ENF"
    ident = render_identity(rng, pop, "webrsa", m_person, child_row)
    tags = ident.tags
    tag_multiple_ids(tags, m_person, h.personne_id)
    free = ~pop.is_canary[m_person]
    dtnai = ident.birth.copy()
    typedtnai = _imprecise_birth_dates(rng, dtnai, free, tags)
    qual = np.where(pop.sex[m_person] == "M", "MR", "MME").astype(object)
    qual[free & (rng.random(n) < W.qual_missing)] = None
    sexe = np.where(pop.sex[m_person] == "M", "1", "2").astype(object)
    sexe[free & (rng.random(n) < W.sex_missing)] = None
    nir = _nir(rng, pop, m_person)
    nir_missing = np.where(child_row, W.nir_missing_child, W.nir_missing_adult)
    nir[(rng.random(n) < nir_missing) & free] = None
    personnes = pd.DataFrame(
        {
            "id": h.personne_id,
            "foyer_id": h.foyer_id[h.episode],
            "qual": qual,
            "nom": ident.nom_usage,
            "nomnai": ident.nom_naissance,
            "prenom": ident.prenom,
            "prenom2": ident.prenom2,
            "dtnai": dtnai,
            "typedtnai": typedtnai,
            "sexe": sexe,
            "nati": pop.nati[m_person],
            "nir": nir,
            "_person": m_person,
            "_tag": tags.values,
        }
    )
    prestations = pd.DataFrame(
        {
            "personne_id": h.personne_id,
            "natprest": "RSA",
            "rolepers": h.role,
            "topchapers": child_row,
            "_person": m_person,
        }
    )
    return personnes, prestations


def _dossiers(rng, h: _Households, numbering: Numbering) -> pd.DataFrame:
    ne = h.n
    numdemrsa = numbering.unique_numbers("webrsa_numdemrsa", rng, ne, 9)
    matricule = numbering.unique_numbers("webrsa_matricule", rng, ne, 12)
    return pd.DataFrame(
        {
            "id": h.dossier_id,
            "numdemrsa": [f"93{v:09d}" for v in numdemrsa],
            "dtdemrsa": h.start,
            "matricule": [f"931{v:012d}" for v in matricule],
            "_person": h.dem,
        }
    )


def _situations(rng, h: _Households, extraction: int) -> pd.DataFrame:
    """The table `situationsdossiersrsa`: open, refused or closed (a re-application closes the
    previous dossier)."""
    ne, start = h.n, h.start
    next_start = pd.Series(start).groupby(h.dem).shift(-1).to_numpy()
    has_next = ~np.isnan(next_start)
    etat = labels(rng, codes.ETATDOSRSA_OPEN, ne)
    r = rng.random(ne)
    closed = r < W.dossier_closed
    refused = (r >= W.dossier_closed) & (r < W.dossier_refused_below)
    dtclo = start + rng.integers(120, 2500, ne)
    closed &= dtclo <= extraction - 1
    etat[refused] = "1"
    closed |= has_next
    nxt = np.where(has_next, np.nan_to_num(next_start, nan=0).astype(np.int64), 0)
    dtclo = np.where(has_next, between(rng, start + 90, nxt - 1), dtclo)
    dtclo = np.where(has_next & (dtclo == NODATE), nxt - 1, dtclo)
    etat[closed] = np.where(rng.random(int(closed.sum())) < W.closed_ended, "5", "6")
    dtclo = np.where(closed, dtclo, NODATE)
    motif = labels(rng, codes.MOTICLORSA, ne)
    motif[~closed] = None
    return pd.DataFrame(
        {
            "dossier_id": h.dossier_id,
            "etatdosrsa": etat,
            "dtclorsa": dtclo,
            "moticlorsa": motif,
            "_person": h.dem,
        }
    )


def _details(rng, h: _Households) -> pd.DataFrame:
    ne = h.n
    n_kids = np.array([len(k) for k in h.ep["kids"]])
    nbenf = np.where(
        rng.random(ne) < W.children_count_exact,
        n_kids,
        np.maximum(n_kids + rng.integers(-1, 2, ne), 0),
    )
    orid = np.where(
        h.start == RSA_START, "RMI", np.where(rng.random(ne) < W.api_origin, "API", "DEM")
    )
    return pd.DataFrame(
        {
            "dossier_id": h.dossier_id,
            "nbenfautcha": nbenf,
            "oridemrsa": orid.astype(object),
            "_person": h.dem,
        }
    )


def _foyers(rng, h: _Households) -> pd.DataFrame:
    ne = h.n
    couple = h.ep["cjt"].to_numpy() >= 0
    sitfam = np.where(
        couple, labels(rng, codes.SITFAM_COUPLE, ne), labels(rng, codes.SITFAM_SINGLE, ne)
    ).astype(object)
    sitfam[rng.random(ne) < W.sitfam_missing] = None
    return pd.DataFrame(
        {
            "id": h.foyer_id,
            "dossier_id": h.dossier_id,
            "sitfam": sitfam,
            "typeocclog": labels(rng, codes.TYPEOCCLOG, ne),
            "_person": h.dem,
        }
    )


def _adresses(rng, pop: Population, h: _Households, extraction: int, geo: Geo) -> pd.DataFrame:
    """The table `adresses`: the current one (01, the applicant's home) and up to two previous
    ones, a few abroad."""
    ne = h.n
    n_addr = (
        1 + (rng.random(ne) < W.previous_address) + (rng.random(ne) < W.second_previous_address) * 1
    )
    a_ep = np.repeat(np.arange(ne), n_addr)
    a_rank = np.concatenate([np.arange(c) for c in n_addr])
    dem = h.dem[a_ep]
    moved = a_rank > 0
    other = pop.home[rng.integers(0, pop.n, a_ep.size)]
    a_code = np.where(moved, other, pop.home[dem]).astype(object)
    a_date = h.start[a_ep] - a_rank * rng.integers(200, 1500, a_ep.size)
    a_code = at_date(a_code, np.where(a_rank == 0, extraction, a_date))
    numvoie, libtype, nomvoie = street_addresses(rng, a_ep.size, upper=True)
    cur = np.flatnonzero(a_rank == 0)
    num_d, typ_d, street_d = (part[dem[cur]] for part in pop.addr_parts)
    numvoie[cur], libtype[cur], nomvoie[cur] = upper_parts(num_d, typ_d, street_d)
    nomcom = map_unique(a_code, lambda c: fold_ascii(geo.name(c)).upper())
    abroad = moved & (rng.random(a_ep.size) < W.address_abroad)
    pays = np.where(abroad, "HOR", "FRA").astype(object)
    codepos = geo.postals(a_code)
    codepos[abroad] = None
    numcom = a_code.copy()
    numcom[abroad] = None
    nomcom[abroad] = "ETRANGER"
    return pd.DataFrame(
        {
            "foyer_id": h.foyer_id[a_ep],
            "rgadr": [f"{r + 1:02d}" for r in a_rank],
            "numvoie": numvoie,
            "libtypevoie": libtype,
            "nomvoie": nomvoie,
            "codepos": codepos,
            "numcom": numcom,
            "nomcom": nomcom,
            "pays": pays,
            "_person": dem,
        }
    )


def _dsps(rng, h: _Households, adult_rows: np.ndarray) -> pd.DataFrame:
    """The table `dsps`: education, housing, last job and job sought (ROME codes)."""
    rome = codes.rome_codes()
    rome_codes = np.array([c for c, _ in rome], dtype=object)
    rome_labels = np.array([label for _, label in rome], dtype=object)
    d_rows = adult_rows[rng.random(adult_rows.size) < W.dsp]
    nd_ = d_rows.size
    last = rng.integers(0, rome_codes.size, nd_)
    sought = np.where(
        rng.random(nd_) < W.sought_is_last_job, last, rng.integers(0, rome_codes.size, nd_)
    )
    has_last = rng.random(nd_) < W.has_last_job
    has_sought = rng.random(nd_) < W.has_sought_job
    dsps = pd.DataFrame(
        {
            "personne_id": h.personne_id[d_rows],
            "nivetu": labels(rng, codes.NIVETU, nd_),
            "natlog": labels(rng, codes.NATLOG, nd_),
            "libderact": np.where(has_last, rome_labels[last], None),
            "deractromev3_code": np.where(has_last, rome_codes[last], None),
            "libemploirech": np.where(has_sought, rome_labels[sought], None),
            "actrechromev3_code": np.where(has_sought, rome_codes[sought], None),
            "accoemploi": labels(rng, codes.ACCOEMPLOI, nd_),
            "_person": h.person[d_rows],
        }
    )
    for col in ("nivetu", "natlog", "accoemploi"):
        dsps.loc[rng.random(nd_) < W.dsp_field_missing, col] = None
    return dsps


def _repeated(rng, rows: np.ndarray, second: float, third: float):
    """Each row one to three times: (row of each repetition, its rank)."""
    n = 1 + (rng.random(rows.size) < second) + (rng.random(rows.size) < third)
    src = np.repeat(rows, n)
    rank = np.concatenate([np.arange(c) for c in n]) if rows.size else np.zeros(0, int)
    return src, rank


def _orients(rng, h: _Households, adult_rows, extraction: int, numbering) -> pd.DataFrame:
    """The table `orientsstructs`: orientations, numbered (rgorient) when granted."""
    o_rows = adult_rows[rng.random(adult_rows.size) < W.orientation]
    or_src, or_rank = _repeated(rng, o_rows, W.second_orientation, W.third_orientation)
    statut = labels(rng, codes.STATUT_ORIENT, or_src.size)
    base = (
        h.start[h.episode[or_src]]
        + rng.integers(30, 180, or_src.size)
        + or_rank * rng.integers(180, 720, or_src.size)
    )
    dvalid = np.where(base <= extraction - 1, base, NODATE)
    oriented = statut == "Orienté"
    rg = pd.Series(oriented.astype(int)).groupby(or_src).cumsum().to_numpy()
    first_id = 2000001 + numbering.offset("webrsa_orientstruct", or_src.size)
    orients = pd.DataFrame(
        {
            "id": first_id + np.arange(or_src.size),
            "personne_id": h.personne_id[or_src],
            "typeorient_parent": labels(rng, codes.TYPEORIENT, or_src.size),
            "statut_orient": statut,
            "date_valid": np.where(oriented, dvalid, NODATE),
            "rgorient": pd.array(np.where(oriented, rg, 0), dtype="Int64"),
            "_person": h.person[or_src],
        }
    )
    orients.loc[~oriented, "rgorient"] = pd.NA
    return orients


def _cers(rng, h: _Households, adult_rows, extraction: int, numbering) -> pd.DataFrame:
    """The table `cers93_sujets`: insertion contracts, each with one to three subjects."""
    c_rows = adult_rows[rng.random(adult_rows.size) < W.cer]
    ci_src, ci_rank = _repeated(rng, c_rows, W.second_cer, W.third_cer)
    first_id = 3000001 + numbering.offset("webrsa_contratinsertion", ci_src.size)
    ci_id = first_id + np.arange(ci_src.size)
    dd_ci = h.start[h.episode[ci_src]] + rng.integers(60, 240, ci_src.size) + ci_rank * 365
    dd_ci = np.where(dd_ci <= extraction - 1, dd_ci, NODATE)
    n_s = (
        1
        + (rng.random(ci_src.size) < W.cer_second_subject)
        + (rng.random(ci_src.size) < W.cer_third_subject)
    )
    s_src = np.repeat(np.arange(ci_src.size), n_s)
    subjects = np.arange(1, 7)
    weights = list(W.cer_subject_weights)
    s_subject = (
        np.concatenate([rng.choice(subjects, size=c, replace=False, p=weights) for c in n_s])
        if ci_src.size
        else np.zeros(0, int)
    )
    return pd.DataFrame(
        {
            "contratinsertion_id": ci_id[s_src],
            "personne_id": h.personne_id[ci_src[s_src]],
            "dd_ci": dd_ci[s_src],
            "sujetcer93_id": s_subject,
            "_person": h.person[ci_src[s_src]],
        }
    )


_PE_CATEGORIES = np.array(["1", "2", "3", "4", "5", "6", "7", "8"], dtype=object)


def _historique_pe(rng, h: _Households, adult_rows, extraction: int) -> pd.DataFrame:
    """The table `historiqueetatspe`: France Travail registrations and exits, alternately."""
    h_rows = adult_rows[rng.random(adult_rows.size) < W.france_travail]
    h_src, h_rank = _repeated(rng, h_rows, W.second_pe_event, W.third_pe_event)
    h_date = (
        h.start[h.episode[h_src]]
        - 365
        + h_rank * rng.integers(90, 700, h_src.size)
        + rng.integers(0, 200, h_src.size)
    )
    h_date = np.minimum(h_date, extraction - 1)
    etat_pe = np.where(
        h_rank % 2 == 0,
        "inscription",
        np.where(rng.random(h_src.size) < W.pe_cessation, "cessation", "radiation"),
    )
    code_pe = np.where(
        etat_pe == "inscription",
        _PE_CATEGORIES[weighted_index(rng, W.pe_category_weights, h_src.size)],
        None,
    )
    histo = pd.DataFrame(
        {
            "personne_id": h.personne_id[h_src],
            "date": h_date,
            "etat": etat_pe.astype(object),
            "code": code_pe,
            "_person": h.person[h_src],
        }
    )
    return histo.sort_values(["personne_id", "date"], kind="stable").reset_index(drop=True)


def build_webrsa(
    rng: np.random.Generator,
    pop: Population,
    roles: dict,
    extraction: int,
    geo: Geo,
    ase,
    numbering: Numbering | None = None,
) -> dict[str, pd.DataFrame]:
    """The eleven tables; ids go on from those the earlier chunks used (`numbering`). Each
    table's builder draws from `rng` in turn: their order is part of a seed's output."""
    numbering = Numbering() if numbering is None else numbering
    h = _households(rng, pop, roles, extraction, numbering)
    personnes, prestations = _personnes(rng, pop, h)
    tables = {
        "personnes": personnes,
        "prestations": prestations,
        "dossiers": _dossiers(rng, h, numbering),
        "situationsdossiersrsa": _situations(rng, h, extraction),
        "detailsdroitsrsa": _details(rng, h),
        "foyers": _foyers(rng, h),
        "adresses": _adresses(rng, pop, h, extraction, geo),
    }
    adult_rows = np.flatnonzero(h.role != "ENF")  # socio-professional data: DEM and CJT
    tables["dsps"] = _dsps(rng, h, adult_rows)
    tables["orientsstructs"] = _orients(rng, h, adult_rows, extraction, numbering)
    tables["cers93_sujets"] = _cers(rng, h, adult_rows, extraction, numbering)
    tables["historiqueetatspe"] = _historique_pe(rng, h, adult_rows, extraction)
    return tables


def day_of_year_start(years: np.ndarray) -> np.ndarray:
    from pipase.synth.util import from_ymd

    years = np.asarray(years)
    return from_ymd(years, np.ones_like(years), np.ones_like(years))
