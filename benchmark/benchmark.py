#!/usr/bin/env python3
"""Measure every level's image on this machine: builds, size, start, stop, load.

    python benchmark/benchmark.py                  # every level + references, 3 repetitions
    python benchmark/benchmark.py --smoke --output /tmp/bench   # one level, once, quickly

For one baked project (default answers, pre-commit off) at every docker_level,
plus two REFERENCE Dockerfiles for the same project written the way people
commonly do it (references/docker-init, references/uv-example), it measures:

- cold build: build cache pruned, cache mounts included (`docker builder prune -af`;
  --smoke uses `build --no-cache` instead, so it never disturbs other builds)
- rebuild with nothing changed; after a source-only change; after a dependency
  change (one small extra dependency, locked and exported beforehand)
- image size, per service
- time from `docker compose up` to the first 200 answer, per service
- `docker compose down` time
- throughput of GET / for a fixed time at a fixed concurrency, from loopback,
  with the error count

It writes benchmarks.json (raw runs, medians, spreads, machine), benchmarks.md
and benchmarks.png to --output (default: docs/), and, for a full run into
docs/, the numbers each level's README quotes (templates/readme/_benchmarks.j2).
Needs a Docker engine with Compose v2, the python:X and python:X-slim images,
and the test requirements (Poetry, uv, matplotlib): bash scripts/dev-env.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests"))

from docker_harness import CONTAINER_PORT, engine, get, image_size, load  # noqa: E402
from tooling import tool_env  # noqa: E402

COOKIECUTTER = json.loads((ROOT / "cookiecutter.json").read_text())
LEVELS: list[str] = sorted(
    COOKIECUTTER["docker_level"], key=lambda level: COOKIECUTTER["_levels"][level]["number"]
)
TOOLS = COOKIECUTTER["_tools"]
REFERENCES = {
    "docker-init": "the layout `docker init` generates for Python",
    "uv-example": "the layout of uv's Docker example (`uv sync --locked`)",
}
BUILD_METRICS = ("cold_build_s", "nochange_build_s", "source_build_s", "dependency_build_s")
SERVICE_METRICS = ("image_mb", "first_200_s", "rps", "errors")
EXTRA_DEPENDENCY = '"six (>=1.16,<2)"'
MEANINGFUL = 0.02  # a level is "faster" or "smaller" than another by at least 2 %

# What the series (or our own targets) say a level improves; checked against
# the measured medians and quoted, holding or not, in that level's README.
CLAIMS = {
    "step-3-basic-improvements": [
        ("source_build_s", "previous", "a code-only change rebuilds faster than step 2"),
    ],
    "step-4-nontrivial-improvements": [
        ("cold_build_s", "previous", "builds are faster than step 3 (stage separation)"),
        ("server.image_mb", "previous", "the image is leaner than step 3's"),
    ],
    "step-5-larger-project": [
        ("server.image_mb", "previous", "no dev dependencies: a smaller image than step 4's"),
    ],
    "extra-1-need-for-speed": [
        ("source_build_s", "previous", "cache mounts make rebuilds faster than step 6's"),
        ("dependency_build_s", "previous", "a dependency change rebuilds faster than step 6"),
        ("server.first_200_s", "previous", "pre-compiled bytecode starts faster than step 6"),
    ],
    "extra-2-moving-complexity": [
        ("cold_build_s", "previous", "one stage, no Poetry: builds faster than extra 1"),
    ],
    "production-hardened": [
        ("source_build_s", ("final-result", 0.5), "a code-change rebuild takes at most half"),
        ("server.image_mb", ("final-result", 0.35), "the image is at most 0.35x the size"),
        ("cold_build_s", ("final-result", 0.6), "a cold build takes at most 0.6x as long"),
        ("source_build_s", ("docker-init", 1.5), "a code-change rebuild at most 1.5x"),
    ],
}


def say(message: str) -> None:
    print(f"[benchmark {time.strftime('%H:%M:%S')}] {message}", flush=True)


def sh(*args, cwd=None, env=None, timeout=1800, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(map(str, args))}` exited {proc.returncode}\n{proc.stdout[-3000:]}\n"
            f"{proc.stderr[-3000:]}"
        )
    return proc


@dataclass
class Subject:
    name: str
    kind: str  # "level" or "reference"
    level: str  # the level that is baked (references bake final-result)


def subjects(levels: list[str], references: bool) -> list[Subject]:
    chosen = [Subject(level, "level", level) for level in levels]
    if references:
        chosen += [Subject(name, "reference", "final-result") for name in REFERENCES]
    return chosen


# --- preparing the projects -------------------------------------------------


def bake(subject: Subject, python: str, folder: Path) -> Path:
    from cookiecutter.main import cookiecutter

    project = Path(
        cookiecutter(
            str(ROOT),
            no_input=True,
            output_dir=str(folder),
            extra_context={
                "docker_level": subject.level,
                "python_version": python,
                "use_pre_commit": False,
            },
        )
    )
    if subject.kind == "reference":
        for item in (HERE / "references" / subject.name).iterdir():
            shutil.copyfile(item, project / item.name)
        if subject.name == "uv-example":
            to_uv_project(project)
    return project


def to_uv_project(project: Path) -> None:
    """Rewrite pyproject.toml the way a uv user would have it, and lock it with uv."""
    text = (project / "pyproject.toml").read_text()
    data = tomllib.loads(text)
    groups = data["tool"]["poetry"]["group"]
    prod = [f"{name}{spec_of(spec)}" for name, spec in groups["prod"]["dependencies"].items()]
    dev = [f"{name}{spec_of(spec)}" for name, spec in groups["dev"]["dependencies"].items()]
    text = re.sub(r"\n# What only the image needs.*?(?=\n\[build-system\])", "", text, flags=re.S)
    text = text.replace(
        '    "flask (>=3.1,<4)",\n',
        '    "flask (>=3.1,<4)",\n' + "".join(f'    "{d}",\n' for d in prod),
    )
    text += "\n[dependency-groups]\ndev = [" + ", ".join(f'"{d}"' for d in dev) + "]\n"
    (project / "pyproject.toml").write_text(text)
    (project / "poetry.lock").unlink()
    (project / "requirements.txt").unlink(missing_ok=True)
    sh(shutil.which("uv") or "uv", "lock", cwd=project, env=tool_env())


def spec_of(spec: str) -> str:
    """Poetry's ">=23" or "^2.9" as a PEP 508 specifier."""
    if spec.startswith("^"):
        version = spec[1:]
        major = int(version.split(".")[0])
        return f">={version},<{major + 1}"
    return spec


