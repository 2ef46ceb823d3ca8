"""The CLI speaks French by default and English when the locale asks for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipase import i18n

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "fr"),
        ({"LANG": "C.UTF-8"}, "fr"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "PIPASE_LANG": "fr"}, "fr"),
    ],
)
def test_language_follows_the_environment(monkeypatch, env, expected):
    for variable in ("PIPASE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    assert i18n.language() == expected


def _pipase(*args: str, lang: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "LANG": lang, "DO_NOT_TRACK": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pipase.cli", *args], capture_output=True, text=True, env=env
    )


def test_help_is_french_with_the_default_locale():
    result = _pipase("--help", lang="C.UTF-8")
    assert result.returncode == 0
    assert "afficher cette aide et quitter" in result.stdout
    assert "show this help" not in result.stdout


def test_help_is_english_with_lang_en():
    result = _pipase("--help", lang="en_US.UTF-8")
    assert "show this help message and exit" in result.stdout


def test_version_names_the_protocol():
    result = _pipase("--version", lang="C.UTF-8")
    assert result.returncode == 0
    assert "protocole de hachage" in result.stdout


def test_usage_error_is_exit_2_in_french():
    result = _pipase("load", lang="C.UTF-8")
    assert result.returncode == 2
    assert "ces arguments sont obligatoires" in result.stderr


def test_catalogue_is_compiled_and_complete():
    """Every message marked with _() has a French translation and the .mo is up to date."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compile_messages.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_plural_messages_follow_the_french_rule(monkeypatch):
    """Two forms, singular for 0 and 1 (the .po files' rule, not a three-form CLDR one)."""
    monkeypatch.setenv("PIPASE_LANG", "fr")
    one = i18n.ngettext("expected %s argument", "expected %s arguments", 1) % 1
    many = i18n.ngettext("expected %s argument", "expected %s arguments", 3) % 3
    assert (one, many) == ("1 valeur attendue", "3 valeurs attendues")


@pytest.mark.parametrize("lang", ["C.UTF-8", "en_US.UTF-8"])
def test_every_command_s_help_renders_in_both_languages(lang):
    """argparse formats each help text with %: a bare '%' in a message or its translation
    breaks `--help` with a traceback (it did, for `pipase run --memory-limit`)."""
    from pipase.cli import COMMANDS

    for name in COMMANDS:
        result = _pipase(name, "--help", lang=lang)
        assert result.returncode == 0, (name, result.stderr[-300:])
        assert "Traceback" not in result.stderr
