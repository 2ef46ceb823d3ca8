"""Measure the precision and recall of the crossing against the synthetic ground truth
(pipase.linkage.evaluation; scripts/evaluate_linkage.py calls it).

`pipase synth` writes, beside the five extractions, `ground_truth/source_rows.csv` (the true
person of every data row, with the difficulties planted on it) and `ground_truth/persons.csv`
(who is a cohort member). This script reads the matching decisions of the pipeline
(crossing.int_crossing__appariements) from the identifying-zone DuckDB database, finds out which
person each matched cohort key stands for (the Iodas-ASE rows that carry that key, through
identifying.int_keys__iodas_ase__individus), and compares:

  precision = correct matches / matches made
  recall    = correct matches / loaded source rows whose person is a cohort member

per source and overall. A match is correct when the row's true person is the person behind the
cohort key it was given. It prints counts only: never a name, a birth date or a person id; the
misses and the wrong matches are counted by planted difficulty and by matching outcome.

Usage:
  python scripts/evaluate_linkage.py --extraction data/demo/extraction \
      [--database data/demo/pipase.duckdb] [--json linkage.json]
Run `dbt build` first (the crossing tables must exist). Exit code 0, or 2 when a file or table
is missing.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipase.linkage.methods import codes

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

    @property
    def method_label(self) -> str:
        return self.method or self.status

    @property
    def matched(self) -> bool:
        return self.matched_persons is not None

    @property
    def correct(self) -> bool:
        return self.matched and self.true_person != "" and self.true_person in self.matched_persons


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


def _by_difficulty(rows: list[RowOutcome]) -> dict[str, dict]:
    """Recall and precision per planted error class (a row counts in each of its classes)."""
    out: dict[str, dict] = {}
    for kind in sorted({k for r in rows for k in r.difficulties}):
        of_kind = [r for r in rows if kind in r.difficulties]
        relevant = [r for r in of_kind if r.true_in_cohort]
        matched = [r for r in of_kind if r.matched]
        out[kind] = {
            "rows_of_cohort_members": len(relevant),
            "found": sum(r.correct for r in relevant),
            "recall": _ratio(sum(r.correct for r in relevant), len(relevant)),
            "matches": len(matched),
            "wrong_matches": sum(not r.correct for r in matched),
            "precision": _ratio(sum(r.correct for r in matched), len(matched)),
            # what became of the cohort members' rows: linked (by which status), sent to
            # review (ambigu), left (non_croise, sans_cle)
            "outcomes": dict(Counter(r.status for r in relevant).most_common()),
        }
    return out


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
    thresholds = [x / 2 for x in range(0, 41)]
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


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _file_name(path: str) -> str:
    """The loader records the file name only (`_fichier`); the ground truth has the path."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


_PASS_COLUMNS = {
    True: ", links.poids_correspondance, links.cle_hachage",
    False: ", null, null",
}
_PASS_JOIN = {
    True: " left join identifying.int_keys__liens_probabilistes as links"
    " on decisions.base_source = links.base_source and decisions._fichier = links._fichier"
    " and decisions._ligne = links._ligne",
    False: "",
}


def read_outcomes(extraction: Path, database: Path) -> list[RowOutcome]:
    import duckdb

    truth_dir = extraction / "ground_truth"
    persons = _read_csv(truth_dir / "persons.csv")
    in_cohort = {p["person_uid"]: p["in_cohort"] in ("1", "true", "True") for p in persons}
    truth: dict[tuple[str, str, int], tuple[str, tuple[str, ...]]] = {}
    ase_rows: dict[tuple[str, int], str] = {}
    for row in _read_csv(truth_dir / "source_rows.csv"):
        key_file, line = _file_name(row["file"]), int(row["line"])
        if row["source"] == ASE_SOURCE and row["table"] == ASE_TABLE:
            ase_rows[(key_file, line)] = row["person_uid"]
        elif DOOR_TABLES.get(row["source"]) == row["table"]:
            kinds = tuple(k for k in row["difficulties"].split(";") if k)
            truth[(row["source"], key_file, line)] = (row["person_uid"], kinds)

    con = duckdb.connect(str(database), read_only=True)
    try:
        # cohort key -> the persons whose Iodas-ASE rows carry it
        persons_by_key: dict[str, set[str]] = defaultdict(set)
        for fichier, ligne, key in con.execute(
            "select _fichier, _ligne, cle_hachage from identifying.int_keys__iodas_ase__individus"
            " where cle_hachage is not null"
        ).fetchall():
            person = ase_rows.get((fichier, int(ligne)))
            if person:
                persons_by_key[key].add(person)
        secondary_by_key = dict(
            con.execute(
                "select cle_hachage, cle_hachage_secondaire from crossing.int_cohort__jeunes_ase"
            ).fetchall()
        )
        has_pass = bool(
            con.execute(
                "select count(*) from information_schema.tables where table_schema ="
                " 'identifying' and table_name = 'int_keys__liens_probabilistes'"
            ).fetchone()[0]
        )
        decisions = con.execute(
            "select decisions.base_source, decisions._fichier, decisions._ligne,"
            " decisions.statut_appariement, coalesce(decisions.methode_appariement, ''),"
            " coalesce(cast(decisions.motif_non_appariement as varchar),"
            " cast(decisions.motif_sans_cle as varchar), ''),"
            " decisions.cle_hachage, lignes.cle_hachage, lignes.cle_hachage_secondaire"
            + _PASS_COLUMNS[has_pass]
            + " from crossing.int_crossing__appariements as decisions"
            " inner join crossing.int_crossing__lignes_sources as lignes"
            " on decisions.base_source = lignes.base_source"
            " and decisions._fichier = lignes._fichier and decisions._ligne = lignes._ligne"
            + _PASS_JOIN[has_pass]
        ).fetchall()
    finally:
        con.close()

    # person -> the cohort keys of their Iodas-ASE rows, and those keys' secondary keys
    cohort_keys_of: dict[str, set[str]] = defaultdict(set)
    for key, holders in persons_by_key.items():
        if key in secondary_by_key:
            for holder in holders:
                cohort_keys_of[holder].add(key)

    outcomes = []
    for (source, fichier, ligne, status, method, reason, key, row_key, row_secondary, weight,
         candidate) in decisions:  # fmt: skip
        person, kinds = truth.get((source, fichier, int(ligne)), ("", ()))
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
                true_person=person,
                true_in_cohort=in_cohort.get(person, False),
                status=status,
                reason=reason if key is None else "",
                matched_persons=matched,
                difficulties=kinds,
                key_in_common=in_common,
                method=method if key is not None else "",
                weight=weight,
                candidate_persons=(
                    None if candidate is None else frozenset(persons_by_key.get(candidate, set()))
                ),
                threshold_decides=weight is not None
                and (
                    status in ("probabiliste", "non_croise", "sans_cle")
                    or reason == "revue_poids_intermediaire"
                ),
            )
        )
    return outcomes


