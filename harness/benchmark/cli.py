"""Measure every level's image on this machine: builds, size, start, stop, load.

    .venv/bin/python benchmark/benchmark.py         # every level + references, 3 repetitions
    .venv/bin/python benchmark/benchmark.py --smoke  # one level, once, into a temporary folder
    .venv/bin/python benchmark/benchmark.py --from-json docs/benchmarks.json   # publish again

For one baked project (default answers, pre-commit off) at every docker_level,
plus two REFERENCE Dockerfiles for the same project written the way people
commonly do it (benchmark/references/docker-init, uv-example), it measures:

- cold build: build cache pruned, cache mounts included (`docker builder prune -af`;
  --smoke builds cold with `build --no-cache` instead, so it never disturbs other
  builds, and its rebuilds may reuse layers that other builds left in the cache)
- rebuild with nothing changed; after a source-only change; after a dependency
  change (one small extra dependency, locked and exported beforehand)
- image size, per service
- time from `docker compose up` to the first 200 answer, per service, and
  `docker compose down` time: once every build is measured, every subject is
  built once more and the subjects are started and stopped in turn, in a new
  order each cycle, so that they all meet the machine in the same state; each
  repetition gets the medians of its own cycles (--start-stop-cycles), since
  each takes well under a second
- throughput of GET / for a fixed time at a fixed concurrency, from loopback,
  with the error count
- for the levels (the references have no develop.watch): under `docker compose
  watch`, a saved code change to the first answer from the new code

Each repetition measures every subject once, in an order shuffled anew with a
seed that is published with the results (--seed repeats an order).

It writes benchmarks.json (raw runs, medians, spreads, machine), benchmarks.md
and benchmarks.png to --output. Without it, a full run (every level and both
references, not --smoke) writes to docs/ and the measured block of the
top-level README, and any narrower run to a new temporary folder, so only a
full run replaces the published figures. So does --from-json, by what the
results it reads cover. Needs a Docker engine with
Compose v2, the python:X and python:X-slim images, and the test requirements
(Poetry, uv, matplotlib): bash scripts/dev-env.
"""

from __future__ import annotations

import argparse
import datetime
import math
import random
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT
from harness.benchmark import prepare, report
from harness.benchmark.measure import (
    Prepared,
    base_images,
    machine_facts,
    measure_once,
    orders,
    say,
    start_stop,
    time_left,
)
from harness.benchmark.model import Result, Run, Settings, SubjectResult
from harness.docker import Engine, local_engine
from harness.matrix import DEFAULT_PYTHON, PYTHONS, SERIES

