"""Fast tier: the template run from a user's own shell, with its cookiecutter and Python.

The `cookiecutter` command line as users type it, where its output goes, and hosts too old to
bake: each stops with one line naming what to upgrade.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from answer_checks import MIN_COOKIECUTTER, MIN_PYTHON, host_problem
from harness import ROOT
from harness.baking import TRACEBACK, replay_of
from harness.docker_required import IN_CI
from harness.process import run, start
from harness.tools import BIN, local_python, tool_env

COOKIECUTTER = BIN / "cookiecutter"


def bake_command(output: str) -> list[object]:
    return [COOKIECUTTER, "--no-input", ROOT, "--output-dir", output]


@pytest.mark.parametrize("version", ["2.2.0", "2.6.0", "2.7.1", "2.10.0", "3.0"])
def test_cookiecutter_2_2_or_newer_bakes(version):
    assert host_problem((3, 11), version) is None


@pytest.mark.parametrize("version", ["1.7.3", "2.1.1", "2.1.2.dev0"])
def test_an_older_cookiecutter_is_named_with_the_upgrade_command(version):
    problem = host_problem((3, 11), version)
    assert f"needs cookiecutter 2.2 or newer, and this is {version}" in problem
    assert problem.endswith(
        "python3 -m pip install -U cookiecutter (pipx upgrade cookiecutter, if pipx installed it)"
    )


def test_a_python_older_than_3_9_is_named():
    problem = host_problem((3, 8), "2.6.0")
    assert "needs Python 3.9 or newer to bake" in problem and "runs on 3.8" in problem


@pytest.mark.parametrize("stdout", ["full disk", "closed pipe"])
def test_the_project_survives_an_output_that_cannot_be_written(stdout, tmp_path):
    # cookiecutter deletes the project when its post-generation hook fails
    if stdout == "full disk":
        output = open("/dev/full", "w")  # noqa: SIM115
    else:
        read, write = os.pipe()
        os.close(read)
        output = os.fdopen(write, "w")
    with output:
        bake = start(bake_command(str(tmp_path)), output=output)
        assert bake.wait(timeout=120) == 0
    assert (tmp_path / "hello-service" / "Dockerfile").is_file()


@pytest.mark.parametrize(
    "output, shown",
    [
        (".", "cd hello-service"),
        ("my projects/ü", "cd 'my projects/ü/hello-service'"),
        ("out\x1b[2J", "cd $'out\\x1b[2J/hello-service'"),  # the terminal shows, not clears
    ],
)
def test_the_next_steps_cd_into_the_project_from_where_cookiecutter_ran(output, shown, tmp_path):
    shell = {**os.environ, "PWD": str(tmp_path)}  # what a shell sets in the folder it runs in
    printed = run(bake_command(output), cwd=tmp_path, env=shell).stdout.splitlines()
    assert f"  {shown}" in printed


def test_a_folder_name_the_outputs_encoding_cannot_write_is_escaped_not_fatal(tmp_path):
    windows_pipe = {**os.environ, "PWD": str(tmp_path), "PYTHONIOENCODING": "cp1252"}
    printed = run(bake_command("out-ł"), cwd=tmp_path, env=windows_pipe).stdout.splitlines()
    assert "  cd 'out-\\u0142/hello-service'" in printed
    assert (tmp_path / "out-ł" / "hello-service" / "Dockerfile").is_file()


def test_the_next_steps_name_a_project_outside_that_folder_by_its_whole_path(tmp_path):
    here, there = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    shell = {**os.environ, "PWD": str(here)}
    printed = run(bake_command(str(there)), cwd=here, env=shell).stdout.splitlines()
    assert f"  cd {Path(there, 'hello-service').resolve()}" in printed


OLDEST_PYTHON = ".".join(map(str, MIN_PYTHON))
OLDEST_COOKIECUTTER = ".".join(map(str, MIN_COOKIECUTTER)) + ".0"


@pytest.fixture(scope="module")
def oldest_cookiecutter(tmp_path_factory):
    """The oldest cookiecutter the template bakes with, on the oldest Python, in a virtualenv."""
    python = local_python(OLDEST_PYTHON)
    if python is None:
        why = f"no Python {OLDEST_PYTHON} on PATH or in pyenv"
        if IN_CI:
            pytest.fail(f"CI bakes on the oldest Python the README names: {why}", pytrace=False)
        pytest.skip(why)
    venv = tmp_path_factory.mktemp("oldest") / "venv"
    run([python, "-m", "venv", venv], timeout=120)
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"cookiecutter=={OLDEST_COOKIECUTTER}"], env=tool_env(), timeout=600)  # fmt: skip
    return venv / "bin" / "cookiecutter"


def test_the_oldest_python_and_cookiecutter_the_readme_names_bake_the_defaults(
    oldest_cookiecutter, tmp_path
):
    run([oldest_cookiecutter, "--no-input", ROOT, "--output-dir", tmp_path], timeout=300)
    assert (tmp_path / "hello-service" / "Dockerfile").is_file()


def test_the_oldest_python_refuses_a_bad_answer_with_one_line_naming_it(
    oldest_cookiecutter, tmp_path
):
    replay = replay_of(tmp_path, description=5)
    bake = [oldest_cookiecutter, "--replay-file", replay, ROOT, "--output-dir", tmp_path / "out"]
    refused = run(bake, check=False, timeout=300)
    assert refused.returncode != 0
    assert "ERROR: description must be text, not the number 5." in refused.stderr
    assert TRACEBACK not in refused.stderr
    assert not (tmp_path / "out").exists()


# Ctrl+C once cookiecutter has written the project's first file (after bakes into the
# folders given after the first three arguments, which run to the end)
INTERRUPTED_BAKE = """
import os, signal, sys
import cookiecutter.generate as generate
from cookiecutter.main import cookiecutter

