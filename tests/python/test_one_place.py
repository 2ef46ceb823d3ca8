"""Each rule in one place, nothing dead: the checks that keep the codebase safe to change.

Every check reads files only (seconds) and has a planted counter-example that it must find:

- every dbt var the SQL reads is declared in dbt_project.yml with a comment saying what it
  means, and every declared var is read;
- every macro is called (a dispatch variant counts through its macro; dbt calls
  generate_schema_name itself); every seed is read (ref() in the project, or the Python code);
  every script is named somewhere (Makefile, docs, tests, another script);
- no comment or docstring names a work item of the tracker;
- sqlfluff has one scope: make lint, make format and the pre-commit hook name the whole
  repository and .sqlfluffignore narrows it;
- library code never prints (ruff's T20 outside the CLI layer);
- every exception of the package is a PipaseError (one root);
- the dbt test has_no_identifier_columns reads the one list of identifying column names
  (pipase.identifiers), through the macro generated from it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import generate_identifier_rules  # noqa: E402

from pipase import identifiers  # noqa: E402

DBT_DIRS = ("models", "macros", "tests", "snapshots", "analyses")
RUFF = Path(sys.executable).parent / "ruff"


def _tracked(root: Path, *patterns: str) -> list[Path]:
    """Files git tracks or would track under `root` matching the patterns (a plain tree
    outside a checkout)."""
    result = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *patterns],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0 and result.stdout.strip():
        return [root / line for line in result.stdout.splitlines() if (root / line).is_file()]
    return sorted(
        path
        for pattern in patterns
        for path in root.glob(pattern.replace("*", "**/*", 1))
        if path.is_file()
    )


def _sql_and_yaml(root: Path) -> dict[Path, str]:
    files = _tracked(root, *(f"{d}/*.sql" for d in DBT_DIRS), *(f"{d}/*.yml" for d in DBT_DIRS))
    return {path: path.read_text(encoding="utf-8") for path in files}


# ------------------------------------------------------------------------------------ vars
VAR_CALL = re.compile(r"""\bvar\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]""")


def var_problems(root: Path) -> list[str]:
    """Vars read but not declared, declared but not read, or declared without a comment."""
    used = {
        name
        for path, text in _sql_and_yaml(root).items()
        if path.suffix == ".sql"
        for name in VAR_CALL.findall(text)
    }
    project_text = (root / "dbt_project.yml").read_text(encoding="utf-8")
    declared = set((yaml.safe_load(project_text).get("vars") or {}).keys())
    problems = [f"var {name} is read but not declared" for name in sorted(used - declared)]
    problems += [f"var {name} is declared but never read" for name in sorted(declared - used)]
    lines = project_text.splitlines()
    for number, line in enumerate(lines):
        match = re.match(r"  ([a-z_][a-z0-9_]*):", line)
        if match and match.group(1) in declared and not lines[number - 1].strip().startswith("#"):
            problems.append(f"var {match.group(1)} has no comment saying what it means")
    return problems


def test_every_var_is_declared_with_its_meaning_and_read():
    assert var_problems(REPO) == []


def _mini_project(tmp_path: Path, model_sql: str, vars_block: str) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.sql").write_text(model_sql, encoding="utf-8")
    (tmp_path / "dbt_project.yml").write_text(f"name: p\n{vars_block}", encoding="utf-8")
    return tmp_path


def test_an_undeclared_an_unread_and_an_unexplained_var_are_found(tmp_path):
    root = _mini_project(
        tmp_path,
        "select {{ var('cutoff') }} as a, {{ var('documented') }} as b, {{ var('bare') }} as c",
        "vars:\n  # what it means\n  documented: 1\n  bare: 2\n  # never read\n  unread: 3\n",
    )
    assert var_problems(root) == [
        "var cutoff is read but not declared",
        "var unread is declared but never read",
        "var bare has no comment saying what it means",
    ]


# ---------------------------------------------------------------------------------- macros
MACRO_DEF = re.compile(r"\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(")
COMMENTS = re.compile(r"\{#.*?#\}|--[^\n]*", re.S)
DBT_CALLS_ITSELF = {"generate_schema_name"}


def uncalled_macros(root: Path) -> list[str]:
    files = _sql_and_yaml(root)
    defined: dict[str, Path] = {}
    for path, text in files.items():
        if path.suffix == ".sql" and path.relative_to(root).parts[0] == "macros":
            for name in MACRO_DEF.findall(text):
                defined[name] = path
    sql_text = "\n".join(
        MACRO_DEF.sub("", COMMENTS.sub("", text))
        for path, text in files.items()
        if path.suffix == ".sql"
    ) + (root / "dbt_project.yml").read_text(encoding="utf-8")
    sql_text += "\n".join(
        text for path, text in files.items() if path.suffix == ".yml" and "macros" not in path.parts
    )

    def called(name: str) -> bool:
        if name in DBT_CALLS_ITSELF:
            return True
        base = name.split("__", 1)[1] if name.split("__", 1)[0] in ("default", "duckdb") else None
        if base is not None:  # a dispatch variant: called when its macro dispatches and is called
            return f"'{base}'" in sql_text and called(base)
        return re.search(rf"\b{re.escape(name)}\s*\(", sql_text) is not None

    return sorted(name for name in defined if not called(name))


def test_every_macro_is_called():
    assert uncalled_macros(REPO) == []


def test_an_uncalled_macro_is_found(tmp_path):
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "m.sql").write_text(
        "{#\n  surname(a, b): rule 1 (a comment is no call)\n#}\n"
        "{% macro used(x) %}{{ x }}{% endmacro %}\n{% macro surname(a, b) %}{% endmacro %}\n",
        encoding="utf-8",
    )
    _mini_project(tmp_path, "select {{ used('1') }} as a", "")
    assert uncalled_macros(tmp_path) == ["surname"]


# ----------------------------------------------------------------------------------- seeds
def unread_seeds(root: Path) -> list[str]:
    project = yaml.safe_load((root / "dbt_project.yml").read_text(encoding="utf-8"))
    seeds = {
        path.stem
        for folder in project.get("seed-paths", ["seeds"])
        for path in _tracked(root, f"{folder}/*.csv")
    }
    dbt_text = "\n".join(_sql_and_yaml(root).values())
    python_text = "\n".join(
        path.read_text(encoding="utf-8") for path in _tracked(root, "src/pipase/*.py")
    )

    def read(name: str) -> bool:
        referenced = re.search(rf"""ref\(\s*['"]{re.escape(name)}['"]\s*\)""", dbt_text)
        return bool(referenced) or re.search(rf"\b{re.escape(name)}\b", python_text) is not None

    return sorted(name for name in seeds if not read(name))


def test_every_seed_is_read():
    assert unread_seeds(REPO) == []


def test_an_unread_seed_is_found(tmp_path):
    (tmp_path / "seeds").mkdir()
    for name in ("ref_read", "ref_pays"):
        (tmp_path / "seeds" / f"{name}.csv").write_text("code\nA\n", encoding="utf-8")
    _mini_project(tmp_path, "select * from {{ ref('ref_read') }}", "")
    assert unread_seeds(tmp_path) == ["ref_pays"]


# --------------------------------------------------------------------------------- scripts
def unreferenced_scripts(root: Path) -> list[str]:
    scripts = _tracked(root, "scripts/*.py")
    everything = {
        path: path.read_text(encoding="utf-8", errors="replace")
        for path in _tracked(root, "*")
        if path.suffix in (".py", ".md", ".yml", ".yaml", ".toml", ".sql", ".txt", "")
        or path.name == "Makefile"
    }
    unreferenced = []
    for script in scripts:
        stem = script.stem
        named = any(
            re.search(rf"\b{re.escape(stem)}\b", text)
            for path, text in everything.items()
            if path != script
        )
        if not named:
            unreferenced.append(str(script.relative_to(root)))
    return sorted(unreferenced)


def test_every_script_is_named_somewhere():
    assert unreferenced_scripts(REPO) == []


def test_a_script_named_nowhere_is_found(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "used.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "scripts" / "bench_sql_variants.py").write_text("y = 2\n", encoding="utf-8")
    (tmp_path / "Makefile").write_text("all:\n\tpython scripts/used.py\n", encoding="utf-8")
    assert unreferenced_scripts(tmp_path) == ["scripts/bench_sql_variants.py"]


# ------------------------------------------------------------------------------ work items
# Written so that this file does not match itself.
WORK_ITEM = re.compile(r"\b[Ii]ssues?\s?#?[0-9]" + r"|\bIS" + r"SUE\s?[0-9]")


def work_item_mentions(root: Path) -> list[str]:
    found = []
    for path in _tracked(root, "*"):
        if path.suffix not in (".py", ".sql", ".yml", ".yaml", ".md", ".toml", ".cfg") and (
            path.name != "Makefile"
        ):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if WORK_ITEM.search(line):
                found.append(f"{path.relative_to(root)}:{number}")
    return found


def test_no_comment_names_a_work_item():
    assert work_item_mentions(REPO) == []


def test_a_work_item_in_a_comment_is_found(tmp_path):
    (tmp_path / "m.sql").write_text("-- clean\n-- Issue" + " 4.8: snapshots\n", encoding="utf-8")
    assert work_item_mentions(tmp_path) == ["m.sql:2"]


# -------------------------------------------------------------------------------- sqlfluff
def test_sqlfluff_has_one_scope_for_lint_format_and_pre_commit():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    calls = re.findall(r"sqlfluff (lint|fix) (\S+)", makefile)
    assert sorted(kind for kind, _ in calls) == ["fix", "lint"]
    assert {where for _, where in calls} == {"."}, calls
    hooks = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    sqlfluff = [h for repo in hooks["repos"] for h in repo["hooks"] if "sqlfluff" in h["entry"]]
    assert [h["files"] for h in sqlfluff] == [r"\.sql$"]
    ignored = (REPO / ".sqlfluffignore").read_text(encoding="utf-8").split()
    assert {"macros/", "tests/generic/", "association/", "target/"} <= set(ignored)


# ------------------------------------------------------------------------------ no print
def _ruff_print_findings(filename: str) -> str:
    result = subprocess.run(
        [str(RUFF), "check", "--select", "T20", "--stdin-filename", filename, "-"],
        input="print('x')\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    return result.stdout


def test_library_code_never_prints_only_the_cli_layer_does():
    assert "T201" in _ruff_print_findings("src/pipase/load/loader.py")
    assert "T201" in _ruff_print_findings("src/pipase/transmission/archive.py")
    for cli_layer in (
        "src/pipase/cli.py",
        "src/pipase/load/command.py",
        "src/pipase/transmission/export_cmd.py",
        "scripts/generate_sources.py",
    ):
        assert "T201" not in _ruff_print_findings(cli_layer), cli_layer


# ------------------------------------------------------------------------------ one root
EXCEPTION_ROOTS = {
    "Exception",
    "BaseException",
    "ValueError",
    "RuntimeError",
    "OSError",
    "KeyError",
}


def exceptions_outside_the_root(package: Path) -> list[str]:
    """Public exception classes of the package that do not derive from PipaseError."""
    bases: dict[str, list[str]] = {}
    where: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                names = [
                    b.id if isinstance(b, ast.Name) else b.attr
                    for b in node.bases
                    if isinstance(b, ast.Name | ast.Attribute)
                ]
                bases[node.name] = names
                where[node.name] = f"{path.relative_to(package.parent)}:{node.name}"

    def is_exception(name: str, seen=()) -> bool:
        if name in EXCEPTION_ROOTS or name == "PipaseError":
            return True
        return any(is_exception(b, (*seen, name)) for b in bases.get(name, []) if b not in seen)

    def rooted(name: str, seen=()) -> bool:
        if name == "PipaseError":
            return True
        return any(rooted(b, (*seen, name)) for b in bases.get(name, []) if b not in seen)

    return sorted(
        where[name]
        for name in bases
        if not name.startswith("_") and is_exception(name) and not rooted(name)
    )


def test_every_error_of_the_package_is_a_pipase_error():
    assert exceptions_outside_the_root(REPO / "src" / "pipase") == []


def test_an_error_outside_the_root_is_found(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "errors.py").write_text(
        "class PipaseError(Exception): ...\nclass Good(PipaseError): ...\n", encoding="utf-8"
    )
    (package / "x.py").write_text(
        "class Bad(ValueError): ...\nclass Worse(Bad): ...\nclass _Internal(Exception): ...\n"
        "class Fine(Good, RuntimeError): ...\nclass NotAnError: ...\n",
        encoding="utf-8",
    )
    assert exceptions_outside_the_root(package) == ["pkg/x.py:Bad", "pkg/x.py:Worse"]


# ---------------------------------------------------------------- identifying column names
def test_the_dbt_identifier_test_reads_the_one_list():
    macro = REPO / "macros" / "privacy" / "identifier_column_rules.sql"
    assert macro.read_text(encoding="utf-8") == generate_identifier_rules.render()
    test_sql = (REPO / "tests" / "generic" / "test_has_no_identifier_columns.sql").read_text()
    assert "identifier_column_rules()" in test_sql
    # no word list of its own: the words live in pipase.identifiers only
    assert "'prenom'" not in test_sql and "'adresse'" not in test_sql


def test_a_rule_changed_in_the_one_list_changes_the_dbt_macro(monkeypatch):
    before = generate_identifier_rules.render()
    rules = dict(identifiers.COLUMN_NAME_RULES)
    rules["name"] = re.compile(r"(^|_)(nom)(_|$)")
    monkeypatch.setattr(identifiers, "COLUMN_NAME_RULES", rules)
    assert generate_identifier_rules.render() != before


@pytest.mark.parametrize(
    ("column", "leaves"),
    [
        ("nom", False),
        ("prenom2", False),
        ("date_naissance", False),
        ("numvoie", False),
        ("voie", False),
        ("id_individu", False),
        ("_ligne", False),
        ("mois_naissance", True),
        ("annees_naissance_enfants", True),
        ("commune_residence", True),
        ("cle_hachage_secondaire", True),
    ],
)
def test_the_one_list_decides_what_may_leave(column, leaves):
    """What the generated macro holds, applied as the dbt test applies it."""
    refused = identifiers.column_name_rule(column) is not None or any(
        p.search(column) for p in identifiers.LEAVING_ONLY_RULES.values()
    )
    assert refused is (not leaves and not column.startswith("cle_hachage"))
