"""Build the French site for the steering committee and the DPO from a run record.

Input: the run record of `pipase run` (``pipase_<date>.run.json``: counts only), optionally
the dbt manifest (for the annex 2 dictionary and the tests on each leaving table), dbt's own
static docs page (under ``dbt/`` for analysts, made French-declared and accessible by
:mod:`pipase.docsite.dbt_page`) and the linkage evaluation against the
synthetic truth (``scripts/evaluate_linkage.py --json``).

Output: a MkDocs site with the Material theme (French, no web font, the offline plugin and its
search shim vendored: it opens from ``file://`` and makes no outside request), charts drawn by
matplotlib as SVG files at build time. Every count of people or rows below
:data:`SMALL_COUNT` is shown as "< 11", and a rate whose numerator is masked is not shown.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipase.docsite import charts, texts
from pipase.docsite.dbt_page import patch_dbt_docs
from pipase.docsite.numbers import fr_int, fr_num
from pipase.docsite.risk import GPU_RATE, GPU_SOURCE, Reversal, Step, reversal
from pipase.docsite.texts import SOURCE_NAMES
from pipase.errors import PipaseError
from pipase.i18n import _
from pipase.linkage.methods import read_outcomes, report_labels

SMALL_COUNT = 11
K_TARGET = 11  # the stated k-anonymity target: the statistical-secrecy threshold
ASSETS = Path(__file__).with_name("assets")
STAGES = {
    "load": "chargement",
    "hash_rate": "mesure du hachage",
    "build": "construction (dbt build)",
    "export": "contrôle et paquet",
}
RESOURCE_TYPES = {
    "model": "modèles",
    "test": "tests de données",
    "unit_test": "tests unitaires",
    "seed": "tables de référence",
    "snapshot": "instantanés",
    "source": "sources",
}
STATUSES = {
    "success": "réussi",
    "pass": "réussi",
    "warn": "avertissement",
    "fail": "échec",
    "error": "erreur",
    "skipped": "ignoré",
}
NAV = [
    ("Accueil", "index.md"),
    ("Chiffres du run", "chiffres.md"),
    ("Risque de ré-identification", "risque.md"),
    ("Dictionnaire (annexe 2)", "dictionnaire.md"),
    ("Minimisations et tests", "protections.md"),
    ("Carte de la convention", "convention.md"),
]


@dataclass
class SiteInputs:
    record: dict
    manifest: dict | None = None
    evaluation: dict | None = None
    dbt_docs: Path | None = None
    synthetic: bool = False


def masked(value) -> str:
    """A count of rows or people: below SMALL_COUNT (and above 0) shown as '< 11'."""
    if value is None:
        return "—"
    value = int(value)
    if 0 < value < SMALL_COUNT:
        return f"< {SMALL_COUNT}"
    return fr_int(value)


def drawable(value) -> float | None:
    """A count a chart may draw: None when masked."""
    if value is None:
        return None
    value = int(value)
    return None if 0 < value < SMALL_COUNT else float(value)


def share(numerator, denominator) -> str:
    """A rate, unless its numerator is masked (the rate would give it back)."""
    if numerator is None or not denominator:
        return "—"
    if 0 < int(numerator) < SMALL_COUNT or 0 < int(denominator) < SMALL_COUNT:
        return "—"
    return fr_num(100 * int(numerator) / int(denominator)) + " %"


def duration(seconds) -> str:
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 1:
        return "moins d'une seconde"
    for limit, unit, size in (
        (120, "s", 1),
        (2 * 3600, "min", 60),
        (2 * 86400, "h", 3600),
        (2 * 365.25 * 86400, "jours", 86400),
    ):
        if seconds < limit:
            return f"{fr_num(seconds / size, 0 if unit == 's' else 1)} {unit}"
    return f"{fr_num(seconds / (365.25 * 86400), 1)} ans"


def cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def figure(name: str, alt: str, caption: str) -> str:
    return (
        f'<figure class="pipase-graphique" markdown>\n'
        f"![{alt}](graphiques/{name})\n"
        f"<figcaption>{caption}</figcaption>\n</figure>"
    )


def ident(name) -> str:
    """An identifier as code, breakable after its underscores (narrow screens, tables)."""
    return "`" + str(name).replace("_", "_\u200b") + "`"


def source_name(code) -> str:
    return SOURCE_NAMES.get(str(code), str(code))


# --------------------------------------------------------------------------- record access
def report(record: dict, section: str, table_name: str) -> list[dict] | None:
    content = ((record.get("rapports") or {}).get(section) or {}).get(table_name)
    return None if content is None else content.get("lignes") or []


def _dbt_link(inputs: SiteInputs, unique_id: str, text: str | None = None) -> str:
    label = text or unique_id.split(".")[-1]
    kind = unique_id.split(".", 1)[0]
    known = inputs.manifest is None or any(
        unique_id in inputs.manifest.get(part, {}) for part in ("nodes", "macros", "sources")
    )
    if not known or inputs.dbt_docs is None:
        return f"`{label}`"
    return f"[`{label}`](dbt/index.html#!/{kind}/{unique_id})"


# --------------------------------------------------------------------------- pages
def banner(inputs: SiteInputs) -> str:
    record = inputs.record
    date = record.get("date_extraction") or "?"
    if inputs.synthetic:
        return (
            '!!! warning "Données synthétiques"\n\n'
            f"    Ce site montre un run sur des **données synthétiques** (`pipase synth`, "
            f"extraction datée du {date}) : aucune personne réelle, les chiffres ne décrivent "
            "personne. Le site du run réel se construit avec "
            "`pipase docs --run-record <registre du run>`.\n"
        )
    return (
        '!!! info "Run réel"\n\n'
        f"    Chiffres du run de l'extraction du {date} (registre du run). Tout compte de "
        f"lignes ou de personnes inférieur à {SMALL_COUNT} est affiché « < {SMALL_COUNT} ».\n"
    )


def page_home(inputs: SiteInputs, out: Path) -> str:
    charts.flow(out / "graphiques" / "flux.svg")
    zones = table(
        ["zone", "peut contenir", "tables", "ce que la zone garantit"],
        [[f"**{z[0]}**", z[1], z[2], z[3]] for z in texts.ZONES],
    )
    pages = table(
        ["page", "ce qu'elle dit"],
        [
            ["[Chiffres du run](chiffres.md)",
             "lignes chargées et rejetées, croisement par source, durées"],
            ["[Risque de ré-identification](risque.md)",
             "ce que coûte le renversement des clés, k-anonymat, conclusion et remède"],
            ["[Dictionnaire (annexe 2)](dictionnaire.md)",
             "chaque champ transmis, sa minimisation et ses tests"],
            ["[Minimisations et tests](protections.md)",
             "chaque minimisation et chaque test de confidentialité, en une phrase"],
            ["[Carte de la convention](convention.md)",
             "chaque règle de la convention et ce qui l'applique"],
        ],
    )  # fmt: skip
    analysts = (
        "La documentation technique complète (modèles, colonnes, tests, lignage), destinée aux "
        "analystes, est la [documentation dbt](dbt/index.html) ; ses libellés d'interface sont "
        "ceux de dbt, en anglais."
        if inputs.dbt_docs
        else "La documentation dbt n'a pas été jointe à ce site."
    )
    return f"""# PIPASE : ce qui sort du Département, et comment

