"""Check that the docs site describes every annex 2 field, in French, and links to real nodes.

What: reads dbt's manifest (target/manifest.json, or the one given) and docs/annex2.yml (annex 2
  of the convention, as data) and fails when
  - an annex 2 field (base + champ) is mapped by no column of a leaving model of that base
    (column `config.meta.annexe2.champ`, model `config.meta.annexe2.base`);
  - a leaving column names no annex 2 field, or a field that its base does not have;
  - a leaving model names no annex 2 base and group, or one that the annex does not have;
  - a leaving model or column has no description, or one that does not read as French;
  - a link of the docs site's pages (docs/site/*.md: #!/model/<id>, #!/macro/<id>, ...) points
    to a node that the manifest does not have.
  Leaving models: those of pipase.manifest.leaving_models (any sign of the leaving zone).
Why: the site and the printable dictionary are the steering committee's and the DPO's view of
  what leaves the Department; a field without its column, or a column without its French
  description, is a hole in that view. The check runs on the manifest, so it never drifts from
  the marts' YAML.
When: after `dbt parse` or `dbt docs generate` (make docs runs it on the site's manifest);
  `--parse` runs `dbt parse` itself into a temporary folder.

Prints one line per problem, grouped by model; exit 0 complete, 1 problems, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipase.manifest import leaving_models as manifest_leaving_models
from pipase.manifest import read_manifest as load_manifest

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ANNEX = REPO / "docs" / "annex2.yml"
DEFAULT_DOCS_DIR = REPO / "docs" / "site"

# Words that tell French from English in a short description (articles, prepositions, verbs);
# French accents and guillemets count as one more French word.
_FRENCH = (
    "le la les l un une des du de d au aux en et ou est sont dans pour par sur avec sans si qui "
    "que qu ne n pas ce cette ces son sa ses leur chaque quand vide mois annee jours ligne"
)
_ENGLISH = (
    "the of and is are in to for with without when by on from or if which that not this its "
    "be as per each one row rows only never empty month year days"
)
FRENCH_WORDS = frozenset(_FRENCH.split())
ENGLISH_WORDS = frozenset(_ENGLISH.split())
FRENCH_MARKS = re.compile(r"[éèêëàâçùûôîœ«»]", re.IGNORECASE)
LINK = re.compile(r"#!/(model|macro|test|unit_test|seed|source|snapshot|overview)/(\w[\w.\-]*)")
LINK_PREFIX = {
    "model": "model.",
    "test": "test.",
    "unit_test": "unit_test.",
    "seed": "seed.",
    "snapshot": "snapshot.",
}


@dataclass(frozen=True)
class AnnexField:
    base: str
    group: str
    champ: str
    detail: str | None


@dataclass(frozen=True)
class Problem:
    where: str  # model name, or a docs file
    column: str | None
    message: str

    def line(self) -> str:
        column = f".{self.column}" if self.column else ""
        return f"{self.where}{column}: {self.message}"


def load_annex(path: Path = DEFAULT_ANNEX) -> list[AnnexField]:
    """Every field of annex 2, in the annex's order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fields = []
    for base in data["bases"]:
        for group in base["groups"]:
            for field in group["fields"]:
                fields.append(
                    AnnexField(base["base"], group["group"], field["champ"], field.get("detail"))
                )
    return fields


def annexe2_meta(node_or_column: dict) -> dict:
    """meta.annexe2 of a node or column (config.meta first, then the legacy meta)."""
    config_meta = (node_or_column.get("config") or {}).get("meta") or {}
    meta = config_meta.get("annexe2") or (node_or_column.get("meta") or {}).get("annexe2")
    return meta if isinstance(meta, dict) else {}


def leaving_models(manifest: dict) -> list[dict]:
    """Models of the leaving zone (pipase.manifest decides which), sorted by name."""
    return list(manifest_leaving_models(manifest).values())


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def reads_as_french(text: str) -> bool:
    """A rough test: more French words (and accents) than English ones, once code is removed."""
    prose = re.sub(r"`[^`]*`", " ", text or "")
    words = re.findall(r"[a-z]+", _fold(prose))
    french = sum(word in FRENCH_WORDS for word in words) + bool(FRENCH_MARKS.search(prose))
    english = sum(word in ENGLISH_WORDS for word in words)
    return french > 0 and french > english


def _description_problem(description: str | None) -> str | None:
    if not (description or "").strip():
        return "no description"
    if not reads_as_french(description):
        return "description does not read as French"
    return None


