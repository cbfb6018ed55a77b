"""Docker tier: every level's image builds, serves, takes load and stops cleanly.

For every level and every Python in cookiecutter.json whose python:X and
python:X-slim images the engine has, the baked project goes through
`docker compose up --build` ... `docker compose down` once, from a checkout
only its owner can read (umask 077) with stray files in it (see
harness.docker.lifecycle); the tests below read what that run saw, through the
`served` fixture. Without an engine the tier skips with one reason; in CI
(CI=true) a skip is a failure (harness/docker_required.py).
"""

from __future__ import annotations

import re

import pytest

from harness.docker import (
    SECRET_SETTING,
    SYSTEM_FILES,
    Compose,
    as_the_pod_runs_it,
    behind_proxy,
    clean_up,
    documented_commands,
    lifecycle,
    local_engine,
    watch_edits,
)
from harness.docker_required import IN_CI
from harness.dockerfiles import with_runtime_library_step
from harness.gunicorn import log_line
from harness.matrix import DEFAULT_PYTHON, LEVELS, PYTHONS, STAND_IN_PYTHONS, Answers, for_answers
from harness.process import run

pytestmark = pytest.mark.docker

ENGINE = local_engine()


def group(answers):
    """One xdist worker per project: its tests read one compose run."""
    return f"docker-{answers.docker_level}-{answers.python_version}"


def on_docker(select=lambda answers: True):
    """Parametrise `project` with each (level, Python) the engine can build and `select`
    accepts (pre-commit off); a single skip without an engine, or without the base images
    of every selected Python."""
    selected = [
        answers
        for python in PYTHONS
        for level in LEVELS
        if select(answers := Answers(level, python, use_pre_commit=False))
    ]
    buildable = [answers for answers in selected if ENGINE.has_python(answers.python_version)]
    reason = None if ENGINE.available else ENGINE.reason
    if reason is None and selected and not buildable:
        pythons = sorted({answers.python_version for answers in selected})
        reason = f"no python:X / python:X-slim images for {pythons}; run make-base-images.sh"
    return for_answers(buildable, group=group, skip_reason=reason)


RUNS: dict = {}


def once(kind, baked, make):
    """make() once per (kind, project) per worker; a failure is reported by every reader."""
    key = (kind, baked.answers)
    if key not in RUNS:
        try:
            RUNS[key] = make()
        except Exception as error:
            RUNS[key] = error
    if isinstance(RUNS[key], Exception):
        raise RUNS[key]
    return RUNS[key]


@pytest.fixture
def served(project, tmp_path_factory):
    """What `docker compose up --build` ... `down` of `project` saw (harness.docker.Record),
    once per project and worker."""

    def make():
        scratch = tmp_path_factory.mktemp(f"docker-{project.answers.docker_level}")
        return lifecycle(
            ENGINE.compose, project.copy_to(scratch), scratch,
            bytecode=project.answers.level["bytecode_compiler"],
            commands=documented_commands(project.path),
        )  # fmt: skip

    return once("lifecycle", project, make)


ALL = on_docker()
ALLOW_LIST = on_docker(lambda answers: answers.facts["allow_list"])
PSYCOPG2 = on_docker(lambda answers: answers.facts["psycopg2"])
LOCKED_DOWN = on_docker(lambda answers: answers.facts["locked_down"])
HEALTH_CHECK = on_docker(lambda answers: answers.facts["health_check"])
RUNS_AS_ITS_USER = on_docker(lambda answers: answers.facts["user_id"] is not None)
NO_HEALTH_CHECK = on_docker(lambda answers: not answers.facts["health_check"])
RUNTIME_FILES = on_docker(lambda answers: answers.facts["runtime_files"])
SERVER_IMPORTS_BYTECODE = on_docker(lambda answers: answers.level["bytecode_compiler"])
# The proxy and Compose Watch runs: every level, on the default Python
EVERY_LEVEL = on_docker(lambda answers: answers.python_version == DEFAULT_PYTHON)
HARDENED_DEFAULT_PYTHON = on_docker(
    lambda answers: answers.facts["runtime_files"] and answers.python_version == DEFAULT_PYTHON
)


def test_engine_has_the_base_images_ci_requires():
    if not IN_CI:
        pytest.skip("only required in CI")
    assert ENGINE.available, ENGINE.reason
    missing = [v for v in STAND_IN_PYTHONS if not ENGINE.has_python(v)]
    assert not missing, (
        f"no python:X / python:X-slim for {missing}; run scripts/make-base-images.sh"
    )


