"""`pipase purge` deletes only what it owns.

Symbolic links pointing outside the study folder (an `--also` link, a dbt `target/` that is a
link, links inside the folder) are removed as links and their targets keep their content; a
clone of the repository, the home folder, `/` are refused; a mistyped study folder is an error
without a record; each purge writes its own record; a partial deletion says so and exits 1.
Each protection has a mutation test: with it removed, the same setup deletes what it must not.
Everything happens under pytest's tmp folder; the real `/` and home are only given to the
checking functions, never to a deletion.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from datetime import datetime
from pathlib import Path

import pytest

from pipase import cli
from pipase.transmission import TransmissionError, purge_cmd

FIXED = datetime(2026, 11, 30, 12, 0, 0).astimezone()


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PIPASE_LANG", "fr")
    monkeypatch.delenv("PIPASE_DB_KEY", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal
    monkeypatch.chdir(tmp_path)


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder` (links not followed): file content, link target, 'dir'."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[key] = "dir"
        else:
            found[key] = path.read_text()
    return found


def outside_folder(root: Path) -> Path:
    """Data that is not the study's: must survive every purge."""
    outside = root / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "precious.txt").write_text("not the study's")
    (outside / "sub" / "deep.txt").write_text("not the study's either")
    return outside


def study_folder(root: Path) -> Path:
    study = root / "study"
    (study / "export").mkdir(parents=True)
    (study / "export" / "pipase.7z").write_bytes(b"7z" * 100)
    (study / "notes.csv").write_text("a;b\n1;2\n")
    return study


def purge(study: Path, records: Path, *extra: str) -> int:
    argv = ["purge", "--study-dir", str(study), "--record-dir", str(records), "--yes"]
    if "--dbt-project" not in extra:
        argv.append("--no-dbt")
    return cli.main([*argv, *extra])


def record_of(records: Path) -> dict:
    (path,) = records.glob("*.json")
    return json.loads(path.read_text())


def follow_links_on_roots(monkeypatch):
    """Mutation: resolve the last component of every root, as a careless purge would."""
    monkeypatch.setattr(purge_cmd, "_unfollowed", lambda path: Path(path).resolve())


# --------------------------------------------------------------------------- links
def test_also_link_removes_the_link_not_its_target(tmp_path, capsys):
    outside, study = outside_folder(tmp_path), study_folder(tmp_path)
    before = snapshot(outside)
    link = tmp_path / "export_link"
    link.symlink_to(outside, target_is_directory=True)
    records = tmp_path / "records"
    assert purge(study, records, "--also", str(link)) == 0
    assert not os.path.lexists(link)
    assert snapshot(outside) == before
    assert snapshot(study) == {}
    entry = next(f for f in record_of(records)["fichiers"] if f["chemin"] == str(link))
    assert entry["nature"] == "lien symbolique" and entry["cible_lien"] == str(outside)
    assert entry["sha256"] is None
    assert "sa cible" in capsys.readouterr().out


def test_also_link_mutation_following_it_deletes_the_target(tmp_path):
    outside, study = outside_folder(tmp_path), study_folder(tmp_path)
    link = tmp_path / "export_link"
    link.symlink_to(outside, target_is_directory=True)
    with pytest.MonkeyPatch.context() as patch:
        follow_links_on_roots(patch)
        assert purge(study, tmp_path / "records", "--also", str(link)) == 0
    assert not outside.exists()  # what the testers saw


def make_project_with_linked_target(root: Path, outside: Path) -> Path:
    project = root / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: p\n")
    (project / "target").symlink_to(outside, target_is_directory=True)
    (project / "logs").mkdir()
    (project / "logs" / "dbt.log").write_text("log\n")
    return project


def test_dbt_target_that_is_a_link_is_removed_as_a_link(tmp_path):
    outside, study = outside_folder(tmp_path), study_folder(tmp_path)
    before = snapshot(outside)
    project = make_project_with_linked_target(tmp_path, outside)
    records = tmp_path / "records"
    assert purge(study, records, "--dbt-project", str(project)) == 0
    assert not os.path.lexists(project / "target") and not (project / "logs").exists()
    assert snapshot(outside) == before
    assert (project / "dbt_project.yml").exists() and (project / "models").is_dir()
    record = record_of(records)
    assert record["statut"] == "suppression complète"
    assert str(project / "logs") in record["dossiers_supprimes"]


