"""Regenerate the poetry.lock files and exported requirements the template ships.

    .venv/bin/python scripts/update-locks.py      (after bash scripts/dev-env)

Baking is offline: every level reads one of the locks in templates/locks/
(`lock` in cookiecutter.json's _levels). For each lock this script bakes a
project at a level that uses it, runs `poetry lock` in it (newest versions
allowed by pyproject.toml), exports requirements.txt the way the Dockerfiles
and pre-commit hooks do, and copies both back into templates/locks/<lock>/.

Then it rewrites templates/locks/reserved-names.json, the names
answer_checks.py refuses as a package name (checked when cookiecutter renders
the project folder's name, before anything is written):
  stdlib   every offered Python's sys.stdlib_module_names, asked of that
           Python itself: a pythonX.Y that pyenv built or on PATH, else the
           engine's python:X-slim image if it has one (never pulled), so the
           table never depends on the Python running cookiecutter
  keywords the keywords and soft keywords of every offered Python, asked the
           same way (3.15 adds `lazy`), with those the table already has: a
           Python never gives a keyword back
  locked   the import names of every package in the shipped locks (installed
           with uv into a scratch folder, read from their RECORD files)
  distributions  the names (normalised) of every package installed next to
           the project: those in the shipped locks, and pip, setuptools and
           wheel; refused as a project_slug, because the project's own package
           takes its name from the slug, and installing it would replace one
  special  names Python, the project's tools or its own files use

    .venv/bin/python scripts/update-locks.py --reserved-only    # just the table

Every offered Python is asked before anything is written, and the names it
gives are added to those the table has for it: a patch release adds a module
at most (3.13's added _apple_support), so an older one must not take it back.
One that is neither in pyenv, on PATH nor an image here keeps the list the
table already has for it, and the script says so; one the table does not
have yet stops it first.

It also rewrites templates/locks/build-requirements.txt, the image build's own
tool (uv, at _tools.uv) with the sha256 of every file of that release, as the
package index lists them.

    .venv/bin/python scripts/update-locks.py --build-requirements-only

The locks decide ruff's version: when it moves, the script says so, and
_tools.ruff in cookiecutter.json (the pre-commit hooks' ruff) and the ruff
pin of requirements-test.txt follow it.

Poetry and uv are the ones next to the interpreter running this script, so
run it with .venv/bin/python after bash scripts/dev-env (the test
requirements, and the harness package this script imports). Poetry
resolves through the index's simple API (the poetry-plugin-pypi-mirror plugin,
pointed at pip's configured index), which works wherever pip works.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

try:
    from harness import ROOT
except ModuleNotFoundError:
    sys.exit("update-locks.py: run it with .venv/bin/python, after bash scripts/dev-env")
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from harness.baking import bake_into
from harness.locks import LOCKS, every_locked_package, lock_files, locked_packages
from harness.matrix import LEVEL_FACTS, PYTHONS, TOOLS
from harness.process import run
from harness.tools import (
    BIN,
    IN_PROJECT,
    index_simple_url,
    local_python,
    poetry,
    poetry_export,
    tool_env,
)

# Names that break a project in ways the other two lists do not cover
SPECIAL = [
    "sitecustomize",  # imported by every Python at start-up
    "usercustomize",
    "conftest",  # pytest's
    "tests",  # the project's own test folder
    "test",  # the standard library's own tests, left out of sys.stdlib_module_names
    "src",
    "deploy",  # the Kubernetes manifests' folder, next to the package at steps 1-4
    "export_requirements",  # the lock exporter, next to the package at the project root
    "compile_bytecode",  # the bytecode compiler, next to the package at the project root
    "runtime_files",  # what copies the runtime's files, next to the package at the project root
    "build",  # folders .gitignore keeps out, at the root where steps 1-4 put the package
    "dist",
    "htmlcov",
    "main",
    "gunicorn_conf",
    "pip",
    "setuptools",
    "pkg_resources",
    "wheel",
    "poetry",
    "uv",
]

# In the image's Python and in the project's virtualenv next to the locked packages (Python
# 3.11's images and virtualenvs carry setuptools and wheel too). Poetry, uv, pre-commit and
# ruff's hooks run from environments of their own, which the project never enters.
BESIDE_THE_PROJECT = ["pip", "setuptools", "wheel"]


def ask(version):
    """Python `version`'s standard-library module names and keywords, asked of that Python;
    None if none is here."""
    code = (
        "import json, keyword, sys; print(json.dumps({"
        "'stdlib': sorted(sys.stdlib_module_names), "
        "'keywords': sorted(keyword.kwlist + keyword.softkwlist)}))"
    )
    python = local_python(version)
    candidates = [
        *([[str(python), "-c", code]] if python else []),
        ["docker", "run", "--rm", "--pull=never", f"python:{version}-slim", "python", "-c", code],
    ]
    for command in candidates:
        try:
            found = run(command, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if found.returncode == 0:
            return json.loads(found.stdout)
    return None


def every_python():
    """Each offered Python's module names, and the keywords of all of them, asked now, before
    anything is written."""
    target = LOCKS / "reserved-names.json"
    recorded = json.loads(target.read_text()) if target.exists() else {}
    stdlib, keywords = {}, set(recorded.get("keywords", []))
    for version in sorted(PYTHONS):
        answer = ask(version)
        if answer is not None:
            # With the names recorded for it: an older patch release of the same Python
            # (3.13.0 has no _apple_support) must not take back what a newer one added
            known = recorded.get("stdlib", {}).get(version, [])
            stdlib[version] = sorted(set(answer["stdlib"]) | set(known))
            keywords.update(answer["keywords"])
            continue
        if version not in recorded.get("stdlib", {}):
            sys.exit(
                f"ERROR: no Python {version} to ask, and reserved-names.json has no list for it: "
                f"put python{version} on PATH or in pyenv, or make the python:{version}-slim image "
                f"(bash scripts/make-base-images.sh {version}). Nothing was written."
            )
        print(f"no Python {version} here: keeping its recorded standard-library names")
        stdlib[version] = recorded["stdlib"][version]
    return stdlib, sorted(keywords)


def locked_import_names():
    """Import names (and normalised names) of every package in the shipped locks."""
    pins = set()
    for package in every_locked_package():
        pins.add(f"{package['name']}=={package['version']}")
    names = {pin.split("==")[0].lower().replace("-", "_") for pin in pins}
    with tempfile.TemporaryDirectory() as target:
        run(
            [
                BIN / "uv",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                target,
                *sorted(pins),
            ],
            env=tool_env(),
            timeout=1800,
        )
        for record in Path(target).glob("*.dist-info/RECORD"):
            for line in record.read_text().splitlines():
                top = line.split(",")[0].split("/")[0]
                if top.endswith(".dist-info") or top.startswith(("..", "__")) or top in {"", "bin"}:
                    continue
                names.add(top.removesuffix(".py").split(".")[0])
    return sorted(n for n in names if n.isidentifier())


def distribution_names():
    """Normalised names of every package installed next to the project: those of the
    shipped locks, and pip's own."""
    names = {canonicalize_name(package["name"]) for package in every_locked_package()}
    return sorted(names | set(BESIDE_THE_PROJECT))