@ALL
def test_compose_runs_the_levels_services(served, project):
    expected = {"server", "server-slim"} if project.facts["slim_variant"] else {"server"}
    assert set(served.services) == expected


@ALL
def test_every_service_answers_index_with_service_and_python(served, project):
    for service in served.services.values():
        assert service.index_status == 200
        assert service.index["service"] == "hello-service"
        assert service.index["python"].startswith(project.answers.python_version + ".")


@ALL
def test_every_service_answers_health(served):
    for service in served.services.values():
        assert service.health_status == 200
        assert service.health["status"] == "ok"


@ALL
def test_gunicorn_is_pid_1(served):
    for service in served.services.values():
        cmdline = service.probe["pid1"]["cmdline"]
        assert any(part.endswith("/gunicorn") for part in cmdline[:2]), cmdline


@ALL
def test_gunicorn_access_lines_reach_compose_logs(served):
    assert re.search(r'"GET / HTTP/1\.[01]" 200 ', served.logs), served.logs[-2000:]
    assert re.search(r'"GET /health HTTP/1\.[01]" 200 ', served.logs)


@ALL
def test_bounded_load_gets_only_2xx_answers(served):
    for service in served.services.values():
        load = service.load
        assert load.requests == 2000, f"{service.name}: only {load.requests} sent before the cap"
        assert load.errors == 0 and load.non_2xx == 0, load


@ALL
def test_compose_down_stops_gunicorn_gracefully(served):
    assert served.exit_codes and set(served.exit_codes.values()) == {0}, served.exit_codes
    for logs in served.shutdown_logs.values():
        assert "Handling signal: term" in logs and "Shutting down: Master" in logs, logs[-2000:]


@ALL
def test_everything_the_run_started_is_removed(served):
    assert served.built_images
    assert served.leftovers == []
    present = [
        image
        for image in served.built_images
        if run(["docker", "image", "inspect", image], check=False).returncode == 0
    ]
    assert present == [], "images built by the test are still present"


@ALL
def test_env_files_never_reach_the_image(served):
    for service in served.services.values():
        names = [p.rsplit("/", 1)[1] for p in service.probe["stray_files"]]
        assert not [n for n in names if n == ".env" or n.startswith(".env.")], names


@ALL
def test_files_macos_and_windows_drop_into_folders_never_reach_the_image(served):
    for service in served.services.values():
        found = [p.rsplit("/", 1)[1] for p in service.probe["stray_files"]]
        assert set(found) & set(SYSTEM_FILES) == set(), service.probe["stray_files"]


@ALL
def test_git_flask_settings_and_bytecode_caches_never_reach_the_image(served):
    for service in served.services.values():
        found = [
            path
            for path in service.probe["stray_files"]
            if "/.git/" in path or "/__pycache__/" in path or path.endswith("/.flaskenv")
        ]
        assert found == [], found


@ALLOW_LIST
def test_allow_list_keeps_stray_files_tests_and_dev_dependencies_out(served):
    for service in served.services.values():
        assert service.probe["stray_files"] == []
        assert service.probe["tests_dirs"] == []
        assert service.probe["dev_modules"] == []
        assert "pytest" not in service.probe["distributions"]


@PSYCOPG2
def test_psycopg2_is_built_from_source_and_loads_the_system_libpq(served):
    for service in served.services.values():
        facts = service.probe["psycopg2"]
        assert facts is not None, f"{service.name}: psycopg2 is not importable"
        assert facts["distributions"] == ["psycopg2"], facts
        assert facts["libpq_files"], facts
        assert all(".libs" not in path for path in facts["libpq_files"]), facts
        assert all(path.startswith(("/usr/lib", "/lib")) for path in facts["libpq_files"]), facts
        major, minor = service.health["libpq"].split(".")
        assert int(major) * 10000 + int(minor) == facts["libpq_version"]


@RUNS_AS_ITS_USER
def test_a_level_with_a_user_runs_as_that_user(served, project):
    assert served.services["server"].probe["pid1"]["uid"] == project.facts["user_id"]


@HEALTH_CHECK
def test_a_level_with_a_health_check_becomes_healthy(served):
    assert served.services["server"].health_state == "healthy"


