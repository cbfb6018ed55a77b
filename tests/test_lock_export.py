"""The hardened image's own lock exporter (export_requirements.py) against Poetry's.

The image build exports poetry.lock without Poetry. These tests hold the baked
script to `poetry export --with prod` (poetry-plugin-export) on the baked lock,
and to Poetry's reading of lock-version 2.1 (a package's `groups`, and
`markers` as one string or one per group) on locks built for each case.
"""

from __future__ import annotations

import itertools
import sys
import tomllib

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from harness.baking import load_module
from harness.matrix import PYTHONS, every_level, for_answers
from harness.process import run
from harness.tools import poetry_export

EXPORTER = "export_requirements.py"
# Every level that ships the exporter
WITH_EXPORTER = for_answers(a for a in every_level() if a.facts["lock_exporter"])
ENVIRONMENTS = [
    {"python_version": python, "python_full_version": f"{python}.0", "sys_platform": platform}
    for python, platform in itertools.product(PYTHONS, ("linux", "darwin", "win32"))
]
HASH_A = "sha256:" + "a" * 64
HASH_B = "sha256:" + "b" * 64


def load_exporter(project):
    return load_module(project.path / EXPORTER)


def parsed(requirements: str) -> dict[str, tuple[str, frozenset[str], Marker | None]]:
    """name -> (pinned version, hashes, marker) of a hashed requirements file."""
    entries = {}
    for entry in requirements.replace("\\\n", " ").splitlines():
        if not entry.strip():
            continue
        spec, *hashes = entry.split(" --hash=")
        requirement = Requirement(spec)
        (pin,) = requirement.specifier
        entries[requirement.name] = (
            pin.version,
            frozenset(h.strip() for h in hashes),
            requirement.marker,
        )
    return entries


def applies(marker: Marker | None, environment: dict[str, str]) -> bool:
    return marker is None or marker.evaluate(environment)


def package(name: str, groups: list[str], **extra) -> dict:
    files = [
        {"file": f"{name}-1.0.tar.gz", "hash": HASH_B},
        {"file": f"{name}-1.0-py3-none-any.whl", "hash": HASH_A},
    ]
    return {"name": name, "version": "1.0", "groups": groups, "files": files, **extra}


def lock(*packages: dict, version: str = "2.1") -> dict:
    return {"package": list(packages), "metadata": {"lock-version": version}}


@pytest.fixture
def exporter(project):
    return load_exporter(project)


@WITH_EXPORTER
def test_exporter_lists_what_poetry_export_lists(project, tmp_path):
    poetry = poetry_export(project.path, tmp_path / "poetry.txt")
    ours = tmp_path / "ours.txt"
    run(
        [sys.executable, EXPORTER, "poetry.lock", "--with", "prod", "--output", ours],
        cwd=project.path,
    )
    theirs, mine = parsed(poetry.read_text()), parsed(ours.read_text())
    assert {name: entry[:2] for name, entry in mine.items()} == {
        name: entry[:2] for name, entry in theirs.items()
    }
    for (name, (*_, marker)), environment in itertools.product(mine.items(), ENVIRONMENTS):
        assert applies(marker, environment) == applies(theirs[name][2], environment), name


@WITH_EXPORTER
def test_exporter_leaves_out_groups_not_asked_for(exporter):
    text = exporter.export(
        lock(
            package("flask", ["main"]),
            package("pytest", ["dev"]),
            package("gunicorn", ["dev", "prod"]),
        ),
        {"main", "prod"},
    )
    assert list(parsed(text)) == ["flask", "gunicorn"]


@WITH_EXPORTER
def test_exporter_writes_every_hash_sorted_and_the_locked_version(exporter):
    text = exporter.export(lock(package("flask", ["main"])), {"main"})
    assert text == f"flask==1.0 \\\n    --hash={HASH_A} \\\n    --hash={HASH_B}\n"


@WITH_EXPORTER
def test_exporter_keeps_a_marker_for_every_group(exporter):
    windows = 'sys_platform == "win32"'
    text = exporter.export(lock(package("colorama", ["main"], markers=windows)), {"main"})
    assert parsed(text)["colorama"][2] == Marker(windows)


@WITH_EXPORTER
def test_exporter_joins_the_markers_of_the_groups_asked_for(exporter):
    markers = {
        "main": 'sys_platform == "win32"',
        "prod": 'python_version < "3.12"',
        "dev": 'sys_platform == "linux"',
    }
    text = exporter.export(
        lock(package("tzdata", ["dev", "main", "prod"], markers=markers)), {"main", "prod"}
    )
    marker = parsed(text)["tzdata"][2]
    assert marker.evaluate({"sys_platform": "win32", "python_version": "3.13"})
    assert marker.evaluate({"sys_platform": "linux", "python_version": "3.11"})
    assert not marker.evaluate({"sys_platform": "linux", "python_version": "3.13"})