def test_dbt_target_link_mutation_following_it_deletes_the_target(tmp_path):
    outside, study = outside_folder(tmp_path), study_folder(tmp_path)
    project = make_project_with_linked_target(tmp_path, outside)
    with pytest.MonkeyPatch.context() as patch:
        follow_links_on_roots(patch)
        assert purge(study, tmp_path / "records", "--dbt-project", str(project)) == 0
    assert not outside.exists()


def plant_inner_links(study: Path, outside: Path) -> None:
    (study / "linked_dir").symlink_to(outside, target_is_directory=True)
    (study / "export" / "linked_file.txt").symlink_to(outside / "precious.txt")
    (study / "export" / "broken").symlink_to(outside / "nothing_here")


def test_links_inside_the_study_folder_are_removed_not_followed(tmp_path):
    outside, study = outside_folder(tmp_path), study_folder(tmp_path)
    before = snapshot(outside)
    plant_inner_links(study, outside)
    records = tmp_path / "records"
    assert purge(study, records) == 0
    assert snapshot(study) == {} and study.is_dir()
    assert snapshot(outside) == before
    natures = {Path(f["chemin"]).name: f["nature"] for f in record_of(records)["fichiers"]}
    assert natures == {
        "linked_dir": "lien symbolique",
        "linked_file.txt": "lien symbolique",
        "broken": "lien symbolique",
        "pipase.7z": "fichier",
        "notes.csv": "fichier",
    }


def test_inner_links_mutation_following_them_deletes_outside(tmp_path, monkeypatch):
    outside, study = outside_folder(tmp_path), study_folder(tmp_path)
    plant_inner_links(study, outside)
    real_entry = purge_cmd._entry

    def following(path, st):  # stat through the link: a link to a folder becomes a folder
        return real_entry(path, os.stat(path)) if path.exists() else real_entry(path, st)

    monkeypatch.setattr(purge_cmd, "_entry", following)
    purge(study, tmp_path / "records")
    assert not (outside / "sub" / "deep.txt").exists()


def test_entry_swapped_for_a_link_after_the_inventory_is_not_followed(tmp_path, monkeypatch):
    """A folder replaced by a link between the inventory and the deletion: its files are
    looked up through the link, are not the inventoried ones, and are left alone."""
    outside, study = outside_folder(tmp_path), study_folder(tmp_path)
    (outside / "pipase.7z").write_text("outside, same name")
    real_inventory = purge_cmd.inventory

    def swap_after_inventory(root):
        listed = real_inventory(root)
        (study / "export").rename(tmp_path / "export_moved")
        (study / "export").symlink_to(outside, target_is_directory=True)
        return listed

    monkeypatch.setattr(purge_cmd, "inventory", swap_after_inventory)
    records = tmp_path / "records"
    assert purge(study, records) == 1
    assert (outside / "pipase.7z").read_text() == "outside, same name"
    record = record_of(records)
    assert record["statut"] == "suppression incomplète"
    assert any("modifié depuis l'inventaire" in f["raison"] for f in record["echecs"])
    # mutation: without the same-file check, the outside file is deleted
    (study / "export").unlink()
    (tmp_path / "export_moved").rename(study / "export")
    monkeypatch.setattr(
        purge_cmd,
        "_remove",
        lambda entry: None if entry.is_dir else os.unlink(entry.path),
    )
    purge(study, tmp_path / "records2")
    assert not (outside / "pipase.7z").exists()


# --------------------------------------------------------------------------- refusals
def fake_clone(root: Path) -> Path:
    repo = root / "clone"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (repo / "dbt_project.yml").write_text("name: pipase\n")
    (repo / "pyproject.toml").write_text("[project]\nname = 'pipase'\n")
    (repo / "models").mkdir()
    (repo / "models" / "m.sql").write_text("select 1\n")
    (repo / "data").mkdir()
    (repo / "data" / "pipase.duckdb").write_bytes(b"db")
    return repo


def assert_purge_refused(code: int, err: str, *parts: str) -> None:
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipase purge : erreur : "), err
    assert "[purge] suppression refusée" in err
    for part in parts:
        assert part in err, (part, err)


