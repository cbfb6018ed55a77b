"""Shared fixtures: the answer matrix (read from cookiecutter.json) and baking.

Every bake happens once per test process and is shared by all the tests that
look at the same answers; tests that change a baked project work on a copy.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from tooling import tool_env

pytest_plugins = ["docker_required", "pytester"]

ROOT = Path(__file__).resolve().parent.parent
COOKIECUTTER_JSON = json.loads((ROOT / "cookiecutter.json").read_text())
LEVELS: list[str] = list(COOKIECUTTER_JSON["docker_level"])
PYTHONS: list[str] = list(COOKIECUTTER_JSON["python_version"])
LEVEL_FACTS: dict[str, dict] = COOKIECUTTER_JSON["_levels"]
TOOLS: dict[str, str] = COOKIECUTTER_JSON["_tools"]
DEFAULT_PYTHON = PYTHONS[0]


@dataclass(frozen=True)
class Answers:
    docker_level: str
    python_version: str = DEFAULT_PYTHON
    use_pre_commit: bool = True

    @property
    def id(self) -> str:
        hooks = "pre-commit" if self.use_pre_commit else "no-pre-commit"
        return f"{self.docker_level}-py{self.python_version}-{hooks}"

    def context(self) -> dict:
        return {
            "docker_level": self.docker_level,
            "python_version": self.python_version,
            "use_pre_commit": self.use_pre_commit,
        }


def full_matrix() -> list[Answers]:
    """Every combination of the choice and boolean prompts in cookiecutter.json."""
    return [
        Answers(level, python, hooks)
        for level, python, hooks in itertools.product(LEVELS, PYTHONS, (True, False))
    ]


def level_params(levels=None):
    """One pytest param per level (default Python, pre-commit on), id = level."""
    return [pytest.param(Answers(level), id=level) for level in (levels or LEVELS)]


def run(args, cwd, timeout=600, check=True, **extra_env) -> subprocess.CompletedProcess:
    """Run a command; on failure, fail the test with its full output."""
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=tool_env(**extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"`{' '.join(map(str, args))}` exited {proc.returncode} in {cwd}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}",
            pytrace=False,
        )
    return proc


@dataclass
class Baked:
    answers: Answers
    path: Path

    @property
    def facts(self) -> dict:
        return LEVEL_FACTS[self.answers.docker_level]

    def files(self) -> list[Path]:
        return sorted(p for p in self.path.rglob("*") if p.is_file())

    def copy_to(self, folder: Path) -> Path:
        target = folder / self.path.name
        shutil.copytree(self.path, target)
        return target


@pytest.fixture(scope="session")
def bake(cookies_session):
    """bake(answers) -> Baked; each distinct set of answers is baked once."""

    @cache
    def _bake(answers: Answers) -> Baked:
        result = cookies_session.bake(extra_context=answers.context(), template=str(ROOT))
        if result.exception is not None or result.exit_code != 0:
            pytest.fail(f"baking {answers.id} failed: {result.exception!r}", pytrace=False)
        return Baked(answers, Path(result.project_path))

    return _bake