def write_reserved_names(stdlib, keywords):
    table = {
        "stdlib": stdlib,
        "keywords": keywords,
        "locked": locked_import_names(),
        "distributions": distribution_names(),
        "special": SPECIAL,
    }
    target = LOCKS / "reserved-names.json"
    target.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")


def write_build_requirements():
    """uv at _tools.uv, with the sha256 of each of its release's files, from the index's
    JSON simple API (PEP 691)."""
    version = TOOLS["uv"]
    request = urllib.request.Request(
        index_simple_url() + "uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        files = json.load(answer)["files"]

    def release(name):
        parse = parse_wheel_filename if name.endswith(".whl") else parse_sdist_filename
        try:
            return parse(name)[1]
        except ValueError:  # neither a wheel's nor an sdist's name
            return None

    hashes = sorted(
        f["hashes"]["sha256"] for f in files if release(f["filename"]) == Version(version)
    )
    if not hashes:
        sys.exit(f"update-locks.py: the package index lists no files of uv {version}")
    lines = [f"uv=={version}", *(f"    --hash=sha256:{sha}" for sha in hashes)]
    target = LOCKS / "build-requirements.txt"
    target.write_text(" \\\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)} (uv {version}, {len(hashes)} files)")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    alone = parser.add_mutually_exclusive_group()
    alone.add_argument(
        "--reserved-only", action="store_true", help="rewrite reserved-names.json alone"
    )
    alone.add_argument(
        "--build-requirements-only", action="store_true",
        help="rewrite build-requirements.txt alone",
    )  # fmt: skip
    options = parser.parse_args()
    if options.build_requirements_only:
        write_build_requirements()
        return 0
    stdlib, keywords = every_python()
    if options.reserved_only:
        write_reserved_names(stdlib, keywords)
        return 0
    by_lock = {}
    for level, facts in LEVEL_FACTS.items():
        by_lock.setdefault(facts["lock"], level)
    for lock, level in by_lock.items():
        folder = LOCKS / lock
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("poetry.lock", "requirements.txt"):
            (folder / name).touch()  # baking includes them, even when empty
        print(f"[{lock}] baking a project at {level}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            # No next steps printed for a folder about to go, no virtualenv left behind
            project = bake_into(Path(tmp), accept_hooks=False, docker_level=level)
            (project / "poetry.lock").unlink()
            print("  $ poetry lock", flush=True)
            poetry("lock", cwd=project, **IN_PROJECT)
            print("  $ poetry export --with prod --output requirements.txt", flush=True)
            poetry_export(project, "requirements.txt")
            for name in ("poetry.lock", "requirements.txt"):
                shutil.copyfile(project / name, folder / name)
        print(f"[{lock}] wrote {folder.relative_to(ROOT)}/poetry.lock and requirements.txt")
    write_reserved_names(stdlib, keywords)
    write_build_requirements()
    say_where_ruff_moved()
    return 0


def say_where_ruff_moved():
    """The pre-commit hooks run the ruff of _tools, which must be the one the locks have."""
    for lock in lock_files():
        packages = locked_packages(lock)
        locked = next(p["version"] for p in packages if p["name"] == "ruff")
        if locked != TOOLS["ruff"]:
            print(
                f"{lock.relative_to(ROOT)} now locks ruff {locked}: set _tools.ruff in"
                f" cookiecutter.json and ruff== in requirements-test.txt to {locked}"
            )


if __name__ == "__main__":
    sys.exit(main())