@WITH_EXPORTER
def test_exporter_takes_a_group_without_a_marker_as_everywhere(exporter):
    markers = {"main": 'sys_platform == "win32"'}  # prod needs it on every platform
    text = exporter.export(
        lock(package("tzdata", ["main", "prod"], markers=markers)), {"main", "prod"}
    )
    assert parsed(text)["tzdata"][2] is None


@pytest.mark.parametrize(
    ("locked", "named"),
    [
        (lock(package("flask", ["main"]), version="2.0"), "lock-version 2.0"),
        (
            lock(
                package(
                    "mylib",
                    ["main"],
                    source={"type": "git", "url": "https://example.org/mylib.git"},
                )
            ),
            "mylib comes from a git repository, for which poetry.lock records no file hashes",
        ),
        (
            lock(
                package(
                    "six",
                    ["main"],
                    source={"type": "legacy", "url": "https://corp/simple", "reference": "corp"},
                )
            ),
            "six comes from the package index 'corp', which a requirements file would have to",
        ),
        (
            lock(package("six", ["main"], source={"type": "url", "url": "https://corp/six.whl"})),
            "six comes from a direct URL, which a requirements line would have to name",
        ),
        (
            lock(package("ujson", ["main"], markers='extra == "fast"')),
            "ujson is needed only with one of the project's extras",
        ),
        (
            lock({"name": "bare", "version": "1.0", "groups": ["main"], "files": []}),
            "bare has no file hashes",
        ),
    ],
    ids=["old-lock", "git-source", "index-source", "url-source", "extra-only", "no-hashes"],
)
@WITH_EXPORTER
def test_exporter_refuses_what_it_cannot_export_faithfully(project, tmp_path, locked, named):
    (tmp_path / "poetry.lock").write_text(toml(locked))
    result = run(
        [sys.executable, project.path / EXPORTER, "poetry.lock", "--output", "out.txt"],
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("ERROR: cannot export poetry.lock: ") and named in result.stderr
    assert not (tmp_path / "out.txt").exists()


def export_with(project, *options: str, python_options: tuple[str, ...] = ()):
    """export_requirements.py run on `project`'s own lock with `options`: the finished run."""
    return run(
        [sys.executable, *python_options, EXPORTER, "poetry.lock", *options],
        cwd=project.path,
        check=False,
    )


@WITH_EXPORTER
def test_exporter_refuses_a_group_that_no_locked_package_belongs_to(project):
    result = export_with(project, "--with", "prd", "--output", "misspelt.txt")

    assert result.returncode == 1
    assert result.stderr.startswith("ERROR: cannot export poetry.lock: ")
    assert "group(s) 'prd' (its groups: dev, main, prod)" in result.stderr
    assert not (project.path / "misspelt.txt").exists()


@WITH_EXPORTER
def test_exporter_reads_comma_separated_groups(project):
    together = export_with(project, "--with", "prod,dev")
    apart = export_with(project, "--with", "prod", "--with", "dev")

    assert together.returncode == apart.returncode == 0, together.stderr + apart.stderr
    assert together.stdout == apart.stdout
    assert "gunicorn==" in together.stdout and "pytest==" in together.stdout


@WITH_EXPORTER
def test_exporter_compares_group_names_as_poetry_does(project):
    spelt = export_with(project, "--with", "Prod")
    canonical = export_with(project, "--with", "prod")

    assert spelt.returncode == canonical.returncode == 0, spelt.stderr + canonical.stderr
    assert spelt.stdout == canonical.stdout


@WITH_EXPORTER
def test_exporter_refuses_an_empty_group_name(project):
    result = export_with(project, "--with", "prod,")

    assert result.returncode == 1
    assert "group(s) '' (its groups" in result.stderr


@WITH_EXPORTER
def test_exporter_runs_without_docstrings(project):
    result = export_with(project, "--help", python_options=("-OO",))

    assert result.returncode == 0, result.stderr
    assert "--with GROUP" in result.stdout


def toml(locked: dict) -> str:
    """A lock file's text for `locked` (strings, lists and tables of strings only)."""
    lines = []
    for entry in locked["package"]:
        lines.append("[[package]]")
        for key, value in entry.items():
            lines.append(f"{key} = {toml_value(value)}")
    lines.append("[metadata]")
    lines.append(f'lock-version = "{locked["metadata"]["lock-version"]}"')
    text = "\n".join(lines) + "\n"
    assert tomllib.loads(text) == locked
    return text


def toml_value(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
