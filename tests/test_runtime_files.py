"""The hardened image's runtime_files.py, run on this machine's Python.

What the image that runs holds (no shell, the locale, the certificates, the
Debian package list) is the Docker tier's, in tests/test_docker.py; these tests
hold the script to what it promises wherever it runs: the files Python needs,
at their own paths, and a clear refusal of what it cannot do.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.baking import load_module
from harness.matrix import every_level, for_answers
from harness.process import run

SCRIPT = "runtime_files.py"
WITH_SCRIPT = for_answers(a for a in every_level() if a.facts["runtime_files"])


def copy_runtime(project, folder: Path, *packages: str, check: bool = True):
    return run([sys.executable, project.path / SCRIPT, folder, *packages], check=check)


COPIES: dict = {}


@pytest.fixture
def copied(project, tmp_path_factory):
    """The script's run with no package named, once per project per worker: its folder
    and its run."""
    if project.answers not in COPIES:
        folder = tmp_path_factory.mktemp("runtime-files") / "runtime"
        COPIES[project.answers] = folder, copy_runtime(project, folder)
    return COPIES[project.answers]


@WITH_SCRIPT
def test_the_interpreter_and_its_standard_library_are_copied_to_their_own_paths(copied):
    runtime, _ = copied
    interpreter = Path(sys._base_executable).resolve()
    assert (runtime / interpreter.relative_to("/")).is_file()
    os_module = Path(sys.modules["os"].__file__).resolve()
    assert (runtime / os_module.relative_to("/")).is_file()


@WITH_SCRIPT
def test_development_only_parts_of_the_standard_library_stay_out(copied):
    runtime, _ = copied
    stdlib = Path(sys.modules["os"].__file__).resolve().parent
    copied = runtime / stdlib.relative_to("/")
    present = [name for name in ("idlelib", "tkinter", "ensurepip") if (stdlib / name).exists()]
    assert present, "this Python has none of them: the test would prove nothing"
    assert (copied / "json" / "__init__.py").is_file()
    assert not [name for name in present if (copied / name).exists()]
    assert not (copied / "site-packages").exists()


@WITH_SCRIPT
def test_the_c_library_the_loader_and_what_wheels_may_load_are_copied(copied):
    runtime, _ = copied
    # A link counts when what it names was copied too
    names = {path.name for path in runtime.glob("**/*.so*") if path.exists()}
    assert {"libc.so.6", "libstdc++.so.6", "libgcc_s.so.1"} <= names, sorted(names)
    assert [name for name in names if name.startswith("ld-linux")], sorted(names)


@WITH_SCRIPT
def test_a_named_package_brings_its_programs_and_what_they_load_not_its_documents(
    project, tmp_path
):
    # libc-bin is essential in every Debian: its getent program, its ldd script
    copy_runtime(project, tmp_path / "runtime", "libc-bin")
    runtime = tmp_path / "runtime"
    assert [p for p in runtime.glob("usr/bin/getent") if p.is_file()]
    assert not list(runtime.glob("usr/share/doc/libc-bin*"))
    status = (runtime / "var/lib/dpkg/status").read_text()
    assert "\nPackage: libc-bin\n" in f"\n{status}"


def script_module(project):
    return load_module(project.path / SCRIPT)


@WITH_SCRIPT
def test_the_package_status_keeps_only_packages_files_were_copied_from(
    project, tmp_path, monkeypatch
):
    script = script_module(project)
    dpkg = tmp_path / "dpkg"
    (dpkg / "info").mkdir(parents=True)
    copied, left = tmp_path / "lib" / "libkept.so.1", tmp_path / "lib" / "libleft.so.1"
    copied.parent.mkdir()
    copied.write_text("kept\n")
    left.write_text("left\n")
    # A multi-arch package's list is named with its architecture
    (dpkg / "info" / "kept:amd64.list").write_text(f"/.\n{copied.parent}\n{copied}\n")
    (dpkg / "info" / "left.list").write_text(f"/.\n{copied.parent}\n{left}\n")
    (dpkg / "status").write_text(
        "Package: kept\nStatus: install ok installed\nArchitecture: amd64\n\n"
        "Package: left\nStatus: install ok installed\nArchitecture: all\n"
    )
    monkeypatch.setattr(script, "DPKG", dpkg)
    owners = script.write_status(tmp_path / "out", {str(copied.parent), str(copied)})
    assert owners == {"kept"}
    written = (tmp_path / "out" / dpkg.relative_to("/") / "status").read_text()
    assert written.startswith("Package: kept\n") and "Package: left" not in written


@WITH_SCRIPT
def test_the_summary_names_what_was_copied(copied):
    runtime, done = copied
    assert done.stdout.startswith("runtime_files.py: ")
    assert f"in {runtime}" in done.stdout


@WITH_SCRIPT
def test_a_folder_that_is_not_empty_is_refused(project, tmp_path):
    (tmp_path / "runtime").mkdir()
    (tmp_path / "runtime" / "kept").write_text("mine\n")
    done = copy_runtime(project, tmp_path / "runtime", check=False)
    assert done.returncode != 0
    assert "is not an empty folder; name a new one" in done.stderr
    assert [p.name for p in (tmp_path / "runtime").iterdir()] == ["kept"]


@WITH_SCRIPT
def test_a_package_that_is_not_installed_is_named_with_the_fix(project, tmp_path):
    done = copy_runtime(project, tmp_path / "runtime", "no-such-package", check=False)
    assert done.returncode != 0
    assert "'no-such-package' is not installed" in done.stderr
    assert "apt-get" in done.stderr
    assert not (tmp_path / "runtime").exists()


@WITH_SCRIPT
def test_without_a_folder_it_prints_its_usage(project):
    done = run([sys.executable, project.path / SCRIPT], check=False)
    assert done.returncode != 0
    assert "python runtime_files.py FOLDER [PACKAGE...]" in done.stderr
