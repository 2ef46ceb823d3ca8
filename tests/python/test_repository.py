"""The repository is self-contained: what it needs lives in it, in its own words.

- no file refers to a folder outside the repository (the notes folder beside it on the machine
  where it was first written) or to an absolute path of one machine (a user's home folder...);
- every path the README names exists (the docs first of all), and the README names the protocol,
  the source notes, the development guide and the licence;
- every source contract has its page in ``docs/sources/``, which names each file and column of
  the contract and marks each column "vérifié" or "supposé".
"""

from __future__ import annotations

import glob
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO

# Written so that this file does not match itself: "share" + "d/", "/wor" + "k/"...
OUTSIDE_REFERENCE = re.compile(
    r"share[d]/"  # the folder of notes beside the repository where it was first written
    r"|/wor[k]/|/hom[e]/[a-z]|/User[s]/|/roo[t]/|[A-Z]:\\User[s]\\"  # one machine's paths
)
ROOT_FILES_NAMED = ["LICENSE", "docs/protocole_hachage.md", "docs/sources/README.md"]
README_MUST_NAME = [*ROOT_FILES_NAMED, "docs/development.md"]
CONTRACTS = sorted((REPO / "src/pipase/contracts").glob("*.yml"))
STATUS = re.compile(r"vérifié|supposé")


def repository_files() -> list[Path]:
    """Files git tracks or would track (new, not ignored), that exist in the working tree."""
    result = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"git ls-files failed in {REPO}: {result.stderr.strip()}")
    paths = [REPO / name for name in result.stdout.split("\0") if name]
    return [path for path in paths if path.is_file()]


def outside_references(paths: list[Path]) -> list[str]:
    """'file:line: text' for every line that points outside the repository."""
    found = []
    for path in paths:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE_REFERENCE.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:120]}")
    return found


def paths_named(markdown: str, top_level: set[str]) -> list[str]:
    """Repository paths written in `code` or as link targets, as glob patterns."""
    words = []
    for token in re.findall(r"`([^`\n]+)`", markdown) + re.findall(r"\]\(([^)\s]+)\)", markdown):
        words += [word.strip(",;:()") for word in token.split()]
    patterns = []
    for word in words:
        first = word.split("/")[0]
        if first not in top_level or ("/" not in word and first != word):
            continue
        word = re.sub(r"<[^>/]+>", "*", word)  # models/staging/<source>/
        braces = re.search(r"\{([^}]+)\}", word)  # models/intermediate/{cohort,crossing}/
        options = braces.group(1).split(",") if braces else [""]
        for option in options:
            patterns.append(word.replace(braces.group(0), option) if braces else word)
    return patterns


def missing_paths(patterns: list[str], root: Path) -> list[str]:
    return [pattern for pattern in patterns if not glob.glob(str(root / pattern))]


def undocumented_columns(contract: dict, page: str) -> list[str]:
    """Contract files and columns absent from the page, or present without a status."""
    rows = {}
    for line in page.splitlines():
        match = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if match:
            rows.setdefault(match.group(1), []).append(line)
    problems = []
    for file in contract["files"]:
        if f"`{file['file']}`" not in page:
            problems.append(f"file {file['file']} not named")
        for column in file["columns"]:
            lines = rows.get(column["name"], [])
            if not lines:
                problems.append(f"{file['table']}.{column['name']}: no table row")
            elif not any(STATUS.search(line) for line in lines):
                problems.append(f"{file['table']}.{column['name']}: neither vérifié nor supposé")
    return problems


# --- the repository ---------------------------------------------------------------------------


def test_no_file_refers_outside_the_repository():
    files = repository_files()
    assert len(files) > 100, "git ls-files listed too few files: not the pipase repository?"
    assert outside_references(files) == []


def test_every_path_the_readme_names_exists():
    top_level = {path.relative_to(REPO).parts[0] for path in repository_files()}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    patterns = paths_named(readme, top_level)
    assert len(patterns) > 30
    assert missing_paths(patterns, REPO) == []
    for name in README_MUST_NAME:
        assert f"`{name}`" in readme or f"({name})" in readme, f"README does not name {name}"
        assert (REPO / name).is_file(), name