def test_study_dir_dot_in_a_clone_is_refused(tmp_path, monkeypatch, capsys):
    repo = fake_clone(tmp_path)
    before = snapshot(repo)
    monkeypatch.chdir(repo)
    records = tmp_path / "records"
    code = purge(Path("."), records)
    assert_purge_refused(
        code, capsys.readouterr().err, "le dépôt depuis lequel la commande est lancée"
    )
    assert snapshot(repo) == before and not records.exists()
    # from elsewhere, the clone is refused for what it holds
    monkeypatch.chdir(tmp_path)
    code = purge(repo, records)
    assert_purge_refused(code, capsys.readouterr().err, "trouvé : le dossier contient un dépôt")
    assert snapshot(repo) == before and not records.exists()
    # its parent too (it holds the clone)
    code = purge(tmp_path / "clone" / "..", records)
    assert code == 1 and snapshot(repo) == before


def test_clone_mutation_without_the_checks_is_deleted(tmp_path, monkeypatch):
    repo = fake_clone(tmp_path)
    monkeypatch.chdir(repo)
    monkeypatch.setattr(purge_cmd, "PROJECT_MARKERS", frozenset())
    monkeypatch.setattr(purge_cmd, "protected_folders", lambda: [])
    assert purge(Path("."), tmp_path / "records") == 0
    assert not (repo / ".git").exists() and not (repo / "models").exists()


def test_project_file_deep_in_the_study_folder_is_refused(tmp_path, capsys):
    study = study_folder(tmp_path)
    (study / "export" / "kit").mkdir()
    (study / "export" / "kit" / "pyproject.toml").write_text("[project]\n")
    before = snapshot(study)
    code = purge(study, tmp_path / "records")
    assert_purge_refused(code, capsys.readouterr().err, "pyproject.toml trouvé")
    assert snapshot(study) == before


