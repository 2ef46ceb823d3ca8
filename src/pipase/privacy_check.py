"""Check, from dbt's manifest, that every leaving model carries its privacy guarantees.

What: reads target/manifest.json (written by `dbt parse`, `dbt build`...) and fails, naming each
model and the missing item, when
  - a leaving model (any sign of the zone: group, folder, schema, tag, name prefix, meta
    pipase.export or an exposure; `pipase.manifest.leaving_models`) is not public, has no
    enforced contract, lacks one of the model-level privacy tests, lacks is_sha256_hex on a
    cle_hachage* column or is_month_precision on a mois_* column, or has one of these tests
    weakened (severity warn, a `where` filter, a `limit`, an error_if other than != 0);
  - a model outside staging reads a source (only staging reads the raw tables), or a model other
    than int_keys__* reads a staging model (int_keys__* is the only door out of the identifying
    zone, staging is never one); a source whose meta says `pipase: {zone: reporting}` (counts, no
    identity) may also be read by reporting models;
  - the zones are not what the folders say, or the data does not flow one way
    (check_dag_direction): a model's group, schema and name prefix differ from its folder's
    zone; a staging model is not private; a model reads a model of a later zone (identifying ->
    crossing -> leaving; reports read any zone but are read by none); a model outside the
    identifying zone reads an identifying model that is no door (int_keys__*, not private, no
    column flagged meta.pipase.identifier: int_keys__valeurs_identifiantes is protected for the
    privacy tests only);
  - a model outside the identifying zone documents a column flagged meta.pipase.identifier;
  - a data test would store its failing rows (store_failures true, store_failures_as table or
    view; and, given --run-results, a run started with --store-failures): failing rows of a
    privacy test are the very identities it caught;
  - a text column of a leaving model has no closed vocabulary (check_vocabularies): its YAML
    meta must say what it is, `pipase: {vocabulaire: <seed>}` (a code of that seed, tested by
    is_in_code_list reading that seed) or `pipase: {valeur: cle | mois | code_calcule}` (a key
    tested by is_sha256_hex, a month by is_month_precision, a code of stable_code by
    is_stable_code); a number with a documented range (`pipase: {plage: <name>}`) is tested by
    is_in_numeric_range on that range.
Why: dbt's groups and access refuse a crossing model's ref to staging, but not a source() call,
  a dropped contract or a forgotten test; this closes those gaps (STYLE.md sections 4, 8, 12).
When: after `dbt parse` or `dbt build`, in `make test` and pre-commit.

Exit 0 when all is covered, 1 with one line per problem, 2 when the manifest cannot be read.
Only model, column and test names are printed, never data.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipase.manifest import leaving_models, read_manifest
from pipase.manifest import models as manifest_models

MODEL_PRIVACY_TESTS = (
    "has_only_documented_columns",
    "has_no_identifier_columns",
    "has_no_raw_identity_values",
    "has_no_day_precision_dates",
    "has_no_free_text",
)
KEY_COLUMN_PREFIX, KEY_TEST = "cle_hachage", "is_sha256_hex"
MONTH_COLUMN_PREFIX, MONTH_TEST = "mois_", "is_month_precision"
STAGING_FOLDER = "models/staging/"
DOOR_PREFIX = "int_keys__"
CODE_LIST_TEST, RANGE_TEST = "is_in_code_list", "is_in_numeric_range"
VALUE_TESTS = {"cle": KEY_TEST, "mois": MONTH_TEST, "code_calcule": "is_stable_code"}
TEXT_TYPES = ("varchar", "text", "string", "char", "character")
IDENTIFYING_GROUP = "identifying"
REPORTING_GROUP = "reporting"
# The zones, in the order the data flows (STYLE.md section 1): folder, group = schema, prefixes.
# Reports hold counts of any zone and feed none.
ZONES = ("identifying", "crossing", "leaving", "reporting")
ZONE_FOLDERS = (
    ("models/staging/", "identifying", ("stg_",)),
    ("models/intermediate/keys/", "identifying", (DOOR_PREFIX,)),
    ("models/intermediate/cohort/", "crossing", ("int_cohort__",)),
    ("models/intermediate/crossing/", "crossing", ("int_crossing__",)),
    ("models/intermediate/minimisation/", "crossing", ("int_minimisation__",)),
    ("models/marts/annexe2/", "leaving", ("annexe2_",)),
    ("models/marts/reports/", "reporting", ("rpt_",)),
)
# The schema of each zone (dbt_project.yml): the zone's name, but reports for reporting.
ZONE_SCHEMAS = {
    "identifying": "identifying",
    "crossing": "crossing",
    "leaving": "leaving",
    "reporting": "reports",
}


@dataclass(frozen=True)
class Problem:
    node: str
    item: str

    def __str__(self) -> str:
        return f"{self.node}: {self.item}"


def _meta(node: dict) -> dict:
    """A node's or column's pipase meta, wherever dbt put it (meta or config.meta)."""
    meta = dict((node.get("config") or {}).get("meta") or {})
    meta.update(node.get("meta") or {})
    return meta.get("pipase") or {}


def _path(node: dict) -> str:
    return (node.get("original_file_path") or "").replace("\\", "/")


def is_staging(node: dict) -> bool:
    return _path(node).startswith(STAGING_FOLDER) or node["name"].startswith("stg_")


def _tests_by_node(manifest: dict) -> dict[str, list[dict]]:
    by_node: dict[str, list[dict]] = defaultdict(list)
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("attached_node"):
            by_node[node["attached_node"]].append(node)
    return by_node


def _test_name(test: dict) -> str | None:
    return (test.get("test_metadata") or {}).get("name")


def _weakened(test: dict) -> str | None:
    """Why a privacy test would not stop the build, or None."""
    config = test.get("config") or {}
    if str(config.get("severity", "error")).lower() != "error":
        return f"severity {config.get('severity')}"
    if config.get("where"):
        return "a where filter"
    if config.get("limit") is not None:
        return "a limit"
    error_if = str(config.get("error_if", "!= 0")).replace(" ", "")
    if error_if != "!=0":
        return f"error_if {config.get('error_if')}"
    return None


def check_leaving(manifest: dict) -> list[Problem]:
    problems: list[Problem] = []
    tests = _tests_by_node(manifest)
    for uid, node in sorted(leaving_models(manifest).items()):
        name = node["name"]
        config = node.get("config") or {}
        if not (config.get("contract") or {}).get("enforced"):
            problems.append(Problem(name, "no enforced contract (config.contract.enforced)"))
        if (node.get("access") or config.get("access")) != "public":
            problems.append(Problem(name, "not public (access: public)"))
        attached = tests.get(uid, [])
        model_level = {
            _test_name(t): t for t in attached if not t.get("column_name") and _test_name(t)
        }
        for test_name in MODEL_PRIVACY_TESTS:
            test = model_level.get(test_name)
            if test is None:
                problems.append(Problem(name, f"missing model test {test_name}"))
            elif why := _weakened(test):
                problems.append(Problem(name, f"model test {test_name} weakened by {why}"))
        column_tests: dict[str, dict[str, dict]] = defaultdict(dict)
        for test in attached:
            if test.get("column_name") and _test_name(test):
                column_tests[test["column_name"].lower()][_test_name(test)] = test
        for column in sorted(node.get("columns") or {}):
            lowered = column.lower()
            for prefix, test_name in (
                (KEY_COLUMN_PREFIX, KEY_TEST),
                (MONTH_COLUMN_PREFIX, MONTH_TEST),
            ):
                if not lowered.startswith(prefix):
                    continue
                test = column_tests[lowered].get(test_name)
                if test is None:
                    problems.append(Problem(name, f"column {column} lacks {test_name}"))
                elif why := _weakened(test):
                    problems.append(Problem(name, f"{test_name} on {column} weakened by {why}"))
    return problems


def _reporting_sources(manifest: dict) -> set[str]:
    """Sources declared as holding counts only (meta pipase.zone: reporting)."""
    return {
        uid
        for uid, source in (manifest.get("sources") or {}).items()
        if _meta(source).get("zone") == REPORTING_GROUP
        or (source.get("source_meta") or {}).get("pipase", {}).get("zone") == REPORTING_GROUP
    }


def _access(node: dict) -> str | None:
    return node.get("access") or (node.get("config") or {}).get("access")


def _group(node: dict) -> str | None:
    return node.get("group") or (node.get("config") or {}).get("group")


def _flagged_columns(node: dict) -> list[str]:
    return sorted(
        name
        for name, column in (node.get("columns") or {}).items()
        if _meta(column).get("identifier")
    )


def _is_door(node: dict) -> bool:
    """An identifying model that other zones may read: an int_keys__* model (never staging),
    not private, documenting no column flagged meta.pipase.identifier."""
    return (
        node["name"].startswith(DOOR_PREFIX)
        and not is_staging(node)
        and _access(node) in ("protected", "public")
        and not _flagged_columns(node)
    )


def check_zones(manifest: dict) -> list[Problem]:
    problems: list[Problem] = []
    models = manifest_models(manifest)
    reporting_sources = _reporting_sources(manifest)
    for node in sorted(models.values(), key=lambda n: n["name"]):
        name = node["name"]
        staging = is_staging(node)
        group = node.get("group") or (node.get("config") or {}).get("group")
        identifying = group == IDENTIFYING_GROUP or staging
        for parent in (node.get("depends_on") or {}).get("nodes", []):
            if parent.startswith("source."):
                allowed = staging or (parent in reporting_sources and group == REPORTING_GROUP)
                if not allowed:
                    problems.append(
                        Problem(name, f"reads {parent} (only staging models read sources)")
                    )
                continue
            parent_node = models.get(parent)
            if parent_node is None or not is_staging(parent_node):
                continue
            if not identifying:
                problems.append(
                    Problem(
                        name,
                        f"reads staging model {parent_node['name']}, which is no door "
                        f"(outside the identifying zone, read the {DOOR_PREFIX}* doors)",
                    )
                )
            elif identifying and not staging and not name.startswith(DOOR_PREFIX):
                problems.append(
                    Problem(
                        name,
                        f"reads staging model {parent_node['name']} "
                        f"(in the identifying zone, only {DOOR_PREFIX}* models read staging)",
                    )
                )
        if not identifying:
            for column_name, column in sorted((node.get("columns") or {}).items()):
                if _meta(column).get("identifier"):
                    problems.append(
                        Problem(name, f"column {column_name} is flagged meta.pipase.identifier")
                    )
    return problems


def zone_of_folder(node: dict) -> tuple[str, tuple[str, ...]] | None:
    """The zone and name prefixes that a model's folder gives it, or None outside the zones."""
    path = _path(node)
    for folder, zone, prefixes in ZONE_FOLDERS:
        if path.startswith(folder):
            return zone, prefixes
    return None