{banner(inputs)}
**PIPASE** (« Parcours et insertion post-Aide sociale à l'enfance ») étudie le parcours des
jeunes passés par l'Aide sociale à l'enfance (ASE) de la Seine-Saint-Denis. Le Département
extrait cinq bases de données, remplace les noms, prénoms et dates de naissance par des **clés
de hachage**, ne garde que les jeunes de la cohorte ASE, **minimise** les autres champs et
transmet un paquet **chiffré** à l'Association (Action Tank Entreprise et Pauvreté). Le texte
qui fait foi est la **convention** entre le Département et l'Association : article 4.1
(traitement), annexe 1 (protocole de hachage), annexe 2 (champs transmis).

## Ce qui sort, et sous quelle forme

- **Aucun nom, aucun prénom, aucune date de naissance, aucune adresse.** Chaque personne est
  désignée par deux clés de hachage (empreintes SHA-256 de 64 caractères).
- **Des mois, pas des jours** : naissance, début et fin des mesures en mois et année.
- **Des codes, pas des textes** : chaque texte transmis est un code d'une liste fermée.
- **Exactement les champs de l'annexe 2**, ni plus ni moins : voir le
  [dictionnaire](dictionnaire.md).
- **Un paquet chiffré** (7-zip, AES-256) dont le mot de passe passe par un autre canal.

## Pour le comité et le délégué à la protection des données

{pages}

{analysts}

## Le flux, des cinq extractions au paquet chiffré

{
        figure(
            "flux.svg",
            "Schéma du flux : les cinq extractions (Iodas-ASE, WebRSA, Nova-DPAS, "
            "Iodas-DPAS, Iodas-MDPH) passent par le chargement, le renommage, la porte des clés "
            "(zone identifiante), la cohorte, le croisement et la minimisation "
            "(zone de croisement), "
            "puis les tables de l'annexe 2 et le paquet chiffré (zone sortante).",
            "Les données vont dans un seul sens : zone identifiante, puis croisement, puis "
            "sortante.",
        )
    }

## Les trois zones

La protection de la vie privée est dans l'architecture : la zone d'une table se voit dans son
dossier, le début de son nom, son groupe dbt et son schéma dans la base.

{zones}
"""


def _files_by_source(record: dict) -> dict[str, list[int]]:
    totals: dict[str, list[int]] = {}
    for entry in record.get("fichiers") or []:
        total = totals.setdefault(source_name(entry.get("source")), [0, 0, 0, 0])
        total[0] += 1
        total[1] += int(entry.get("lignes_lues") or 0)
        total[2] += int(entry.get("lignes_chargees") or 0)
        total[3] += int(entry.get("lignes_rejetees") or 0)
    return totals


# (report column, French label) of each statut_appariement, matched ones first, from the one
# list of the crossing's outcomes (protocol_data/ref_linkage__methodes.csv)
LINKAGE_STEPS = [(o.colonne_rapport, o.libelle) for o in read_outcomes() if o.nature == "statut"]
# the statuses that link a row (counted in matched_total), then those that drop it
MATCHED_STEPS = [step for step in LINKAGE_STEPS if step[0].startswith("matched_")]
DROPPED_STEPS = [step for step in LINKAGE_STEPS if not step[0].startswith("matched_")]


def _linkage_rows(record: dict) -> list[dict]:
    rows = report(record, "appariement", "rpt_linkage__by_source") or []
    return [r for r in rows if r.get("base_source")]


# report column -> French name of each matching method counted apart (same seed)
METHODS = report_labels("methode")


def _method_columns(rows: list[dict]) -> list[str]:
    """Other matched_* columns than the totals: per method, when the report has them."""
    known = {key for key, _ in MATCHED_STEPS} | {"matched_total"}
    return [c for c in (rows[0] if rows else {}) if c.startswith("matched_") and c not in known]


def page_run(inputs: SiteInputs, out: Path) -> str:
    record = inputs.record
    parts = [f"# Chiffres du run\n\n{banner(inputs)}"]
    protocol = record.get("protocole") or {}
    versions = record.get("versions") or {}
    build = record.get("construction") or {}
    status = {"termine": "terminé", "refuse": "refusé", "echoue": "échoué"}.get(
        record.get("statut"), record.get("statut")
    )
    identity = [
        ["Extraction du", record.get("date_extraction") or "—"],
        ["Statut du run", status or "—"],
        ["Début et fin", f"{record.get('debut', '—')} → {record.get('fin', '—')}"],
        [
            "Protocole de hachage",
            f"version {protocol.get('version', '?')}, "
            + (
                "variante à clé (HMAC-SHA-256)"
                if protocol.get("variante") == "keyed"
                else "variante simple (SHA-256 sans clé, celle de l'annexe 1)"
            ),
        ],
        [
            "Logiciels",
            f"pipase {versions.get('pipase')}, dbt {versions.get('dbt_core')}, "
            f"DuckDB {versions.get('duckdb')}, Python {versions.get('python')}",
        ],
    ]
    package = record.get("paquet")
    identity.append(
        ["Paquet transmis", f"`{package['fichier']}`" if package else "aucun paquet dans ce run"]
    )
    parts.append(
        "## Le run\n\n"
        + table(["", ""], identity)
        + f"\n\n**Petits comptes.** Tout compte de lignes ou de personnes compris entre 1 et "
        f"{SMALL_COUNT - 1} est affiché « < {SMALL_COUNT} », et la part qu'il représente "
        "n'est pas donnée ; les totaux restent exacts (ce sont des comptes de lignes des "
        "fichiers, pas des caractéristiques de personnes), si bien qu'un compte masqué peut "
        "parfois se déduire d'une différence entre deux totaux."
    )

    # --- load
    totals = _files_by_source(record)
    text = "## Chargement : lignes lues, chargées, rejetées\n\n"
    if totals:
        names = list(totals)
        charts.stacked_bars(
            out / "graphiques" / "chargement.svg",
            names,
            [
                ("chargées", [drawable(totals[n][2]) for n in names]),
                ("rejetées", [drawable(totals[n][3]) for n in names]),
            ],
            "lignes",
        )
        text += (
            figure(
                "chargement.svg",
                "Barres des lignes chargées et rejetées par source ; les chiffres sont dans le "
                "tableau qui suit.",
                "Chaque ligne lue est chargée ou rejetée avec sa règle : lues = chargées + "
                f"rejetées. Moins de {SMALL_COUNT} lignes rejetées : segment non dessiné.",
            )
            + "\n\n"
            + table(
                ["source", "fichiers", "lignes lues", "chargées", "rejetées", "part rejetée"],
                [
                    [n, fr_int(t[0]), masked(t[1]), masked(t[2]), masked(t[3]), share(t[3], t[1])]
                    for n, t in totals.items()
                ],
            )
        )
        rejects = record.get("rejets") or []
        if rejects:
            text += "\n\n### Valeurs rejetées, par règle\n\nDes comptes seulement : les valeurs "
            text += "rejetées restent dans la zone identifiante.\n\n"
            text += table(
                ["fichier", "colonne", "règle", "valeurs rejetées", "lignes rejetées"],
                [
                    [ident(r["fichier"]), ident(r["colonne"]), ident(r["regle"]),
                     masked(r.get("valeurs")), masked(r.get("lignes"))]
                    for r in rejects
                ],
            )  # fmt: skip
    else:
        text += "Aucun fichier chargé dans ce run."
    parts.append(text)

    # --- reconciliation of dropped rows
    reconciliation = report(record, "reconciliation", "rpt_reconciliation__lignes")
    if reconciliation:
        by_table: dict[tuple[str, str], dict] = {}
        for r in reconciliation:
            entry = by_table.setdefault(
                (source_name(r.get("base_source")), str(r.get("table_source"))),
                {"chargees": r.get("lignes_chargees"), "conservees": r.get("lignes_conservees"),
                 "motifs": {}},
            )  # fmt: skip
            if r.get("lignes_ecartees"):
                entry["motifs"][str(r.get("motif"))] = r["lignes_ecartees"]
        body = []
        for (source, table_name), entry in by_table.items():
            dropped = sum(int(v) for v in entry["motifs"].values())
            motifs = "; ".join(
                f"{m.replace('_', ' ')} : {masked(v)}" for m, v in entry["motifs"].items()
            )
            adds_up = int(entry["chargees"] or 0) == int(entry["conservees"] or 0) + dropped
            body.append(
                [source, ident(table_name), masked(entry["chargees"]), masked(entry["conservees"]),
                 masked(dropped), motifs or "—", "oui" if adds_up else "**non**"]
            )  # fmt: skip
        parts.append(
            "## Réconciliation : aucune ligne perdue\n\n"
            "Pour chaque table source : lignes chargées = lignes gardées + lignes écartées, par "
            "motif (doublons, hors cohorte, non croisées…). Un test fait échouer la "
            "construction si le compte ne tombe pas juste.\n\n"
            + table(
                [
                    "source",
                    "table",
                    "chargées",
                    "gardées",
                    "écartées",
                    "motifs",
                    "chargées = gardées + écartées",
                ],
                body,
            )  # fmt: skip
        )

    # --- linkage
    rows = _linkage_rows(record)
    text = "## Croisement avec la cohorte ASE, par source\n\n"
    if rows:
        names = [source_name(r["base_source"]) for r in rows]
        text += (
            "Article 4.1 : « croisement de l'extraction Iodas-ASE avec les autres extractions ; "
            "suppression des données non croisées ». Une ligne est croisée par sa clé primaire, "
            "sinon par sa clé secondaire quand celle-ci désigne une seule personne de chaque "
            "côté ; les lignes ambiguës, non croisées ou sans clé sont supprimées et comptées."
            "\n\n"
        )
        charts.stacked_bars(
            out / "graphiques" / "croisement.svg",
            names,
            [
                (label, [_pct(r.get(key), r.get("rows_in")) for r in rows])
                for key, label in LINKAGE_STEPS
            ],
            "part des lignes reçues",
            percent=True,
        )
        text += figure(
            "croisement.svg",
            "Barres empilées, une par source : part des lignes reçues croisées par la clé "
            "primaire, par la clé secondaire, par la passe probabiliste, ambiguës, non "
            "croisées et sans clé ; les chiffres sont dans le tableau qui suit.",
            "Entonnoir du croisement : ce que devient chaque ligne reçue. Un segment de "
            f"moins de {SMALL_COUNT} lignes n'est pas dessiné (d'où une barre parfois plus "
            "courte que 100 %).",
        )
        body = []
        for key, label in [("rows_in", "**lignes reçues**"), *MATCHED_STEPS]:
            body.append([label, *(_count_and_share(r, key) for r in rows)])
        for key in _method_columns(rows):
            label = METHODS.get(key, key[len("matched_") :].replace("_", " "))
            body.append([f"dont : {label}", *(_count_and_share(r, key) for r in rows)])
        body.append(["**croisées**", *(_count_and_share(r, "matched_total") for r in rows)])
        for key, label in DROPPED_STEPS:
            body.append([label, *(_count_and_share(r, key) for r in rows)])
        body.append(["**supprimées**", *(_count_and_share(r, "dropped") for r in rows)])
        body.append(
            ["reçues = croisées + supprimées",
             *("oui" if r.get("counts_reconcile") else "**non**" for r in rows)]
        )  # fmt: skip
        body.append(
            ["jeunes de la cohorte retrouvés", *(masked(r.get("cohort_members_matched"))
                                                 for r in rows)]
        )  # fmt: skip
        text += "\n\n" + table(["", *names], body)
    else:
        text += "Le rapport de croisement n'est pas dans le registre de ce run."
    parts.append(text)

    if inputs.evaluation:
        parts.append(_evaluation(inputs, out))

    # --- timings
    durations = {k: v for k, v in (record.get("durees") or {}).items() if isinstance(v, dict)}
    if durations:
        labels = [STAGES.get(k, k) for k in durations]
        charts.grouped_bars(
            out / "graphiques" / "durees.svg",
            labels,
            [("secondes", [float(d.get("secondes") or 0) for d in durations.values()])],
            "secondes",
            percent=False,
        )
        parts.append(
            "## Durées du run\n\n"
            + figure(
                "durees.svg",
                "Barres de la durée de chaque étape du run, en secondes ; les chiffres sont "
                "dans le tableau qui suit.",
                f"Durée totale : {duration(record.get('secondes_total'))}.",
            )
            + "\n\n"
            + table(
                ["étape", "statut", "durée", "pic de mémoire (Mo)"],
                [
                    [
                        STAGES.get(k, k),
                        d.get("statut") or "—",
                        duration(d.get("secondes")),
                        fr_int(d.get("pic_memoire_mo")) if d.get("pic_memoire_mo") else "—",
                    ]
                    for k, d in durations.items()
                ],
            )  # fmt: skip
        )

    # --- tests
    if build:
        by_kind = build.get("par_type") or {}
        all_statuses = sorted({s for statuses in by_kind.values() for s in statuses})
        body = [
            [RESOURCE_TYPES.get(kind, kind)] + [fr_int(statuses.get(s, 0)) for s in all_statuses]
            for kind, statuses in sorted(by_kind.items())
        ]
        text = (
            "## Résultats de la construction et des tests\n\n"
            f"Commande : `{build.get('commande')}`.\n\n"
            + table(["", *(STATUSES.get(s, s) for s in all_statuses)], body)
        )
        failing = build.get("non_reussis") or []
        text += (
            "\n\nTout a réussi."
            if not failing
            else "\n\nCe qui n'a pas réussi (nom et statut, jamais une valeur) :\n\n"
            + table(
                ["type", "nom", "statut"],
                [
                    [
                        RESOURCE_TYPES.get(f["type"], f["type"]),
                        f"`{f['nom']}`",
                        STATUSES.get(f["statut"], f["statut"]),
                    ]
                    for f in failing
                ],
            )  # fmt: skip
        )
        parts.append(text)
    return "\n\n".join(parts) + "\n"


def _pct(numerator, denominator) -> float | None:
    if numerator is None or not denominator or drawable(numerator) is None:
        return None
    return 100 * int(numerator) / int(denominator)


def _count_and_share(row: dict, key: str) -> str:
    value = row.get(key)
    if value is None:
        return "—"
    if key == "rows_in":
        return masked(value)
    return f"{masked(value)} ({share(value, row.get('rows_in'))})"


def _evaluation(inputs: SiteInputs, out: Path) -> str:
    evaluation = inputs.evaluation or {}
    sources = {k: v for k, v in evaluation.items() if k != "overall" and isinstance(v, dict)}
    text = (
        "## Qualité du croisement sur la vérité synthétique\n\n"
        "Les données synthétiques savent qui est qui : on compare chaque décision du croisement "
        "à la vérité. **Précision** = croisements justes / croisements faits ; **rappel** = "
        "croisements justes / lignes de jeunes de la cohorte. Sur un run réel, la vérité est "
        "inconnue : cette section n'existe que pour un run synthétique.\n\n"
    )
    names = [source_name(k) for k in sources]
    precision = [_ratio(v.get("precision")) for v in sources.values()]
    recall = [_ratio(v.get("recall")) for v in sources.values()]
    charts.grouped_bars(
        out / "graphiques" / "precision_rappel.svg",
        names,
        [("précision", precision), ("rappel", recall)],
        "pour cent",
    )
    text += figure(
        "precision_rappel.svg",
        "Barres de la précision et du rappel du croisement par source ; les chiffres sont dans "
        "le tableau qui suit.",
        "Précision et rappel du croisement, par source.",
    )
    text += "\n\n" + table(
        ["source", "lignes", "croisements", "justes", "faux", "manqués", "précision", "rappel"],
        [
            [source_name(k), masked(v.get("rows")), masked(v.get("matches")),
             masked(v.get("correct_matches")), masked(v.get("wrong_matches")),
             masked(v.get("missed")), _ratio_text(v.get("precision")),
             _ratio_text(v.get("recall"))]
            for k, v in sources.items()
        ],
    )  # fmt: skip
    by_method = (evaluation.get("overall") or {}).get("by_method") or {}
    if by_method:
        text += "\n\nPar méthode de croisement (toutes sources) :\n\n" + table(
            ["méthode", "croisements", "justes", "précision"],
            [
                [f"`{m}`", masked(v.get("matches")), masked(v.get("correct")),
                 _ratio_text(v.get("precision"))]
                for m, v in by_method.items()
            ],
        )  # fmt: skip
    return text


def _ratio(value) -> float | None:
    return None if value is None else 100 * float(value)


def _ratio_text(value) -> str:
    return "—" if value is None else fr_num(100 * float(value)) + " %"


def _k_rows(record: dict) -> list[dict]:
    return report(record, "risque", "rpt_risk__k_anonymity") or []


def _persons(record: dict) -> int | None:
    for row in _k_rows(record):
        if row.get("n_personnes"):
            return int(row["n_personnes"])
    for table_entry in (record.get("paquet") or {}).get("tables") or []:
        if table_entry.get("nom") == "annexe2_iodas_ase__individu":
            return int(table_entry.get("lignes") or 0) or None
    return None


def _step_row(step: Step) -> list[str]:
    return [step.label, fr_num(step.candidates, 0), duration(step.cpu_seconds),
            duration(step.gpu_seconds)]  # fmt: skip


def page_risk(inputs: SiteInputs, out: Path) -> str:
    record = inputs.record
    attack = report(record, "risque", "rpt_risk__dictionary_attack") or []
    keyed = (record.get("protocole") or {}).get("variante") == "keyed"
    result: Reversal | None = reversal(attack, _persons(record))
    parts = [f"# Risque de ré-identification\n\n{banner(inputs)}"]
    text = "## Renverser les clés de hachage : ce que cela coûte\n\n"
    if keyed:
        text += (
            "Ce run utilise la **variante à clé** (HMAC-SHA-256) : sans la clé secrète du "
            "Département, aucun candidat ne peut être vérifié ; le calcul ci-dessous ne "
            "s'applique pas. Il décrit ce que coûterait la variante simple.\n\n"
        )
    if result is None:
        text += (
            "Les comptes des listes de noms ou la mesure de vitesse manquent dans le registre "
            "de ce run (rapport `rpt_risk__dictionary_attack`) : le coût ne peut pas être "
            "calculé."
        )
        parts.append(text)
    else:
        rate = result.cpu_rate
        steps = [result.secondary_file, result.secondary_person, result.primary_person]
        if result.primary_cohort:
            steps.append(result.primary_cohort)
        charts.grouped_bars(
            out / "graphiques" / "renversement.svg",
            [
                "clé secondaire,\ntout le fichier",
                "clé secondaire,\nune personne",
                "clé primaire,\nune personne",
                "clé primaire,\ntoute la cohorte",
            ][: len(steps)],
            [
                ("processeur de cette machine", [s.cpu_seconds for s in steps]),
                ("une carte graphique (RTX 4090)", [s.gpu_seconds for s in steps]),
            ],
            "secondes (échelle logarithmique)",
            log=True,
        )
        primary_gpu = duration(result.primary_person.gpu_seconds)
        text += f"""Les clés de l'annexe 1 sont des empreintes **SHA-256 sans secret**. Qui
dispose de la liste nationale des noms et des prénoms (INSEE, publique) peut calculer les
empreintes de tous les candidats et les chercher parmi les clés transmises. Un attaquant ne
les essaie pas toutes à la fois ; il procède en deux temps :

1. **La clé secondaire** (`cle_hachage_secondaire` = SHA-256(NOM + MM + AAAA)) : les
   {fr_int(result.surnames)} noms × {fr_int(result.months)} mois de la période de naissance de
   la cohorte, calculés une seule fois pour tout le fichier. Pour une personne donnée, c'est
   encore moins : son mois de naissance est transmis en clair (`mois_naissance`), il ne reste
   que les noms. La clé secondaire donne le **nom de famille**.
2. **La clé primaire** (`cle_hachage` = SHA-256(NOM + PRÉNOM + JJMMAAAA)), personne par
   personne : le nom et le mois étant connus, il reste {fr_int(result.first_names)} prénoms ×
   {DAYS_IN_MONTH} jours au plus. La clé primaire donne le **prénom et la date de naissance**.

Vitesses : **{fr_num(rate, 0) if rate else "—"} SHA-256 par seconde** mesurées par ce run
sur le processeur de cette machine (DuckDB, étape « mesure du hachage » de `pipase run`), et
**{fr_num(GPU_RATE, 0)} par seconde** pour un attaquant équipé d'une carte graphique
({GPU_SOURCE}).

{
            figure(
                "renversement.svg",
                "Barres horizontales, échelle logarithmique : temps pour "
                "renverser chaque clé, sur le processeur de cette machine et sur une carte "
                "graphique ; "
                "les chiffres sont dans le tableau qui suit.",
                "Temps de calcul de chaque étape de l'attaque.",
            )
        }

{
            table(
                [
                    "étape de l'attaque",
                    "candidats à essayer",
                    "processeur de cette machine",
                    "carte graphique (RTX 4090)",
                ],
                [_step_row(s) for s in steps],
            )
        }

Pour comparaison, essayer la clé primaire d'un coup (noms × prénoms × jours, sans passer par
la clé secondaire) demanderait {duration(result.naive_primary.cpu_seconds)} sur cette machine :
ce chiffre, que l'on serait tenté de citer, **surestime** fortement la protection.