template, output, over, *earlier = sys.argv[1:]
for done in earlier:
    cookiecutter(template, no_input=True, output_dir=done)
write = generate.generate_file

def write_then_interrupt(*args, **kwargs):
    write(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGINT)

generate.generate_file = write_then_interrupt
cookiecutter(template, no_input=True, output_dir=output, overwrite_if_exists=over == "over")
"""


def test_ctrl_c_while_the_project_is_written_leaves_no_half_written_project(tmp_path):
    output = tmp_path / "not" / "yet"  # folders this bake creates go too
    interrupted = run([sys.executable, "-c", INTERRUPTED_BAKE, ROOT, output, "new"],
                      check=False, env=tool_env())  # fmt: skip

    assert "KeyboardInterrupt" in interrupted.stderr, interrupted.stderr
    assert "Interrupted: removed" in interrupted.stderr
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_baking_over_an_existing_folder_leaves_that_folder(tmp_path):
    own = tmp_path / "hello-service" / "mine.txt"
    own.parent.mkdir()
    own.write_text("mine\n")

    interrupted = run([sys.executable, "-c", INTERRUPTED_BAKE, ROOT, tmp_path, "over"],
                      check=False, env=tool_env())  # fmt: skip

    assert "KeyboardInterrupt" in interrupted.stderr, interrupted.stderr
    assert own.read_text() == "mine\n"


def test_ctrl_c_after_a_bake_leaves_the_finished_project(tmp_path):
    after = "\n".join([
        "import os, signal, sys",
        "from cookiecutter.main import cookiecutter",
        "cookiecutter(sys.argv[1], no_input=True, output_dir=sys.argv[2])",
        "os.kill(os.getpid(), signal.SIGINT)",
    ])  # fmt: skip
    interrupted = run([sys.executable, "-c", after, ROOT, tmp_path], check=False, env=tool_env())

    assert "KeyboardInterrupt" in interrupted.stderr, interrupted.stderr
    assert (tmp_path / "hello-service" / "Dockerfile").is_file()


def test_ctrl_c_in_a_second_bake_leaves_the_first_project(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    interrupted = run([sys.executable, "-c", INTERRUPTED_BAKE, ROOT, second, "new", first],
                      check=False, env=tool_env())  # fmt: skip

    assert "KeyboardInterrupt" in interrupted.stderr, interrupted.stderr
    assert (first / "hello-service" / "Dockerfile").is_file()
    assert not second.exists()
