"""The benchmark runs in smoke mode (one level, once) so it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT
from docker_harness import engine
from tooling import BIN

ENGINE = engine(str(BIN / "docker-compose"))


@pytest.mark.docker
@pytest.mark.xdist_group("benchmark")
@pytest.mark.skipif(
    not ENGINE.has_python("3.13"), reason=ENGINE.reason or "no python:3.13 and python:3.13-slim"
)
def test_benchmark_smoke_run_publishes_json_markdown_and_chart(tmp_path):
    proc = subprocess.run(
        [sys.executable, ROOT / "benchmark" / "benchmark.py", "--smoke", "--output", tmp_path],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "1/1 step-1-kiss-requirements #1" in proc.stdout  # progress is shown

    result = json.loads((tmp_path / "benchmarks.json").read_text())
    assert result["machine"]["cores"] >= 1 and result["machine"]["docker_engine"]
    assert set(result["base_images"]) == {"python:3.13", "python:3.13-slim"}
    (subject,) = result["subjects"]
    assert subject["name"] == "step-1-kiss-requirements" and len(subject["runs"]) == 1
    median = subject["median"]
    for metric in ("cold_build_s", "nochange_build_s", "source_build_s", "dependency_build_s"):
        assert 0 < median[metric] < 900, metric
    assert median["server.image_mb"] > 10
    assert median["server.rps"] > 0 and median["server.errors"] == 0
    assert 0 < median["server.first_200_s"] < 120 and 0 < median["down_s"] < 30

    table = (tmp_path / "benchmarks.md").read_text()
    assert "| `step-1-kiss-requirements` |" in table
    assert (tmp_path / "benchmarks.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_benchmark_refuses_bad_arguments_with_a_clear_message(tmp_path):
    proc = subprocess.run(
        [sys.executable, ROOT / "benchmark" / "benchmark.py", "--repetitions", "0"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "--repetitions must be at least 1, not 0" in proc.stderr
