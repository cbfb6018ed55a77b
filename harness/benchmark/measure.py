"""One repetition of one subject on the Docker engine, and the facts around the run."""

from __future__ import annotations

import os
import platform
import re
import shutil
import statistics
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from harness.benchmark.model import BaseImage, Machine, Run, ServiceRun, Settings
from harness.benchmark.prepare import Subject, source_file
from harness.docker import Compose, clean_up, get, image_size, load, watch_edits
from harness.matrix import TOOLS
from harness.process import run

BUILD_TIMEOUT = 1800


def say(message: str) -> None:
    print(f"[benchmark {time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass(frozen=True)
class Prepared:
    """A subject baked once, and the files its dependency change rewrites."""

    subject: Subject
    project: Path
    dependency_change: dict[str, bytes]


def first_200(port: int, started: float, seconds: float = 120) -> float:
    """Seconds from `started` until GET / answers 200."""
    while time.monotonic() - started < seconds:
        try:
            if get(port, "/", timeout=2)[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"no 200 from port {port} within {seconds} s")


def timed_build(compose: Compose, *extra: str) -> float:
    started = time.monotonic()
    compose("build", *extra, timeout=BUILD_TIMEOUT)
    return time.monotonic() - started


def measure_once(
    prepared: Prepared, settings: Settings, command: tuple[str, ...], scratch: Path
) -> Run:
    """Build cold, rebuild three ways, serve, load and stop a fresh copy of the project."""
    subject = prepared.subject
    work = scratch / f"run-{subject.name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    path = Path(shutil.copytree(prepared.project, work / prepared.project.name))
    build_args = {"PYTHON_VERSION": settings.python, "UV_VERSION": TOOLS["uv"]}
    compose = Compose(
        command, path, work, name=f"bench-{subject.name}"[:48] + f"-{uuid.uuid4().hex[:8]}",
        build_args=build_args if subject.kind == "reference" else None,
    )  # fmt: skip
    result = Run()
    try:
        compose("down", "--rmi", "local", "--volumes", "--remove-orphans", timeout=300)
        if settings.smoke:
            result.cold_build_s = timed_build(compose, "--no-cache")
        else:
            run(["docker", "builder", "prune", "--all", "--force"], timeout=600)
            result.cold_build_s = timed_build(compose)
        result.nochange_build_s = timed_build(compose)
        main = source_file(path)
        main.write_text(main.read_text() + '\nBENCHMARK_EDIT = "a source-only change"\n')
        result.source_build_s = timed_build(compose)
        serve(compose, result, settings)
        for name, content in prepared.dependency_change.items():
            (path / name).write_bytes(content)
        result.dependency_build_s = timed_build(compose)
        if subject.kind == "level":  # the references have no develop.watch
            watched = watch_edits(command, path, work, edits=1, progress=lambda _: None)
            result.watch_s = watched.seconds[0]
    finally:
        if left := clean_up(compose, []):
            say(f"left behind by {subject.name}: {', '.join(left)}")
        shutil.rmtree(work, ignore_errors=True)
    return result


def serve(compose: Compose, result: Run, settings: Settings) -> None:
    """`up` to the first 200 of every service, then `down`, timed, several times over;
    each service under load in the last cycle. Start and stop times are medians."""
    ready: dict[str, list[float]] = {service: [] for service in compose.services}
    downs = []
    for cycle in range(settings.start_stop_cycles):
        started = time.monotonic()
        compose("up", "--detach", "--no-build", timeout=BUILD_TIMEOUT)
        ports = {service: compose.port(service) for service in compose.services}
        for service, port in ports.items():
            ready[service].append(first_200(port, started))
        if cycle == settings.start_stop_cycles - 1:
            load_each(compose, ports, ready, result, settings)
        started = time.monotonic()
        compose("down", timeout=120)
        downs.append(time.monotonic() - started)
    result.down_s = statistics.median(downs)


def load_each(
    compose: Compose, ports: dict[str, int], ready: dict[str, list[float]], result: Run,
    settings: Settings,
) -> None:  # fmt: skip
    """Load each service in turn, once every service is up."""
    for service, port in ports.items():
        container = compose.container(service)
        sent = load(port, settings.concurrency, settings.load_seconds)
        result.services[service] = ServiceRun(
            image_mb=image_size(container) / 1e6,
            first_200_s=statistics.median(ready[service]),
            rps=sent.requests / sent.seconds,
            requests=sent.requests,
            errors=sent.errors + sent.non_2xx,
        )


def machine_facts(command: tuple[str, ...]) -> Machine:
    meminfo = Path("/proc/meminfo").read_text()
    kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    return Machine(
        cores=os.cpu_count() or 1,
        memory_gib=kib / 2**20,
        platform=platform.platform(),
        docker_engine=run(["docker", "version", "--format", "{{.Server.Version}}"]).stdout.strip(),
        compose=run([*command, "version", "--short"]).stdout.strip(),
    )


def base_images(python: str) -> dict[str, BaseImage]:
    """Whether python:X and python:X-slim are official images or local stand-ins."""
    images = {}
    for tag in (f"python:{python}", f"python:{python}-slim"):
        label = run(
            ["docker", "image", "inspect", "--format",
             '{{index .Config.Labels "org.pydocker-template.stand-in"}}', tag],
        ).stdout.strip()  # fmt: skip
        images[tag] = BaseImage(label if label and label != "<no value>" else None)
    return images
