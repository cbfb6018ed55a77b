"""pytest plugin: in CI (CI=true) the Docker tier must run; a skipped Docker test fails.

It also prints the Docker tier's wall time, and which offered Pythons it left out for
want of base images (3.12 where no image can be pulled); or that the tier was not selected,
or skipped whole. Loaded by conftest.py.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

_docker_skips: list[str] = []
_docker_span: list[float] = []  # start and stop times of every Docker test phase
_docker_tests: set[str] = set()


def pytest_runtest_logreport(report):
    if "docker" not in report.keywords:
        return
    _docker_span.extend((report.start, report.stop))
    _docker_tests.add(report.nodeid)
    if report.skipped and report.when in {"setup", "call"}:
        _docker_skips.append(report.nodeid)


def pytest_terminal_summary(terminalreporter):
    if not _docker_tests:
        terminalreporter.write_line(
            "Docker tier: not run: no Docker test was selected (`-m docker` selects them)"
        )
    elif _docker_tests <= set(_docker_skips):
        terminalreporter.write_line("Docker tier: every test skipped (the skips say why)")
    else:
        seconds = max(_docker_span) - min(_docker_span)
        terminalreporter.write_line(f"Docker tier: {seconds:.0f} s wall time")
        for python, why in pythons_left_out().items():
            terminalreporter.write_line(f"Docker tier: not run on Python {python}: {why}")


def pythons_left_out() -> dict[str, str]:
    """The offered Pythons the Docker tier left out, for want of base images, and why;
    none without an engine (every Docker test then says why it skipped)."""
    from harness.docker import local_engine
    from harness.matrix import PYTHONS, WITHOUT_STAND_IN

    found = local_engine()
    if not found.available:
        return {}
    return {
        python: WITHOUT_STAND_IN.get(python, "run scripts/make-base-images.sh")
        + f" (no python:{python} / python:{python}-slim images here)"
        for python in PYTHONS
        if not found.has_python(python)
    }


def pytest_sessionfinish(session, exitstatus):
    if IN_CI and _docker_skips and not hasattr(session.config, "workerinput"):
        print(f"\nERROR: CI requires the Docker tier; {len(_docker_skips)} Docker test(s) skipped:")
        for nodeid in _docker_skips[:20]:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
