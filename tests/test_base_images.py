"""scripts/make-base-images.sh, decided without an engine: stand-in `docker` and
`debootstrap` commands record what the script asks of them, so these tests see
which Dockerfile it writes and how it labels the images it builds. The Docker
tier builds on the real stand-ins."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from harness import ROOT
from harness.process import run

SCRIPT = ROOT / "scripts" / "make-base-images.sh"

# No image is present and none can be pulled; `docker run` fetching the source
# succeeds or fails as FETCH_SOURCE says; `docker build` keeps a copy of the
# Dockerfile it was given; every call is recorded, its arguments in a file of
# its own, each ended by a NUL
FAKE_DOCKER = r"""#!/usr/bin/env bash
printf '%s\0' "$@" > "$RECORD/$(find "$RECORD" -type f | wc -l)"
case "$1 ${2:-}" in
  "info "*|"rmi "*|"import "*) cat > /dev/null 2>&1 || true; exit 0 ;;
  "image inspect"|"pull "*) exit 1 ;;
  "image ls") exit 0 ;;
  "build "*) cp "${@: -1}/Dockerfile" "$RECORD.Dockerfile"; exit 0 ;;
  "run "*)
    if [[ "$*" == *"apt-get source"* ]]; then
      [ "$FETCH_SOURCE" = yes ] && { echo python3.14_3.14.8.orig.tar.xz; exit 0; }
      echo "E: You must put some 'deb-src' URIs in your sources.list"; exit 100
    fi
    echo 3.14.8 ;;
esac
"""

# A root with the folders the script writes into after debootstrap
FAKE_DEBOOTSTRAP = r"""#!/usr/bin/env bash
root=${@: -1}
mkdir -p "$root/etc/ssl/certs" "$root/etc/apt/apt.conf.d" "$root/var/lib/apt/lists"
"""


def make_stand_ins(tmp_path: Path, fetch_source: bool) -> tuple[str, list[list[str]], str]:
    """Run the script for 3.14 with the fake commands: its output, the docker
    calls it made, and the last Dockerfile it built from."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("docker", FAKE_DOCKER), ("debootstrap", FAKE_DEBOOTSTRAP)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    scripts = tmp_path / "debootstrap" / "scripts"
    scripts.mkdir(parents=True)
    (scripts / "forky").touch()
    record = tmp_path / "docker-calls"
    record.mkdir()
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "RECORD": str(record),
        "FETCH_SOURCE": "yes" if fetch_source else "no",
        "PIP_INDEX_URL": "https://index.invalid/simple",
        "STAND_IN_WORKDIR": str(tmp_path / "work"),
        "DEBOOTSTRAP_DIR": str(scripts.parent),
    }
    result = run(["bash", SCRIPT, "3.14"], env=env, timeout=60)
    calls = [
        call.read_text().split("\0")[:-1]
        for call in sorted(record.iterdir(), key=lambda f: int(f.name))
    ]
    return result.stdout, calls, Path(f"{record}.Dockerfile").read_text()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[bool, tuple[str, list[list[str]], str]]:
    """The script run once each way: with the source fetched (True), and without."""
    return {
        fetch_source: make_stand_ins(tmp_path_factory.mktemp("stand-ins"), fetch_source)
        for fetch_source in (True, False)
    }


def builds(calls: list[list[str]]) -> dict[str, list[str]]:
    """Each `docker build` of a python tag, by the tag it makes."""
    tagged = {call[call.index("-t") + 1]: call for call in calls if call[0] == "build"}
    return {tag: call for tag, call in tagged.items() if tag.startswith("python:")}


def build_arg(call: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in call if a.startswith(f"{name}=")]
    return value


@pytest.mark.parametrize(
    ("fetch_source", "made"),
    [(True, "CPython built from source"), (False, "Debian's Python in a virtualenv")],
)
def test_each_stand_in_is_labelled_with_its_suite_and_how_its_python_was_made(
    runs, fetch_source, made
):
    _, calls, _ = runs[fetch_source]

    label = "org.pydocker-template.stand-in"
    labels = {tag: build_arg(call, label) for tag, call in builds(calls).items()}
    assert labels == {"python:3.14-slim": f"forky, {made}", "python:3.14": f"forky, {made}"}


def test_where_the_mirror_has_the_source_cpython_is_built_into_usr_local(runs):
    _, calls, dockerfile = runs[True]

    assert "./configure --prefix=/usr/local --enable-shared" in dockerfile
    assert "python$PYTHON-venv" not in dockerfile
    assert build_arg(builds(calls)["python:3.14"], "FULL_EXTRA") == ""


def test_where_the_mirror_has_no_source_it_says_so_and_uses_the_suites_packages(runs):
    output, calls, dockerfile = runs[False]

    assert re.search(r"the mirror has no source of forky's python3\.14 \(E: .*deb-src", output)
    assert "falling back to forky's binary packages" in output
    assert '"python$PYTHON" -m venv /usr/local' in dockerfile
    assert "./configure" not in dockerfile
    # Debian's Python keeps its headers and python3.X-config in python3.X-dev
    assert build_arg(builds(calls)["python:3.14"], "FULL_EXTRA") == "python3.14-dev"


@pytest.mark.parametrize("fetch_source", [True, False])
def test_the_full_stand_in_is_the_slim_one_plus_the_compilers_and_clients(runs, fetch_source):
    _, calls, dockerfile = runs[fetch_source]

    stages = re.findall(r"^FROM \S+ AS (\w+)$", dockerfile, re.M)
    assert stages[-2:] == ["slim", "full"]
    assert "FROM slim AS full" in dockerfile
    assert re.search(r"install .*\n\s+build-essential libpq-dev git curl \$FULL_EXTRA", dockerfile)
    targets = {tag: call[call.index("--target") + 1] for tag, call in builds(calls).items()}
    assert targets == {"python:3.14-slim": "slim", "python:3.14": "full"}


@pytest.mark.parametrize(
    ("fetch_source", "scratch"),
    [
        (True, {"pydocker-stand-in-base:3.14", "pydocker-stand-in-source:3.14"}),
        (False, {"pydocker-stand-in-base:3.14"}),
    ],
)
def test_no_image_but_the_stand_ins_is_left_behind(runs, fetch_source, scratch):
    _, calls, _ = runs[fetch_source]

    made = {call[call.index("-t") + 1] for call in calls if call[0] == "build"}
    made |= {call[-1] for call in calls if call[0] == "import"}
    removed = {tag for call in calls if call[0] == "rmi" for tag in call[1:]}
    assert made - removed == {"python:3.14-slim", "python:3.14"}
    assert removed == scratch
