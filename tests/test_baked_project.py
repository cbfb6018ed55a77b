"""Once per level: the baked project's own tests and pre-commit hooks pass."""

from __future__ import annotations

import re
import tomllib

import pytest
from conftest import LEVELS, ROOT, TOOLS, Answers, level_params, run
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


PRE_COMMIT = [
    *(pytest.param(Answers(level), id=level) for level in LEVELS),
    pytest.param(
        Answers("extra-2-moving-complexity", use_pre_commit=False),
        id="extra-2-moving-complexity-pre-commit-declined",
    ),
]


@pytest.mark.parametrize("project", PRE_COMMIT, indirect=True)
def test_pre_commit_passes_and_keeps_requirements_unchanged(project):
    requirements = project / "requirements.txt"
    before = requirements.read_bytes() if requirements.exists() else None
    git = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    run(["git", "init", "-q"], cwd=project, **git)
    run(["git", "add", "-A"], cwd=project, **git)
    result = run(
        [BIN / "pre-commit", "run", "--all-files", "--show-diff-on-failure"],
        cwd=project,
        timeout=900,
        check=False,
        **git,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
    if before is not None:
        assert requirements.read_bytes() == before
        assert "requirements.txt is exported from poetry.lock" in result.stdout


def test_pinned_tools_match_the_locks_and_the_test_requirements():
    requirements = (ROOT / "requirements-test.txt").read_text()
    assert f"poetry=={TOOLS['poetry']}\n" in requirements
    assert f"poetry-plugin-export=={TOOLS['poetry_plugin_export']}\n" in requirements
    for lock in sorted((ROOT / "templates" / "locks").glob("*/poetry.lock")):
        packages = {p["name"]: p["version"] for p in tomllib.loads(lock.read_text())["package"]}
        assert packages["ruff"] == TOOLS["ruff"], lock  # the pre-commit hooks' ruff