def test_home_and_its_parents_are_refused(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home" / "agent"
    (home / "documents").mkdir(parents=True)
    (home / "documents" / "cv.txt").write_text("mine")
    monkeypatch.setenv("HOME", str(home))
    for folder in (home, home.parent):
        code = purge(folder, tmp_path / "records")
        assert_purge_refused(code, capsys.readouterr().err, "le dossier personnel")
    assert (home / "documents" / "cv.txt").read_text() == "mine"


def test_home_mutation_without_the_check_is_emptied(tmp_path, monkeypatch):
    home = tmp_path / "home" / "agent"
    (home / "documents").mkdir(parents=True)
    (home / "documents" / "cv.txt").write_text("mine")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(purge_cmd, "protected_folders", lambda: [])
    assert purge(home, tmp_path / "records") == 0
    assert not (home / "documents").exists()


@pytest.mark.parametrize("folder", ["/", "/tmp", "/usr", "/home"])  # noqa: S108
def test_system_folders_are_refused_by_the_check(folder):
    """Only the check is called: nothing here could delete anything."""
    with pytest.raises(TransmissionError, match="dossier système"):
        purge_cmd.check_root_folder(Path(folder))


def test_root_is_refused_before_any_inventory(monkeypatch):
    """`/` given as the study folder: refused by study_root, inventory never reached."""
    monkeypatch.setattr(purge_cmd, "inventory", lambda root: pytest.fail("inventory reached"))
    with pytest.raises(TransmissionError, match="dossier système"):
        purge_cmd.purge(
            study_dir=Path("/"), dbt_projects=[], also=[], record_dir=Path("/nonexistent"), yes=True
        )


def test_missing_study_folder_is_an_error_without_a_record(tmp_path, capsys):
    records = tmp_path / "records"
    code = purge(tmp_path / "studdy", records)  # mistyped
    assert_purge_refused(code, capsys.readouterr().err, "le dossier de l'étude n'existe pas")
    assert not records.exists()


def test_study_folder_that_is_a_link_is_refused(tmp_path, capsys):
    outside, study = outside_folder(tmp_path), study_folder(tmp_path)
    link = tmp_path / "data"
    link.symlink_to(study, target_is_directory=True)
    before = snapshot(study)
    code = purge(link, tmp_path / "records")
    assert_purge_refused(code, capsys.readouterr().err, "est un lien symbolique vers")
    assert snapshot(study) == before and outside.exists()


def test_also_missing_or_inside_a_project_is_refused(tmp_path, capsys):
    study = study_folder(tmp_path)
    repo = fake_clone(tmp_path)
    before = snapshot(repo), snapshot(study)
    code = purge(study, tmp_path / "records", "--also", str(tmp_path / "nope.7z"))
    assert_purge_refused(code, capsys.readouterr().err, "--also : fichier ou dossier introuvable")
    code = purge(study, tmp_path / "records", "--also", str(repo / "models"))
    assert_purge_refused(code, capsys.readouterr().err, "il se trouve dans un dépôt ou un projet")
    assert (snapshot(repo), snapshot(study)) == before


def test_record_inside_the_purged_folder_is_refused(tmp_path, capsys):
    study = study_folder(tmp_path)
    code = purge(study, study / "records")
    assert_purge_refused(code, capsys.readouterr().err, "choisir --record-dir ailleurs")
    assert (study / "notes.csv").exists()


# --------------------------------------------------------------------------- records
def test_two_purges_in_the_same_second_write_two_records(tmp_path, monkeypatch):
    monkeypatch.setattr(purge_cmd, "_now", lambda: FIXED)
    records = tmp_path / "records"
    assert purge(study_folder(tmp_path), records) == 0
    (first,) = records.glob("*.json")
    first_text = first.read_text()
    (tmp_path / "study" / "again.csv").write_text("x\n")
    assert purge(tmp_path / "study", records) == 0
    jsons = sorted(records.glob("*.json"))
    assert len(jsons) == 2 and len(list(records.glob("*.md"))) == 2
    assert first.read_text() == first_text  # not overwritten
    stamp = FIXED.strftime("%Y%m%dT%H%M%S")
    assert all(p.name.startswith(f"proces_verbal_suppression_pipase_{stamp}_") for p in jsons)
    second = json.loads(next(p for p in jsons if p != first).read_text())
    assert [Path(f["chemin"]).name for f in second["fichiers"]] == ["again.csv"]


def test_records_mutation_without_the_random_suffix_never_overwrite(tmp_path, monkeypatch, capsys):
    """With the same name twice, the exclusive creation refuses rather than overwrite."""
    monkeypatch.setattr(purge_cmd, "_now", lambda: FIXED)
    monkeypatch.setattr(purge_cmd.secrets, "token_hex", lambda n: "0" * (2 * n))
    records = tmp_path / "records"
    assert purge(study_folder(tmp_path), records) == 0
    (first,) = records.glob("*.json")
    first_text = first.read_text()
    (tmp_path / "study" / "again.csv").write_text("x\n")
    code = purge(tmp_path / "study", records)
    assert_purge_refused(code, capsys.readouterr().err, "nom libre pour le procès-verbal")
    assert first.read_text() == first_text
    assert (tmp_path / "study" / "again.csv").exists()  # nothing deleted without a record


def test_record_lists_sizes_and_sha256_in_french(tmp_path):
    study = study_folder(tmp_path)
    records = tmp_path / "records"
    assert purge(study, records) == 0
    record = record_of(records)
    assert record["document"].startswith("Procès-verbal de suppression")
    files = {Path(f["chemin"]).name: f for f in record["fichiers"]}
    assert files["notes.csv"]["octets"] == 8
    assert files["notes.csv"]["sha256"] == hashlib.sha256(b"a;b\n1;2\n").hexdigest()
    assert files["pipase.7z"]["sha256"] == hashlib.sha256(b"7z" * 100).hexdigest()
    assert record["octets_total"] == 208
    (md,) = records.glob("*.md")
    text = md.read_text()
    assert text.startswith("# Procès-verbal de suppression des données")
    assert "Résultat : **suppression complète**" in text
    assert hashlib.sha256(b"7z" * 100).hexdigest() in text


def test_partial_failure_is_recorded_and_exits_1(tmp_path, monkeypatch, capsys):
    study = study_folder(tmp_path)
    stubborn = study / "export" / "pipase.7z"
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if Path(path) == stubborn:
            raise PermissionError(13, "Permission denied", str(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(purge_cmd.os, "unlink", unlink)
    records = tmp_path / "records"
    assert purge(study, records) == 1
    record = record_of(records)
    assert record["statut"] == "suppression incomplète"
    assert {"chemin": str(stubborn), "raison": "Permission denied"} in record["echecs"]
    assert [f["supprime"] for f in record["fichiers"]] == [False, True]  # pipase.7z, notes.csv
    assert str(stubborn) in record["restants"]
    (md,) = records.glob("*.md")
    assert "suppression complète" not in md.read_text()
    err = capsys.readouterr().err
    assert "suppression incomplète" in err and str(stubborn) in err


# --------------------------------------------------------------------------- adversarial round 2
def test_a_folder_that_is_no_dbt_project_keeps_its_target_and_logs(tmp_path, capsys):
    """An adversarial tester's `--dbt-project ~` deleted ~/target/thesis and ~/logs."""
    home = tmp_path / "home"
    (home / "target" / "thesis").mkdir(parents=True)
    (home / "target" / "thesis" / "chap1.tex").write_text("x")
    (home / "logs").mkdir()
    study = study_folder(tmp_path)
    assert purge(study, tmp_path / "records", "--dbt-project", str(home)) == 1
    assert "dbt_project.yml" in capsys.readouterr().err
    assert (home / "target" / "thesis" / "chap1.tex").exists() and (study / "notes.csv").exists()


def test_mutation_without_the_project_check_the_home_folders_go(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "target").mkdir(parents=True)
    (home / "target" / "chap1.tex").write_text("x")
    real_is_file = Path.is_file
    monkeypatch.setattr(
        Path, "is_file", lambda self: self.name == "dbt_project.yml" or real_is_file(self)
    )
    assert purge(study_folder(tmp_path), tmp_path / "records", "--dbt-project", str(home)) == 0
    assert not (home / "target").exists()


def test_a_study_folder_inside_a_repository_is_refused(tmp_path, capsys):
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / ".git").mkdir()
    (repo / "src" / "code.py").write_text("x")
    assert purge(repo / "src", tmp_path / "records") == 1
    assert "dépôt" in capsys.readouterr().err and (repo / "src" / "code.py").exists()


@pytest.mark.parametrize("folder", ["/etc/ssl", "/usr/share/doc", "/var/lib/apt"])
def test_a_study_folder_inside_a_system_tree_is_refused(folder, tmp_path, capsys):
    if not Path(folder).is_dir():
        pytest.skip(f"{folder} is not on this machine")
    assert purge(Path(folder), tmp_path / "records") == 1
    assert "système" in capsys.readouterr().err


def test_a_hard_linked_content_is_not_recorded_as_deleted(tmp_path):
    """The record said « suppression complète » while the content lived on under another
    name outside the study folder."""
    outside, study = outside_folder(tmp_path), study_folder(tmp_path)
    os.link(outside / "precious.txt", study / "extraction.csv")
    records = tmp_path / "records"
    assert purge(study, records) == 1
    record = record_of(records)
    assert record["statut"] == "suppression incomplète"
    assert any("lien physique" in e["raison"] for e in record["echecs"])
    assert (outside / "precious.txt").read_text() == "not the study's"


def test_two_names_of_one_content_both_in_the_study_are_a_complete_deletion(tmp_path):
    study = study_folder(tmp_path)
    os.link(study / "notes.csv", study / "copie.csv")
    records = tmp_path / "records"
    assert purge(study, records) == 0 and record_of(records)["statut"] == "suppression complète"


def test_a_fifo_is_removed_without_being_read(tmp_path):
    """A FIFO in the study folder blocked the purge forever (it was opened to be hashed)."""
    study = study_folder(tmp_path)
    os.mkfifo(study / "pipe.csv")
    records = tmp_path / "records"
    assert purge(study, records) == 0
    entry = next(f for f in record_of(records)["fichiers"] if f["chemin"].endswith("pipe.csv"))
    assert entry["nature"] == "autre" and entry["sha256"] is None
    assert not os.path.lexists(study / "pipe.csv")


def test_a_study_folder_given_with_dotdot_is_refused(tmp_path, capsys):
    """`ws/current/..` with `current` a link: Python read it as ws/, the system as the link
    target's parent; the purge emptied ws/."""
    workspace = tmp_path / "ws"
    (workspace / "keep").mkdir(parents=True)
    (workspace / "keep" / "a.txt").write_text("x")
    elsewhere = tmp_path / "elsewhere" / "run"
    elsewhere.mkdir(parents=True)
    (workspace / "current").symlink_to(elsewhere, target_is_directory=True)
    assert purge(workspace / "current" / "..", tmp_path / "records") == 1
    assert "'..'" in capsys.readouterr().err and (workspace / "keep" / "a.txt").exists()


def test_a_folder_that_could_not_be_removed_is_not_listed_as_removed(tmp_path, monkeypatch):
    """The record listed a folder under dossiers_supprimes although its rmdir had failed."""
    study = study_folder(tmp_path)
    real_rmdir = os.rmdir

    def rmdir(path, *args, **kwargs):
        if Path(path).name == "export":
            raise PermissionError(1, "Operation not permitted")
        return real_rmdir(path, *args, **kwargs)

    monkeypatch.setattr(purge_cmd.os, "rmdir", rmdir)
    records = tmp_path / "records"
    assert purge(study, records) == 1
    record = record_of(records)
    assert str(study / "export") not in record["dossiers_supprimes"]
    assert record["statut"] == "suppression incomplète"
