"""The benchmark (harness/benchmark/, run as benchmark/benchmark.py) cannot rot.

It runs once in smoke mode (one level, once) on the Docker engine, and
republishes the committed docs/benchmarks.json without measuring.
"""

from __future__ import annotations

import json
import math
import os
import sys

import pytest

from harness import ROOT
from harness.benchmark.cli import (
    DOCS,
    EVERY_SUBJECT,
    NUMBERS,
    SMOKE_LEVEL,
    output_folder,
    parse_args,
)
from harness.benchmark.measure import orders
from harness.benchmark.model import Settings
from harness.benchmark.report import EVERY_OTHER, SMOKE_NOTE, Comparison, Verdict
from harness.docker import local_engine
from harness.matrix import DEFAULT_PYTHON
from harness.process import run

ENGINE = local_engine()
BENCHMARK = ROOT / "benchmark" / "benchmark.py"


def benchmark(*args: object, check: bool = False, **env: str):
    return run([sys.executable, BENCHMARK, *args], timeout=900, check=check,
               env={**os.environ, **env})  # fmt: skip


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """One smoke run per worker (its tests share an xdist group, so one in all):
    its output folder, and what it printed."""
    output = tmp_path_factory.mktemp("benchmark")
    return output, benchmark("--smoke", "--output", output, check=True).stdout


def reads_the_smoke_run(test):
    """Docker tier; one worker runs every such test, so the smoke run happens once."""
    test = pytest.mark.docker(test)
    test = pytest.mark.xdist_group("benchmark")(test)
    reason = ENGINE.reason or f"no python:{DEFAULT_PYTHON} and python:{DEFAULT_PYTHON}-slim"
    return pytest.mark.skipif(not ENGINE.has_python(DEFAULT_PYTHON), reason=reason)(test)


@reads_the_smoke_run
def test_benchmark_smoke_run_shows_progress(smoke):
    assert f"1/1 {SMOKE_LEVEL} #1" in smoke[1]


@reads_the_smoke_run
def test_benchmark_starts_and_stops_the_subjects_once_every_build_is_measured(smoke):
    printed = smoke[1]
    built = printed.index(f"1/1 {SMOKE_LEVEL} #1")
    assert built < printed.index("start and stop: run 1/1, cycle 1/2")
    assert "start and stop: run 1/1, cycle 2/2" in printed


@reads_the_smoke_run
def test_benchmark_progress_holds_no_next_steps_of_its_scratch_projects(smoke):
    assert "Next steps" not in smoke[1]


@reads_the_smoke_run
def test_benchmark_smoke_run_publishes_sane_json(smoke):
    result = json.loads((smoke[0] / "benchmarks.json").read_text())
    assert result["machine"]["cores"] >= 1 and result["machine"]["docker_engine"]
    assert set(result["base_images"]) == {
        f"python:{DEFAULT_PYTHON}",
        f"python:{DEFAULT_PYTHON}-slim",
    }
    (subject,) = result["subjects"]
    assert subject["name"] == SMOKE_LEVEL and len(subject["runs"]) == 1
    median = subject["median"]
    for metric in ("cold_build_s", "nochange_build_s", "source_build_s", "dependency_build_s"):
        assert 0 < median[metric] < math.inf, metric
    assert median["server.image_mb"] > 10
    assert median["server.rps"] > 0 and median["server.errors"] == 0
    assert 0 < median["server.first_200_s"] < math.inf and 0 < median["down_s"] < math.inf
    assert result["settings"]["start_stop_cycles"] == 2