def check_dag_direction(manifest: dict) -> list[Problem]:
    """The zones as dbt and the folders see them, and the one-way flow between them.

    - a model's zone is its folder's; its group, its configured schema and its name prefix
      must say the same (a crossing model cannot join the identifying group to read staging);
    - every staging model is private (a protected one would be readable by any group);
    - a model (or snapshot) never reads a model of a later zone: identifying -> crossing ->
      leaving, reports last (an identifying model that reads a crossing model would make
      the identifying zone depend on what the crossing zone decides);
    - outside the identifying zone, the only identifying models read are its doors
      (_is_door): int_keys__identites (private) or int_keys__valeurs_identifiantes
      (protected, flagged column) are for the identifying zone and the privacy tests only.
    """
    problems: list[Problem] = []
    models = manifest_models(manifest)
    zones: dict[str, str | None] = {}
    for uid, node in models.items():
        found = zone_of_folder(node)
        zones[uid] = found[0] if found else None
    for node in sorted(models.values(), key=lambda n: n["name"]):
        name = node["name"]
        found = zone_of_folder(node)
        if found is None:
            problems.append(Problem(name, f"is in no zone folder ({_path(node) or 'no path'})"))
            continue
        zone, prefixes = found
        group = _group(node)
        if group != zone:
            problems.append(Problem(name, f"group {group}, but its folder is in zone {zone}"))
        schema = (node.get("config") or {}).get("schema")
        if schema is not None and schema != ZONE_SCHEMAS[zone]:
            problems.append(Problem(name, f"schema {schema}, but its folder is in zone {zone}"))
        if not name.startswith(prefixes):
            problems.append(Problem(name, f"name does not start with {' or '.join(prefixes)}"))
        if is_staging(node) and _access(node) != "private":
            problems.append(
                Problem(name, f"staging model with access {_access(node)}, not private")
            )
    consumers = [
        (node, zones.get(uid)) for uid, node in models.items() if zones.get(uid) is not None
    ] + [
        (node, "crossing")  # snapshots keep crossing-zone tables only (STYLE.md section 9)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "snapshot"
    ]
    for node, zone in sorted(consumers, key=lambda item: item[0]["name"]):
        for parent in (node.get("depends_on") or {}).get("nodes", []):
            parent_node = models.get(parent)
            parent_zone = zones.get(parent)
            if parent_node is None or parent_zone is None:
                continue
            if ZONES.index(parent_zone) > ZONES.index(zone):
                problems.append(
                    Problem(
                        node["name"],
                        f"{zone} model reads {parent_zone} model {parent_node['name']} "
                        "(the data flows identifying -> crossing -> leaving)",
                    )
                )
            elif parent_zone == IDENTIFYING_GROUP != zone and not _is_door(parent_node):
                flagged = _flagged_columns(parent_node)
                why = (
                    f"it documents identifier columns ({', '.join(flagged)})"
                    if flagged
                    else f"it is no door (a door is an {DOOR_PREFIX}* model, protected or public)"
                )
                problems.append(
                    Problem(
                        node["name"],
                        f"{zone} model reads identifying model {parent_node['name']}: {why}",
                    )
                )
    return problems


