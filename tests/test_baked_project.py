"""Once per level: the baked project's own tests pass (its pre-commit hooks: test_toolchain)."""

from __future__ import annotations

import re
import tomllib

import pytest
from conftest import ROOT, TOOLS, level_params, run
from tooling import BIN


@pytest.fixture
def project(request, bake, tmp_path):
    """A private copy: these tests create virtualenvs and git repositories in it."""
    return bake(request.param).copy_to(tmp_path)


@pytest.mark.parametrize("project", level_params(), indirect=True)
def test_baked_project_tests_pass_in_its_own_environment(project):
    env = {"POETRY_VIRTUALENVS_IN_PROJECT": "true", "POETRY_NO_INTERACTION": "1"}
    run([BIN / "poetry", "install", "--with", "dev"], cwd=project, timeout=900, **env)
    result = run(
        [BIN / "poetry", "run", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, **env
    )
    assert re.search(r"\b[3-9] passed\b", result.stdout), result.stdout


def test_pinned_tools_match_the_locks_and_the_test_requirements():
    requirements = (ROOT / "requirements-test.txt").read_text()
    assert f"poetry=={TOOLS['poetry']}\n" in requirements
    assert f"poetry-plugin-export=={TOOLS['poetry_plugin_export']}\n" in requirements
    for lock in sorted((ROOT / "templates" / "locks").glob("*/poetry.lock")):
        packages = {p["name"]: p["version"] for p in tomllib.loads(lock.read_text())["package"]}
        assert packages["ruff"] == TOOLS["ruff"], lock  # the pre-commit hooks' ruff