@NO_HEALTH_CHECK
def test_levels_without_a_health_check_have_no_health_state(served):
    assert {s.health_state for s in served.services.values()} == {"none"}


@LOCKED_DOWN
def test_locked_down_root_filesystem_is_read_only_and_app_keeps_serving(served):
    service = served.services["server"]
    errors = service.probe["write_errors"]
    assert errors[service.probe["cwd"]] == 30, errors  # EROFS: read-only file system
    assert errors["/tmp"] == 0, errors  # the tmpfs
    assert service.index_after_probe == 200


@LOCKED_DOWN
def test_locked_down_runtime_has_no_compiler_poetry_or_uv(served):
    probe = served.services["server"].probe
    assert [p for p in ("gcc", "cc", "poetry", "uv") if probe["programs"][p]] == []
    assert probe["tool_modules"] == []


@RUNTIME_FILES
def test_runtime_of_python_files_alone_has_no_shell_installer_or_package_manager(served):
    programs = served.services["server"].probe["programs"]
    assert [p for p in ("sh", "bash", "pip", "apt-get", "dpkg") if programs[p]] == []


@ALL
def test_runtime_sets_the_utf8_locale_verifies_tls_and_knows_time_zones(served):
    probe = served.services["server"].probe
    assert probe["locale"] == "C.UTF-8"
    assert probe["certificate_authorities"] > 0
    assert probe["time_zone"] == "Europe/Paris"


@ALL
def test_an_interactive_python_in_the_container_starts_its_full_prompt(served):
    for service in served.services.values():
        shown = service.probe["interactive_prompt"]
        assert ">>> " in shown and "warning" not in shown, shown


@RUNTIME_FILES
def test_runtime_lists_for_image_scanners_the_debian_packages_it_holds_files_of(served):
    listed = served.services["server"].probe["packages_listed"]
    assert {"libc6", "tzdata", "ca-certificates"} <= set(listed), listed
    assert not {"apt", "dpkg", "bash", "coreutils", "perl-base"} & set(listed), listed


@SERVER_IMPORTS_BYTECODE
def test_every_module_the_server_loads_to_answer_has_current_bytecode_in_the_image(served):
    assert served.services["server"].probe["modules_without_current_bytecode"] == []


@SERVER_IMPORTS_BYTECODE
def test_every_module_the_health_check_loads_has_current_bytecode_in_the_image(served):
    # Docker runs it every 10 seconds, in a container that writes no bytecode
    assert served.services["server"].probe["health_check_without_current_bytecode"] == []


@ALL
def test_a_compose_secret_file_reaches_the_apps_settings(served):
    _, value = SECRET_SETTING
    assert {s.probe["app_setting"] for s in served.services.values()} == {value}


@ALL
def test_app_log_lines_reach_gunicorns_log_in_its_format(served):
    ready = log_line("INFO", r"hello-service is ready \(Python ")
    booting = log_line("INFO", "Booting worker with pid")
    assert re.search(booting, served.logs, re.M), served.logs[-2000:]
    assert re.search(ready, served.logs, re.M), served.logs[-2000:]


@ALL
def test_each_gunicorn_has_its_control_socket_in_dev_shm(served):
    assert "Failed to start control socket" not in served.logs
    listening = re.findall(r"Control socket listening at (\S+)", served.logs)
    assert listening and set(listening) == {"/dev/shm/gunicorn-1.ctl"}, listening


def documented_outputs(served, project, word: str) -> list[list[str]]:
    """What the exec commands of the project's pages that hold `word` printed, per service,
    in the pages' order; each must have exited 0."""
    commands = [c for c in documented_commands(project.path) if word in c]
    assert commands, f"no page of the project gives a `docker compose exec server` with {word!r}"
    outputs = []
    for service in served.services.values():
        for command in commands:
            code, output = service.commands[command]
            assert code == 0, f"{service.name}: `{command}` exited {code}:\n{output}"
        outputs.append([service.commands[command][1] for command in commands])
    return outputs


@ALL
def test_the_readmes_flask_command_lists_the_apps_routes_in_the_container(served, project):
    for (routes,) in documented_outputs(served, project, "flask"):
        assert re.search(r"^health\s+GET\s+/health\s*$", routes, re.M), routes


@ALL
def test_the_readmes_control_socket_command_lists_the_workers_in_the_container(served, project):
    for (workers,) in documented_outputs(served, project, "gunicornc"):
        assert re.search(r"^Total: [1-9]\d* workers?$", workers, re.M), workers