def check_store_failures(manifest: dict, run_results: dict | None = None) -> list[Problem]:
    problems: list[Problem] = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        config = node.get("config") or {}
        store_as = config.get("store_failures_as")
        if config.get("store_failures") is True or store_as in ("table", "view"):
            problems.append(
                Problem(node["name"], "stores its failing rows (store_failures must stay off)")
            )
    if run_results is not None:
        args = run_results.get("args") or {}
        if args.get("store_failures") is True:
            problems.append(Problem("run_results.json", "dbt ran with --store-failures"))
    return problems


def _kwargs(test: dict) -> dict:
    """A generic test's arguments, given directly or under `arguments:` (dbt 1.10+)."""
    kwargs = dict((test.get("test_metadata") or {}).get("kwargs") or {})
    kwargs.update(kwargs.pop("arguments", None) or {})
    return kwargs


def _is_text(column: dict) -> bool:
    """A column that may carry text: typed varchar/text (or a list of them), or not typed at
    all (an untyped column cannot be shown to hold no text)."""
    data_type = str(column.get("data_type") or "").strip().lower()
    return not data_type or data_type.startswith(TEXT_TYPES)


def _held_to(
    name: str, column: str, attached: list[dict], test_name: str, accepts
) -> list[Problem]:
    """Problems unless one of the column's tests is `test_name` with arguments `accepts` likes,
    and none of those is weakened."""
    found = [t for t in attached if _test_name(t) == test_name and accepts(t)]
    if not found:
        return [Problem(name, f"column {column} lacks {test_name}")]
    return [
        Problem(name, f"{test_name} on {column} weakened by {why}")
        for t in found
        if (why := _weakened(t))
    ]


