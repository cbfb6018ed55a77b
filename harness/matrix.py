"""The answers a project can be baked with, read from cookiecutter.json.

Tests parametrise the `project` fixture with for_answers(), the one
parametrisation helper: one param per set of answers, id answers.id.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import answer_checks
import answer_filters
from harness import ROOT


def checked(template: dict) -> dict:
    """`template` (cookiecutter.json), once its table of level facts has none of the
    problems that stop a bake: a slip there stops the tests, the benchmark and the
    scripts as they import this module, with the bake's own messages."""
    if found := answer_filters.table_problems(template):
        raise RuntimeError("\n".join(problem.message for problem in found))
    return template


COOKIECUTTER: dict = checked(json.loads((ROOT / "cookiecutter.json").read_text()))
LEVELS: list[str] = list(COOKIECUTTER["docker_level"])
PYTHONS: list[str] = list(COOKIECUTTER["python_version"])
LEVEL_FACTS: dict[str, dict] = COOKIECUTTER["_levels"]
TOOLS: dict[str, str] = COOKIECUTTER["_tools"]
DEFAULT_PYTHON = PYTHONS[0]
DEFAULT_SLUG = answer_checks.default_slug(COOKIECUTTER["project_name"])
DEFAULT_PACKAGE = DEFAULT_SLUG.replace("-", "_")
"""The slug and package name that the default project name gives."""
WITHOUT_STAND_IN: dict[str, str] = {"3.12": "no Debian suite ships Python 3.12"}
"""Offered Pythons that scripts/make-base-images.sh cannot make where no image can be pulled."""
STAND_IN_PYTHONS: list[str] = [python for python in PYTHONS if python not in WITHOUT_STAND_IN]
"""The Pythons the Docker tier must run in CI (make-base-images.sh's default list)."""
SERIES: list[str] = sorted(LEVELS, key=lambda level: LEVEL_FACTS[level]["number"])
"""The levels in the order the series walks them (step 1 first)."""


@dataclass(frozen=True)
class Answers:
    docker_level: str
    python_version: str = DEFAULT_PYTHON
    use_pre_commit: bool = True

    @property
    def id(self) -> str:
        hooks = "pre-commit" if self.use_pre_commit else "no-pre-commit"
        return f"{self.docker_level}-py{self.python_version}-{hooks}"

    @property
    def facts(self) -> dict:
        """The level's row of `_levels` in cookiecutter.json."""
        return LEVEL_FACTS[self.docker_level]

    @property
    def has_pre_commit(self) -> bool:
        """A pre-commit config is baked when asked for, or when the level needs one: the
        rule stated again from the answers, to check the one answer_filters.level() applies."""
        return self.use_pre_commit or self.facts["needs_pre_commit"]

    @cached_property
    def level(self) -> dict:
        """What templates read as `cookiecutter | level`: the level's facts and the rules
        answer_filters.level() derives from these answers (with the default project name)."""
        answers = {**self.context(), "package_name": DEFAULT_PACKAGE}
        return answer_filters.level({**COOKIECUTTER, **answers})

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


def every_level() -> list[Answers]:
    """Each level once, with the default answers otherwise."""
    return [Answers(level) for level in LEVELS]


def for_answers(
    answers: Iterable[Answers],
    *,
    group: Callable[[Answers], str] | None = None,
    skip_reason: str | None = None,
):
    """Parametrise the `project` fixture (indirectly) with each set of answers.

    The one parametrisation helper of the tests: one param per set of answers,
    with answers.id as its id. group: an xdist group per answers (tests that
    read one expensive record run on one worker). skip_reason: the answers are
    unavailable here; one skipped param with this reason stands for them (the
    Docker tier without an engine).
    """
    import pytest

    if skip_reason is not None:
        params = [pytest.param(None, id="unavailable", marks=pytest.mark.skip(reason=skip_reason))]
    elif not (answers := list(answers)):
        # pytest would report an empty parametrisation as a skip, which CI does not catch
        # outside the Docker tier: a filter that matches nothing is a broken test
        raise ValueError("for_answers(): no answers selected; check the test's filter")
    else:
        params = [
            pytest.param(a, id=a.id, marks=[pytest.mark.xdist_group(group(a))] if group else [])
            for a in answers
        ]
    return pytest.mark.parametrize("project", params, indirect=True)