### Conclusion

**Sans clé secrète, les clés de hachage ne protègent pas l'identité contre qui dispose des
listes de noms** : le nom de famille de toute la cohorte se retrouve en
{duration(result.secondary_file.gpu_seconds)} sur une carte graphique
({duration(result.secondary_file.cpu_seconds)} sur cette machine), puis le prénom et la date de
naissance d'une personne en {primary_gpu}. La protection repose alors sur
l'engagement contractuel du destinataire, le chiffrement du paquet et la sécurité de ses
systèmes, pas sur le hachage.

### Remède : la variante à clé (HMAC-SHA-256)

La variante à clé remplace SHA-256 par **HMAC-SHA-256 avec une clé secrète** (`PIPASE_HASH_KEY`)
détenue par le Département et jamais par le destinataire : sans la clé, aucun candidat ne peut
être vérifié, et essayer les clés elles-mêmes (2²⁵⁶ possibilités) est hors de portée. Elle
s'active par `--vars '{{pipase_keyed: true}}'` (dbt) et `pipase hash --keyed` (kit des
partenaires).

Ce qu'elle change pour les partenaires (missions locales, CAF…) : ils ne peuvent plus hacher
leurs fichiers seuls avec le protocole public ; il faut leur transmettre la clé par un canal
sûr (et chaque détenteur de la clé peut de nouveau renverser les empreintes), ou faire hacher
leurs fichiers par le Département ou un tiers de confiance. La convention (annexe 1) doit être
modifiée en conséquence. Les clés changent : un fichier haché avec la variante simple ne se
croise plus avec un fichier haché avec la variante à clé.