def dependency_change(subject: Subject, project: Path, scratch: Path) -> dict[str, bytes]:
    """The files of `project` after adding one small dependency, locked and exported."""
    changed = scratch / "dependency-change"
    shutil.copytree(project, changed)
    pyproject = changed / "pyproject.toml"
    text = pyproject.read_text()
    assert '    "flask (>=3.1,<4)",\n' in text
    pyproject.write_text(
        text.replace(
            '    "flask (>=3.1,<4)",\n', f'    "flask (>=3.1,<4)",\n    {EXTRA_DEPENDENCY},\n'
        )
    )
    env = tool_env()
    if subject.name == "uv-example":
        sh(shutil.which("uv") or "uv", "lock", cwd=changed, env=env)
        names = ["pyproject.toml", "uv.lock"]
    else:
        poetry = Path(sys.executable).parent / "poetry"
        sh(poetry, "lock", cwd=changed, env=env)
        names = ["pyproject.toml", "poetry.lock"]
        if (changed / "requirements.txt").exists():
            sh(
                poetry,
                "export",
                "--with",
                "prod",
                "--output",
                "requirements.txt",
                cwd=changed,
                env=env,
            )
            names.append("requirements.txt")
    return {name: (changed / name).read_bytes() for name in names}


def source_file(project: Path) -> Path:
    (found,) = [p for p in project.rglob("main.py") if p.parent.name != "tests"]
    return found


# --- measuring ---------------------------------------------------------------