def check_fields(manifest: dict, annex: list[AnnexField]) -> list[Problem]:
    """Annex 2 fields against the leaving models' columns (both directions) and descriptions."""
    problems: list[Problem] = []
    annex_by_base: dict[str, set[str]] = defaultdict(set)
    groups_by_base: dict[str, set[str]] = defaultdict(set)
    for field in annex:
        annex_by_base[field.base].add(field.champ)
        groups_by_base[field.base].add(field.group)

    mapped: set[tuple[str, str]] = set()
    for node in leaving_models(manifest):
        name = node["name"]
        meta = annexe2_meta(node)
        base, group = meta.get("base"), meta.get("groupe")
        if base not in annex_by_base:
            problems.append(
                Problem(name, None, f"no known annex 2 base (meta annexe2.base = {base!r})")
            )
        elif group not in groups_by_base[base]:
            problems.append(
                Problem(
                    name,
                    None,
                    f"no known annex 2 group of {base} (meta annexe2.groupe = {group!r})",
                )
            )
        message = _description_problem(node.get("description"))
        if message:
            problems.append(Problem(name, None, f"model: {message}"))
        if not node.get("columns"):
            problems.append(Problem(name, None, "no documented column"))
        for column_name, column in node.get("columns", {}).items():
            champ = annexe2_meta(column).get("champ")
            if not champ:
                problems.append(
                    Problem(name, column_name, "names no annex 2 field (config.meta.annexe2.champ)")
                )
            elif base in annex_by_base and champ not in annex_by_base[base]:
                problems.append(
                    Problem(name, column_name, f"champ {champ!r} is not an annex 2 field of {base}")
                )
            elif base in annex_by_base:
                mapped.add((base, champ))
            message = _description_problem(column.get("description"))
            if message:
                problems.append(Problem(name, column_name, message))

    for field in annex:
        if (field.base, field.champ) not in mapped:
            problems.append(
                Problem(
                    f"annex 2 / {field.base} / {field.group}",
                    None,
                    f"champ {field.champ!r} is mapped by no column of a leaving model",
                )
            )
    return problems


def _node_exists(manifest: dict, kind: str, unique_id: str) -> bool:
    if kind == "macro":
        return unique_id in manifest.get("macros", {})
    if kind == "source":
        return unique_id in manifest.get("sources", {})
    if kind == "unit_test":
        return unique_id in manifest.get("unit_tests", {})
    if kind == "overview":
        project = manifest["metadata"].get("project_name", "pipase")
        return unique_id == project
    return unique_id.startswith(LINK_PREFIX[kind]) and unique_id in manifest.get("nodes", {})


def check_links(manifest: dict, docs_dir: Path = DEFAULT_DOCS_DIR) -> list[Problem]:
    """Every #!/<kind>/<id> link of the site's hand-written pages names a node of the manifest."""
    problems = []
    for path in sorted(docs_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for match in LINK.finditer(text):
            kind, unique_id = match.groups()
            if not _node_exists(manifest, kind, unique_id):
                problems.append(
                    Problem(path.name, None, f"link to an unknown node: {kind}/{unique_id}")
                )
    return problems


def check(
    manifest: dict, annex: list[AnnexField], docs_dir: Path = DEFAULT_DOCS_DIR
) -> list[Problem]:
    return check_fields(manifest, annex) + check_links(manifest, docs_dir)


def report(problems: list[Problem]) -> str:
    """Problems grouped by model (or file), for the engineers who own them."""
    by_where: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_where[problem.where].append(problem)
    lines = []
    for where in sorted(by_where):
        lines.append(f"{where}:")
        lines.extend(
            f"  - {(p.column + ': ') if p.column else ''}{p.message}" for p in by_where[where]
        )
    return "\n".join(lines)


def _parse(target: Path) -> Path:
    """dbt parse into `target`, returning its manifest."""
    dbt = Path(sys.executable).parent / "dbt"
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.setdefault("PIPASE_CODE_KEY", "synthetic-docs-check-key-not-secret")
    command = [
        str(dbt) if dbt.exists() else "dbt",
        "parse",
        "--project-dir",
        str(REPO),
        "--profiles-dir",
        os.environ.get("DBT_PROFILES_DIR", str(REPO)),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
    ]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-2000:])
        raise SystemExit(2)
    return target / "manifest.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    default_target = Path(os.environ.get("DBT_TARGET_PATH", REPO / "target"))
    parser.add_argument("--manifest", type=Path, default=default_target / "manifest.json")
    parser.add_argument("--annex", type=Path, default=DEFAULT_ANNEX, help="docs/annex2.yml")
    parser.add_argument("--docs-dir", type=Path, default=DEFAULT_DOCS_DIR)
    parser.add_argument(
        "--parse", action="store_true", help="run dbt parse first (temporary target)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pipase_docs_check_") as tmp:
        manifest_path = _parse(Path(tmp)) if args.parse else args.manifest
        try:
            manifest = load_manifest(manifest_path)
            annex = load_annex(args.annex)
        except (OSError, ValueError, KeyError, yaml.YAMLError) as error:
            sys.stderr.write(f"check_docs_completeness: cannot read input: {error}\n")
            return 2
    problems = check(manifest, annex, args.docs_dir)
    n_models = len(leaving_models(manifest))
    if problems:
        sys.stdout.write(report(problems) + "\n")
        sys.stdout.write(
            f"check_docs_completeness: {len(problems)} problem(s); {len(annex)} annex 2 fields, "
            f"{n_models} leaving models ({manifest_path})\n"
        )
        return 1
    sys.stdout.write(
        f"check_docs_completeness: complete; {len(annex)} annex 2 fields mapped by "
        f"{n_models} leaving models, every column described in French ({manifest_path})\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