**Recommandation** : adopter la variante à clé pour la transmission à l'Association, avec une
clé détenue par le Département et transmise aux seuls partenaires qui hachent eux-mêmes."""
        parts.append(text)

    # --- k-anonymity
    k_rows = _k_rows(record)
    text = "## k-anonymat des tables transmises\n\n"
    if not k_rows:
        text += "Le rapport `rpt_risk__k_anonymity` n'est pas dans le registre de ce run."
    else:
        text += (
            "Une personne peut rester reconnaissable par la **combinaison** de ses attributs "
            "transmis (les **quasi-identifiants** : mois de naissance, genre, commune…). On "
            "regroupe les personnes qui ont exactement les mêmes valeurs en **classes** ; la "
            "taille d'une classe est son **k**. Une personne seule dans sa classe (k = 1) peut "
            "être reconnue par qui connaît déjà ces attributs.\n\n"
            f"**Objectif affiché : k ≥ {K_TARGET}** pour chaque personne (le seuil du secret "
            "statistique). Le graphique montre la part des personnes sous cet objectif.\n\n"
        )
        labels = [
            str(r.get("modele")).removeprefix("annexe2_").replace("__", " : ")
            + "\n"
            + "\n".join(textwrap.wrap(str(r.get("quasi_identifiants")).replace("_", " "), 45))
            for r in k_rows
        ]
        charts.grouped_bars(
            out / "graphiques" / "k_anonymat.svg",
            labels,
            [
                ("seules dans leur classe (k = 1)",
                 [_pct(r.get("n_personnes_k1"), r.get("n_personnes")) for r in k_rows]),
                (f"sous l'objectif (k < {K_TARGET})",
                 [_pct(r.get("n_personnes_k_moins_11"), r.get("n_personnes")) for r in k_rows]),
            ],
            "part des personnes",
        )  # fmt: skip
        text += figure(
            "k_anonymat.svg",
            "Barres, une paire par jeu de quasi-identifiants : part des personnes seules dans "
            f"leur classe et part sous l'objectif k ≥ {K_TARGET} ; les chiffres sont dans le "
            "tableau qui suit.",
            f"Part des personnes sous l'objectif k ≥ {K_TARGET}, par jeu de quasi-identifiants.",
        )
        body = []
        for r in k_rows:
            n = r.get("n_personnes")
            reached = int(r.get("k_minimum") or 0) >= K_TARGET
            body.append(
                [ident(r.get("modele")),
                 ", ".join(ident(c.strip()) for c in str(r.get("quasi_identifiants")).split(",")),
                 masked(n), fr_int(r.get("n_classes")), fr_int(r.get("k_minimum")),
                 f"{masked(r.get('n_personnes_k1'))} ({share(r.get('n_personnes_k1'), n)})",
                 f"{masked(r.get('n_personnes_k_moins_11'))} "
                 f"({share(r.get('n_personnes_k_moins_11'), n)})",
                 "atteint" if reached else "**non atteint**"]
            )  # fmt: skip
        text += "\n\n" + table(
            ["table", "quasi-identifiants", "personnes", "classes", "k minimum",
             "uniques (k = 1)", f"sous l'objectif (k < {K_TARGET})", f"objectif k ≥ {K_TARGET}"],
            body,
        )  # fmt: skip
        missed = [r for r in k_rows if int(r.get("k_minimum") or 0) < K_TARGET]
        text += "\n\n**Lecture.** " + (
            f"L'objectif k ≥ {K_TARGET} n'est pas atteint pour {len(missed)} jeu(x) de "
            "quasi-identifiants sur "
            f"{len(k_rows)}. Ce n'est pas une fuite : les données sont pseudonymisées et le "
            "destinataire s'engage à ne pas ré-identifier ; mais un tiers qui connaîtrait "
            "ces attributs d'une personne pourrait la retrouver. Leviers : année au lieu du "
            "mois de naissance, circonscription au lieu de la commune, regroupement des "
            "modalités rares."
            if missed
            else f"L'objectif k ≥ {K_TARGET} est atteint pour chaque jeu mesuré."
        )
        if inputs.synthetic:
            text += (
                " Sur un petit jeu synthétique, presque tout le monde est seul dans sa classe : "
                "le site construit depuis le registre du run réel (`pipase docs --run-record`) "
                "donne les chiffres qui comptent."
            )
    parts.append(text)
    return "\n\n".join(parts) + "\n"


DAYS_IN_MONTH = 31


def page_dictionary(inputs: SiteInputs, out: Path) -> str:
    parts = [
        "# Dictionnaire des données transmises (annexe 2)\n\n"
        "Chaque table transmise, chaque colonne, le champ de l'annexe 2 qu'elle porte, sa "
        "minimisation et les tests qui la gardent."
        + (
            " Versions imprimable et tableur : "
            "[dictionnaire_annexe2.html](dictionnaire_annexe2.html), "
            "[dictionnaire_annexe2.csv](dictionnaire_annexe2.csv)."
            if inputs.manifest is not None
            else ""
        )
    ]
    if inputs.manifest is None:
        parts.append("*Le manifeste dbt n'a pas été fourni : dictionnaire non disponible.*")
        return "\n\n".join(parts) + "\n"
    dictionary = _script("build_dictionary")
    annex = dictionary.completeness.load_annex(dictionary.completeness.DEFAULT_ANNEX)
    tables = dictionary.dictionary(inputs.manifest, annex)
    dictionary.write_csv(tables, out / dictionary.CSV_NAME)
    (out / dictionary.HTML_NAME).write_text(
        dictionary.render_html(tables, annex, {}), encoding="utf-8"
    )
    for entry in tables:
        rows = [
            [ident(c.name), c.champ or "—",
             "; ".join(filter(None, [c.minimisation, c.precision])) or "—",
             "oui" if c.required else "non", c.description or "—"]
            for c in entry.columns
        ]  # fmt: skip
        parts.append(
            f"## {entry.base} — {entry.groupe}\n\nTable `{entry.name}`. {entry.description}\n\n"
            + table(
                ["colonne", "champ de l'annexe 2", "minimisation", "obligatoire", "description"],
                rows,
            )  # fmt: skip
        )
    return "\n\n".join(parts) + "\n"


def _leaving_tests(manifest: dict | None) -> dict[str, int]:
    """Generic test name -> number of tests of that kind on the leaving tables."""
    if not manifest:
        return {}
    leaving = {
        uid for uid, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") == "model" and node.get("name", "").startswith("annexe2_")
    }  # fmt: skip
    counts: dict[str, int] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test" or node.get("attached_node") not in leaving:
            continue
        name = (node.get("test_metadata") or {}).get("name") or "autre"
        counts[name] = counts.get(name, 0) + 1
    return counts


def page_protections(inputs: SiteInputs) -> str:
    counts = _leaving_tests(inputs.manifest)
    minimisations = table(
        ["donnée de la source", "ce qui sort"], [[f"**{a}**", b] for a, b in texts.MINIMISATIONS]
    )
    rows = []
    for name, (title, sentence) in texts.PRIVACY_TESTS.items():
        if counts and name not in counts:
            continue
        rows.append([f"**{title}** (`{name}`)", sentence, fr_int(counts.get(name, 0))])
    others = sorted(set(counts) - set(texts.PRIVACY_TESTS))
    tests = table(["test", "ce qu'il vérifie", "nombre sur les tables transmises"], rows)
    if others:
        tests += "\n\nAutres tests sur les tables transmises : " + ", ".join(
            f"`{o}` ({fr_int(counts[o])})" for o in others
        )
    return f"""# Minimisations et tests de confidentialité

