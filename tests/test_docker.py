"""Docker tier: every level's image builds, serves, takes load and stops cleanly.

For every level and every Python in cookiecutter.json whose python:X and
python:X-slim images the engine has, the baked project goes through
`docker compose up --build` ... `docker compose down` once (see
docker_harness.lifecycle); the tests below read what that run saw. Without an
engine the tier skips with one reason; in CI (CI=true) a skip is a failure
(see conftest.py).
"""

from __future__ import annotations

import dataclasses
import re
import subprocess

import pytest
from conftest import LEVEL_FACTS, LEVELS, PYTHONS, Answers
from docker_harness import behind_proxy, engine, lifecycle, watch_edits
from docker_required import IN_CI
from tooling import BIN

pytestmark = pytest.mark.docker

ENGINE = engine(str(BIN / "docker-compose"))
REQUIRED_IN_CI = ("3.11", "3.13")
STEP6 = "step-6-compiling-dependencies"
HARDENED = "production-hardened"
# Levels whose images are compared with each other run on the same xdist worker
COMPARED = {HARDENED: "final-result"}


def group(answers):
    level = COMPARED.get(answers.docker_level, answers.docker_level)
    return f"docker-{level}-{answers.python_version}"


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
                                 marks=pytest.mark.xdist_group(group(answers)))
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
def test_every_service_answers_index_with_service_and_python(served, request):
    answers = request.node.callspec.params["served"]
    expected = {"server", "server-slim"} if answers.docker_level == STEP6 else {"server"}
    assert set(served.services) == expected
    for service in served.services.values():
        assert service.index_status == 200
        assert service.index["service"] == "hello-service"
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


# Gunicorn's error-log format: [date time zone] [pid] [LEVEL] message
GUNICORN_LINE = r"^(?:\S+ *\| )?\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[%s\] %s"


@pytest.mark.parametrize("served", ALL, indirect=True)
def test_app_log_lines_reach_gunicorns_log_in_its_format(served):
    ready = GUNICORN_LINE % ("INFO", r"hello-service is ready \(Python ")
    booting = GUNICORN_LINE % ("INFO", "Booting worker with pid")
    assert re.search(booting, served.logs, re.M), served.logs[-2000:]
    assert re.search(ready, served.logs, re.M), served.logs[-2000:]


@pytest.mark.parametrize("served", ALL, indirect=True)
def test_each_gunicorn_has_its_control_socket_in_dev_shm(served):
    assert "Failed to start control socket" not in served.logs
    listening = re.findall(r"Control socket listening at (\S+)", served.logs)
    assert listening and set(listening) == {"/dev/shm/gunicorn-1.ctl"}, listening


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
    present = [
        image
        for image in served.built_images
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode
        == 0
    ]
    assert present == [], "images built by the test are still present"


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


def hardened_params():
    return docker_params(lambda answers: answers.docker_level == HARDENED)


@pytest.mark.parametrize("served", hardened_params(), indirect=True)
def test_production_hardened_runs_as_non_root_and_becomes_healthy(served):
    service = served.services["server"]
    assert service.probe["pid1"]["uid"] != 0
    assert service.health_state == "healthy"


@pytest.mark.parametrize("served", hardened_params(), indirect=True)
def test_production_hardened_root_filesystem_is_read_only_and_app_keeps_serving(served):
    service = served.services["server"]
    errors = service.probe["write_errors"]
    assert errors[service.probe["cwd"]] == 30, errors  # EROFS: read-only file system
    assert errors["/tmp"] == 0, errors  # the tmpfs
    assert service.index_after_probe == 200


@pytest.mark.parametrize("served", hardened_params(), indirect=True)
def test_production_hardened_runtime_has_no_compiler_poetry_or_uv(served):
    probe = served.services["server"].probe
    assert probe["programs"] == {"gcc": None, "cc": None, "poetry": None, "uv": None}
    assert probe["tool_modules"] == []
    assert probe["dev_modules"] == [] and probe["tests_dirs"] == []


@pytest.mark.parametrize("served", hardened_params(), indirect=True)
def test_production_hardened_image_is_at_most_035_of_final_result(
    served, request, bake, tmp_path_factory
):
    answers = request.node.callspec.params["served"]
    final = _served(
        dataclasses.replace(answers, docker_level="final-result"), bake, tmp_path_factory
    )
    hardened_size = served.services["server"].image_size
    final_size = final.services["server"].image_size
    ratio = hardened_size / final_size
    assert ratio <= 0.35, f"{hardened_size / 1e6:.0f} MB / {final_size / 1e6:.0f} MB = {ratio:.2f}"


@pytest.mark.parametrize("served", ALL, indirect=True)
def test_levels_without_a_health_check_have_no_health_state(served, request):
    answers = request.node.callspec.params["served"]
    expected = "healthy" if answers.docker_level == HARDENED else "none"
    assert {s.health_state for s in served.services.values()} == {expected}


def once(kind, answers, run):
    """run() once per (kind, answers) per worker; a failure is reported by every reader."""
    key = (kind, answers)
    if key not in RUNS:
        try:
            RUNS[key] = run()
        except Exception as error:
            RUNS[key] = error
    if isinstance(RUNS[key], Exception):
        raise RUNS[key]
    return RUNS[key]


@pytest.fixture
def forwarded(request, bake, tmp_path_factory):
    """The project behind a proxy container on its Compose network (see behind_proxy)."""
    answers = request.param

    def run():
        scratch = tmp_path_factory.mktemp(f"proxy-{answers.docker_level}")
        project = bake(answers).copy_to(scratch)
        return behind_proxy(ENGINE.compose, project, scratch, answers.python_version)

    return once("proxy", answers, run)


@pytest.mark.parametrize("forwarded", ALL, indirect=True)
def test_forwarded_https_from_an_untrusted_proxy_is_ignored(forwarded):
    assert forwarded.untrusted_proxy["health"].startswith("http://")


@pytest.mark.parametrize("forwarded", ALL, indirect=True)
def test_links_are_https_behind_a_trusted_proxy(forwarded):
    assert forwarded.trusted_proxy["health"].startswith("https://")


@pytest.mark.parametrize("forwarded", ALL, indirect=True)
def test_a_client_cannot_spoof_https_past_the_trusted_proxy_setting(forwarded):
    assert forwarded.spoofing_client["health"].startswith("http://")


@pytest.mark.parametrize("forwarded", ALL, indirect=True)
def test_the_proxy_run_leaves_nothing_behind(forwarded):
    assert forwarded.leftovers == []


@pytest.fixture
def watched(request, bake, tmp_path_factory):
    """`docker compose watch` on the project, and one saved code change (see watch_edits)."""
    answers = request.param

    def run():
        scratch = tmp_path_factory.mktemp(f"watch-{answers.docker_level}")
        project = bake(answers).copy_to(scratch)
        return watch_edits(ENGINE.compose, project, scratch, edits=1)

    return once("watch", answers, run)


@pytest.mark.parametrize("watched", ALL, indirect=True)
def test_compose_watch_puts_a_saved_code_change_into_the_running_service(watched):
    assert watched.before["service"] == "hello-service"
    assert [answer["service"] for answer in watched.answers] == ["hello-service-edit-1"]


@pytest.mark.parametrize("watched", ALL, indirect=True)
def test_the_watch_run_leaves_nothing_behind(watched):
    assert watched.leftovers == []