class Project:
    """One baked project driven through `docker compose` under a fixed name."""

    def __init__(self, subject: Subject, path: Path, python: str, compose: tuple[str, ...]):
        self.path = path
        self.name = f"bench-{subject.name}"[:60]
        override = path.parent / "compose.benchmark.yaml"
        services = compose_services(path)
        lines = ["services:"]
        for service in services:
            lines += [
                f"  {service}:",
                "    ports: !override",
                f'      - "127.0.0.1::{CONTAINER_PORT}"',
            ]
            if subject.kind == "reference":
                lines += [
                    "    build:",
                    "      args:",
                    f'        PYTHON_VERSION: "{python}"',
                    f'        UV_VERSION: "{TOOLS["uv"]}"',
                ]
        override.write_text("\n".join(lines) + "\n")
        self.services = services
        self.base = [
            *compose,
            "-p",
            self.name,
            "-f",
            str(path / "compose.yaml"),
            "-f",
            str(override),
        ]

    def compose(self, *args: str, timeout: float = 1800) -> str:
        return sh(*self.base, *args, cwd=self.path, timeout=timeout).stdout

    def timed_build(self, *extra: str) -> float:
        started = time.monotonic()
        self.compose("build", *extra)
        return time.monotonic() - started

    def remove_images(self) -> None:
        self.compose("down", "--rmi", "local", "--volumes", "--remove-orphans", timeout=300)


def compose_services(project: Path) -> list[str]:
    import yaml

    return list(yaml.safe_load((project / "compose.yaml").read_text())["services"])


def first_200(port: int, started: float, seconds: float = 120) -> float:
    while time.monotonic() - started < seconds:
        try:
            if get(port, "/", timeout=2)[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"no 200 from port {port} within {seconds} s")


def measure_once(
    subject: Subject, pristine: Path, changed: dict[str, bytes], settings: dict, scratch: Path,
    compose: tuple[str, ...],
) -> dict:  # fmt: skip
    work = scratch / f"run-{subject.name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    path = Path(shutil.copytree(pristine, work / pristine.name))
    project = Project(subject, path, settings["python"], compose)
    run: dict = {"services": {}}
    try:
        project.remove_images()
        if settings["smoke"]:
            run["cold_build_s"] = project.timed_build("--no-cache")
        else:
            sh("docker", "builder", "prune", "--all", "--force", timeout=600)
            run["cold_build_s"] = project.timed_build()
        run["nochange_build_s"] = project.timed_build()
        main = source_file(path)
        main.write_text(main.read_text() + '\nBENCHMARK_EDIT = "a source-only change"\n')
        run["source_build_s"] = project.timed_build()

        started = time.monotonic()
        project.compose("up", "--detach", "--no-build")
        ports = {
            service: int(project.compose("port", service, CONTAINER_PORT).strip().rsplit(":", 1)[1])
            for service in project.services
        }
        ready = {service: first_200(port, started) for service, port in ports.items()}
        for service, port in ports.items():  # one at a time, after every service is up
            container = project.compose("ps", "--quiet", service).strip()
            sent = load(port, settings["concurrency"], settings["load_seconds"])
            run["services"][service] = {
                "image_mb": image_size(container) / 1e6,
                "first_200_s": ready[service],
                "rps": sent.requests / sent.seconds,
                "requests": sent.requests,
                "errors": sent.errors + sent.non_2xx,
            }
        started = time.monotonic()
        project.compose("down", timeout=120)
        run["down_s"] = time.monotonic() - started

        for name, content in changed.items():
            (path / name).write_bytes(content)
        run["dependency_build_s"] = project.timed_build()
    finally:
        subprocess.run([*project.base, "down", "--rmi", "local", "--volumes"], cwd=path,
                       capture_output=True, timeout=300)  # fmt: skip
        shutil.rmtree(work, ignore_errors=True)
    return run


# --- summarising and publishing ---------------------------------------------


def flatten(run: dict) -> dict[str, float]:
    flat = {k: v for k, v in run.items() if k != "services"}
    for service, values in run["services"].items():
        for key in SERVICE_METRICS:
            flat[f"{service}.{key}"] = values[key]
    return flat


def summarise(runs: list[dict]) -> tuple[dict, dict]:
    flats = [flatten(run) for run in runs]
    keys = flats[0].keys()
    median = {k: statistics.median(f[k] for f in flats) for k in keys}
    spread = {k: [min(f[k] for f in flats), max(f[k] for f in flats)] for k in keys}
    return median, spread


