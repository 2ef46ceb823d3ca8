"""`make system-deps`: the Debian packages of `make test`, installed when missing, else named.

Each case runs the real Makefile target with a PATH holding only stand-ins: `id` (root or
not), `apt-get` and `sudo` that record how they were called (the fake apt-get "installs" by
creating 7zz and chromium), so the machine's packages are never touched.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

from conftest import REPO

MAKE = shutil.which("make")
COMMANDS = {"7zz": "7zip", "chromium": "chromium"}


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/bash\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def run_system_deps(
    tmp_path: Path, *, uid: int, present=(), sudo=False, apt=True, apt_installs=True
):
    """Run `make system-deps` with stand-in tools; (exit code, stdout, stderr, calls log)."""
    assert MAKE, "make is needed: it runs the two commands of the README"
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    log.touch()
    (bin_dir / "env").symlink_to(shutil.which("env"))
    _script(bin_dir / "id", f'[ "$1" = "-u" ] && echo {uid}\n')
    for command in present:
        _script(bin_dir / command, "exit 0\n")
    if apt:
        creates = (
            "".join(
                f'  [[ " $* " == *" {package} "* ]] && printf "#!/bin/bash\\n" > {bin_dir}/{command}'
                f" && chmod +x {bin_dir}/{command}\n"
                for command, package in COMMANDS.items()
            )
            if apt_installs
            else "  :\n"
        )
        _script(
            bin_dir / "apt-get",
            f'echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> {log}\n'
            f'if [ "$1" = install ]; then\n{creates}fi\nexit 0\n',
        )
    if sudo:
        _script(bin_dir / "sudo", f'echo "sudo $1" >> {log}\nexec "$@"\n')
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    result = subprocess.run(
        [MAKE, "--no-print-directory", "-C", str(REPO), "system-deps"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout, result.stderr, log.read_text().splitlines()


def test_as_root_installs_both_missing_packages_non_interactively(tmp_path):
    code, out, err, calls = run_system_deps(tmp_path, uid=0)
    assert code == 0, err
    assert calls == [
        "apt-get update -qq DEBIAN_FRONTEND=noninteractive",
        "apt-get install -y 7zip chromium -qq DEBIAN_FRONTEND=noninteractive",
    ]
    assert "installing 7zip chromium: apt-get update && apt-get install -y 7zip chromium" in out
    assert "7zz and chromium installed" in out


def test_only_the_missing_package_is_installed(tmp_path):
    code, _, err, calls = run_system_deps(tmp_path, uid=0, present=["chromium"])
    assert code == 0, err
    assert calls[-1] == "apt-get install -y 7zip -qq DEBIAN_FRONTEND=noninteractive"


def test_nothing_runs_when_both_are_present(tmp_path):
    code, out, _, calls = run_system_deps(tmp_path, uid=1000, present=["7zz", "chromium"])
    assert (code, calls) == (0, [])
    assert "7zz and chromium present" in out


def test_not_root_uses_sudo(tmp_path):
    code, out, err, calls = run_system_deps(tmp_path, uid=1000, sudo=True)
    assert code == 0, err
    assert calls == [
        "sudo env",
        "apt-get update -qq DEBIAN_FRONTEND=noninteractive",
        "sudo env",
        "apt-get install -y 7zip chromium -qq DEBIAN_FRONTEND=noninteractive",
    ]
    assert "sudo apt-get update && sudo apt-get install -y 7zip chromium" in out


def test_not_root_without_sudo_names_the_command_and_fails(tmp_path):
    code, _, err, calls = run_system_deps(tmp_path, uid=1000, present=["7zz"])
    assert code != 0
    assert calls == []
    assert "run as root: apt-get update && apt-get install -y chromium" in err


def test_without_apt_get_names_the_packages_and_fails(tmp_path):
    code, _, err, calls = run_system_deps(tmp_path, uid=0, apt=False)
    assert code != 0
    assert calls == []
    assert "7zip chromium missing and no apt-get" in err


def test_an_install_that_leaves_a_command_missing_fails(tmp_path):
    code, _, err, calls = run_system_deps(tmp_path, uid=0, apt_installs=False)
    assert code != 0
    assert len(calls) == 2
    assert "7zz or chromium still missing after apt-get" in err