def _column_vocabulary_problems(
    name: str, column_name: str, column: dict, attached: list[dict], seeds: dict[str, str]
) -> list[Problem]:
    meta = _meta(column)
    problems: list[Problem] = []
    if plage := meta.get("plage"):
        problems += _held_to(
            name, column_name, attached, RANGE_TEST, lambda t: _kwargs(t).get("plage") == plage
        )
    if not _is_text(column):
        return problems
    vocabulary, value = meta.get("vocabulaire"), meta.get("valeur")
    if vocabulary:
        seed_uid = seeds.get(vocabulary)
        if seed_uid is None:
            return [*problems, Problem(name, f"column {column_name}: {vocabulary} is no seed")]
        code_column = meta.get("colonne_code") or "code"

        def reads_the_seed(test: dict) -> bool:
            return (
                seed_uid in ((test.get("depends_on") or {}).get("nodes") or [])
                and (_kwargs(test).get("code_column") or "code") == code_column
            )

        return problems + _held_to(name, column_name, attached, CODE_LIST_TEST, reads_the_seed)
    if value in VALUE_TESTS:
        lowered = column_name.lower()
        if (value == "cle" and lowered.startswith(KEY_COLUMN_PREFIX)) or (
            value == "mois" and lowered.startswith(MONTH_COLUMN_PREFIX)
        ):
            return problems  # check_leaving holds these to their test
        return problems + _held_to(name, column_name, attached, VALUE_TESTS[value], bool)
    return [
        *problems,
        Problem(
            name,
            f"text column {column_name} has no code list (meta pipase.vocabulaire) "
            "nor pipase.valeur cle, mois or code_calcule",
        ),
    ]