def judge(result: dict) -> dict[str, list[dict]]:
    """Each claim in CLAIMS against the medians: what was compared, and whether it held."""
    by_name = {s["name"]: s for s in result["subjects"]}
    verdicts: dict[str, list[dict]] = {}
    for name, claims in CLAIMS.items():
        if name not in by_name:
            continue
        for metric, against, text in claims:
            if against == "previous":  # the level before it in the series
                other, limit = LEVELS[LEVELS.index(name) - 1], 1.0
            else:
                other, limit = against
            if other not in by_name or metric not in by_name[other]["median"]:
                continue
            ours, theirs = by_name[name]["median"][metric], by_name[other]["median"][metric]
            ratio = ours / theirs if theirs else float("inf")
            verdicts.setdefault(name, []).append({
                "claim": text, "metric": metric, "against": other, "limit": limit,
                "ours": ours, "theirs": theirs, "ratio": ratio,
                # "better than the level before" needs a difference beyond noise
                "holds": ratio <= limit if limit != 1.0 else ratio <= 1.0 - MEANINGFUL,
            })  # fmt: skip
    return verdicts


LABELS = {
    "cold_build_s": "cold build (s)",
    "nochange_build_s": "no-change rebuild (s)",
    "source_build_s": "code-change rebuild (s)",
    "dependency_build_s": "dependency-change rebuild (s)",
    "image_mb": "image (MB)",
    "first_200_s": "up to first 200 (s)",
    "down_s": "down (s)",
    "rps": "GET / (req/s)",
    "errors": "errors",
}


def unit(metric: str) -> str:
    return "MB" if metric.endswith("image_mb") else "req/s" if metric.endswith("rps") else "s"


def fmt(value: float, metric: str) -> str:
    if metric.endswith(("rps", "image_mb", "errors")):
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def rows(result: dict):
    """One row per subject and service: (label, kind, {metric: (median, low, high)})."""
    for subject in result["subjects"]:
        median, spread = subject["median"], subject["spread"]
        for service in subject["services"]:
            label = subject["name"] if service == "server" else f"{subject['name']} ({service})"
            cells: dict = {"subject": subject["name"]}
            for metric in (*BUILD_METRICS, "down_s"):
                cells[metric] = (median[metric], *spread[metric])
            for metric in SERVICE_METRICS:
                key = f"{service}.{metric}"
                cells[metric] = (median[key], *spread[key])
            yield label, subject["kind"], cells


def write_markdown(result: dict, path: Path) -> None:
    columns = [*BUILD_METRICS, "image_mb", "first_200_s", "down_s", "rps", "errors"]
    s = result["settings"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `benchmark/benchmark.py` on {result['generated'][:10]}: "
        f"{result['machine']['cores']} cores, {result['machine']['memory_gib']:.0f} GiB, "
        f"Docker Engine {result['machine']['docker_engine']}, Python {s['python']} base images "
        f"({base_images_note(result)}). Medians of {s['repetitions']} runs, "
        "with min-max below each. "
        f"Throughput: GET / for {s['load_seconds']} s at {s['concurrency']} concurrent "
        "connections from loopback, the default two sync Gunicorn workers. Builds use BuildKit "
        f"through `docker compose build`; cold builds: `{s['cold']}`.",
        "",
        "Rows marked *reference* are not levels of this template: Dockerfiles for the same "
        "project in the layouts people commonly use (`benchmark/references/`).",
        "",
        "| | " + " | ".join(LABELS[c] for c in columns) + " |",
        "| --- | " + " | ".join("---:" for _ in columns) + " |",
    ]
    for label, kind, cells in rows(result):
        name = f"{label} *(reference)*" if kind == "reference" else f"`{label}`"
        values = []
        for c in columns:
            median, low, high = cells[c]
            if label != cells["subject"] and c in BUILD_METRICS:
                values.append("same build")  # one `docker compose build` builds every service
                continue
            values.append(f"{fmt(median, c)}<br><sub>{fmt(low, c)}-{fmt(high, c)}</sub>")
        lines.append(f"| {name} | " + " | ".join(values) + " |")
    if headline(result):
        lines += ["", "## Headline ratios", ""]
        lines += [f"- {line}" for line in headline(result)]
    if result["claims"]:
        lines += ["", "## Claims checked", ""]
    for name, verdicts in result["claims"].items():
        for v in verdicts:
            mark = "holds" if v["holds"] else "**does not hold**"
            lines.append(
                f"- `{name}`: {v['claim']} (vs `{v['against']}`): {mark}, "
                f"{fmt(v['ours'], v['metric'])} {unit(v['metric'])} vs "
                f"{fmt(v['theirs'], v['metric'])} {unit(v['metric'])} ({v['ratio']:.2f}x)"
            )
    path.write_text("\n".join(lines) + "\n")