@reads_the_smoke_run
def test_benchmark_smoke_run_publishes_markdown_and_chart(smoke):
    assert f"| `{SMOKE_LEVEL}` |" in (smoke[0] / "benchmarks.md").read_text()
    assert (smoke[0] / "benchmarks.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@reads_the_smoke_run
def test_benchmark_smoke_run_says_its_figures_are_no_measurements(smoke):
    assert SMOKE_NOTE in (smoke[0] / "benchmarks.md").read_text()


@pytest.mark.parametrize(
    ("arguments", "covered", "smoke"),
    [(["--smoke"], EVERY_SUBJECT, True), (["--levels", SMOKE_LEVEL], [SMOKE_LEVEL], False)],
    ids=["smoke", "narrower"],
)
def test_a_run_short_of_the_published_one_writes_to_a_new_temporary_folder_not_docs(
    arguments, covered, smoke
):
    folder = output_folder(parse_args(arguments), covered, smoke)
    try:
        assert folder.resolve() != DOCS.resolve() and not any(folder.iterdir())
    finally:
        folder.rmdir()


def test_a_full_run_without_output_publishes_into_docs():
    assert output_folder(parse_args([]), EVERY_SUBJECT, smoke=False) == DOCS


def test_republishing_a_narrower_run_leaves_docs_as_they_are(tmp_path):
    published = json.loads((ROOT / "docs" / "benchmarks.json").read_text())
    published["subjects"] = published["subjects"][:1]
    narrower = tmp_path / "narrower.json"
    narrower.write_text(json.dumps(published))
    before = {path: path.read_bytes() for path in (*DOCS.iterdir(), ROOT / "README.md")}

    done = benchmark("--from-json", narrower, check=True, TMPDIR=str(tmp_path))

    assert {path: path.read_bytes() for path in before} == before
    assert f"wrote {DOCS}" not in done.stdout


def test_benchmark_republishes_the_committed_results_byte_for_byte(tmp_path):
    benchmark("--from-json", ROOT / "docs" / "benchmarks.json", "--output", tmp_path, check=True)
    for name in ("benchmarks.json", "benchmarks.md"):
        assert (tmp_path / name).read_bytes() == (ROOT / "docs" / name).read_bytes(), name


@pytest.mark.parametrize(("flag", "least"), [(flag, least) for flag, _, _, least, _ in NUMBERS])
def test_benchmark_refuses_a_number_below_its_least_naming_both(flag, least):
    proc = benchmark(flag, "0" if least > 0 else "-1")
    assert proc.returncode == 2
    assert f"{flag} must be at least {least}" in proc.stderr


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_benchmark_refuses_a_load_time_that_is_no_finite_number(value):
    proc = benchmark("--load-seconds", value)
    assert proc.returncode == 2
    assert f"--load-seconds must be at least 0.1 and finite, not {value}" in proc.stderr


def test_benchmark_refuses_an_output_that_is_a_file_before_measuring():
    proc = benchmark("--output", ROOT / "README.md")
    assert proc.returncode == 2
    assert "is a file; name a folder" in proc.stderr


@pytest.mark.parametrize("results", ["missing.json", "README.md"])
def test_benchmark_refuses_from_json_of_anything_but_results(results):
    proc = benchmark("--from-json", ROOT / results)
    assert proc.returncode == 2
    assert f"--from-json {ROOT / results}: not a benchmark's results" in proc.stderr
    assert "Traceback" not in proc.stderr


def order_settings(seed: int | None) -> Settings:
    return Settings(DEFAULT_PYTHON, 3, False, 10, 20, "prune", order_seed=seed)


def test_benchmark_shuffles_every_repetition_and_a_seed_repeats_the_order():
    subjects = [f"subject-{n}" for n in range(12)]
    shuffled = orders(subjects, order_settings(7))
    assert len(shuffled) == 3 and all(sorted(order) == sorted(subjects) for order in shuffled)
    assert len({tuple(order) for order in shuffled}) == 3
    assert orders(subjects, order_settings(7)) == shuffled


def test_benchmark_start_stop_cycles_get_orders_of_their_own_from_the_same_seed():
    subjects = [f"subject-{n}" for n in range(12)]
    cycles = orders(subjects, order_settings(7), rounds=15, stream=1)
    assert len(cycles) == 15 and all(sorted(order) == sorted(subjects) for order in cycles)
    assert cycles[:3] != orders(subjects, order_settings(7))
    assert orders(subjects, order_settings(7), rounds=15, stream=1) == cycles


def test_benchmark_results_without_a_seed_keep_the_listed_order():
    assert orders(["a", "b", "c"], order_settings(None)) == [["a", "b", "c"]] * 3


def test_a_missed_claim_is_within_the_spread_only_when_both_rows_spreads_overlap():
    quickest = Comparison("ours", EVERY_OTHER, "down_s", "the quickest `down`", 1.0)
    overlapping = Verdict(quickest, 0.80, 0.75, (0.78, 0.83), (0.73, 0.81), "theirs")
    apart = Verdict(quickest, 0.80, 0.75, (0.79, 0.83), (0.73, 0.78), "theirs")

    assert not overlapping.holds and overlapping.within_spread
    assert not apart.holds and not apart.within_spread
