"""Fast tier: a baked project on its user's first day, without Docker.

The README's install command (`poetry install --with dev`) in a private copy of the
default bake, then the documented commands: `flask run` with its reloader,
Gunicorn with the project's gunicorn.conf.py, on loopback and free ports.
Plus what needs no install: where gunicorn.conf.py puts its runtime files, and
what .env.example, compose.yaml and the README's first section promise.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import shlex
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from harness.baking import pages_text
from harness.dockerfiles import parse
from harness.gunicorn import log_line
from harness.matrix import LEVELS, PYTHONS, Answers, every_level, for_answers
from harness.net import free_port, get, get_json, poll
from harness.process import run, start, stop
from harness.tools import BIN, IN_PROJECT, poetry, tool_env


def readme_install(project: Path) -> list[str]:
    """The install command of the README's first section: the first line of its first
    bash block, as words."""
    first = first_section((project / "README.md").read_text())
    command = re.search(r"```bash\n(.*)\n", first).group(1)
    assert command.startswith("poetry install"), f"README's first command: {command}"
    return shlex.split(command)


@pytest.fixture(scope="module")
def installed(bake, tmp_path_factory):
    """The default bake after the README's install command, run as the README gives it."""
    project = bake(Answers(LEVELS[0])).copy_to(tmp_path_factory.mktemp("day-one"))
    poetry(*readme_install(project)[1:], cwd=project, timeout=900, **IN_PROJECT)
    return project


class Server:
    """A documented command started in the project; stopped with SIGTERM."""

    def __init__(self, project: Path, args: list[str], **env: str):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = start(
            [BIN / "poetry", "run", *args],
            cwd=project,
            env=tool_env(**IN_PROJECT, **env),
            output=self.log,
            new_session=True,
        )

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> str:
        stop(self.process)
        return self.output()


@pytest.fixture
def serve(installed):
    """serve(args, **env) -> Server, started now; every server is stopped after the test."""
    servers: list[Server] = []

    def _start(args: list[str], **env: str) -> Server:
        servers.append(Server(installed, args, **env))
        return servers[-1]

    yield _start
    for server in servers:
        server.stop()


def gunicorn(serve, port: int, **env: str) -> Server:
    """`poetry run gunicorn <package>.main:app` on loopback, answering /."""
    server = serve(["gunicorn", "hello_service.main:app"], HOST="127.0.0.1", PORT=str(port), **env)
    poll(lambda: get_json(port)["service"], 60, f"answer from Gunicorn on {port}")
    return server


def test_flask_run_serves_the_app_and_reloads_a_saved_change(installed, serve):
    port = free_port()
    serve(["flask", "run", "--debug", "--port", str(port)])
    assert poll(lambda: get_json(port)["service"], 60, "answer") == "hello-service"

    source = installed / "src" / "hello_service" / "main.py"
    original = source.read_text()
    try:
        source.write_text(original.replace('SERVICE = "hello-service"', 'SERVICE = "reloaded"'))
        poll(lambda: get_json(port)["service"] == "reloaded", 60, "reloaded answer")
    finally:
        source.write_text(original)


def test_gunicorn_runs_after_the_documented_install(serve):
    port = free_port()
    gunicorn(serve, port)

    assert get_json(port, "/health") == {"status": "ok"}


def test_gunicorn_with_host_colons_answers_on_ipv4_too(serve):
    port = free_port()
    serve(["gunicorn", "hello_service.main:app"], HOST="::", PORT=str(port))

    assert poll(lambda: get_json(port)["service"], 60, "answer over IPv4") == "hello-service"


def link_from_gunicorn_on_ipv6(serve, trusted: str) -> str:
    """Gunicorn on HOST=:: with FORWARDED_ALLOW_IPS=`trusted`: the /health link that /
    gives a client over IPv4 claiming https, as a proxy does."""
    port = free_port()
    serve(["gunicorn", "hello_service.main:app"], HOST="::", PORT=str(port),
          FORWARDED_ALLOW_IPS=trusted)  # fmt: skip
    poll(lambda: get_json(port)["service"], 60, "answer over IPv4")
    status, body = get(port, "/", headers={"X-Forwarded-Proto": "https"})
    assert status == 200, body
    return json.loads(body)["health"]


def test_gunicorn_on_ipv6_believes_an_ipv4_proxy_it_is_told_to_trust(serve):
    assert link_from_gunicorn_on_ipv6(serve, trusted="127.0.0.1").startswith("https://")


