"""The hardened image's runtime_files.py, run on this machine's Python.

What the image that runs holds (no shell, the locale, the certificates, the
Debian package list) is the Docker tier's, in tests/test_docker.py; these tests
hold the script to what it promises wherever it runs: the files Python needs,
at their own paths, and a clear refusal of what it cannot do.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.matrix import every_level, for_answers
from harness.process import run

SCRIPT = "runtime_files.py"
WITH_SCRIPT = for_answers(a for a in every_level() if a.facts["runtime_files"])


def copy_runtime(project, folder: Path, *packages: str, check: bool = True):
    return run([sys.executable, project.path / SCRIPT, folder, *packages], check=check)


@WITH_SCRIPT
def test_the_interpreter_and_its_standard_library_are_copied_to_their_own_paths(project, tmp_path):
    copy_runtime(project, tmp_path / "runtime")
    interpreter = Path(sys._base_executable).resolve()
    assert (tmp_path / "runtime" / interpreter.relative_to("/")).is_file()
    os_module = Path(sys.modules["os"].__file__).resolve()
    assert (tmp_path / "runtime" / os_module.relative_to("/")).is_file()


@WITH_SCRIPT
def test_development_only_parts_of_the_standard_library_stay_out(project, tmp_path):
    copy_runtime(project, tmp_path / "runtime")
    stdlib = Path(sys.modules["os"].__file__).resolve().parent
    copied = tmp_path / "runtime" / stdlib.relative_to("/")
    assert (copied / "json" / "__init__.py").is_file()
    assert not [name for name in ("idlelib", "tkinter", "ensurepip") if (copied / name).exists()]
    assert not (copied / "site-packages").exists()


@WITH_SCRIPT
def test_the_summary_names_what_was_copied(project, tmp_path):
    done = copy_runtime(project, tmp_path / "runtime")
    assert done.stdout.startswith("runtime_files.py: ")
    assert f"in {tmp_path / 'runtime'}" in done.stdout


@WITH_SCRIPT
def test_a_folder_that_is_not_empty_is_refused(project, tmp_path):
    (tmp_path / "runtime").mkdir()
    (tmp_path / "runtime" / "kept").write_text("mine\n")
    done = copy_runtime(project, tmp_path / "runtime", check=False)
    assert done.returncode != 0
    assert "is not empty; name a new folder" in done.stderr
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
