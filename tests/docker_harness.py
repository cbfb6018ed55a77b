"""Drive a baked project through `docker compose` the way its user would.

`lifecycle()` bakes nothing itself: it takes a baked project folder, drops
stray files into it, runs `docker compose up --build`, exercises every
published service, probes the running containers, stops everything with
`docker compose down`, and returns what it saw. Everything it started is
removed in a `finally`, including the images it built.

`behind_proxy()` serves the project behind a proxy container on the Compose
network and records which forwarded headers the server believed;
`watch_edits()` runs `docker compose watch`, edits the code and records the
first new answer (and how long it took). Both clean up the same way.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
STRAY_MARKER = "pydocker-stray-file"
CONTAINER_PORT = "8000"


@dataclass(frozen=True)
class Engine:
    available: bool
    reason: str = ""
    tags: frozenset[str] = frozenset()
    compose: tuple[str, ...] = ()

    def has_python(self, version: str) -> bool:
        return {f"python:{version}", f"python:{version}-slim"} <= self.tags


@cache
def engine(fallback_compose: str | None = None) -> Engine:
    """What the local Docker engine offers; never raises."""
    if shutil.which("docker") is None:
        return Engine(False, "no docker command on PATH")
    info = subprocess.run(["docker", "info"], capture_output=True, text=True)
    if info.returncode != 0:
        return Engine(False, "the Docker engine does not answer (`docker info` failed)")
    compose: tuple[str, ...] = ()
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        compose = ("docker", "compose")
    elif fallback_compose and Path(fallback_compose).exists():
        compose = (fallback_compose,)
    else:
        return Engine(False, "Docker Compose v2 is not installed (`docker compose version` failed)")
    listed = subprocess.run(
        ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "python"],
        capture_output=True,
        text=True,
    )
    return Engine(True, tags=frozenset(listed.stdout.split()), compose=compose)


@dataclass
class Load:
    requests: int
    errors: int
    non_2xx: int
    seconds: float


@dataclass
class Service:
    name: str
    port: int
    index_status: int
    index: dict
    health_status: int
    health: dict
    probe: dict
    index_after_probe: int
    health_state: str
    image_size: int
    load: Load


@dataclass
class Run:
    services: dict[str, Service] = field(default_factory=dict)
    logs: str = ""
    down_seconds: float = 0.0
    exit_codes: dict[str, int] = field(default_factory=dict)
    shutdown_logs: str = ""
    built_images: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)


def get(
    port: int, path: str, timeout: float = 5.0, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_for(port: int, path: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            status, _ = get(port, path, timeout=2)
            if status == 200:
                return
            last = status
        except OSError as error:
            last = error
        time.sleep(0.25)
    raise AssertionError(f"port {port} did not answer {path} with 200 in {seconds} s: {last}")


def load(
    port: int, concurrency: int = 20, seconds: float = 120, requests: int | None = None
) -> Load:
    """GET / from `concurrency` threads on loopback, until `requests` have been sent
    (when given) or `seconds` have passed, whichever comes first."""
    deadline = time.monotonic() + seconds
    counts = {"sent": 0, "errors": 0, "non_2xx": 0}
    lock = threading.Lock()

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if requests is not None and counts["sent"] >= requests:
                    return
                counts["sent"] += 1
            try:
                failure = None if 200 <= get(port, "/")[0] < 300 else "non_2xx"
            except OSError:
                failure = "errors"
            if failure:
                with lock:
                    counts[failure] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(counts["sent"], counts["errors"], counts["non_2xx"], time.monotonic() - started)


class Compose:
    def __init__(self, command: tuple[str, ...], project_dir: Path, override: Path):
        self.name = f"pdt-{uuid.uuid4().hex[:10]}"
        self.base = [
            *command,
            "--project-name", self.name,
            "--file", str(project_dir / "compose.yaml"),
            "--file", str(override),
        ]  # fmt: skip
        self.project_dir = project_dir

    def __call__(
        self, *args: str, timeout: float = 120, check: bool = True, env: dict | None = None
    ) -> str:
        proc = subprocess.run(
            [*self.base, *args],
            cwd=self.project_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"docker compose {' '.join(args)} exited {proc.returncode}\n"
                f"--- stdout\n{proc.stdout[-6000:]}\n--- stderr\n{proc.stderr[-6000:]}"
            )
        return proc.stdout

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [*self.base, *args], cwd=self.project_dir, stdout=subprocess.PIPE, text=True
        )


def drop_stray_files(project: Path) -> None:
    """Files a user might leave around: none of them may reach the image."""
    (project / ".env").write_text(f"SECRET_TOKEN={STRAY_MARKER}\n")
    (project / "notes.txt").write_text(f"{STRAY_MARKER}: personal notes\n")


def write_override(project: Path, folder: Path) -> Path:
    """Publish every service on an ephemeral loopback port, so runs never collide."""
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    lines = ["services:"]
    for name in services:
        lines += [f"  {name}:", "    ports: !override", f'      - "127.0.0.1::{CONTAINER_PORT}"']
    override = folder / "compose.test-ports.yaml"
    override.write_text("\n".join(lines) + "\n")
    return override


def probe(compose: Compose, service: str) -> dict:
    """Run probe_image.py in the container, with the interpreter that runs Gunicorn."""
    interpreter = 'exec "$(tr "\\000" "\\n" </proc/1/cmdline | head -n 1)" -'
    proc = subprocess.run(
        [*compose.base, "exec", "-T", service, "sh", "-c", interpreter],
        input=(HERE / "probe_image.py").read_text(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=compose.project_dir,
    )
    assert proc.returncode == 0, f"probe failed in {service}: {proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def container_health(container: str, seconds: float = 90) -> str:
    """Wait until a container with a health check is healthy; "none" without one."""
    deadline = time.monotonic() + seconds
    state = ""
    while time.monotonic() < deadline:
        state = subprocess.run(
            ["docker", "inspect", "--format",
             "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", container],
            capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        if state in {"healthy", "none", "unhealthy"}:
            return state
        time.sleep(0.5)
    return state


def image_size(container: str) -> int:
    image = subprocess.run(
        ["docker", "inspect", "--format", "{{.Image}}", container], capture_output=True, text=True
    ).stdout.strip()
    size = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Size}}", image],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return int(size)


def lifecycle(command: tuple[str, ...], project: Path, scratch: Path, progress=print) -> Run:
    drop_stray_files(project)
    compose = Compose(command, project, write_override(project, scratch))
    run = Run()
    try:
        started = time.monotonic()
        progress(f"[docker] {compose.name}: docker compose up --build ({project.name})")
        compose("up", "--build", "--detach", timeout=1800)
        progress(f"[docker] {compose.name}: up after {time.monotonic() - started:.0f} s")
        for name in compose("config", "--services").split():
            host_port = int(compose("port", name, CONTAINER_PORT).strip().rsplit(":", 1)[1])
            wait_for(host_port, "/health", seconds=90)
            container = compose("ps", "--quiet", name).strip()
            index_status, index = get(host_port, "/")
            health_status, health = get(host_port, "/health")
            facts = probe(compose, name)
            run.services[name] = Service(
                name=name,
                port=host_port,
                index_status=index_status,
                index=json.loads(index),
                health_status=health_status,
                health=json.loads(health),
                probe=facts,
                index_after_probe=get(host_port, "/")[0],
                health_state=container_health(container),
                image_size=image_size(container),
                load=load(host_port, concurrency=20, seconds=120, requests=2000),
            )
        run.logs = compose("logs", "--no-color")
        run.built_images = compose("images", "--quiet").split()
        ids = compose("ps", "--quiet").split()
        waiters = {  # one each: `docker wait a b` would wait for b only after a
            cid: subprocess.Popen(["docker", "wait", cid], stdout=subprocess.PIPE, text=True)
            for cid in ids
        }
        follower = compose.popen("logs", "--follow", "--no-color", "--since", "1s")
        time.sleep(1)
        started = time.monotonic()
        compose("down", timeout=120)
        run.down_seconds = time.monotonic() - started
        for cid, waiter in waiters.items():
            output = waiter.communicate(timeout=60)[0].strip()
            run.exit_codes[cid] = int(output) if output.isdigit() else -1
        run.shutdown_logs = follower.communicate(timeout=60)[0]
        progress(f"[docker] {compose.name}: down in {run.down_seconds:.1f} s")
    finally:
        run.leftovers = clean_up(compose, run.built_images)
    return run


def clean_up(compose: Compose, built_images: list[str]) -> list[str]:
    """Remove everything a compose project started and the images it built; what is left."""
    compose("down", "--rmi", "local", "--volumes", "--remove-orphans", timeout=300, check=False)
    for image in built_images:
        subprocess.run(["docker", "image", "rm", "--force", image], capture_output=True)
    label = f"label=com.docker.compose.project={compose.name}"
    left = []
    for kind in (["ps", "--all"], ["network", "ls"], ["volume", "ls"]):
        listed = subprocess.run(
            ["docker", *kind, "--quiet", "--filter", label], capture_output=True, text=True
        )
        left += [f"{kind[0]} {item}" for item in listed.stdout.split()]
    return left


# --- Behind a proxy: which forwarded headers the server believes ---------------------

PROXY_PORT = "8080"


@dataclass
class Forwarded:
    proxy_address: str = ""
    untrusted_proxy: dict = field(default_factory=dict)  # GET / through the proxy, default
    trusted_proxy: dict = field(default_factory=dict)  # ... FORWARDED_ALLOW_IPS=<proxy>
    spoofing_client: dict = field(default_factory=dict)  # direct, X-Forwarded-Proto: https
    leftovers: list[str] = field(default_factory=list)


def write_proxy_override(project: Path, folder: Path, python: str) -> Path:
    """Loopback ports for every service, FORWARDED_ALLOW_IPS from TRUSTED_PROXIES,
    and a `proxy` service (tests/forwarding_proxy.py) in front of `server`."""
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    override = {"services": {}}
    for name in services:
        override["services"][name] = {"ports": [f"127.0.0.1::{CONTAINER_PORT}"]}
    override["services"]["server"]["environment"] = {
        "FORWARDED_ALLOW_IPS": "${TRUSTED_PROXIES:-127.0.0.1,::1}"
    }
    override["services"]["proxy"] = {
        "image": f"python:{python}-slim",
        "pull_policy": "never",
        "command": ["python", "-u", "/proxy.py", f"server:{CONTAINER_PORT}"],
        "volumes": [f"{HERE / 'forwarding_proxy.py'}:/proxy.py:ro"],
        "ports": [f"127.0.0.1::{PROXY_PORT}"],
    }
    # `ports: !override` replaces the project's published ports instead of adding to them
    text = yaml.safe_dump(override, sort_keys=False)
    text = re.sub(r"^(    ports:)$", r"\1 !override", text, flags=re.M)
    path = folder / "compose.test-proxy.yaml"
    path.write_text(text)
    return path


def behind_proxy(command: tuple[str, ...], project: Path, scratch: Path, python: str) -> Forwarded:
    """GET / through a proxy container on the Compose network that says https,
    with the server trusting the default (loopback) and then the proxy's address;
    and directly from the host with a spoofed X-Forwarded-Proto."""
    compose = Compose(command, project, write_proxy_override(project, scratch, python))
    record = Forwarded()
    built: list[str] = []

    def index(port: int, headers=None) -> dict:
        wait_for(port, "/health", seconds=90)
        status, body = get(port, "/", headers=headers)
        assert status == 200, (status, body[:500])
        return json.loads(body)

    def ports() -> tuple[int, int]:
        found = [
            int(compose("port", name, port).strip().rsplit(":", 1)[1])
            for name, port in (("server", CONTAINER_PORT), ("proxy", PROXY_PORT))
        ]
        return found[0], found[1]

    try:
        compose("up", "--detach", "proxy")
        proxy = compose("ps", "--quiet", "proxy").strip()
        record.proxy_address = subprocess.run(
            ["docker", "inspect", "--format",
             "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", proxy],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        compose("up", "--build", "--detach", "server", timeout=1800)
        built = compose("images", "--quiet", "server").split()
        server, via_proxy = ports()
        index(server)
        record.untrusted_proxy = index(via_proxy)
        compose("up", "--detach", "server", env={"TRUSTED_PROXIES": record.proxy_address})
        server, via_proxy = ports()
        index(server)
        record.trusted_proxy = index(via_proxy)
        record.spoofing_client = index(server, headers={"X-Forwarded-Proto": "https"})
    finally:
        record.leftovers = clean_up(compose, built)
    return record


# --- Compose Watch: a saved change reaches the running service -----------------------


@dataclass
class Watched:
    before: dict = field(default_factory=dict)  # GET / before the first edit
    answers: list[dict] = field(default_factory=list)  # the first new answer after each edit
    seconds: list[float] = field(default_factory=list)  # save to that answer, per edit
    log: str = ""
    leftovers: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def source_of_index(project: Path) -> Path:
    """The module that defines `/`: src/<package>/main.py, or <package>/main.py."""
    found = [p for p in project.glob("*/main.py")] + [p for p in project.glob("src/*/main.py")]
    assert len(found) == 1, found
    return found[0]


def watch_edits(
    command: tuple[str, ...], project: Path, scratch: Path, edits: int = 1, progress=print
) -> Watched:
    """`docker compose watch`, then `edits` times: rename the service in its source
    file and poll GET / until the new name answers. `server` is published on one
    fixed loopback port, so a replaced container answers where the old one did."""
    port = free_port()
    override = scratch / "compose.test-watch.yaml"
    override.write_text(
        f'services:\n  server:\n    ports: !override\n      - "127.0.0.1:{port}:{CONTAINER_PORT}"\n'
    )
    compose = Compose(command, project, override)
    if "server-slim" in compose("config", "--services").split():
        override.write_text(
            override.read_text()
            + f'  server-slim:\n    ports: !override\n      - "127.0.0.1::{CONTAINER_PORT}"\n'
        )
    record = Watched()
    source = source_of_index(project)
    log = (scratch / f"{compose.name}-watch.log").open("w+")
    watcher = subprocess.Popen(
        [*compose.base, "watch"], cwd=project, stdout=log, stderr=subprocess.STDOUT
    )
    built: list[str] = []
    try:
        progress(f"[docker] {compose.name}: docker compose watch ({project.name})")
        wait_for(port, "/health", seconds=1800)
        built = compose("images", "--quiet").split()
        record.before = json.loads(get(port, "/")[1])
        for number in range(1, edits + 1):
            name = f"{record.before['service']}-edit-{number}"
            text = re.sub(r"^SERVICE = .*$", f'SERVICE = "{name}"', source.read_text(), flags=re.M)
            saved = time.monotonic()
            source.write_text(text)
            record.answers.append(first_answer_naming(port, name, seconds=600))
            record.seconds.append(time.monotonic() - saved)
            progress(f"[docker] {compose.name}: edit {number} answered {record.seconds[-1]:.2f} s")
        built = sorted(set(built) | set(compose("images", "--quiet").split()))
    finally:
        watcher.terminate()
        try:
            watcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            watcher.kill()
        log.seek(0)
        record.log = log.read()
        log.close()
        record.leftovers = clean_up(compose, built)
    return record


def first_answer_naming(port: int, service: str, seconds: float) -> dict:
    """Poll GET / until it names `service`; that answer."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            status, body = get(port, "/", timeout=2)
            answer = json.loads(body) if status == 200 else {}
            if answer.get("service") == service:
                return answer
            last = answer or status
        except (OSError, ValueError) as error:
            last = error
        time.sleep(0.05)
    raise AssertionError(f"GET / did not name {service!r} within {seconds} s: {last}")