def test_licence_is_the_mit_licence_the_readme_names():
    licence = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 pipase contributors\n")
    assert "MIT licence" in (REPO / "README.md").read_text(encoding="utf-8")


def test_docs_link_to_files_that_exist():
    for page in (REPO / "docs").rglob("*.md"):
        if "site" in page.relative_to(REPO / "docs").parts:
            continue  # the dbt docs pages use dbt's own #!/model/... links
        links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
        for target in links:
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.relative_to(REPO)} -> {target}"


@pytest.mark.parametrize("contract_path", CONTRACTS, ids=lambda p: p.stem)
def test_each_source_page_documents_its_contract(contract_path):
    contract = yaml.safe_load(contract_path.read_text(encoding="utf-8"))
    page = REPO / "docs/sources" / f"{contract['source']}.md"
    assert page.is_file(), f"no page {page.relative_to(REPO)} for the contract {contract_path.name}"
    assert undocumented_columns(contract, page.read_text(encoding="utf-8")) == []


def test_there_are_five_contracts_and_an_index_naming_each_page():
    index = (REPO / "docs/sources/README.md").read_text(encoding="utf-8")
    assert len(CONTRACTS) == 5
    for contract_path in CONTRACTS:
        assert f"({contract_path.stem}.md)" in index


# --- the checks catch what they are for (planted violations) -----------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "see ../" + "shared" + "/spec/hashing_protocol.md",
        "the venv at /" + "work/main/.venv",
        "ENV = '/" + "home/alice/pipase/data'",
        "C:" + "\\Users\\alice\\pipase",
    ],
    ids=["notes-folder", "work-path", "home-path", "windows-path"],  # not the lines themselves
)
def test_an_outside_reference_is_found(tmp_path, line):
    planted = REPO / "tests" / "fixtures" / f"_planted_{tmp_path.name}.md"
    planted.write_text(f"# notes\n\n{line}\n", encoding="utf-8")
    try:
        assert outside_references([planted]) == [f"{planted.relative_to(REPO)}:3: {line.strip()}"]
        assert any(path == planted for path in repository_files())  # an untracked file counts
    finally:
        planted.unlink()


def test_a_clean_file_has_no_outside_reference(tmp_path):
    clean = REPO / "tests" / "fixtures" / f"_clean_{tmp_path.name}.md"
    clean.write_text("See docs/protocole_hachage.md and /usr/bin/7zz.\n", encoding="utf-8")
    try:
        assert outside_references([clean]) == []
    finally:
        clean.unlink()


def test_a_missing_named_path_is_found(tmp_path):
    (tmp_path / "docs/sources").mkdir(parents=True)
    (tmp_path / "docs/sources/webrsa.md").write_text("x", encoding="utf-8")
    markdown = "See `docs/sources/webrsa.md`, `docs/{sources,gone}/` and [x](docs/absent.md)."
    patterns = paths_named(markdown, {"docs"})
    assert patterns == ["docs/sources/webrsa.md", "docs/sources/", "docs/gone/", "docs/absent.md"]
    assert missing_paths(patterns, tmp_path) == ["docs/gone/", "docs/absent.md"]


def test_an_undocumented_or_unmarked_column_is_found():
    contract = {
        "files": [
            {
                "table": "t",
                "file": "t.csv",
                "columns": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
            }
        ]
    }
    page = "`t.csv`\n\n| `a` | varchar | vérifié |\n| `b` | varchar | plausible |\n"
    assert undocumented_columns(contract, page) == [
        "t.b: neither vérifié nor supposé",
        "t.c: no table row",
    ]
    assert undocumented_columns(contract, "nothing") == [
        "file t.csv not named",
        "t.a: no table row",
        "t.b: no table row",
        "t.c: no table row",
    ]