# ----------------------------------------------------------------------------------------------
# Report


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f} %"


def format_report(result: dict) -> str:
    header = (
        f"{'source':<12}{'rows':>8}{'cohort rows':>13}{'matches':>9}{'correct':>9}"
        f"{'wrong':>7}{'missed':>8}{'precision':>11}{'recall':>10}"
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
        lines.append("")
        for method, m in overall["by_method"].items():
            lines.append(
                f"{method:<32}{m['matches']:>6} matches, {m['correct']:>6} correct, "
                f"precision {_pct(m['precision'])}"
            )
        lines.append(
            "recall of cohort rows sharing a key with their cohort entry: "
            + _pct(overall["recall_of_rows_sharing_a_key"])
        )
        lines.append("")
        lines.append("recall and precision by planted error class (all sources):")
        for kind, k in overall.get("by_difficulty", {}).items():
            lines.append(
                f"  {kind:<40}{k['found']:>6}/{k['rows_of_cohort_members']:<6} recall "
                f"{_pct(k['recall']):>9}   {k['wrong_matches']:>4} wrong of {k['matches']:<6}"
                f" precision {_pct(k['precision'])}"
            )
        lines.append("")
        lines.append("outcome of the cohort members' rows of each class not fully found:")
        for kind, k in overall.get("by_difficulty", {}).items():
            if k["found"] < k["rows_of_cohort_members"]:
                outcomes = ", ".join(f"{status} {n}" for status, n in k["outcomes"].items())
                lines.append(f"  {kind:<40}{outcomes}")
        for title, key in (
            ("missed rows by key in common with the true cohort entry", "missed_by_key_in_common"),
            ("missed rows by outcome", "missed_by_outcome"),
            ("missed rows by planted difficulty", "missed_by_difficulty"),
            ("wrong matches by method", "wrong_by_method"),
            ("wrong matches by planted difficulty", "wrong_by_difficulty"),
        ):
            lines.append("")
            lines.append(f"{title} (all sources):")
            counts = overall[key]
            if not counts:
                lines.append("  none")
            for kind, n in counts.items():
                lines.append(f"  {kind:<45}{n:>6}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--extraction", type=Path, required=True, help="synthetic extraction folder"
    )
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="identifying-zone DuckDB file (default: pipase.paths.database_path())",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument(
        "--charts",
        type=Path,
        default=None,
        help="folder for the charts (precision and recall against the threshold, weights)",
    )
    args = parser.parse_args(argv)

    database = args.database
    if database is None:
        from pipase.paths import database_path

        database = database_path()
    for path in (
        args.extraction / "ground_truth" / "source_rows.csv",
        args.extraction / "ground_truth" / "persons.csv",
        database,
    ):
        if not path.exists():
            print(f"evaluate_linkage: {path} not found", file=sys.stderr)
            return 2
    try:
        outcomes = read_outcomes(args.extraction, database)
    except Exception as error:  # a missing crossing table: say which, then stop
        if type(error).__name__ != "CatalogException":
            raise
        print(
            f"evaluate_linkage: {error.args[0].splitlines()[0]} (run dbt build first)",
            file=sys.stderr,
        )
        return 2
    result = score(outcomes)
    result["overall"]["threshold_curve"] = threshold_curve(outcomes, [x / 2 for x in range(0, 41)])
    print(format_report(result))
    if args.charts:
        for path in charts(outcomes, args.charts):
            print(f"chart: {path}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
