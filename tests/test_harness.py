"""The test harness's own promises: the Docker tier cannot pass by skipping in CI, and a
run's summary says when it was skipped or not selected (harness/docker_required.py); without
an engine it skips for one reason."""

from __future__ import annotations

import re
import shutil

from harness import ROOT
from harness.docker import engine
from harness.matrix import PYTHONS, STAND_IN_PYTHONS, WITHOUT_STAND_IN

SKIPPING_SUITE = """
import pytest

@pytest.mark.docker
def test_needs_an_engine():
    pytest.skip("no engine here")

def test_something_else():
    pass
"""


def run_skipping_suite(pytester, monkeypatch, ci: str | None, *args: str):
    pytester.makepyfile(test_suite=SKIPPING_SUITE)
    pytester.makeini("[pytest]\nmarkers =\n    docker: needs an engine\n")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    return pytester.runpytest_subprocess("-p", "harness.docker_required", *args)


def test_in_ci_a_skipped_docker_test_fails_the_run(pytester, monkeypatch):
    result = run_skipping_suite(pytester, monkeypatch, ci="true")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*ERROR: CI requires the Docker tier; 1 Docker test(s) skipped:*",
            "*test_needs_an_engine*",
        ]
    )


def test_outside_ci_a_skipped_docker_test_is_only_a_skip(pytester, monkeypatch):
    result = run_skipping_suite(pytester, monkeypatch, ci=None)
    assert result.ret == 0
    result.assert_outcomes(passed=1, skipped=1)


def test_a_docker_tier_that_only_skipped_says_so_in_the_summary(pytester, monkeypatch):
    result = run_skipping_suite(pytester, monkeypatch, None)
    result.stdout.fnmatch_lines(["Docker tier: every test skipped (the skips say why)"])
    assert "wall time" not in result.stdout.str()


def test_a_run_without_docker_tests_says_the_tier_was_not_selected(pytester, monkeypatch):
    result = run_skipping_suite(pytester, monkeypatch, None, "-m", "not docker")
    result.stdout.fnmatch_lines(["Docker tier: not run: no Docker test was selected*"])


def test_without_docker_the_tier_gets_one_clear_reason(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    engine.cache_clear()
    try:
        found = engine()
    finally:
        engine.cache_clear()
    assert not found.available
    assert found.reason == "no docker command on PATH"


def test_base_image_script_makes_every_offered_python_but_the_named_exceptions():
    script = (ROOT / "scripts" / "make-base-images.sh").read_text()
    (default,) = re.findall(r"\|\| versions=\(([^)]*)\)", script)
    suites = dict(re.findall(r"^\s+(3\.\d+)\) echo (\w+) ;;$", script, re.M))

    assert default.split() == sorted(STAND_IN_PYTHONS) == sorted(suites)
    assert set(PYTHONS) - set(STAND_IN_PYTHONS) == set(WITHOUT_STAND_IN)