def base_images_note(result: dict) -> str:
    kinds = {
        tag: (f"local stand-in from Debian {info['stand_in']}" if info["stand_in"] else "official")
        for tag, info in result["base_images"].items()
    }
    return "; ".join(f"`{tag}`: {kind}" for tag, kind in kinds.items())


def headline(result: dict) -> list[str]:
    by_name = {s["name"]: s["median"] for s in result["subjects"]}
    lines = []

    def ratio(a, b, metric, words):
        if a in by_name and b in by_name:
            value = by_name[a][metric] / by_name[b][metric]
            lines.append(f"`{a}` vs `{b}`, {words}: {value:.2f}x")

    ratio("production-hardened", "final-result", "source_build_s", "code-change rebuild")
    ratio("production-hardened", "final-result", "server.image_mb", "image size")
    ratio("production-hardened", "final-result", "cold_build_s", "cold build")
    ratio("production-hardened", "docker-init", "source_build_s", "code-change rebuild")
    ratio("production-hardened", "uv-example", "source_build_s", "code-change rebuild")
    ratio("docker-init", "production-hardened", "down_s", "`docker compose down` (shell-form CMD)")
    ratio("final-result", "step-2-kiss-poetry", "source_build_s", "code-change rebuild")
    ratio("final-result", "step-1-kiss-requirements", "server.image_mb", "image size")
    return lines


