"""Docker tier: every level's image builds, serves, takes load and stops cleanly.

For every level and every Python in cookiecutter.json whose python:X and
python:X-slim images the engine has, the baked project goes through
`docker compose up --build` ... `docker compose down` once (see
docker_harness.lifecycle); the tests below read what that run saw. Without an
engine the tier skips with one reason; in CI (CI=true) a skip is a failure
(see conftest.py).
"""

from __future__ import annotations

import re
import subprocess

import pytest
from conftest import BIN, IN_CI, LEVEL_FACTS, LEVELS, PYTHONS, Answers
from docker_harness import engine, lifecycle

pytestmark = pytest.mark.docker

ENGINE = engine(str(BIN / "docker-compose"))
REQUIRED_IN_CI = ("3.11", "3.13")
STEP6 = "step-6-compiling-dependencies"


def docker_params(select=lambda answers: True):
    """One param per (level, Python) the engine can build; a single skip without one."""
    if not ENGINE.available:
        return [pytest.param(None, id="no-engine", marks=pytest.mark.skip(reason=ENGINE.reason))]
    params = []
    for python in PYTHONS:
        if not ENGINE.has_python(python):
            continue
        for level in LEVELS:
            answers = Answers(level, python, use_pre_commit=False)
            if select(answers):
                params.append(
                    pytest.param(answers, id=f"{level}-py{python}",
                                 marks=pytest.mark.xdist_group(f"docker-{level}-{python}"))
                )  # fmt: skip
    return params


def where(**facts):
    return lambda answers: all(LEVEL_FACTS[answers.docker_level][k] == v for k, v in facts.items())


@pytest.fixture
def served(request, bake, tmp_path_factory):
    """The record of one compose lifecycle; each (level, Python) runs once per worker."""
    return _served(request.param, bake, tmp_path_factory)


RUNS: dict = {}


def _served(answers, bake, tmp_path_factory):
    runs = RUNS
    if answers not in runs:
        scratch = tmp_path_factory.mktemp(f"docker-{answers.docker_level}")
        project = bake(answers).copy_to(scratch)
        try:
            runs[answers] = lifecycle(ENGINE.compose, project, scratch)
        except Exception as error:  # remember the failure: every test of this run reports it
            runs[answers] = error
    result = runs[answers]
    if isinstance(result, Exception):
        raise result
    return result


ALL = docker_params()


def test_engine_has_the_base_images_ci_requires():
    if not IN_CI:
        pytest.skip("only required in CI")
    assert ENGINE.available, ENGINE.reason
    missing = [v for v in REQUIRED_IN_CI if not ENGINE.has_python(v)]
    assert not missing, (
        f"no python:X / python:X-slim for {missing}; run scripts/make-base-images.sh"
    )


@pytest.mark.parametrize("served", ALL, indirect=True)
def test_every_service_answers_index_with_project_and_level(served, request):
    answers = request.node.callspec.params["served"]
    expected = {"server", "server-slim"} if answers.docker_level == STEP6 else {"server"}
    assert set(served.services) == expected
    for service in served.services.values():
        assert service.index_status == 200
        assert service.index["service"] == "hello-service"
        assert service.index["level"] == answers.docker_level
        assert service.index["python"].startswith(answers.python_version + ".")


@pytest.mark.parametrize("served", ALL, indirect=True)
def test_every_service_answers_health(served):
    for service in served.services.values():
        assert service.health_status == 200
        assert service.health["status"] == "ok"


@pytest.mark.parametrize("served", ALL, indirect=True)
def test_gunicorn_is_pid_1_and_its_access_lines_reach_compose_logs(served):
    for service in served.services.values():
        cmdline = service.probe["pid1"]["cmdline"]
        assert any(part.endswith("/gunicorn") for part in cmdline[:2]), cmdline
    assert re.search(r'"GET / HTTP/1\.[01]" 200 ', served.logs), served.logs[-2000:]
    assert re.search(r'"GET /health HTTP/1\.[01]" 200 ', served.logs)


@pytest.mark.parametrize("served", ALL, indirect=True)
def test_bounded_load_gets_only_2xx_answers(served):
    for service in served.services.values():
        load = service.load
        assert load.requests == 2000, f"{service.name}: only {load.requests} sent before the cap"
        assert load.errors == 0 and load.non_2xx == 0, load


@pytest.mark.parametrize("served", ALL, indirect=True)
def test_compose_down_is_quick_and_gunicorn_shuts_down_gracefully(served):
    assert served.down_seconds < 5, f"docker compose down took {served.down_seconds:.1f} s"
    assert served.exit_codes and set(served.exit_codes.values()) == {0}, served.exit_codes
    assert "Handling signal: term" in served.shutdown_logs, served.shutdown_logs[-2000:]
    assert "Shutting down: Master" in served.shutdown_logs


@pytest.mark.parametrize("served", ALL, indirect=True)
def test_everything_the_run_started_is_removed(served):
    assert served.built_images
    assert served.leftovers == []
    present = subprocess.run(
        ["docker", "image", "inspect", *served.built_images], capture_output=True
    ).returncode
    assert present != 0, "images built by the test are still present"


@pytest.mark.parametrize("served", ALL, indirect=True)
def test_env_file_never_reaches_the_image(served):
    for service in served.services.values():
        assert not [p for p in service.probe["stray_files"] if p.endswith("/.env")]


@pytest.mark.parametrize("served", docker_params(where(allow_list=True)), indirect=True)
def test_allow_list_keeps_stray_files_tests_and_dev_dependencies_out(served):
    for service in served.services.values():
        assert service.probe["stray_files"] == []
        assert service.probe["tests_dirs"] == []
        assert service.probe["dev_modules"] == []
        assert "pytest" not in service.probe["distributions"]


@pytest.mark.parametrize("served", docker_params(lambda a: a.docker_level == STEP6), indirect=True)
def test_step6_psycopg2_is_built_from_source_and_loads_the_system_libpq(served):
    for service in served.services.values():
        facts = service.probe["psycopg2"]
        assert facts is not None, f"{service.name}: psycopg2 is not importable"
        assert facts["distributions"] == ["psycopg2"], facts
        assert facts["libpq_files"], facts
        assert all(".libs" not in path for path in facts["libpq_files"]), facts
        assert all(path.startswith(("/usr/lib", "/lib")) for path in facts["libpq_files"]), facts
        major, minor = service.health["libpq"].split(".")
        assert int(major) * 10000 + int(minor) == facts["libpq_version"]