## Chaque minimisation

{minimisations}

## Chaque test de confidentialité, en une phrase

Ces tests tournent à chaque construction sur chaque table transmise ; `pipase export` refuse
d'écrire le paquet si un seul échoue. Les résultats du run sont sur la page
[Chiffres du run](chiffres.md).

{tests}
"""


def page_convention(inputs: SiteInputs) -> str:
    rows = [
        [f"**{rule}**", what, ", ".join(_dbt_link(inputs, uid) for uid in where) or "—", guard]
        for rule, what, where, guard in texts.CONVENTION
    ]
    return (
        "# Carte de la convention\n\n"
        "Chaque règle de la convention (article 4.1, annexes 1 et 2), ce qui l'applique et ce "
        "qui la vérifie. Les liens mènent à la documentation dbt, destinée aux analystes.\n\n"
        + table(
            ["règle", "ce qu'elle demande", "où elle est appliquée", "ce qui la vérifie"], rows
        )  # fmt: skip
        + "\n"
    )


# --------------------------------------------------------------------------- mkdocs
def _script(name: str):
    """A script of the project's scripts/ folder (the dictionary builder)."""
    from pipase.paths import project_dir

    if name in sys.modules:
        return sys.modules[name]
    path = project_dir() / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def mkdocs_config(docs_dir: Path, site_dir: Path, synthetic: bool) -> dict:
    return {
        "site_name": "PIPASE — données transmises" + (" (run synthétique)" if synthetic else ""),
        "docs_dir": str(docs_dir),
        "site_dir": str(site_dir),
        "use_directory_urls": False,
        "theme": {
            "name": "material",
            "language": "fr",
            "font": False,
            "palette": {"scheme": "default", "primary": "indigo", "accent": "indigo"},
            "features": ["navigation.sections", "search.highlight"],
        },
        "plugins": ["search", "offline"],
        "extra": {
            # the offline plugin adds the shim from a CDN unless one is listed: ours, vendored
            "polyfills": ["assets/iframe-worker/shim.js"],
            "generator": False,
        },
        "extra_css": ["assets/pipase.css"],
        "extra_javascript": ["assets/pipase.js"],
        "markdown_extensions": [
            "tables",
            "admonition",
            "attr_list",
            "md_in_html",
            "toc",
        ],
        "nav": [{title: page} for title, page in NAV],
    }