def check_vocabularies(manifest: dict) -> list[Problem]:
    """No leaving text column carries the source's text as typed. Each text column
    of a leaving model says in its YAML meta what it holds and carries the test that proves it:
    a closed vocabulary (`pipase: {vocabulaire: <seed>}`: is_in_code_list reading that seed, on
    the seed column named by pipase.colonne_code, default `code`), a key (`valeur: cle`,
    is_sha256_hex), a month (`valeur: mois`, is_month_precision) or a code computed by
    stable_code (`valeur: code_calcule`, is_stable_code). A column with `plage: <name>` (a
    number with a documented range) carries is_in_numeric_range on that range. Keys named
    cle_hachage* and months named mois_* are already held to their tests by check_leaving and
    are not reported twice. Self-contained (it may move into the package as it is)."""
    problems: list[Problem] = []
    tests = _tests_by_node(manifest)
    seeds = {n["name"]: uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "seed"}
    for uid, node in sorted(leaving_models(manifest).items()):
        by_column: dict[str, list[dict]] = defaultdict(list)
        for test in tests.get(uid, []):
            if test.get("column_name"):
                by_column[test["column_name"].lower()].append(test)
        for column_name, column in sorted((node.get("columns") or {}).items()):
            problems += _column_vocabulary_problems(
                node["name"], column_name, column, by_column[column_name.lower()], seeds
            )
    return problems


def check(manifest: dict, run_results: dict | None = None) -> list[Problem]:
    return (
        check_leaving(manifest)
        + check_vocabularies(manifest)
        + check_zones(manifest)
        + check_dag_direction(manifest)
        + check_store_failures(manifest, run_results)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--manifest", type=Path, default=Path("target/manifest.json"))
    parser.add_argument(
        "--run-results",
        type=Path,
        default=None,
        help="run_results.json of the build to check for --store-failures (optional)",
    )
    parser.add_argument(
        "--min-leaving",
        type=int,
        default=1,
        help="fail when fewer leaving models are found (default 1: an empty check proves nothing)",
    )
    args = parser.parse_args(argv)
    try:
        manifest = read_manifest(args.manifest)
        run_results = (
            json.loads(args.run_results.read_text(encoding="utf-8"))
            if args.run_results and args.run_results.exists()
            else None
        )
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"privacy_check: cannot read {args.manifest}: {exc}\n")
        return 2
    problems = check(manifest, run_results)
    n_leaving = len(leaving_models(manifest))
    if n_leaving < args.min_leaving:
        problems.append(
            Problem(
                "manifest", f"{n_leaving} leaving model(s), expected at least {args.min_leaving}"
            )
        )
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    if problems:
        sys.stdout.write(
            f"privacy_check: {len(problems)} problem(s), {n_leaving} leaving model(s)\n"
        )
        return 1
    sys.stdout.write(f"privacy_check: {n_leaving} leaving model(s) covered\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