def test_gunicorn_on_ipv6_believes_no_ipv4_proxy_it_is_not_told_to_trust(serve):
    assert link_from_gunicorn_on_ipv6(serve, trusted="10.0.0.0/8").startswith("http://")


def test_the_image_health_check_passes_with_the_documented_trusted_hosts(installed, serve):
    port = free_port()
    serve(["gunicorn", "hello_service.main:app"], HOST="127.0.0.1", PORT=str(port),
          FLASK_TRUSTED_HOSTS='["example.com", "localhost"]')  # fmt: skip
    poll(lambda: get(port, "/health", headers={"Host": "localhost"})[0] == 200, 60, "answer")
    (healthcheck,) = parse(installed / "Dockerfile").final.all("HEALTHCHECK")
    python, flag, code = json.loads(healthcheck.value.partition("CMD")[2])

    checked = run([sys.executable, flag, code], check=False, env=tool_env(PORT=str(port)))

    assert checked.returncode == 0, checked.stderr


def test_the_documented_health_command_passes_with_the_documented_trusted_hosts(installed, serve):
    port = free_port()
    serve(["gunicorn", "hello_service.main:app"], HOST="127.0.0.1", PORT=str(port),
          FLASK_TRUSTED_HOSTS='["example.com", "localhost"]')  # fmt: skip
    poll(lambda: get(port, "/health", headers={"Host": "localhost"})[0] == 200, 60, "answer")
    (code,) = re.findall(r'`docker compose exec server python -c "(.+?)"`', pages_text(installed))

    asked = run([sys.executable, "-c", code.replace(":8000/", f":{port}/")], check=False)

    assert asked.returncode == 0, asked.stderr


def test_a_misspelt_log_level_stops_gunicorn_with_its_name(serve):
    server = serve(["gunicorn", "hello_service.main:app"], HOST="127.0.0.1",
                   PORT=str(free_port()), LOG_LEVEL="Verbose")  # fmt: skip

    assert server.process.wait(timeout=60) != 0
    assert "LOG_LEVEL='Verbose': use debug, info, warning, error or critical" in server.output()


@pytest.mark.parametrize(
    ("variable", "value"),
    [("WEB_CONCURRENCY", "0"), ("GUNICORN_TIMEOUT", "30s"), ("PORT", "99999"), ("PORT", "0")],
)
def test_a_number_gunicorn_cannot_use_stops_it_with_its_name(serve, variable, value):
    settings = {"PORT": str(free_port()), variable: value}
    server = serve(["gunicorn", "hello_service.main:app"], HOST="127.0.0.1", **settings)

    assert server.process.wait(timeout=60) != 0
    assert f"{variable}={value!r}: use a whole number from" in server.output()


def test_a_proxy_that_is_no_address_stops_gunicorn_with_the_error_the_readme_quotes(serve):
    server = serve(["gunicorn", "hello_service.main:app"], HOST="127.0.0.1",
                   PORT=str(free_port()), FORWARDED_ALLOW_IPS="127.0.0.1,proxy.local")  # fmt: skip

    assert server.process.wait(timeout=60) != 0
    assert "Error: 'proxy.local' does not appear to be an IPv4 or IPv6 network" in server.output()


def test_app_log_lines_reach_gunicorns_log_in_its_format(serve):
    server = gunicorn(serve, free_port(), LOG_LEVEL="info")
    poll(lambda: "is ready" in server.output(), 60, "app log line")

    log = server.stop()
    assert re.search(log_line("INFO", "Booting worker"), log, re.M), log
    assert re.search(log_line("INFO", r"hello-service is ready \(Python "), log, re.M)


def test_flask_run_shows_the_apps_info_lines_once_without_debug(serve):
    port = free_port()
    server = serve(["flask", "run", "--port", str(port)])
    poll(lambda: get_json(port)["service"], 60, "answer from flask run")

    log = server.stop()
    assert log.count("hello-service is ready") == 1, log


def test_importing_main_reads_no_settings_until_the_server_asks_for_the_app(installed, tmp_path):
    (tmp_path / "FLASK_SECRET_KEY__X").write_text("SECRET_KEY holds text, not a table")

    def python(code: str):
        return run([BIN / "poetry", "run", "python", "-c", code], cwd=installed, check=False,
                   env=tool_env(**IN_PROJECT, SECRETS_DIR=str(tmp_path)))  # fmt: skip

    assert python("import hello_service.main").returncode == 0  # as the tests import it
    asked = python("from hello_service.main import app")  # as Gunicorn and flask run do
    assert asked.returncode != 0
    assert f"secret file {tmp_path / 'FLASK_SECRET_KEY__X'}: setting SECRET_KEY" in asked.stderr