def write_chart(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = list(rows(result))
    panels = [
        ("cold_build_s", "Cold build (s)"),
        ("source_build_s", "Rebuild after a code change (s)"),
        ("image_mb", "Image size (MB)"),
        ("rps", "Throughput, GET / (req/s)"),
    ]
    labels = [label + (" (ref.)" if kind == "reference" else "") for label, kind, _ in data]
    colors = ["#888888" if kind == "reference" else "#1f6fb4" for _, kind, _ in data]
    for i, (label, _, _) in enumerate(data):
        if label.startswith("production-hardened"):
            colors[i] = "#2a9d48"
    fig, axes = plt.subplots(1, len(panels), figsize=(18, 0.42 * len(data) + 1.6), sharey=True)
    for ax, (metric, title) in zip(axes, panels, strict=True):
        medians = [cells[metric][0] for _, _, cells in data]
        low = [m - cells[metric][1] for m, (_, _, cells) in zip(medians, data, strict=True)]
        high = [cells[metric][2] - m for m, (_, _, cells) in zip(medians, data, strict=True)]
        ax.barh(range(len(data)), medians, xerr=[low, high], color=colors, capsize=2)
        ax.set_title(title, fontsize=11)
        ax.grid(axis="x", alpha=0.3)
        for y, (m, (_, _, cells)) in enumerate(zip(medians, data, strict=True)):
            ax.text(cells[metric][2], y, f" {fmt(m, metric)}", va="center", fontsize=8)
    axes[0].set_yticks(range(len(data)), labels, fontsize=9)
    axes[0].invert_yaxis()
    fig.suptitle(
        f"Every level of pydocker-template, medians of {result['settings']['repetitions']} runs "
        f"({result['machine']['cores']} cores; green: production-hardened, grey: references)",
        fontsize=12,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_readme_numbers(result: dict, path: Path) -> None:
    """The Jinja data each level's README quotes (templates/readme/_measured.md)."""
    numbers = {}
    for subject in result["subjects"]:
        if subject["kind"] != "level":
            continue
        numbers[subject["name"]] = {
            "rows": [
                {"label": label, **{m: fmt(cells[m][0], m) for m in cells if m != "subject"}}
                for label, _, cells in rows({"subjects": [subject]})
            ],
            "claims": [
                {
                    "claim": v["claim"], "against": v["against"], "holds": v["holds"],
                    "ours": fmt(v["ours"], v["metric"]), "theirs": fmt(v["theirs"], v["metric"]),
                    "ratio": f"{v['ratio']:.2f}", "unit": unit(v["metric"]),
                }
                for v in result["claims"].get(subject["name"], [])
            ],
        }  # fmt: skip
    stand_ins = any(info["stand_in"] for info in result["base_images"].values())
    machine = (
        f"{result['machine']['cores']} cores, {result['machine']['memory_gib']:.0f} GiB, "
        f"Docker Engine {result['machine']['docker_engine']}, "
        f"{'local Debian stand-ins for the' if stand_ins else 'the'} official "
        f"python:{result['settings']['python']} images, "
        f"medians of {result['settings']['repetitions']} runs, {result['generated'][:10]}"
    )
    path.write_text(
        "{#- Generated by benchmark/benchmark.py; do not edit. "
        "Imported by readme/_measured.md. -#}\n"
        f"{{%- set machine = {json.dumps(machine)} -%}}\n"
        f"{{%- set numbers = {json.dumps(numbers, indent=1)} -%}}\n"
    )


README_START, README_END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"


def update_readme(result: dict, readme: Path) -> None:
    """Rewrite the block between the benchmark markers of the top-level README."""
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        raise RuntimeError(f"{readme} has no {README_START} ... {README_END} block")
    machine, settings = result["machine"], result["settings"]
    lines = [
        README_START,
        "![Cold build, code-change rebuild, image size and throughput of every level]"
        "(docs/benchmarks.png)",
        "",
        f"Measured on {machine['cores']} cores and {machine['memory_gib']:.0f} GiB with Docker "
        f"Engine {machine['docker_engine']}, Python {settings['python']} base images "
        f"({base_images_note(result)}), medians of {settings['repetitions']} runs, "
        f"{result['generated'][:10]}. Every figure, with its spread, is in "
        "[docs/benchmarks.md](docs/benchmarks.md); the raw runs are in `docs/benchmarks.json`.",
        "",
    ]
    lines += [f"- {line}" for line in headline(result)]
    missed = [v for verdicts in result["claims"].values() for v in verdicts if not v["holds"]]
    if missed:
        lines += ["", "Where the numbers disagree with a level's promise:", ""]
        for v in missed:
            name = next(n for n, vs in result["claims"].items() if v in vs)
            lines.append(
                f"- `{name}`: {v['claim']} (vs `{v['against']}`): "
                f"{fmt(v['ours'], v['metric'])} {unit(v['metric'])} vs "
                f"{fmt(v['theirs'], v['metric'])} {unit(v['metric'])}, {v['ratio']:.2f}x"
            )
    lines.append(README_END)
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    readme.write_text(text[:start] + "\n".join(lines) + text[end:])


def machine_facts(compose: tuple[str, ...]) -> dict:
    meminfo = Path("/proc/meminfo").read_text()
    kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    version = sh("docker", "version", "--format", "{{.Server.Version}}").stdout.strip()
    compose_version = sh(*compose, "version", "--short").stdout.strip()
    return {
        "cores": os.cpu_count(),
        "memory_gib": kib / 2**20,
        "platform": platform.platform(),
        "docker_engine": version,
        "compose": compose_version,
    }


def base_images(python: str) -> dict:
    images = {}
    for tag in (f"python:{python}", f"python:{python}-slim"):
        label = sh(
            "docker", "image", "inspect", "--format",
            '{{index .Config.Labels "org.pydocker-template.stand-in"}}', tag,
        ).stdout.strip()  # fmt: skip
        images[tag] = {"stand_in": label if label and label != "<no value>" else None}
    return images


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", nargs="+", choices=LEVELS, default=LEVELS)
    parser.add_argument("--no-references", action="store_true", help="skip the two references")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--python", default="3.13", choices=COOKIECUTTER["python_version"])
    parser.add_argument("--load-seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--output", type=Path, default=ROOT / "docs")
    parser.add_argument(
        "--from-json", type=Path, metavar="BENCHMARKS_JSON",
        help="measure nothing: publish the results of an earlier run again",
    )  # fmt: skip
    parser.add_argument(
        "--smoke", action="store_true",
        help="one level (step-1), one repetition, 2 s of load, --no-cache instead of pruning",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.smoke:
        args.levels, args.repetitions, args.load_seconds = ["step-1-kiss-requirements"], 1, 2
        args.no_references = True
    if args.repetitions < 1:
        parser.error(f"--repetitions must be at least 1, not {args.repetitions}")
    if args.from_json:
        result = json.loads(args.from_json.read_text())
        result["claims"] = judge(result)  # with today's claims and rules
        publish(result, args.output)
        return 0

    found = engine(str(Path(sys.executable).parent / "docker-compose"))
    if not found.available:
        print(f"ERROR: {found.reason}. The benchmark needs a Docker engine.", file=sys.stderr)
        return 2
    if not found.has_python(args.python):
        print(
            f"ERROR: no python:{args.python} and python:{args.python}-slim images; "
            f"run: bash scripts/make-base-images.sh {args.python}",
            file=sys.stderr,
        )
        return 2

    chosen = subjects(args.levels, not args.no_references)
    settings = {
        "python": args.python, "repetitions": args.repetitions, "smoke": args.smoke,
        "load_seconds": args.load_seconds, "concurrency": args.concurrency,
        "cold": "build --no-cache" if args.smoke else "docker builder prune --all",
    }  # fmt: skip
    say(f"{len(chosen)} subjects x {args.repetitions} repetitions on Python {args.python}")
    runs: dict[str, list[dict]] = {s.name: [] for s in chosen}
    with tempfile.TemporaryDirectory(prefix="pydocker-bench-") as tmp:
        scratch = Path(tmp)
        prepared = {}
        for subject in chosen:
            say(f"preparing {subject.name} (bake, and lock the dependency change)")
            folder = scratch / "pristine" / subject.name
            folder.mkdir(parents=True)
            project = bake(subject, args.python, folder)
            prepared[subject.name] = (project, dependency_change(subject, project, folder))
        total, done, started = len(chosen) * args.repetitions, 0, time.monotonic()
        for repetition in range(args.repetitions):  # repetition-major: noise spreads evenly
            for subject in chosen:
                project, changed = prepared[subject.name]
                run = measure_once(subject, project, changed, settings, scratch, found.compose)
                runs[subject.name].append(run)
                done += 1
                eta = (time.monotonic() - started) / done * (total - done)
                say(
                    f"{done}/{total} {subject.name} #{repetition + 1}: cold "
                    f"{run['cold_build_s']:.1f} s, code change {run['source_build_s']:.1f} s, "
                    f"{run['services']['server']['image_mb']:.0f} MB "
                    f"(about {eta / 60:.0f} min left)"
                )

    result = {
        "generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine_facts(found.compose),
        "base_images": base_images(args.python),
        "settings": settings,
        "subjects": [],
    }
    for subject in chosen:
        median, spread = summarise(runs[subject.name])
        result["subjects"].append({
            "name": subject.name, "kind": subject.kind,
            "description": REFERENCES.get(subject.name, ""),
            "services": list(runs[subject.name][0]["services"]),
            "median": median, "spread": spread, "runs": runs[subject.name],
        })  # fmt: skip
    result["claims"] = judge(result)
    publish(result, args.output)
    return 0


def publish(result: dict, output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    (output / "benchmarks.json").write_text(json.dumps(result, indent=1) + "\n")
    write_markdown(result, output / "benchmarks.md")
    write_chart(result, output / "benchmarks.png")
    if output.resolve() == (ROOT / "docs").resolve() and not result["settings"]["smoke"]:
        write_readme_numbers(result, ROOT / "templates" / "readme" / "_benchmarks.j2")
        say("wrote templates/readme/_benchmarks.j2 (the numbers each level's README quotes)")
        update_readme(result, ROOT / "README.md")
        say("updated the benchmark section of README.md")
    for line in headline(result):
        say(line)
    say(f"wrote {output}/benchmarks.json, .md and .png")


if __name__ == "__main__":
    sys.exit(main())
