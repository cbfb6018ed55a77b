"""Shared fixtures: baking, and the baked project for the answers a test is parametrised with.

Tests parametrise `project` indirectly with harness.matrix.for_answers().
Every bake happens once per test process and is shared by all the tests that
look at the same answers; a test that changes a project asks for
`project_copy` instead. A command that fails (harness.process.CommandFailed)
fails the test with its output, here, in one place.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from harness import ROOT
from harness.matrix import Answers
from harness.process import CommandFailed

pytest_plugins = ["harness.docker_required", "pytester"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    return (yield from failed_commands_fail_the_test())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    return (yield from failed_commands_fail_the_test())


def failed_commands_fail_the_test():
    """A CommandFailed becomes a plain failure showing the command and its output."""
    try:
        return (yield)
    except CommandFailed as error:
        failure = str(error)
    pytest.fail(failure, pytrace=False)


@dataclass
class Baked:
    answers: Answers
    path: Path

    @property
    def facts(self) -> dict:
        return self.answers.facts

    def files(self) -> list[Path]:
        return sorted(p for p in self.path.rglob("*") if p.is_file())

    def copy_to(self, folder: Path) -> Path:
        target = folder / self.path.name
        shutil.copytree(self.path, target)
        return target


def bake_error(error: BaseException | None) -> str:
    """What stopped a bake, in a line or two: cookiecutter's message and the error under
    it, without the whole context it carries."""
    if error is None:
        return "no exception, but a non-zero exit code"
    under = getattr(error, "error", None)  # UndefinedVariableInTemplate's Jinja error
    message = getattr(error, "message", None) or str(error)
    return f"{type(error).__name__}: {message}" + (f" ({under})" if under else "")


@pytest.fixture(scope="session")
def bake(cookies_session):
    """bake(answers) -> Baked; each distinct set of answers is baked once per process."""

    @cache
    def _bake(answers: Answers) -> Baked:
        result = cookies_session.bake(extra_context=answers.context(), template=str(ROOT))
        if result.exception is not None or result.exit_code != 0:
            pytest.fail(f"baking {answers.id} failed: {bake_error(result.exception)}",
                        pytrace=False)  # fmt: skip
        return Baked(answers, Path(result.project_path))

    return _bake


@pytest.fixture
def project(request, bake) -> Baked:
    """The project baked for the test's answers (request.param). Shared: read it only."""
    return bake(request.param)


@pytest.fixture
def project_copy(project, tmp_path) -> Path:
    """A private copy of `project`, for tests that install into it or change it."""
    return project.copy_to(tmp_path)
