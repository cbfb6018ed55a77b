"""Once per level: the baked project's own tests pass.

They install into the project, so they work on `project_copy`
(tests/conftest.py). Its pre-commit hooks run in tests/test_toolchain.py.
"""

from __future__ import annotations

import re
import tomllib

from harness import ROOT
from harness.matrix import TOOLS, every_level, for_answers
from harness.process import run
from harness.tools import BIN, tool_env


@for_answers(every_level())
def test_baked_project_tests_pass_in_its_own_environment(project_copy):
    env = tool_env(POETRY_VIRTUALENVS_IN_PROJECT="true", POETRY_NO_INTERACTION="1")
    run([BIN / "poetry", "install", "--with", "dev"], cwd=project_copy, env=env, timeout=900)
    tests = [BIN / "poetry", "run", "pytest", "-q", "-p", "no:cacheprovider"]
    result = run(tests, cwd=project_copy, env=env)  # fails the test if one of them fails
    defined = sum(
        len(re.findall(r"^def test_", module.read_text(), re.M))
        for module in (project_copy / "tests").rglob("test_*.py")
    )
    passed = re.search(r"\b(\d+) passed\b", result.stdout)
    assert defined and passed and int(passed.group(1)) >= defined, result.stdout
    assert "skipped" not in result.stdout, result.stdout


def test_pinned_tools_match_the_locks_and_the_test_requirements():
    requirements = (ROOT / "requirements-test.txt").read_text()
    assert f"poetry=={TOOLS['poetry']}\n" in requirements
    assert f"poetry-plugin-export=={TOOLS['poetry_plugin_export']}\n" in requirements
    for lock in sorted((ROOT / "templates" / "locks").glob("*/poetry.lock")):
        packages = {p["name"]: p["version"] for p in tomllib.loads(lock.read_text())["package"]}
        assert packages["ruff"] == TOOLS["ruff"], lock  # the pre-commit hooks' ruff