SMOKE_LEVEL = SERIES[0]
DOCS = ROOT / "docs"
NUMBERS = (
    ("--repetitions", int, 3, 1, "runs of every subject; medians and min-max are over these"),
    ("--load-seconds", float, 10, 0.1, "how long GET / is loaded in each run"),
    ("--start-stop-cycles", int, 10, 1, "`up` to first answer and `down` per run, their median"),
    ("--concurrency", int, 20, 1, "connections open at once during the load"),
)
"""The numeric options: flag, type, default, least value and what it sets."""
EVERY_SUBJECT = [subject.name for subject in prepare.subjects(SERIES, references=True)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    summary, _, details = __doc__.partition("\n\n")
    parser = argparse.ArgumentParser(
        description=summary, epilog=details,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument(
        "--levels", nargs="+", choices=SERIES, default=SERIES, metavar="LEVEL",
        help="the levels to measure (default: every level)",
    )  # fmt: skip
    parser.add_argument("--no-references", action="store_true", help="skip the two references")
    for flag, kind, default, _, text in NUMBERS:
        parser.add_argument(flag, type=kind, default=default, help=f"{text} (default {default})")
    parser.add_argument(
        "--python", default=DEFAULT_PYTHON, choices=PYTHONS,
        help=f"the Python of the base images (default {DEFAULT_PYTHON})",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int,
        help="seed of the order the subjects are measured in (default: a new one, published)",
    )  # fmt: skip
    parser.add_argument(
        "--output", type=Path,
        help="the folder for benchmarks.json, .md and .png (default: docs/ for a full "
        "run, else a new temporary folder)",
    )  # fmt: skip
    parser.add_argument(
        "--from-json", type=Path, metavar="BENCHMARKS_JSON",
        help="measure nothing: publish the results of an earlier run again",
    )  # fmt: skip
    parser.add_argument(
        "--smoke", action="store_true",
        help="one level (step-1), one repetition, two start-stop cycles, 2 s of load, "
        "a --no-cache cold build instead of pruning: checks that the benchmark works, "
        "measures nothing worth publishing",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.smoke:
        args.levels, args.repetitions, args.load_seconds = [SMOKE_LEVEL], 1, 2
        args.start_stop_cycles = 2
        args.no_references = True
    for flag, kind, _, least, _ in NUMBERS:
        value = getattr(args, flag[2:].replace("-", "_"))
        if not least <= value < math.inf:  # nan and inf too
            finite = " and finite" if kind is float else ""
            parser.error(f"{flag} must be at least {least}{finite}, not {value}")
    if args.output and args.output.exists() and not args.output.is_dir():
        parser.error(f"--output {args.output} is a file; name a folder (new or existing)")
    args.result = None
    if args.from_json:
        try:
            args.result = Result.from_json(args.from_json.read_text())
        except (OSError, ValueError, KeyError, TypeError) as error:
            parser.error(f"--from-json {args.from_json}: not a benchmark's results ({error})")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.result:
        covered = [subject.name for subject in args.result.subjects]
        publish(args.result, output_folder(args, covered, args.result.settings.smoke))
        return 0
    engine = local_engine()
    if problem := missing(engine, args.python):
        print(f"ERROR: {problem}", file=sys.stderr)
        return 2
    settings = Settings(
        python=args.python, repetitions=args.repetitions, smoke=args.smoke,
        load_seconds=args.load_seconds, concurrency=args.concurrency,
        start_stop_cycles=args.start_stop_cycles, start_stop_interleaved=True,
        order_seed=random.randrange(2**32) if args.seed is None else args.seed,
        cold="build --no-cache" if args.smoke else "docker builder prune --all",
    )  # fmt: skip
    chosen = prepare.subjects(args.levels, not args.no_references)
    output = output_folder(args, [subject.name for subject in chosen], args.smoke)
    say(f"{len(chosen)} subjects x {args.repetitions} repetitions on Python {args.python}")
    with tempfile.TemporaryDirectory(prefix="pydocker-bench-") as tmp:
        runs = measure_all(chosen, settings, engine.compose, Path(tmp))
    result = Result(
        generated=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        machine=machine_facts(engine.compose),
        base_images=base_images(args.python),
        settings=settings,
        subjects=[
            SubjectResult(s.name, s.kind, s.description, list(runs[s][0].services), runs[s])
            for s in chosen
        ],
    )
    publish(result, output)
    return 0


def output_folder(args: argparse.Namespace, covered: list[str], smoke: bool) -> Path:
    """--output; else docs/ for results that cover every subject and are no smoke run,
    and a new temporary folder for any others, so that only a full run replaces the
    published figures."""
    if args.output:
        return args.output
    if sorted(covered) == sorted(EVERY_SUBJECT) and not smoke:
        return DOCS
    say("a narrower run than the published one: its figures go to a temporary folder")
    return Path(tempfile.mkdtemp(prefix="pydocker-bench-"))


def missing(engine: Engine, python: str) -> str | None:
    """Why the benchmark cannot run here, if it cannot."""
    if not engine.available:
        return f"{engine.reason}. The benchmark needs a Docker engine."
    if not engine.has_python(python):
        return (
            f"no python:{python} and python:{python}-slim images; "
            f"run: bash scripts/make-base-images.sh {python}"
        )
    return None


def measure_all(
    chosen: list[prepare.Subject], settings: Settings, command: tuple[str, ...], scratch: Path
) -> dict[prepare.Subject, list[Run]]:
    """Every repetition of every subject, repetition-major and in a new random order
    each time, so drift and each subject's neighbours spread evenly."""
    prepared = []
    for subject in chosen:
        say(f"preparing {subject.name} (bake, and lock the dependency change)")
        folder = scratch / "pristine" / subject.name
        folder.mkdir(parents=True)
        project = prepare.bake_subject(subject, settings.python, folder)
        prepared.append(
            Prepared(subject, project, prepare.dependency_change(subject, project, folder))
        )
    runs: dict[prepare.Subject, list[Run]] = {subject: [] for subject in chosen}
    total, started = len(chosen) * settings.repetitions, time.monotonic()
    for repetition, order in enumerate(orders(prepared, settings)):
        for one in order:
            run = measure_once(one, settings, command, scratch)
            runs[one.subject].append(run)
            done = sum(len(r) for r in runs.values())
            say(
                f"{done}/{total} {one.subject.name} #{repetition + 1}: cold "
                f"{run.cold_build_s:.1f} s, code change {run.source_build_s:.1f} s, "
                f"{run.services['server'].image_mb:.0f} MB (builds: "
                f"{time_left(started, done, total)}, then the starts and stops)"
            )
    start_stop(prepared, runs, settings, command, scratch)
    return runs


def publish(result: Result, output: Path) -> None:
    """benchmarks.json, .md and .png into `output`; into docs/, the README block as well."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "benchmarks.json").write_text(result.to_json())
    (output / "benchmarks.md").write_text(report.markdown(result))
    report.write_chart(result, output / "benchmarks.png")
    if output.resolve() == DOCS.resolve() and not result.settings.smoke:
        report.update_readme(result, ROOT / "README.md")
        say("updated the benchmark section of README.md")
    for line in report.headline_lines(result):
        say(line)
    say(f"wrote {output}/benchmarks.json, .md and .png")
