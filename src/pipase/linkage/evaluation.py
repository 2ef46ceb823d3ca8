"""`pipase evaluation`: the precision and recall of the crossing against a file of true pairs.

Works on any extraction whose truth is known, not only the generator's: the pipeline's matching
decisions (crossing.int_crossing__appariements, in the identifying-zone DuckDB database) are
compared with a CSV file of true pairs (``--vrais-couples``), in this format (UTF-8, comma
separated, one header line, one line per source row whose truth is known):

  base_source   webrsa, nova_dpas, iodas_dpas or iodas_mdph
  fichier       the file of the row, as loaded (its name, e.g. personnes.csv; a path is cut to
                its name)
  ligne         the row's line in that file (header = line 1), as loaded
  id_individu   the Iodas-ASE individual id (id_individu) of the cohort member the row is
                truly about; several ids of the same person separated by ``;``; EMPTY when the
                row's person is no cohort member (then any link of the row is wrong)
  classe_erreur optional: the error classes planted on or known of the row, separated by ``;``

A source row absent from the file is no cohort member's. The cohort key each matched row was
given is traced back to the Iodas-ASE ids that carry it (identifying.int_keys__iodas_ase__individus)
and

  precision = correct links / links made
  recall    = correct links / rows of the file with an id_individu

overall, per source, per method (in the order of ref_linkage__methodes) and per error class,
with the misses and the wrong links counted by outcome; ``--graphiques`` draws precision and
recall against the probabilistic threshold and the match-weight histogram. Counts only: never a
name, a birth date or an id.

The synthetic generator's truth is one producer of that file: ``--extraction DIR`` converts
``DIR/ground_truth`` (source_rows.csv, persons.csv of `pipase synth`) into true pairs
(``--ecrire-vrais-couples`` saves them). scripts/evaluate_linkage.py calls this command.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipase.cli_types import database_argument
from pipase.errors import PipaseError
from pipase.i18n import _, number
from pipase.linkage.methods import codes

if TYPE_CHECKING:  # imported where used: the CLI's start-up does not load DuckDB
    import duckdb

# The keys door of each source: the raw table whose rows are crossed (ground truth "table").
DOOR_TABLES = {
    "webrsa": "personnes",
    "nova_dpas": "personnes",
    "iodas_dpas": "aides",
    "iodas_mdph": "decisions",
}
ASE_SOURCE, ASE_TABLE = "iodas_ase", "individus"


def _method_order(method: str) -> tuple[int, str]:
    """Methods in the order of their one list (ref_linkage__methodes), unknown ones last."""
    known = codes("methode")
    return (known.index(method), "") if method in known else (len(known), method)


@dataclass(frozen=True)
class RowOutcome:
    """One crossed source row: the truth and what the pipeline decided."""

    source: str
    true_person: str  # person behind the row ("" when the generator gives none)
    true_in_cohort: bool  # the person is a cohort member in the ground truth
    # statut_appariement: cle_primaire, cle_interne, cle_secondaire, ambigu, non_croise, sans_cle
    status: str
    reason: str  # motif_non_appariement or motif_sans_cle, "" when matched
    matched_persons: frozenset[str] | None  # persons behind the cohort key given; None: no match
    difficulties: tuple[str, ...] = ()
    # which of the row's keys is the true person's cohort key: cle_primaire, cle_secondaire,
    # aucune_cle_commune (a perfect key-based linkage cannot find the row), "" when unknown
    key_in_common: str = ""
    # methode_appariement (cle_primaire, cle_nom_usage, cle_secondaire_prenom_proche...), "" when
    # not matched or not known (the status then stands for the method)
    method: str = ""
    # the probabilistic pass's best candidate for the row (int_keys__liens_probabilistes):
    # its match weight and the persons behind its key; None when the row has none
    weight: float | None = None
    candidate_persons: frozenset[str] | None = None
    # the threshold alone decided the row (linked, or weight between the review threshold
    # and the link threshold, or below it): the rows whose fate moves with the threshold
    threshold_decides: bool = False
    # the members offered to an agent for a row sent to review (cle_candidat_revue and
    # cle_second_candidat_revue of int_crossing__appariements): the persons behind their keys;
    # None when the row has none
    review_persons: frozenset[str] | None = None
    # a missed row that no linkage could decide without a guess (linkage.decidability: it
    # agrees with its member on neither surname nor date, or another person fits it as well)
    undecidable: bool | None = None  # None: not judged (a row found, or a build without
    # the identity tables)
    # the row's place (int_crossing__appariements' _fichier and _ligne), when read from a build
    fichier: str = ""
    ligne: int | None = None

    @property
    def method_label(self) -> str:
        return self.method or self.status

    @property
    def matched(self) -> bool:
        return self.matched_persons is not None

    @property
    def correct(self) -> bool:
        return self.matched and self.true_person != "" and self.true_person in self.matched_persons

    @property
    def within_review(self) -> bool:
        """Not found, but offered to an agent with its true member as the candidate: an agent
        who confirms it finds the row."""
        return (
            not self.correct
            and self.true_person != ""
            and self.true_person in (self.review_persons or ())
        )

    @property
    def review_candidate_wrong(self) -> bool:
        """Offered to an agent with a member who is not its person: the agent must refuse it."""
        return self.review_persons is not None and self.true_person not in self.review_persons


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def score(outcomes: Iterable[RowOutcome]) -> dict:
    """Precision, recall and counts per source and overall ("overall")."""
    groups: dict[str, list[RowOutcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.source].append(outcome)
        groups["overall"].append(outcome)
    result = {}
    for source in sorted(groups, key=lambda s: (s == "overall", s)):
        rows = groups[source]
        matched = [r for r in rows if r.matched]
        correct = [r for r in matched if r.correct]
        relevant = [r for r in rows if r.true_in_cohort]
        found = [r for r in relevant if r.correct]
        missed = [r for r in relevant if not r.correct]
        wrong = [r for r in matched if not r.correct]
        reviewed = [r for r in rows if r.review_persons is not None]
        within_review = [r for r in relevant if r.within_review]
        by_method = {}
        for method in sorted({r.method_label for r in matched}, key=_method_order):
            made = [r for r in matched if r.method_label == method]
            by_method[method] = {
                "matches": len(made),
                "correct": sum(r.correct for r in made),
                "precision": _ratio(sum(r.correct for r in made), len(made)),
            }
        by_status = {}
        for status in sorted({r.status for r in matched}):
            made = [r for r in matched if r.status == status]
            by_status[status] = {
                "matches": len(made),
                "correct": sum(r.correct for r in made),
                "precision": _ratio(sum(r.correct for r in made), len(made)),
            }
        result[source] = {
            "rows": len(rows),
            "rows_of_cohort_members": len(relevant),
            "matches": len(matched),
            "correct_matches": len(correct),
            "wrong_matches": len(wrong),
            "missed": len(missed),
            "precision": _ratio(len(correct), len(matched)),
            "recall": _ratio(len(found), len(relevant)),
            # the review queue: the rows offered to an agent with a candidate, those whose
            # candidate is their true member (found if the agent confirms them), the others
            # (to refuse), and the recall if the agent decided every pair rightly
            "review_pairs": len(reviewed),
            "review_pairs_true_member": sum(r.within_review for r in reviewed),
            "review_pairs_other_person": sum(r.review_candidate_wrong for r in reviewed),
            "missed_within_review": len(within_review),
            "recall_after_review": _ratio(len(found) + len(within_review), len(relevant)),
            # the missed rows no linkage could decide (linkage.decidability), and the recall
            # of the others: what is left under it is the crossing's to win
            **_decidable_figures(relevant),
            "by_status": by_status,
            "by_method": by_method,
            "correct_matches_outside_ground_truth_cohort": sum(
                not r.true_in_cohort for r in correct
            ),
            "recall_of_rows_sharing_a_key": _ratio(
                sum(r.correct for r in relevant if r.key_in_common.startswith("cle_")),
                sum(r.key_in_common.startswith("cle_") for r in relevant),
            ),
            "missed_by_key_in_common": dict(
                Counter(r.key_in_common or "unknown" for r in missed).most_common()
            ),
            "missed_by_outcome": dict(Counter(_outcome_label(r) for r in missed).most_common()),
            "missed_by_difficulty": _count_difficulties(missed),
            "wrong_by_method": dict(Counter(r.method_label for r in wrong).most_common()),
            "by_difficulty": _by_difficulty(rows),
            "wrong_by_difficulty": _count_difficulties(wrong),
        }
    return result


def _decidable_figures(relevant: list[RowOutcome]) -> dict[str, int | float | None]:
    """Of the cohort members' rows: the missed ones no linkage could decide, the recall of the
    others, and that recall if an agent decided every pair under review rightly (found or
    within review, over the rows less the undecidable misses out of the review's reach); all
    None when the misses were not judged (a build without the identity tables)."""
    missed = [r for r in relevant if not r.correct]
    if any(r.undecidable is None for r in missed):
        return dict.fromkeys(
            ("missed_undecidable", "recall_decidable", "recall_after_review_decidable")
        )
    undecidable = sum(bool(r.undecidable) for r in missed)
    found = len(relevant) - len(missed)
    reachable = sum(r.correct or r.within_review for r in relevant)
    out_of_reach = sum(bool(r.undecidable) and not r.within_review for r in missed)
    return {
        "missed_undecidable": undecidable,
        "recall_decidable": _ratio(found, len(relevant) - undecidable),
        "recall_after_review_decidable": _ratio(reachable, len(relevant) - out_of_reach),
    }


def _by_difficulty(rows: list[RowOutcome]) -> dict[str, dict]:
    """Recall and precision per planted error class (a row counts in each of its classes)."""
    out: dict[str, dict] = {}
    for kind in sorted({k for r in rows for k in r.difficulties}):
        of_kind = [r for r in rows if kind in r.difficulties]
        relevant = [r for r in of_kind if r.true_in_cohort]
        matched = [r for r in of_kind if r.matched]
        found = sum(r.correct for r in relevant)
        within_review = sum(r.within_review for r in relevant)
        out[kind] = {
            "rows_of_cohort_members": len(relevant),
            "found": found,
            "recall": _ratio(found, len(relevant)),
            # missed rows offered to an agent with their true member, and the recall if the
            # agent confirmed them
            "missed_within_review": within_review,
            "recall_after_review": _ratio(found + within_review, len(relevant)),
            **_decidable_figures(relevant),
            "matches": len(matched),
            "wrong_matches": sum(not r.correct for r in matched),
            "precision": _ratio(sum(r.correct for r in matched), len(matched)),
            # what became of the cohort members' rows: linked (by which status), sent to
            # review (ambigu), left (non_croise, sans_cle)
            "outcomes": dict(Counter(r.status for r in relevant).most_common()),
        }
    return out


# the thresholds the curve and its chart read: every half bit from -5 (below the review
# threshold, dbt var pipase_seuil_revue_probabiliste) to 20
CURVE_THRESHOLDS = tuple(x / 2 for x in range(-10, 41))


def threshold_curve(outcomes: Iterable[RowOutcome], thresholds: Iterable[float]) -> list[dict]:
    """Overall precision and recall if the probabilistic link threshold were each of
    `thresholds`, the rest of the decision unchanged: the rows the threshold alone decides are
    linked to their candidate when its weight reaches it; every other row keeps its outcome."""
    rows = list(outcomes)
    relevant = sum(r.true_in_cohort for r in rows)
    fixed = [r for r in rows if not r.threshold_decides]
    fixed_made = sum(r.matched for r in fixed)
    fixed_correct = sum(r.correct for r in fixed)
    moving = [r for r in rows if r.threshold_decides]
    points = []
    for t in thresholds:
        made = [r for r in moving if r.weight >= t]
        correct = sum(
            r.true_person != "" and r.true_person in (r.candidate_persons or ()) for r in made
        )
        n_made, n_correct = fixed_made + len(made), fixed_correct + correct
        points.append(
            {
                "seuil": t,
                "liens_probabilistes": len(made),
                "liens_probabilistes_faux": len(made) - correct,
                "precision": _ratio(n_correct, n_made),
                "rappel": _ratio(n_correct, relevant),
            }
        )
    return points


def charts(outcomes: list[RowOutcome], out_dir: Path) -> list[Path]:
    """Precision and recall against the threshold, and the match-weight histogram of the
    probabilistic candidates (right / wrong person), as PNG files for the docs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    thresholds = list(CURVE_THRESHOLDS)
    points = threshold_curve(outcomes, thresholds)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(thresholds, [p["precision"] for p in points], label="précision")
    ax.plot(thresholds, [p["rappel"] for p in points], label="rappel")
    ax.set_xlabel("seuil de poids du lien probabiliste")
    ax.set_ylabel("part des lignes")
    ax.set_title("Croisement : précision et rappel selon le seuil")
    ax.legend()
    fig.tight_layout()
    curve_path = out_dir / "seuil_precision_rappel.png"
    fig.savefig(curve_path, dpi=120)
    plt.close(fig)
    scored = [r for r in outcomes if r.weight is not None]
    right = [r.weight for r in scored if r.true_person in (r.candidate_persons or ())]
    wrong = [r.weight for r in scored if r.true_person not in (r.candidate_persons or ())]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist([right, wrong], bins=40, stacked=True, label=["bonne personne", "autre personne"])
    ax.set_xlabel("poids de correspondance du meilleur candidat")
    ax.set_ylabel("lignes")
    ax.set_title("Poids du passage probabiliste")
    ax.legend()
    fig.tight_layout()
    histogram_path = out_dir / "histogramme_poids.png"
    fig.savefig(histogram_path, dpi=120)
    plt.close(fig)
    return [curve_path, histogram_path]


def _outcome_label(row: RowOutcome) -> str:
    if row.matched:
        return f"{row.status}:other_person"
    return f"{row.status}:{row.reason}" if row.reason else row.status


def _count_difficulties(rows: list[RowOutcome]) -> dict[str, int]:
    counts = Counter(kind for r in rows for kind in (r.difficulties or ("(none)",)))
    return dict(counts.most_common())


# ----------------------------------------------------------------------------------------------
# Reading the ground truth and the database


TRUE_PAIRS_COLUMNS = ("base_source", "fichier", "ligne", "id_individu", "classe_erreur")
TRUE_PAIRS_REQUIRED = TRUE_PAIRS_COLUMNS[:4]


@dataclass(frozen=True)
class TruePair:
    """One line of the true-pairs file: the row's true cohort member (its Iodas-ASE ids, the
    person token `;`-joined; "" when the row's person is no cohort member) and its classes."""

    person: str
    classes: tuple[str, ...] = ()

    @property
    def in_cohort(self) -> bool:
        return self.person != ""


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _file_name(path: str) -> str:
    """The loader records the file name only (`_fichier`); a truth may give the path."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(sorted({part.strip() for part in (text or "").split(";") if part.strip()}))


def read_true_pairs(path: Path) -> dict[tuple[str, str, int], TruePair]:
    """(base_source, file name, line) -> its TruePair; checked strictly (file, line, column and
    rule in every message, never a cell's value)."""
    if not path.is_file():
        raise PipaseError(
            _("the true pairs file does not exist"), rule="vrais_couples_absent", file=str(path)
        )
    try:
        handle = path.open(encoding="utf-8", newline="")
        with handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            for name in TRUE_PAIRS_REQUIRED:
                if header.count(name) != 1:
                    raise PipaseError(
                        _("the header must have the column {name} exactly once").format(name=name),
                        rule="vrais_couples_entete",
                        file=str(path),
                        line=1,
                        column=name,
                    )
            where = {name: header.index(name) for name in TRUE_PAIRS_COLUMNS if name in header}
            pairs: dict[tuple[str, str, int], TruePair] = {}
            for line, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    raise PipaseError(
                        _("the line does not have as many fields as the header"),
                        rule="vrais_couples_champs",
                        file=str(path),
                        line=line,
                    )
                row = {name: cells[i].strip() for name, i in where.items()}
                if row["base_source"] not in DOOR_TABLES:
                    raise PipaseError(
                        _("unknown source: {sources} expected").format(
                            sources=", ".join(DOOR_TABLES)
                        ),
                        rule="vrais_couples_source",
                        file=str(path),
                        line=line,
                        column="base_source",
                    )
                if not row["fichier"]:
                    raise PipaseError(
                        _("the file of the row is empty"),
                        rule="vrais_couples_fichier",
                        file=str(path),
                        line=line,
                        column="fichier",
                    )
                if not row["ligne"].isdigit() or int(row["ligne"]) < 2:
                    raise PipaseError(
                        _("the line must be a whole number from 2 up (the header is line 1)"),
                        rule="vrais_couples_ligne",
                        file=str(path),
                        line=line,
                        column="ligne",
                    )
                key = (row["base_source"], _file_name(row["fichier"]), int(row["ligne"]))
                if key in pairs:
                    raise PipaseError(
                        _("the same source row is listed twice"),
                        rule="vrais_couples_doublon",
                        file=str(path),
                        line=line,
                    )
                pairs[key] = TruePair(
                    ";".join(_split(row["id_individu"])), _split(row.get("classe_erreur"))
                )
    except UnicodeDecodeError:
        raise PipaseError(
            _("the true pairs file is not UTF-8 text"),
            rule="vrais_couples_encodage",
            file=str(path),
        ) from None
    return pairs


def true_pairs_from_ground_truth(extraction: Path) -> list[dict[str, str]]:
    """The true-pairs file of a synthetic extraction (`pipase synth`'s ground_truth/): one line
    per row of the four crossed tables, the Iodas-ASE ids of its person when a cohort member."""
    truth_dir = extraction / "ground_truth"
    for name in ("source_rows.csv", "persons.csv"):
        if not (truth_dir / name).is_file():
            raise PipaseError(
                _("no synthetic ground truth in this folder"),
                rule="verite_synthetique_absente",
                file=str(truth_dir / name),
            )
    in_cohort = {
        p["person_uid"]: p["in_cohort"] in ("1", "true", "True")
        for p in _read_csv(truth_dir / "persons.csv")
    }
    rows = _read_csv(truth_dir / "source_rows.csv")
    ids_of: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["source"] == ASE_SOURCE and row["table"] == ASE_TABLE:
            ids_of[row["person_uid"]].add(row["record_id"])
    out = []
    for row in rows:
        if DOOR_TABLES.get(row["source"]) != row["table"]:
            continue
        person = row["person_uid"]
        out.append(
            {
                "base_source": row["source"],
                "fichier": _file_name(row["file"]),
                "ligne": row["line"],
                "id_individu": ";".join(sorted(ids_of[person])) if in_cohort.get(person) else "",
                "classe_erreur": ";".join(_split(row["difficulties"])),
            }
        )
    return out


def write_true_pairs(rows: list[dict[str, str]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(TRUE_PAIRS_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


# the weight the decision weighed (the pass's, with the commune) when the crossing gave the row
# one, else the pass's own
_PASS_COLUMNS = {
    True: ", coalesce(decisions.poids_correspondance, links.poids_correspondance),"
    " links.cle_hachage",
    False: ", null, null",
}
# the members offered for review, on a build that records them (older builds do not)
_REVIEW_COLUMN = {
    True: ", decisions.cle_candidat_revue",
    False: ", null",
}
_SECOND_REVIEW_COLUMN = {
    True: ", decisions.cle_second_candidat_revue",
    False: ", null",
}
_PASS_JOIN = {
    True: " left join identifying.int_keys__liens_probabilistes as links"
    " on decisions.base_source = links.base_source and decisions._fichier = links._fichier"
    " and decisions._ligne = links._ligne",
    False: "",
}


def read_outcomes(truth: dict[tuple[str, str, int], TruePair], database: Path) -> list[RowOutcome]:
    """Every crossed source row of the database with its truth (a row absent from `truth` is
    no cohort member's)."""
    import duckdb

    from pipase.transmission import encryption

    # an Iodas-ASE id -> the person token of the true pairs that name it
    token_of = {i: pair.person for pair in truth.values() for i in pair.person.split(";") if i}
    try:
        con = encryption.connect(database, read_only=True)
    except (encryption.EncryptionError, duckdb.Error) as error:
        raise PipaseError(
            _("the database cannot be opened ({error})").format(error=type(error).__name__),
            rule="evaluation_base",
            file=str(database),
        ) from None
    try:
        try:
            # cohort key -> the persons whose Iodas-ASE rows carry it
            persons_by_key: dict[str, set[str]] = defaultdict(set)
            for id_individu, key in con.execute(
                "select id_individu, cle_hachage from identifying.int_keys__iodas_ase__individus"
                " where cle_hachage is not null"
            ).fetchall():
                persons_by_key[key].add(token_of.get(str(id_individu), str(id_individu)))
            secondary_by_key = dict(
                con.execute(
                    "select cle_hachage, cle_hachage_secondaire"
                    " from crossing.int_cohort__jeunes_ase"
                ).fetchall()
            )
            has_pass = encryption.has_table(con, "identifying", "int_keys__liens_probabilistes")
            has_review, has_second_review = (
                bool(n)
                for n in con.execute(
                    "select count(*) filter (where column_name = 'cle_candidat_revue'),"
                    " count(*) filter (where column_name = 'cle_second_candidat_revue')"
                    " from information_schema.columns where table_schema = 'crossing'"
                    " and table_name = 'int_crossing__appariements'"
                ).fetchone()
            )
            decisions = con.execute(
                "select decisions.base_source, decisions._fichier, decisions._ligne,"
                " decisions.statut_appariement, coalesce(decisions.methode_appariement, ''),"
                " coalesce(cast(decisions.motif_non_appariement as varchar),"
                " cast(decisions.motif_sans_cle as varchar), ''),"
                " decisions.cle_hachage, lignes.cle_hachage, lignes.cle_hachage_secondaire"
                + _PASS_COLUMNS[has_pass]
                + _REVIEW_COLUMN[has_review]
                + _SECOND_REVIEW_COLUMN[has_second_review]
                + " from crossing.int_crossing__appariements as decisions"
                " inner join crossing.int_crossing__lignes_sources as lignes"
                " on decisions.base_source = lignes.base_source"
                " and decisions._fichier = lignes._fichier and decisions._ligne = lignes._ligne"
                + _PASS_JOIN[has_pass]
            ).fetchall()
        except duckdb.CatalogException:
            raise PipaseError(
                _("the crossing tables are missing: run the build first"),
                rule="evaluation_sans_build",
                file=str(database),
            ) from None
        outcomes = _row_outcomes(decisions, truth, persons_by_key, secondary_by_key)
        return _with_decidability(outcomes, con, token_of)
    finally:
        con.close()


def _row_outcomes(
    decisions: list[tuple],
    truth: dict[tuple[str, str, int], TruePair],
    persons_by_key: dict[str, set[str]],
    secondary_by_key: dict[str, str],
) -> list[RowOutcome]:
    """One RowOutcome per row of int_crossing__appariements read by read_outcomes."""
    # person -> the cohort keys of their Iodas-ASE rows, and those keys' secondary keys
    cohort_keys_of: dict[str, set[str]] = defaultdict(set)
    for key, holders in persons_by_key.items():
        if key in secondary_by_key:
            for holder in holders:
                cohort_keys_of[holder].add(key)

    outcomes = []
    for (source, fichier, ligne, status, method, reason, key, row_key, row_secondary, weight,
         candidate, review_key, second_review_key) in decisions:  # fmt: skip
        pair = truth.get((source, fichier, int(ligne)), TruePair(""))
        person = pair.person
        matched = None if key is None else frozenset(persons_by_key.get(key, set()))
        true_keys = cohort_keys_of.get(person, set())
        if row_key is not None and row_key in true_keys:
            in_common = "cle_primaire"
        elif row_secondary is not None and row_secondary in {
            secondary_by_key[k] for k in true_keys
        }:
            in_common = "cle_secondaire"
        else:
            in_common = "aucune_cle_commune" if true_keys else "hors_cohorte_pipeline"
        outcomes.append(
            RowOutcome(
                source=source,
                fichier=fichier,
                ligne=int(ligne),
                true_person=person,
                true_in_cohort=pair.in_cohort,
                status=status,
                reason=reason if key is None else "",
                matched_persons=matched,
                difficulties=pair.classes,
                key_in_common=in_common,
                method=method if key is not None else "",
                weight=weight,
                candidate_persons=(
                    None if candidate is None else frozenset(persons_by_key.get(candidate, set()))
                ),
                review_persons=(
                    None
                    if review_key is None
                    else frozenset(
                        persons_by_key.get(review_key, set())
                        | persons_by_key.get(second_review_key, set())
                    )
                ),
                # an agent's decision on a reviewed pair does not move with the threshold
                threshold_decides=weight is not None
                and method != "revue_agent"
                and reason != "rejete_revue_agent"
                and (
                    status in ("probabiliste", "non_croise", "sans_cle")
                    or reason == "revue_poids_intermediaire"
                ),
            )
        )
    return outcomes


def _with_decidability(
    outcomes: list[RowOutcome], con: duckdb.DuckDBPyConnection, token_of: dict[str, str]
) -> list[RowOutcome]:
    """The outcomes with the missed rows of cohort members that no linkage could decide
    marked (linkage.decidability), on the build read by ``con``; unmarked (None) on a build
    without the identity tables."""
    from pipase.linkage.decidability import undecidable_rows
    from pipase.transmission import encryption

    missed = [
        (r.source, r.fichier, r.ligne, r.true_person)
        for r in outcomes
        if r.true_in_cohort and not r.correct
    ]
    if not missed or not (
        encryption.has_table(con, "identifying", "int_keys__identites")
        and encryption.has_table(con, "crossing", "int_crossing__communes_identites")
    ):
        return outcomes
    undecidable = undecidable_rows(con, missed, token_of)
    judged = {(source, fichier, ligne) for source, fichier, ligne, _person in missed}
    return [
        replace(r, undecidable=(r.source, r.fichier, r.ligne) in undecidable)
        if (r.source, r.fichier, r.ligne) in judged
        else r
        for r in outcomes
    ]


# ----------------------------------------------------------------------------------------------
# Report


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f} %".replace(".", ",")


def format_report(result: dict) -> str:
    names = (
        _("source"), _("rows"), _("cohort rows"), _("links"), _("correct"), _("wrong"),
        _("missed"), _("precision"), _("recall"),
    )  # fmt: skip
    widths = (12, 8, 13, 9, 9, 7, 8, 11, 10)
    header = f"{names[0]:<12}" + "".join(
        f"{n:>{w}}" for n, w in zip(names[1:], widths[1:], strict=True)
    )
    lines = [header, "-" * len(header)]
    for source, r in result.items():
        lines.append(
            f"{source:<12}{r['rows']:>8}{r['rows_of_cohort_members']:>13}{r['matches']:>9}"
            f"{r['correct_matches']:>9}{r['wrong_matches']:>7}{r['missed']:>8}"
            f"{_pct(r['precision']):>11}{_pct(r['recall']):>10}"
        )
    overall = result.get("overall")
    if overall:
        lines += ["", _("by method (all sources):")]
        for method, m in overall["by_method"].items():
            lines.append(
                "  "
                + _("{method}: {links} links, {correct} correct, precision {precision}").format(
                    method=f"{method:<32}",
                    links=f"{m['matches']:>6}",
                    correct=f"{m['correct']:>6}",
                    precision=_pct(m["precision"]),
                )
            )
        lines.append(
            _("recall of the cohort rows sharing a key with their cohort entry: {recall}").format(
                recall=_pct(overall["recall_of_rows_sharing_a_key"])
            )
        )
        lines.append(
            _(
                "review, rows offered to an agent (with one or two members): {pairs}; with the "
                "row's true member: {true}; with other persons only: {other}; recall if the "
                "agent decides each rightly: {recall}"
            ).format(
                pairs=number(overall["review_pairs"]),
                true=number(overall["review_pairs_true_member"]),
                other=number(overall["review_pairs_other_person"]),
                recall=_pct(overall["recall_after_review"]),
            )
        )
        lines.append(
            _(
                "missed rows no linkage could decide (no surname nor date of their member, or "
                "another person fits them as well): {undecidable}; recall of the decidable "
                "rows: {recall}; after a right review: {both}"
            ).format(
                undecidable="-"
                if overall["missed_undecidable"] is None
                else number(overall["missed_undecidable"]),
                recall=_pct(overall["recall_decidable"]),
                both=_pct(overall["recall_after_review_decidable"]),
            )
        )
        lines += ["", _("recall and precision by error class (all sources):")]
        for kind, k in overall.get("by_difficulty", {}).items():
            lines.append(
                "  "
                + _(
                    "{kind} {found}/{rows} recall {recall}, {wrong} wrong of {links} links, "
                    "precision {precision}, after review {after}, undecidable {undecidable}, "
                    "recall of the decidable rows {decidable} (after review {both})"
                ).format(
                    kind=f"{kind:<40}",
                    found=f"{k['found']:>6}",
                    rows=f"{k['rows_of_cohort_members']:<6}",
                    recall=f"{_pct(k['recall']):>9}",
                    wrong=f"{k['wrong_matches']:>4}",
                    links=f"{k['matches']:<6}",
                    precision=_pct(k["precision"]),
                    after=_pct(k["recall_after_review"]),
                    undecidable="-" if k["missed_undecidable"] is None else k["missed_undecidable"],
                    decidable=_pct(k["recall_decidable"]),
                    both=_pct(k["recall_after_review_decidable"]),
                )
            )
        lines.append("")
        lines.append(_("outcome of the cohort members' rows of each class not fully found:"))
        for kind, k in overall.get("by_difficulty", {}).items():
            if k["found"] < k["rows_of_cohort_members"]:
                outcomes = ", ".join(f"{status} {n}" for status, n in k["outcomes"].items())
                lines.append(f"  {kind:<40}{outcomes}")
        for title, key in (
            (
                _("missed rows by key in common with the true cohort entry"),
                "missed_by_key_in_common",
            ),
            (_("missed rows by outcome"), "missed_by_outcome"),
            (_("missed rows by error class"), "missed_by_difficulty"),
            (_("wrong links by method"), "wrong_by_method"),
            (_("wrong links by error class"), "wrong_by_difficulty"),
        ):
            lines += ["", _("{title} (all sources):").format(title=title)]
            counts = overall[key]
            if not counts:
                lines.append("  " + _("no row"))
            for kind, n in counts.items():
                lines.append(f"  {kind:<45}{n:>6}")
    return "\n".join(lines)


def description() -> str:
    return _(
        "Precision and recall of the crossing against a file of true pairs (CSV, UTF-8, "
        "header base_source,fichier,ligne,id_individu[,classe_erreur]: one line per source "
        "row whose truth is known; id_individu is the Iodas-ASE id of the cohort member the row "
        "is about, several separated by ';', empty when none; classe_erreur the row's error "
        "classes separated by ';'), overall, per source, per method and per error class. "
        "--extraction takes the truth of a synthetic extraction instead."
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    database_argument(
        parser,
        _("DuckDB database of the identifying zone (default: PIPASE_DUCKDB_PATH)"),
    )
    truth = parser.add_mutually_exclusive_group(required=True)
    truth.add_argument(
        "--vrais-couples", type=Path, metavar=_("FILE"), help=_("the true pairs file (CSV)")
    )
    truth.add_argument(
        "--extraction",
        type=Path,
        metavar=_("FOLDER"),
        help=_("a synthetic extraction: its ground_truth/ gives the true pairs"),
    )
    parser.add_argument(
        "--ecrire-vrais-couples",
        type=Path,
        metavar=_("FILE"),
        help=_("with --extraction: also write the true pairs file it gives"),
    )
    parser.add_argument(
        "--json", type=Path, metavar=_("FILE"), help=_("also write the results as JSON")
    )
    parser.add_argument(
        "--graphiques",
        "--charts",
        dest="charts",
        type=Path,
        metavar=_("FOLDER"),
        help=_("folder for the charts: precision and recall against the threshold, weights"),
    )


def evaluate(truth: dict, database: Path) -> tuple[dict, list[RowOutcome]]:
    outcomes = read_outcomes(truth, database)
    result = score(outcomes)
    if "overall" in result:
        result["overall"]["threshold_curve"] = threshold_curve(outcomes, CURVE_THRESHOLDS)
    return result, outcomes


def run(args: argparse.Namespace) -> int:
    database = args.database
    if database is None:
        from pipase.paths import database_path

        database = database_path()
    if args.ecrire_vrais_couples and not args.extraction:
        raise PipaseError(
            _("--ecrire-vrais-couples needs --extraction"), rule="evaluation_arguments"
        )
    if args.extraction:
        rows = true_pairs_from_ground_truth(args.extraction)
        path = args.ecrire_vrais_couples or None
        if path is None:
            import tempfile

            with tempfile.TemporaryDirectory() as folder:
                truth = read_true_pairs(write_true_pairs(rows, Path(folder) / "vrais.csv"))
        else:
            truth = read_true_pairs(write_true_pairs(rows, path))
            print(_("true pairs written to {path}").format(path=path))
    else:
        truth = read_true_pairs(args.vrais_couples)
    result, outcomes = evaluate(truth, database)
    print(format_report(result))
    if args.charts:
        for path in charts(outcomes, args.charts):
            print(_("chart: {path}").format(path=path))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command `pipase evaluation` (scripts/evaluate_linkage.py)."""
    from pipase import cli

    return cli.main(["evaluation", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