def test_app_info_lines_are_dropped_below_log_level_warning(serve):
    server = gunicorn(serve, free_port(), LOG_LEVEL="warning")

    log = server.stop()
    assert "is ready" not in log, log


def test_two_local_gunicorns_keep_their_own_control_sockets(installed, serve):
    def socket_of(server: Server) -> str:
        return poll(
            lambda: re.findall(r"Control socket listening at (\S+)", server.output()),
            60,
            "control socket",
        )[0]

    first = gunicorn(serve, free_port())
    second = gunicorn(serve, free_port())
    first_socket, second_socket = socket_of(first), socket_of(second)
    assert first_socket != second_socket

    second.stop()
    status = run(
        [BIN / "poetry", "run", "gunicornc", "-s", first_socket, "-c", "show workers"],
        cwd=installed,
        env=tool_env(**IN_PROJECT),
        timeout=60,
        check=False,
    )
    assert Path(first_socket).is_socket()
    assert status.returncode == 0, status.stdout + status.stderr


# --- gunicorn.conf.py's runtime folder, read without starting Gunicorn -------------


@pytest.fixture
def conf(bake):
    """conf() -> the settings gunicorn.conf.py defines, run in this process."""
    path = bake(Answers(LEVELS[0])).path / "gunicorn.conf.py"
    return lambda: runpy.run_path(str(path))


def test_a_socket_given_as_host_is_named_with_the_bind_to_give_instead(conf, monkeypatch):
    monkeypatch.setenv("HOST", "unix:/tmp/app.sock")

    with pytest.raises(ValueError, match="HOST='unix:/tmp/app.sock' is a socket, not an"):
        conf()
    with pytest.raises(ValueError, match="GUNICORN_CMD_ARGS='--bind unix:/tmp/app.sock'"):
        conf()


@pytest.mark.parametrize("given", ["0.0.0.0:8000", "http://0.0.0.0", "[::1]:8000", "0.0.0.0/0"])
def test_a_host_that_is_not_an_address_alone_is_named(conf, monkeypatch, given):
    monkeypatch.setenv("HOST", given)

    with pytest.raises(ValueError, match=re.escape(f"HOST={given!r} is not an address")):
        conf()