def build_site(inputs: SiteInputs, out: Path) -> Path:
    """Write the site into `out` (replaced); returns the path of its home page."""
    if inputs.record.get("format") != "pipase-run":
        raise PipaseError(_("not a run record of pipase"), rule="bad_record")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="pipase_site_") as work:
        docs = Path(work) / "docs"
        (docs / "graphiques").mkdir(parents=True)
        shutil.copytree(ASSETS, docs / "assets")
        if inputs.dbt_docs is not None:  # a static file of the site: links to it resolve
            (docs / "dbt").mkdir()
            page = patch_dbt_docs(inputs.dbt_docs.read_text(encoding="utf-8"))
            (docs / "dbt" / "index.html").write_text(page, encoding="utf-8")
        pages = {
            "index.md": page_home(inputs, docs),
            "chiffres.md": page_run(inputs, docs),
            "risque.md": page_risk(inputs, docs),
            "dictionnaire.md": page_dictionary(inputs, docs),
            "protections.md": page_protections(inputs),
            "convention.md": page_convention(inputs),
        }
        for name, text in pages.items():
            (docs / name).write_text(text, encoding="utf-8")
        config_path = Path(work) / "mkdocs.yml"
        config_path.write_text(
            yaml.safe_dump(mkdocs_config(docs, out, inputs.synthetic), allow_unicode=True),
            encoding="utf-8",
        )
        # MkDocs logs in English; the French pages are checked by the tests, not by its log
        mkdocs_log = logging.getLogger("mkdocs")
        level = mkdocs_log.level
        mkdocs_log.setLevel(logging.ERROR)
        try:
            build(load_config(str(config_path)))
        finally:
            mkdocs_log.setLevel(level)
    return out / "index.html"


def load_record(path: Path) -> dict:
    from pipase.run.record import read_record

    return read_record(path)
