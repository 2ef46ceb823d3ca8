"""Profile the SQL keys (dbt macros on DuckDB) and time proposed rewrites, on the same rows.

Issue 9 asks that key generation in SQL stay within 2x of DuckDB's bare sha256 over the already
normalised messages. This script runs, on the same synthetic identity rows as `pipase bench`
(birth dates typed, as the door models read them), each variant into an in-memory table:

  current     the macros as they are (normalise_distinct_names, primary_key, secondary_key...),
              compiled by dbt, in the shape of the int_keys__* door models
  D           normalise_distinct_names with the distinct values computed once (a CTE; the
              macro builds the UNION twice) and the ASCII test `strlen(x) = length(x)` (bytes
              = characters) instead of regexp_full_match(x, '[\x00-\x7f]*')
  F           D + the door model joins the surname as a (nom_naissance, nom) pair normalised
              once per distinct pair: two joins of every row instead of three
  no hash     the current query without the two sha256 (normalisation and joins only)
  limit       bare sha256 over the two normalised messages of each row

Every variant's keys and reasons are compared with the current macros' (0 differing rows
expected), and EXPLAIN ANALYZE of the current query names the operators that take the time.

Usage: .venv/bin/python scripts/bench_sql_variants.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

import duckdb

from pipase import paths
from pipase.bench import keys
from pipase.bench.identities import DATE_FORMAT, identity_frame

ASCII_STRLEN = "strlen({v}) = length({v})"
UNION = """
        select nom_naissance as valeur_brute from source_rows where nom_naissance is not null
        union
        select nom as valeur_brute from source_rows where nom is not null
        union
        select prenom as valeur_brute from source_rows where prenom is not null"""


def set_based_variant(letter_map: str) -> str:
    """normalise_distinct_names without a correlated subquery (variant D)."""
    is_ascii = ASCII_STRLEN.format(v="valeur_brute")
    return f"""distinct_values as ({UNION}
),
non_ascii_letters as (
    select
        distinct_values.valeur_brute,
        string_agg(letter_map.lettres, '' order by code_points.position) as lettres
    from distinct_values,
        unnest(string_split(distinct_values.valeur_brute, '')) with ordinality
            as code_points (caractere, position)
    inner join {letter_map} as letter_map on code_points.caractere = letter_map.caractere
    where not {is_ascii.replace("valeur_brute", "distinct_values.valeur_brute")}
    group by distinct_values.valeur_brute
),
normalised_names as (
    select
        distinct_values.valeur_brute,
        case
            when {is_ascii.replace("valeur_brute", "distinct_values.valeur_brute")}
                then nullif(regexp_replace(upper(distinct_values.valeur_brute), '[^A-Z]+', '',
                    'g'), '')
            else non_ascii_letters.lettres
        end as valeur_normalisee
    from distinct_values
    left join non_ascii_letters on distinct_values.valeur_brute = non_ascii_letters.valeur_brute
),"""


SURNAME_PAIRS = """
surnames as (
    select distinct nom_naissance, nom from source_rows
),
surnames_normalised as (
    select
        surnames.nom_naissance,
        surnames.nom,
        coalesce(birth_name.valeur_normalisee, usage_name.valeur_normalisee) as nom_normalise
    from surnames
    left join normalised_names as birth_name on surnames.nom_naissance = birth_name.valeur_brute
    left join normalised_names as usage_name on surnames.nom = usage_name.valeur_brute
),
named as (
    select
        source_rows.i,
        source_rows.date_naissance,
        surnames_normalised.nom_normalise,
        first_name.valeur_normalisee as prenom_normalise
    from source_rows
    left join surnames_normalised
        on source_rows.nom_naissance is not distinct from surnames_normalised.nom_naissance
        and source_rows.nom is not distinct from surnames_normalised.nom
    left join normalised_names as first_name on source_rows.prenom = first_name.valeur_brute
)
"""


def variants(compiled: str) -> dict[str, str]:
    letter_map = re.search(r"inner join (\S+) as letter_map", compiled).group(1)
    head = compiled[: compiled.index("normalised_names as (")]
    named = compiled[compiled.index("named as (") :]
    final = compiled[compiled.index(keys.FINAL_MARKER) :]
    without_hash = re.sub(r"sha256\(", "(", final)
    return {
        "current": compiled,
        "D distinct once + strlen ASCII test": head + set_based_variant(letter_map) + "\n" + named,
        "F D + surname pairs (2 joins)": head
        + set_based_variant(letter_map)
        + SURNAME_PAIRS
        + final,
        "no hash (current without sha256)": compiled[: compiled.index(keys.FINAL_MARKER)]
        + without_hash,
    }


def explain(connection: duckdb.DuckDBPyConnection, sql: str, path: Path) -> list[str]:
    """The operators of the current query that take the most time (EXPLAIN ANALYZE, JSON)."""
    connection.execute("pragma enable_profiling = 'json'")
    connection.execute(f"set profiling_output = '{path}'")
    connection.execute(f"create or replace temp table profiled as {sql}")
    connection.execute("pragma disable_profiling")
    tree = json.loads(path.read_text(encoding="utf-8"))
    found: list[tuple[float, str]] = []

    def walk(node: dict) -> None:
        timing = node.get("operator_timing", 0) or 0
        name = node.get("operator_name") or node.get("operator_type") or "?"
        rows = node.get("operator_cardinality")
        extra = node.get("extra_info", {})
        detail = extra.get("Aggregates") or extra.get("Conditions") or extra.get("Name") or ""
        found.append((timing, f"{name} rows={rows} {str(detail)[:60]}"))
        for child in node.get("children", []):
            walk(child)

    walk(tree)
    return [f"{t:6.2f} s  {what}" for t, what in sorted(found, reverse=True)[:8]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=paths.data_dir() / "bench" / "sql_variants")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    database = args.work / "bench_keys.duckdb"
    compiled, _ = keys.compile_keys_sql(database, args.work)
    frame = identity_frame(args.rows)
    connection = duckdb.connect(str(database))
    connection.execute("set enable_progress_bar = false")
    connection.register("identities_frame", frame)
    connection.execute(
        "create or replace temp table bench_identities as select i, nom, nom_naissance, prenom, "
        f"cast(try_strptime(date_naissance, '{DATE_FORMAT}') as date) as date_naissance "
        "from identities_frame"
    )
    connection.execute(f"create or replace temp table reference as {compiled}")
    connection.execute(
        "create or replace temp table bench_messages as select s.i, n.nom_normalise || "
        "n.prenom_normalise || strftime(n.date_naissance, '%d%m%Y') as message_primaire, "
        "n.nom_normalise || strftime(n.date_naissance, '%m%Y') as message_secondaire "
        f"from reference as s join ({keys._named_cte(compiled)}) as n using (i)"
    )
    queries = variants(compiled)
    queries["limit"] = (
        "select i, sha256(message_primaire) as cle_hachage, sha256(message_secondaire) "
        "as cle_hachage_secondaire from bench_messages"
    )
    results = {}
    for name, sql in queries.items():
        best = None
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            connection.execute(f"create or replace temp table out as {sql}")
            measured = (time.perf_counter() - wall, time.process_time() - cpu)
            best = measured if best is None or measured[0] < best[0] else best
        differing = None
        if name != "limit" and not name.startswith("no hash"):
            differing = connection.execute(
                "select count(*) from out full join reference using (i) where "
                "out.cle_hachage is distinct from reference.cle_hachage or "
                "out.cle_hachage_secondaire is distinct from reference.cle_hachage_secondaire "
                "or out.motif_sans_cle is distinct from reference.motif_sans_cle"
            ).fetchone()[0]
        results[name] = {"seconds": best[0], "cpu_seconds": best[1], "differing_rows": differing}
    limit = results["limit"]
    print(f"{args.rows:,} rows, best of {args.repeat}, load average {os.getloadavg()[0]:.1f}")
    print("| variant | seconds | CPU s | x bare sha256 (wall) | x (CPU) | rows differing |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['seconds']:.2f} | {r['cpu_seconds']:.2f} | "
            f"{r['seconds'] / limit['seconds']:.2f} | {r['cpu_seconds'] / limit['cpu_seconds']:.2f}"
            f" | {'-' if r['differing_rows'] is None else r['differing_rows']} |"
        )
    print("\nslowest operators of the current macros (EXPLAIN ANALYZE):")
    for line in explain(connection, compiled, args.work / "profile.json"):
        print("  " + line)
    connection.close()
    (args.work / "sql_variants.json").write_text(
        json.dumps({"rows": args.rows, "results": results}, indent=2), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
