"""Fast tier: a baked project on its user's first day, without Docker.

The documented install (`poetry install --with dev`) in a private copy of the
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
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from harness.matrix import LEVELS, Answers, every_level, for_answers
from harness.process import run
from harness.process import start as start_in_background
from harness.tools import BIN, tool_env

POETRY_ENV = {"POETRY_VIRTUALENVS_IN_PROJECT": "true", "POETRY_NO_INTERACTION": "1"}
# Gunicorn's error-log format: [date time zone] [pid] [LEVEL] message
GUNICORN_LINE = r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[%s\] %s"


@pytest.fixture(scope="module")
def installed(bake, tmp_path_factory):
    """The default bake after the README's install command."""
    project = bake(Answers(LEVELS[0])).copy_to(tmp_path_factory.mktemp("day-one"))
    run(
        [BIN / "poetry", "install", "--with", "dev"],
        cwd=project,
        timeout=900,
        env=tool_env(**POETRY_ENV),
    )
    return project


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(port: int, path: str = "/") -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
        return json.loads(response.read())


def wait_until(predicate, seconds: float = 60, what: str = "condition"):
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
            last = result
        except (OSError, ValueError) as error:
            last = error
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {seconds} s: {last!r}")


class Server:
    """A documented command started in the project; stopped with SIGTERM."""

    def __init__(self, project: Path, args: list[str], **env: str):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = start_in_background(
            [BIN / "poetry", "run", *args],
            cwd=project,
            env=tool_env(**POETRY_ENV, **env),
            output=self.log,
            new_session=True,
        )

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.output()


@pytest.fixture
def start(installed):
    """start(args, **env) -> Server; every server is stopped after the test."""
    servers: list[Server] = []

    def _start(args: list[str], **env: str) -> Server:
        servers.append(Server(installed, args, **env))
        return servers[-1]

    yield _start
    for server in servers:
        server.stop()


def gunicorn(start, port: int, **env: str) -> Server:
    """`poetry run gunicorn <package>.main:app` on loopback, answering /."""
    server = start(["gunicorn", "hello_service.main:app"], HOST="127.0.0.1", PORT=str(port), **env)
    wait_until(lambda: get_json(port)["service"], what=f"answer from Gunicorn on {port}")
    return server


def test_flask_run_serves_the_app_and_reloads_a_saved_change(installed, start):
    port = free_port()
    start(["flask", "run", "--debug", "--port", str(port)])
    assert wait_until(lambda: get_json(port)["service"], what="answer") == "hello-service"

    source = installed / "src" / "hello_service" / "main.py"
    original = source.read_text()
    try:
        source.write_text(original.replace('SERVICE = "hello-service"', 'SERVICE = "reloaded"'))
        wait_until(lambda: get_json(port)["service"] == "reloaded", what="reloaded answer")
    finally:
        source.write_text(original)


def test_gunicorn_runs_after_the_documented_install(start):
    port = free_port()
    gunicorn(start, port)

    assert get_json(port, "/health") == {"status": "ok"}


def test_app_log_lines_reach_gunicorns_log_in_its_format(start):
    server = gunicorn(start, free_port(), LOG_LEVEL="info")
    wait_until(lambda: "is ready" in server.output(), what="app log line")

    log = server.stop()
    assert re.search(GUNICORN_LINE % ("INFO", "Booting worker"), log, re.M), log
    assert re.search(GUNICORN_LINE % ("INFO", r"hello-service is ready \(Python "), log, re.M)


def test_app_info_lines_are_dropped_below_log_level_warning(start):
    server = gunicorn(start, free_port(), LOG_LEVEL="warning")

    log = server.stop()
    assert "is ready" not in log, log


def test_two_local_gunicorns_keep_their_own_control_sockets(installed, start):
    def socket_of(server: Server) -> str:
        return wait_until(
            lambda: re.findall(r"Control socket listening at (\S+)", server.output()),
            what="control socket",
        )[0]

    first = gunicorn(start, free_port())
    second = gunicorn(start, free_port())
    first_socket, second_socket = socket_of(first), socket_of(second)
    assert first_socket != second_socket

    second.stop()
    status = run(
        [BIN / "poetry", "run", "gunicornc", "-s", first_socket, "-c", "show workers"],
        cwd=installed,
        env=tool_env(**POETRY_ENV),
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


# --- What the files promise, at every level --------------------------------------------


@pytest.fixture
def project(request, bake):
    return bake(request.param)


def test_env_example_lists_every_variable_the_service_and_gunicorn_read(bake):
    path = bake(Answers(LEVELS[0])).path
    conf = (path / "gunicorn.conf.py").read_text()
    read = set(re.findall(r"""os\.environ\.get\(["'](\w+)["']""", conf))
    read |= {"GUNICORN_CMD_ARGS", "FLASK_SECRET_KEY"}  # read by Gunicorn itself; the app
    listed = set(re.findall(r"^# ?(\w+)=", (path / ".env.example").read_text(), re.M))

    assert read - listed == set()
    assert {"HOST", "PORT", "WEB_CONCURRENCY", "LOG_LEVEL"} <= read


@for_answers(every_level())
def test_every_service_reads_an_optional_env_file_and_rebuilds_on_saved_code(project):
    package = "src" if project.facts["src_layout"] else "hello_service"
    services = yaml.safe_load((project.path / "compose.yaml").read_text())["services"]
    for service in services.values():
        assert service["env_file"] == [{"path": ".env", "required": False}]
        rebuilt = {w["path"] for w in service["develop"]["watch"] if w["action"] == "rebuild"}
        assert {
            f"./{package}",
            "./gunicorn.conf.py",
            "./pyproject.toml",
            "./poetry.lock",
        } <= rebuilt


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