def test_runtime_files_go_to_dev_shm_where_it_is_writable(conf, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(os, "access", lambda path, mode: path == "/dev/shm")
    monkeypatch.setattr(os.path, "isdir", lambda path: path == "/dev/shm")

    settings = conf()

    assert settings["worker_tmp_dir"] == "/dev/shm"
    assert settings["control_socket"] == f"/dev/shm/gunicorn-{os.getpid()}.ctl"


def test_without_dev_shm_runtime_files_go_to_the_temp_folder(conf, monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(os.path, "isdir", lambda path: False)  # macOS: no /dev/shm
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    settings = conf()

    assert settings["worker_tmp_dir"] == str(tmp_path)
    assert settings["control_socket"] == str(tmp_path / f"gunicorn-{os.getpid()}.ctl")


def test_the_users_runtime_folder_comes_first(conf, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))

    assert conf()["worker_tmp_dir"] == str(tmp_path)


@pytest.mark.parametrize(
    ("host", "bind"),
    [
        ("0.0.0.0", "0.0.0.0:8000"),
        ("127.0.0.1", "127.0.0.1:8000"),
        ("::", "[::]:8000"),
        ("::1", "[::1]:8000"),
        ("[::1]", "[::1]:8000"),
        ("localhost", "localhost:8000"),
    ],
)
def test_host_is_bound_as_given_with_an_ipv6_address_in_brackets(conf, monkeypatch, host, bind):
    monkeypatch.setenv("HOST", host)
    monkeypatch.delenv("PORT", raising=False)

    assert conf()["bind"] == bind


# --- What the files promise, at every level --------------------------------------------


def variables_read(code: str) -> set[str]:
    """The environment variables that code of the baked project reads by name."""
    return set(re.findall(r"""(?:os\.environ\.get|_whole_number)\(["'](\w+)["']""", code))


@for_answers(every_level())
def test_env_example_lists_every_variable_the_service_and_gunicorn_read(project):
    path = project.path
    code = (path / "gunicorn.conf.py").read_text()
    code += next(path.rglob("main.py")).read_text()
    read = variables_read(code)
    read |= {"GUNICORN_CMD_ARGS", "FLASK_SECRET_KEY"}  # read by Gunicorn itself; the app
    listed = set(re.findall(r"^# ?(\w+)=", (path / ".env.example").read_text(), re.M))

    assert read - listed == set()
    assert {"HOST", "PORT", "WEB_CONCURRENCY", "LOG_LEVEL", "SECRETS_DIR"} <= read


# What gunicorn.conf.py makes of the variables it reads
GUNICORN_SETTINGS = ("bind", "workers", "threads", "timeout", "graceful_timeout", "loglevel",
                     "forwarded_allow_ips", "worker_tmp_dir")  # fmt: skip


@for_answers(every_level())
def test_every_gunicorn_default_the_readme_and_env_example_give_is_the_real_one(
    project, monkeypatch
):
    read = variables_read((project.path / "gunicorn.conf.py").read_text())
    readme = dict(
        re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", (project.path / "README.md").read_text(), re.M)
    )
    example = dict(re.findall(r"^# (\w+)=(.*)$", (project.path / ".env.example").read_text(), re.M))
    for name in read:
        monkeypatch.delenv(name, raising=False)

    def settings() -> dict:
        defined = runpy.run_path(str(project.path / "gunicorn.conf.py"))
        return {name: defined[name] for name in GUNICORN_SETTINGS}

    unset = settings()
    for source, documented in (("README", readme), (".env.example", example)):
        for name in read & documented.keys():
            monkeypatch.setenv(name, documented[name])
            given = settings()
            assert given == unset, (
                f"{source} gives {name}={documented[name]} as the default; unset, "
                f"gunicorn.conf.py gives {unset}, and with it {given}"
            )
            monkeypatch.delenv(name)
    assert {"WEB_CONCURRENCY", "GUNICORN_GRACEFUL_TIMEOUT", "FORWARDED_ALLOW_IPS"} <= (
        readme.keys() & example.keys()
    )


@for_answers(every_level())
def test_every_service_reads_an_optional_env_file_and_rebuilds_on_saved_code(project):
    # The top folder of the code, found in the baked project: src/ or the package itself
    (app,) = project.path.glob("**/hello_service/main.py")
    code = app.relative_to(project.path).parts[0]
    services = yaml.safe_load((project.path / "compose.yaml").read_text())["services"]
    for service in services.values():
        assert service["env_file"] == [{"path": ".env", "required": False}]
        rebuilt = {w["path"] for w in service["develop"]["watch"] if w["action"] == "rebuild"}
        assert {f"./{code}", "./gunicorn.conf.py"} <= rebuilt
        assert all((project.path / path).exists() for path in rebuilt), rebuilt
        build = service["build"] if isinstance(service["build"], dict) else {}
        dockerfile = parse(project.path / build.get("dockerfile", "Dockerfile"))
        named = {f"./{path.rstrip('/')}" for path in dockerfile.context_paths()} - {"./."}
        assert named <= rebuilt, named - rebuilt


def first_section(readme: str) -> str:
    sections = re.split(r"^## ", readme, flags=re.M)
    return "## " + sections[1]


def test_readmes_first_section_runs_and_tests_the_app_the_same_at_every_level(bake):
    firsts = {level: first_section((bake(Answers(level)).path / "README.md").read_text())
              for level in LEVELS}  # fmt: skip
    first = firsts[LEVELS[0]]

    assert "poetry run flask run --debug" in first
    assert "poetry run pytest" in first
    assert {level for level, text in firsts.items() if text != first} == set()


OFFERED_PYTHONS = sorted(PYTHONS, key=Version)
OLDEST, NEWEST = Version(OFFERED_PYTHONS[0]), Version(OFFERED_PYTHONS[-1])


@for_answers(every_level())
def test_the_project_installs_on_every_offered_python_and_no_other(project):
    pyproject = tomllib.loads((project.path / "pyproject.toml").read_text())
    accepted = SpecifierSet(pyproject["project"]["requires-python"])

    assert [python for python in OFFERED_PYTHONS if python not in accepted] == []
    assert f"3.{OLDEST.minor - 1}" not in accepted
    assert f"3.{NEWEST.minor + 1}" not in accepted


@for_answers(every_level())
def test_the_readme_names_the_pythons_the_project_installs_on(project):
    first = first_section((project.path / "README.md").read_text())
    assert f"With Python {OLDEST} to {NEWEST} and Poetry 2" in first
