"""Once per level: the baked project's own tests and pre-commit hooks pass.

These tests install into the project and run git in it, so they work on
`project_copy` (tests/conftest.py).
"""

from __future__ import annotations

import re
import tomllib

from harness import ROOT
from harness.matrix import TOOLS, Answers, every_level, for_answers
from harness.process import run
from harness.tools import BIN, tool_env

GIT = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}
WITH_HOOKS = [*every_level(), Answers("extra-2-moving-complexity", use_pre_commit=False)]


@for_answers(every_level())
def test_baked_project_tests_pass_in_its_own_environment(project_copy):
    env = tool_env(POETRY_VIRTUALENVS_IN_PROJECT="true", POETRY_NO_INTERACTION="1")
    run([BIN / "poetry", "install", "--with", "dev"], cwd=project_copy, env=env, timeout=900)
    tests = [BIN / "poetry", "run", "pytest", "-q", "-p", "no:cacheprovider"]
    result = run(tests, cwd=project_copy, env=env)
    assert re.search(r"\b[3-9] passed\b", result.stdout), result.stdout


@for_answers(WITH_HOOKS)
def test_pre_commit_passes_and_keeps_requirements_unchanged(project_copy):
    requirements = project_copy / "requirements.txt"
    before = requirements.read_bytes() if requirements.exists() else None
    run(["git", "init", "-q"], cwd=project_copy, env=tool_env(**GIT))
    run(["git", "add", "-A"], cwd=project_copy, env=tool_env(**GIT))
    pre_commit = [BIN / "pre-commit", "run", "--all-files", "--show-diff-on-failure"]
    result = run(pre_commit, cwd=project_copy, env=tool_env(**GIT), timeout=900, check=False)
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
