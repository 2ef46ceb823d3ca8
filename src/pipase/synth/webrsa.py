"""WebRSA: RSA dossiers, households and their members, with the CD93 tables the study reads.

Former ASE youths apply from 25 (or earlier as single parents / young workers), appear as
spouses (CJT) in another household, or as children (ENF) in their parents' household while in
care. Other people fill most households. A person who re-applies gets a new `personnes` row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipase.synth import codes
from pipase.synth.identity import render_identity
from pipase.synth.numbering import Numbering
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


def _episodes(rng, pop: Population, roles: dict, extraction: int, ase) -> pd.DataFrame:
    """One row per household episode: dem, cjt, children (list), start, kind."""
    rows_dem, rows_cjt, rows_kids, rows_start = [], [], [], []
    youth = pop.youths
    b = pop.birth[youth]
    b18, b25 = add_years(b, 18), add_years(b, 25)
    adults = np.flatnonzero(~pop.is_youth & ~pop.is_child & (pop.lookalike_of < 0))
    spouses = Drawer(rng, roles["partner"] if roles["partner"].size else adults)

    # youths as applicants
    old = b25 <= extraction - 90
    young = ~old & (b18 <= extraction - 120)
    want = (old & (rng.random(youth.size) < 0.38)) | (young & (rng.random(youth.size) < 0.10))
    want |= pop.is_canary[youth]
    lo = np.where(old, np.maximum(b25, RSA_START), np.maximum(b18 + 90, RSA_START))
    hi = np.where(old, extraction - 1, np.minimum(b25 - 1, extraction - 1))
    start = lo + np.minimum(
        rng.exponential(700, youth.size).astype(np.int64), np.maximum(hi - lo, 0)
    )
    start = np.where(start > hi, between(rng, lo, hi), start)
    sel = np.flatnonzero(want & (start != NODATE) & (hi >= lo))
    has_cjt = rng.random(sel.size) < 0.2
    n_kids = np.where(rng.random(sel.size) < 0.3, rng.integers(1, 3, sel.size), 0)
    for k, i in enumerate(sel):
        rows_dem.append(youth[i])
        rows_cjt.append(spouses.one() if has_cjt[k] else -1)
        rows_kids.append(n_kids[k])
        rows_start.append(start[i])
        # re-application: a second dossier, hence a second personnes row
        if rng.random() < 0.15 and not pop.is_canary[youth[i]]:
            s2 = start[i] + int(rng.integers(365, 2000))
            if s2 <= extraction - 1:
                rows_dem.append(youth[i])
                rows_cjt.append(-1)
                rows_kids.append(0)
                rows_start.append(s2)

    # youths as spouses in another household
    b20 = add_years(b, 20)
    cjt = np.flatnonzero(
        (b20 <= extraction - 60) & (rng.random(youth.size) < 0.06) & ~pop.is_canary[youth]
    )
    s_cjt = between(rng, np.maximum(b20[cjt], RSA_START), np.full(cjt.size, extraction - 1))
    cjt = cjt[s_cjt != NODATE]
    s_cjt = s_cjt[s_cjt != NODATE]
    rows_dem.extend(spouses.take(cjt.size).tolist())
    rows_cjt.extend(youth[cjt].tolist())
    rows_kids.extend([0] * cjt.size)
    rows_start.extend(s_cjt.tolist())

    dem = np.array(rows_dem, dtype=np.int64)
    cjt_ = np.array(rows_cjt, dtype=np.int64)
    kids_n = np.array(rows_kids, dtype=np.int64)
    start_ = np.array(rows_start, dtype=np.int64)

    # other people applying (primary role), some with a spouse
    o = roles["webrsa_dem"]
    ob25 = add_years(pop.birth[o], 25)
    ob18 = add_years(pop.birth[o], 18)
    lo = np.maximum(np.where(rng.random(o.size) < 0.75, ob25, ob18 + 180), RSA_START)
    o_start = between(rng, lo, np.full(o.size, extraction - 1))
    conv = (rng.random(o.size) < 0.12) & (lo <= RSA_START)
    o_start[conv] = RSA_START
    bad = o_start == NODATE
    o_start[bad] = between(rng, np.full(bad.sum(), RSA_START), np.full(bad.sum(), extraction - 1))
    with_cjt = rng.random(o.size) < 0.2
    o_cjt = np.full(o.size, -1, dtype=np.int64)
    o_cjt[with_cjt] = spouses.take(int(with_cjt.sum()))
    o_cjt[o_cjt == o] = -1
    o_kids = np.where(rng.random(o.size) < 0.3, rng.integers(1, 4, o.size), 0)
    dem = np.concatenate([dem, o])
    cjt_ = np.concatenate([cjt_, o_cjt])
    kids_n = np.concatenate([kids_n, o_kids])
    start_ = np.concatenate([start_, o_start])
    ep = pd.DataFrame({"dem": dem, "cjt": cjt_, "n_kids": kids_n, "start": start_, "kind": "adult"})

    # youths as children in their parents' household, with their siblings
    fam_rows = []
    for members in pop.fam_members:
        if members.size == 0 or pop.is_mna[members[0]] or pop.is_canary[members[0]]:
            continue
        if rng.random() >= 0.15:
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
        parent = spouses.one()
        fam_rows.append((parent, -1, 0, s, "parent", kids))
    ep_fam = pd.DataFrame(fam_rows, columns=["dem", "cjt", "n_kids", "start", "kind", "kids"])
    ep["kids"] = [np.zeros(0, dtype=np.int64)] * len(ep)
    ep = pd.concat([ep, ep_fam], ignore_index=True)

    # children of the household (other people): the primary WebRSA children first
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
    # primary children left over join random adult households
    left = children[pos:]
    adult_eps = np.flatnonzero(ep["kind"].to_numpy() == "adult")
    for c in left:
        e = int(adult_eps[rng.integers(adult_eps.size)])
        kid_lists[e] = np.concatenate([kid_lists[e], [c]])
    ep["kids"] = kid_lists
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


def build_webrsa(
    rng: np.random.Generator,
    pop: Population,
    roles: dict,
    extraction: int,
    geo: Geo,
    ase,
    numbering: Numbering | None = None,
) -> dict[str, pd.DataFrame]:
    """The eleven tables; ids go on from those the earlier chunks used (`numbering`)."""
    numbering = Numbering() if numbering is None else numbering
    ep = _episodes(rng, pop, roles, extraction, ase)
    ne = len(ep)
    dossier_id = 100001 + numbering.offset("webrsa_dossier", ne) + np.arange(ne)
    foyer_id = 500001 + numbering.offset("webrsa_foyer", ne) + np.arange(ne)
    start = ep["start"].to_numpy()

    # ---- members
    m_person, m_ep, m_role = [], [], []
    for e, (dem, cjt, kids) in enumerate(zip(ep["dem"], ep["cjt"], ep["kids"], strict=True)):
        m_person.append(dem)
        m_ep.append(e)
        m_role.append("DEM")
        if cjt >= 0:
            m_person.append(cjt)
            m_ep.append(e)
            m_role.append("CJT")
        for k in kids:
            m_person.append(int(k))
            m_ep.append(e)
            m_role.append("ENF")
    m_person = np.array(m_person, dtype=np.int64)
    m_ep = np.array(m_ep, dtype=np.int64)
    m_role = np.array(m_role, dtype=object)
    nm_ = m_person.size
    pers_id = 1000001 + numbering.offset("webrsa_personne", nm_) + np.arange(nm_)
    child_row = m_role == "ENF"
    ident = render_identity(rng, pop, "webrsa", m_person, child_row)
    tags = ident.tags
    tag_multiple_ids(tags, m_person, pers_id)
    # dates of birth known only partly (typedtnai J: day unknown, O: day and month unknown)
    typedtnai = np.full(nm_, "N", dtype=object)
    free = ~pop.is_canary[m_person]
    dtnai = ident.birth.copy()
    imprecise = pick(rng, np.flatnonzero(free & (ymd(dtnai)[2] != 1)), 0.006)
    if imprecise.size:
        kind = np.where(rng.random(imprecise.size) < 0.6, "J", "O")
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
    typedtnai[rng.random(nm_) < 0.01] = None
    qual = np.where(pop.sex[m_person] == "M", "MR", "MME").astype(object)
    qual[free & (rng.random(nm_) < 0.01)] = None
    sexe = np.where(pop.sex[m_person] == "M", "1", "2").astype(object)
    sexe[free & (rng.random(nm_) < 0.02)] = None
    nir = _nir(rng, pop, m_person)
    nir[(rng.random(nm_) < np.where(child_row, 0.8, 0.1)) & free] = None
    personnes = pd.DataFrame(
        {
            "id": pers_id,
            "foyer_id": foyer_id[m_ep],
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
            "personne_id": pers_id,
            "natprest": "RSA",
            "rolepers": m_role,
            "topchapers": child_row,
            "_person": m_person,
        }
    )

    # ---- dossiers, situations, details, foyers
    dem_person = ep["dem"].to_numpy()
    dossiers = pd.DataFrame(
        {
            "id": dossier_id,
            "numdemrsa": [
                f"93{v:09d}" for v in numbering.unique_numbers("webrsa_numdemrsa", rng, ne, 9)
            ],
            "dtdemrsa": start,
            "matricule": [
                f"931{v:012d}" for v in numbering.unique_numbers("webrsa_matricule", rng, ne, 12)
            ],
            "_person": dem_person,
        }
    )
    next_start = pd.Series(start).groupby(dem_person).shift(-1).to_numpy()
    has_next = ~np.isnan(next_start)
    etat = labels(rng, codes.ETATDOSRSA_OPEN, ne)
    r = rng.random(ne)
    closed = r < 0.28
    refused = (r >= 0.28) & (r < 0.33)
    dtclo = start + rng.integers(120, 2500, ne)
    closed &= dtclo <= extraction - 1
    etat[refused] = "1"
    closed |= has_next
    nxt = np.where(has_next, np.nan_to_num(next_start, nan=0).astype(np.int64), 0)
    dtclo = np.where(has_next, between(rng, start + 90, nxt - 1), dtclo)
    dtclo = np.where(has_next & (dtclo == NODATE), nxt - 1, dtclo)
    etat[closed] = np.where(rng.random(int(closed.sum())) < 0.8, "5", "6")
    dtclo = np.where(closed, dtclo, NODATE)
    motif = labels(rng, codes.MOTICLORSA, ne)
    motif[~closed] = None
    situations = pd.DataFrame(
        {
            "dossier_id": dossier_id,
            "etatdosrsa": etat,
            "dtclorsa": dtclo,
            "moticlorsa": motif,
            "_person": dem_person,
        }
    )
    n_kids = np.array([len(k) for k in ep["kids"]])
    nbenf = np.where(rng.random(ne) < 0.9, n_kids, np.maximum(n_kids + rng.integers(-1, 2, ne), 0))
    orid = np.where(start == RSA_START, "RMI", np.where(rng.random(ne) < 0.02, "API", "DEM"))
    details = pd.DataFrame(
        {
            "dossier_id": dossier_id,
            "nbenfautcha": nbenf,
            "oridemrsa": orid.astype(object),
            "_person": dem_person,
        }
    )
    couple = ep["cjt"].to_numpy() >= 0
    sitfam = np.where(
        couple, labels(rng, codes.SITFAM_COUPLE, ne), labels(rng, codes.SITFAM_SINGLE, ne)
    ).astype(object)
    sitfam[rng.random(ne) < 0.01] = None
    foyers = pd.DataFrame(
        {
            "id": foyer_id,
            "dossier_id": dossier_id,
            "sitfam": sitfam,
            "typeocclog": labels(rng, codes.TYPEOCCLOG, ne),
            "_person": dem_person,
        }
    )

    # ---- addresses: current (01) and up to two previous ones
    n_addr = 1 + (rng.random(ne) < 0.3) + (rng.random(ne) < 0.1) * 1
    a_ep = np.repeat(np.arange(ne), n_addr)
    a_rank = np.concatenate([np.arange(c) for c in n_addr])
    home = pop.home[dem_person[a_ep]]
    moved = a_rank > 0
    other = pop.home[rng.integers(0, pop.n, a_ep.size)]
    a_code = np.where(moved, other, home).astype(object)
    a_date = start[a_ep] - a_rank * rng.integers(200, 1500, a_ep.size)
    a_code = at_date(a_code, np.where(a_rank == 0, extraction, a_date))
    numvoie, libtype, nomvoie = street_addresses(rng, a_ep.size, upper=True)
    cur = np.flatnonzero(a_rank == 0)
    num_d, typ_d, street_d = (part[dem_person[a_ep[cur]]] for part in pop.addr_parts)
    numvoie[cur], libtype[cur], nomvoie[cur] = upper_parts(num_d, typ_d, street_d)
    from pipase.synth.names import fold_ascii

    nomcom = map_unique(a_code, lambda c: fold_ascii(geo.name(c)).upper())
    pays = np.where(moved & (rng.random(a_ep.size) < 0.01), "HOR", "FRA").astype(object)
    hor = pays == "HOR"
    codepos = geo.postals(a_code)
    codepos[hor] = None
    numcom = a_code.copy()
    numcom[hor] = None
    nomcom[hor] = "ETRANGER"
    adresses = pd.DataFrame(
        {
            "foyer_id": foyer_id[a_ep],
            "rgadr": [f"{r + 1:02d}" for r in a_rank],
            "numvoie": numvoie,
            "libtypevoie": libtype,
            "nomvoie": nomvoie,
            "codepos": codepos,
            "numcom": numcom,
            "nomcom": nomcom,
            "pays": pays,
            "_person": dem_person[a_ep],
        }
    )

    # ---- socio-professional data, orientation, CER, France Travail (DEM and CJT)
    adult_rows = np.flatnonzero(m_role != "ENF")
    rome = codes.rome_codes()
    rome_codes = np.array([c for c, _ in rome], dtype=object)
    rome_labels = np.array([label for _, label in rome], dtype=object)
    d_rows = adult_rows[rng.random(adult_rows.size) < 0.78]
    nd_ = d_rows.size
    last = rng.integers(0, rome_codes.size, nd_)
    sought = np.where(rng.random(nd_) < 0.5, last, rng.integers(0, rome_codes.size, nd_))
    has_last = rng.random(nd_) < 0.6
    has_sought = rng.random(nd_) < 0.65
    dsps = pd.DataFrame(
        {
            "personne_id": pers_id[d_rows],
            "nivetu": labels(rng, codes.NIVETU, nd_),
            "natlog": labels(rng, codes.NATLOG, nd_),
            "libderact": np.where(has_last, rome_labels[last], None),
            "deractromev3_code": np.where(has_last, rome_codes[last], None),
            "libemploirech": np.where(has_sought, rome_labels[sought], None),
            "actrechromev3_code": np.where(has_sought, rome_codes[sought], None),
            "accoemploi": labels(rng, codes.ACCOEMPLOI, nd_),
            "_person": m_person[d_rows],
        }
    )
    for col in ("nivetu", "natlog", "accoemploi"):
        dsps.loc[rng.random(nd_) < 0.05, col] = None

    o_rows = adult_rows[rng.random(adult_rows.size) < 0.5]
    n_o = 1 + (rng.random(o_rows.size) < 0.4) + (rng.random(o_rows.size) < 0.1)
    or_src = np.repeat(o_rows, n_o)
    or_rank = np.concatenate([np.arange(c) for c in n_o]) if o_rows.size else np.zeros(0, int)
    statut = labels(rng, codes.STATUT_ORIENT, or_src.size)
    base = (
        start[m_ep[or_src]]
        + rng.integers(30, 180, or_src.size)
        + or_rank * rng.integers(180, 720, or_src.size)
    )
    dvalid = np.where(base <= extraction - 1, base, NODATE)
    oriented = statut == "Orienté"
    rg = pd.Series(oriented.astype(int)).groupby(or_src).cumsum().to_numpy()
    orients = pd.DataFrame(
        {
            "id": 2000001
            + numbering.offset("webrsa_orientstruct", or_src.size)
            + np.arange(or_src.size),
            "personne_id": pers_id[or_src],
            "typeorient_parent": labels(rng, codes.TYPEORIENT, or_src.size),
            "statut_orient": statut,
            "date_valid": np.where(oriented, dvalid, NODATE),
            "rgorient": pd.array(np.where(oriented, rg, 0), dtype="Int64"),
            "_person": m_person[or_src],
        }
    )
    orients.loc[~oriented, "rgorient"] = pd.NA

    c_rows = adult_rows[rng.random(adult_rows.size) < 0.35]
    n_c = 1 + (rng.random(c_rows.size) < 0.35) + (rng.random(c_rows.size) < 0.1)
    ci_src = np.repeat(c_rows, n_c)
    ci_rank = np.concatenate([np.arange(c) for c in n_c]) if c_rows.size else np.zeros(0, int)
    ci_id = (
        3000001 + numbering.offset("webrsa_contratinsertion", ci_src.size) + np.arange(ci_src.size)
    )
    dd_ci = start[m_ep[ci_src]] + rng.integers(60, 240, ci_src.size) + ci_rank * 365
    dd_ci = np.where(dd_ci <= extraction - 1, dd_ci, NODATE)
    n_s = 1 + (rng.random(ci_src.size) < 0.45) + (rng.random(ci_src.size) < 0.15)
    s_src = np.repeat(np.arange(ci_src.size), n_s)
    s_subject = (
        np.concatenate(
            [
                rng.choice(
                    np.arange(1, 7), size=c, replace=False, p=[0.35, 0.2, 0.2, 0.12, 0.1, 0.03]
                )
                for c in n_s
            ]
        )
        if ci_src.size
        else np.zeros(0, int)
    )
    cers = pd.DataFrame(
        {
            "contratinsertion_id": ci_id[s_src],
            "personne_id": pers_id[ci_src[s_src]],
            "dd_ci": dd_ci[s_src],
            "sujetcer93_id": s_subject,
            "_person": m_person[ci_src[s_src]],
        }
    )

    h_rows = adult_rows[rng.random(adult_rows.size) < 0.4]
    n_h = 1 + (rng.random(h_rows.size) < 0.6) + (rng.random(h_rows.size) < 0.3)
    h_src = np.repeat(h_rows, n_h)
    h_rank = np.concatenate([np.arange(c) for c in n_h]) if h_rows.size else np.zeros(0, int)
    h_date = (
        start[m_ep[h_src]]
        - 365
        + h_rank * rng.integers(90, 700, h_src.size)
        + rng.integers(0, 200, h_src.size)
    )
    h_date = np.minimum(h_date, extraction - 1)
    etat_pe = np.where(
        h_rank % 2 == 0,
        "inscription",
        np.where(rng.random(h_src.size) < 0.6, "cessation", "radiation"),
    )
    code_pe = np.where(
        etat_pe == "inscription",
        np.array(["1", "2", "3", "4", "5", "6", "7", "8"], dtype=object)[
            weighted_index(rng, [60, 10, 10, 6, 5, 4, 3, 2], h_src.size)
        ],
        None,
    )
    histo = pd.DataFrame(
        {
            "personne_id": pers_id[h_src],
            "date": h_date,
            "etat": etat_pe.astype(object),
            "code": code_pe,
            "_person": m_person[h_src],
        }
    )
    histo = histo.sort_values(["personne_id", "date"], kind="stable").reset_index(drop=True)

    return {
        "personnes": personnes,
        "prestations": prestations,
        "foyers": foyers,
        "dossiers": dossiers,
        "situationsdossiersrsa": situations,
        "detailsdroitsrsa": details,
        "adresses": adresses,
        "dsps": dsps,
        "orientsstructs": orients,
        "cers93_sujets": cers,
        "historiqueetatspe": histo,
    }


def day_of_year_start(years: np.ndarray) -> np.ndarray:
    from pipase.synth.util import from_ymd

    years = np.asarray(years)
    return from_ymd(years, np.ones_like(years), np.ones_like(years))