@LOCKED_DOWN
def test_the_readmes_python_commands_answer_in_the_shell_less_container(served, project):
    # the health, then the installed packages
    for health, packages in documented_outputs(served, project, "python -c"):
        assert '{"status":"ok"}' in health.replace(" ", ""), health
        assert re.search(r"^gunicorn==\d", packages, re.M), packages


@ALL
def test_the_server_reads_its_code_from_a_checkout_only_its_owner_can_read(served):
    for service in served.services.values():
        assert service.probe["unreadable"] == [], service.probe["cwd"]


@pytest.fixture
def forwarded(project, tmp_path_factory):
    """The project behind a proxy container on its Compose network (harness.docker)."""

    def make():
        scratch = tmp_path_factory.mktemp(f"proxy-{project.answers.docker_level}")
        copy = project.copy_to(scratch)
        return behind_proxy(ENGINE.compose, copy, scratch, project.answers.python_version)

    return once("proxy", project, make)


@EVERY_LEVEL
def test_forwarded_https_from_an_untrusted_proxy_is_ignored(forwarded):
    assert forwarded.untrusted_proxy["health"].startswith("http://")


@EVERY_LEVEL
def test_links_are_https_behind_a_trusted_proxy(forwarded):
    assert forwarded.trusted_proxy["health"].startswith("https://")


@EVERY_LEVEL
def test_a_client_cannot_spoof_https_past_the_trusted_proxy_setting(forwarded):
    assert forwarded.spoofing_client["health"].startswith("http://")


@EVERY_LEVEL
def test_the_proxy_run_leaves_nothing_behind(forwarded):
    assert forwarded.leftovers == []


@pytest.fixture
def pod_like(project, tmp_path_factory):
    """The project's services up under the Deployment's security context (harness.docker)."""

    def make():
        scratch = tmp_path_factory.mktemp(f"pod-{project.answers.docker_level}")
        return as_the_pod_runs_it(ENGINE.compose, project.copy_to(scratch), scratch)

    return once("pod", project, make)


@EVERY_LEVEL
def test_the_image_serves_under_the_deployments_security_context(pod_like):
    assert pod_like.settings["read_only"] is True
    assert pod_like.settings["cap_drop"] == ["ALL"]
    assert pod_like.settings["security_opt"] == ["no-new-privileges:true"]
    assert pod_like.settings["tmpfs"] == ["/tmp"]
    assert set(pod_like.health.values()) == {200}, f"{pod_like.health}\n{pod_like.logs[-3000:]}"


@EVERY_LEVEL
def test_the_pod_like_run_leaves_nothing_behind(pod_like):
    assert pod_like.leftovers == []


@pytest.fixture
def watched(project, tmp_path_factory):
    """`docker compose watch` on the project, and one saved code change (harness.docker)."""

    def make():
        scratch = tmp_path_factory.mktemp(f"watch-{project.answers.docker_level}")
        return watch_edits(ENGINE.compose, project.copy_to(scratch), scratch, edits=1)

    return once("watch", project, make)


@EVERY_LEVEL
def test_compose_watch_puts_a_saved_code_change_into_the_running_service(watched):
    assert watched.before["service"] == "hello-service"
    assert [answer["service"] for answer in watched.answers] == ["hello-service-edit-1"]


@EVERY_LEVEL
def test_the_watch_run_leaves_nothing_behind(watched):
    assert watched.leftovers == []


@HARDENED_DEFAULT_PYTHON
def test_a_system_library_added_as_the_readme_says_passes_the_import_check(project, tmp_path):
    copy = project.copy_to(tmp_path)
    package = copy / "src" / "hello_service"
    (package / "native.py").write_text('import ctypes\n\nctypes.CDLL("libpq.so.5")\n')
    main = package / "main.py"
    main.write_text(main.read_text() + "\nfrom . import native  # noqa: E402, F401\n")
    compose = Compose(ENGINE.compose, copy, tmp_path)
    try:
        without = compose.run("--progress", "plain", "build", timeout=900, check=False)
        assert without.returncode != 0  # the build's import step needs the library
        assert "libpq.so.5: cannot open shared object file" in without.stdout + without.stderr
        (copy / "Dockerfile").write_text(with_runtime_library_step(copy))
        compose("build", timeout=900)
    finally:
        leftovers = clean_up(compose, [])
    assert leftovers == []
