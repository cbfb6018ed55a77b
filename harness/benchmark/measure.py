"""One repetition of one subject on the Docker engine, and the facts around the run."""

from __future__ import annotations

import math
import os
import platform
import random
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
    """Seconds from `started` until GET / answers 200, asked every 5 ms: a coarser
    step would round figures that differ between subjects by tens of milliseconds."""
    while time.monotonic() - started < seconds:
        try:
            if get(port, "/", timeout=2)[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"no 200 from port {port} within {seconds} s")


def timed_build(compose: Compose, *extra: str) -> float:
    started = time.monotonic()
    compose("build", *extra, timeout=BUILD_TIMEOUT)
    return time.monotonic() - started


def compose_for(prepared: Prepared, settings: Settings, command: tuple[str, ...], work: Path
                ) -> Compose:  # fmt: skip
    """A fresh copy of the baked project in `work`, under a compose project name of its own."""
    subject = prepared.subject
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    path = Path(shutil.copytree(prepared.project, work / prepared.project.name))
    build_args = {"PYTHON_VERSION": settings.python, "UV_VERSION": TOOLS["uv"]}
    return Compose(
        command, path, work, name=f"bench-{subject.name}"[:48] + f"-{uuid.uuid4().hex[:8]}",
        build_args=build_args if subject.kind == "reference" else None,
    )  # fmt: skip


def measure_once(
    prepared: Prepared, settings: Settings, command: tuple[str, ...], scratch: Path
) -> Run:
    """Build cold, rebuild three ways, load and rebuild a fresh copy of the project.
    Its start and stop times are measured afterwards, by start_stop()."""
    subject = prepared.subject
    work = scratch / f"run-{subject.name}"
    compose = compose_for(prepared, settings, command, work)
    path = compose.project_dir
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
        load_each(compose, result, settings)
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


def load_each(compose: Compose, result: Run, settings: Settings) -> None:
    """`up`, then load each service in turn, once every service answers; `down`."""
    started = time.monotonic()
    compose("up", "--detach", "--no-build", timeout=BUILD_TIMEOUT)
    ports = {service: compose.port(service) for service in compose.services}
    for port in ports.values():
        first_200(port, started)
    for service, port in ports.items():
        container = compose.container(service)
        sent = load(port, settings.concurrency, settings.load_seconds)
        result.services[service] = ServiceRun(
            image_mb=image_size(container) / 1e6,
            first_200_s=math.nan,  # start_stop() measures it
            rps=sent.requests / sent.seconds,
            requests=sent.requests,
            errors=sent.errors + sent.non_2xx,
        )
    compose("down", timeout=120)


def start_stop(
    prepared: list[Prepared], runs: dict[Subject, list[Run]], settings: Settings,
    command: tuple[str, ...], scratch: Path,
) -> None:  # fmt: skip
    """`up` to the first 200 of every service, and `down`, of every subject, interleaved.

    Once every subject's builds are measured, each is built once more and kept, and
    the subjects are started and stopped in turn, in an order shuffled anew in every
    cycle, so that each subject meets the machine in the same state as the others:
    sub-second figures measured minutes apart, each right after its own builds,
    would differ by the machine's drift as much as by the subjects. Each run gets
    the medians of its own `start_stop_cycles` cycles. Each service's port is fixed
    beforehand, so the timed span holds `up` and the answer alone, not a
    `docker compose port` that asks for it."""
    composes: dict[Subject, Compose] = {}
    ports: dict[Subject, dict[str, int]] = {}
    try:
        for one in prepared:
            say(f"start and stop: building {one.subject.name}")
            work = scratch / f"start-stop-{one.subject.name}"
            compose = compose_for(one, settings, command, work)
            composes[one.subject] = compose
            ports[one.subject] = compose.fix_ports()
            compose("build", timeout=BUILD_TIMEOUT)
        per_run = settings.start_stop_cycles
        cycles = settings.repetitions * per_run
        # its own stream of the run's seed: not the builds' orders again
        cycle_orders, started_cycles = orders(list(composes), settings, cycles, 1), time.monotonic()
        for repetition in range(settings.repetitions):
            ready = {s: {service: [] for service in c.services} for s, c in composes.items()}
            downs: dict[Subject, list[float]] = {subject: [] for subject in composes}
            for cycle in range(per_run):
                done = repetition * per_run + cycle
                left = time_left(started_cycles, done, cycles)
                say(f"start and stop: run {repetition + 1}/{settings.repetitions}, "
                    f"cycle {cycle + 1}/{per_run}" + (f" ({left})" if left else ""))  # fmt: skip
                for subject in cycle_orders[done]:
                    compose = composes[subject]
                    started = time.monotonic()
                    compose("up", "--detach", "--no-build", timeout=BUILD_TIMEOUT)
                    for service, port in ports[subject].items():
                        ready[subject][service].append(first_200(port, started))
                    started = time.monotonic()
                    compose("down", timeout=120)
                    downs[subject].append(time.monotonic() - started)
            for subject in composes:
                measured = runs[subject][repetition]
                measured.down_s = statistics.median(downs[subject])
                for service, seconds in ready[subject].items():
                    measured.services[service].first_200_s = statistics.median(seconds)
    finally:
        for subject, compose in composes.items():
            if left := clean_up(compose, []):
                say(f"left behind by {subject.name}: {', '.join(left)}")
            shutil.rmtree(compose.project_dir.parent, ignore_errors=True)


def orders(subjects: list, settings: Settings, rounds: int | None = None, stream: int = 0
           ) -> list[list]:  # fmt: skip
    """The order of the subjects in each of `rounds` rounds (default: one per
    repetition), shuffled anew each time with the run's seed, so no subject always
    follows the same one. `stream` offsets the seed, so another phase of the same run
    gets orders of its own. Without a seed: the order they were listed in."""
    seed = settings.order_seed
    rng = random.Random(None if seed is None else seed + stream)
    shuffled = []
    for _ in range(settings.repetitions if rounds is None else rounds):
        order = list(subjects)
        if seed is not None:
            rng.shuffle(order)
        shuffled.append(order)
    return shuffled


def time_left(started: float, done: int, total: int) -> str:
    """How long until `total` steps are done, at the pace of the `done` since
    `started` ("about N min left"); empty before the first is done."""
    if not done:
        return ""
    return f"about {(time.monotonic() - started) / done * (total - done) / 60:.0f} min left"


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
