"""The hardened image's bytecode compiler (compile_bytecode.py), run where the build runs it.

The script writes bytecode into the standard library's own __pycache__ folders,
so it runs here in a throwaway container of the project's slim base image, whose
interpreter and standard library the image that runs is given (the build runs
it there, without a shell): a package of two modules stands for the virtualenv,
a bind-mounted folder for the build's cache mount.
"""

from __future__ import annotations

import json
import shutil

import pytest

from harness.docker import local_engine
from harness.matrix import every_level, for_answers
from harness.process import run

pytestmark = pytest.mark.docker

ENGINE = local_engine()
SCRIPT = "compile_bytecode.py"
# The level that compiles only what the server imports, with compile_bytecode.py
WITH_COMPILER = [a for a in every_level() if a.level["bytecode_compiler"]]
MISSING = [a.python_version for a in WITH_COMPILER if not ENGINE.has_python(a.python_version)]
COMPILER = for_answers(
    WITH_COMPILER,
    skip_reason=ENGINE.reason if not ENGINE.available else (
        f"no python:X-slim image for {MISSING}" if MISSING else None
    ),
)  # fmt: skip

# What the build runs, with the service's package `svc` for the virtualenv's modules
COMPILE = "python -X pycache_prefix=/build/cache compile_bytecode.py svc"
SERVICE = {
    "svc/__init__.py": "import json\n\nfrom svc.settings import VALUE\n",
    "svc/settings.py": 'VALUE = "one"\n',
}
# The bytecode of a module where Python looks for it at run time: [its flags, whether its
# hash is the source's, the VALUE its code defines (the service's settings alone)], or null
BYTECODE_OF = """
import importlib.util, json, marshal, os, sys
def bytecode(path, run=False):
    cached = importlib.util.cache_from_source(path)
    if not os.path.exists(cached):
        return None
    with open(cached, "rb") as handle:
        data = handle.read()
    with open(path, "rb") as handle:
        digest = importlib.util.source_hash(handle.read())
    names = {}
    if run:
        exec(marshal.loads(data[16:]), names)
    return [int.from_bytes(data[4:8], "little"), data[8:16] == digest, names.get("VALUE")]
stdlib = os.path.dirname(os.__file__)
print(json.dumps({
    "svc": bytecode("/build/site/svc/settings.py", run=True),
    "json": bytecode(os.path.join(stdlib, "json", "__init__.py")),
    "unimported": bytecode(os.path.join(stdlib, "csv.py")),
    "compiler": bytecode(os.path.join(stdlib, "py_compile.py")),
    "script": os.path.exists("/build/__pycache__"),
}))
"""
CHECKED_HASH = 0b11  # PEP 552: hash-based, checked against the source


def in_slim_image(project, folder, commands: str, check: bool = True):
    """Run `commands` with sh in a new container of the project's slim base image, the
    service in /build/site (on the path), the script in /build; the finished run."""
    shutil.copyfile(project.path / SCRIPT, folder / SCRIPT)
    for name, text in SERVICE.items():
        (folder / "site" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "site" / name).write_text(text)
    image = f"python:{project.answers.python_version}-slim"
    return run(
        ["docker", "run", "--rm", "--network", "none", "-v", f"{folder}:/build", "-w", "/build",
         "-e", "PYTHONPATH=/build/site", image, "sh", "-c", commands],
        check=check,
    )  # fmt: skip


def bytecode_facts(project, folder, before: str) -> dict:
    checker = folder / "bytecode_of.py"
    checker.write_text(BYTECODE_OF)
    done = in_slim_image(
        project, folder, f"{before} && PYTHONDONTWRITEBYTECODE=1 python -B /build/bytecode_of.py"
    )
    return json.loads(done.stdout.splitlines()[-1])


@COMPILER
def test_every_module_the_named_modules_load_gets_hash_checked_bytecode(project, tmp_path):
    facts = bytecode_facts(project, tmp_path, COMPILE)
    assert facts["svc"] == [CHECKED_HASH, True, "one"]
    assert facts["json"] == [CHECKED_HASH, True, None]  # the standard library's too


@COMPILER
def test_a_module_nothing_imports_gets_no_bytecode_nor_does_the_script(project, tmp_path):
    facts = bytecode_facts(project, tmp_path, COMPILE)
    assert facts["unimported"] is None
    assert facts["script"] is False


@COMPILER
def test_the_module_the_script_compiles_with_gets_no_bytecode(project, tmp_path):
    # py_compile serves the script alone; the server never imports it
    facts = bytecode_facts(project, tmp_path, COMPILE)
    assert facts["compiler"] is None


@COMPILER
def test_a_reinstalled_unchanged_module_is_taken_from_the_cache_not_compiled(project, tmp_path):
    cached = "$(find /build/cache -name 'settings.*.pyc')"
    done = in_slim_image(
        project,
        tmp_path,
        f"{COMPILE} && stat -c %y {cached} && sleep 1.1"
        # a new copy of the package: the same bytes, new modification times
        " && cp -r site fresh && rm -r site && mv fresh site"
        f" && rm -r site/svc/__pycache__ && {COMPILE} && stat -c %y {cached}"
        " && ls site/svc/__pycache__",
    )
    first, second, *copied = done.stdout.splitlines()
    assert first == second  # the cache's file was not written again
    assert any(name.startswith("settings.") for name in copied)


@COMPILER
def test_a_changed_source_never_gets_the_bytecode_of_the_old_one(project, tmp_path):
    # Same size and same modification time: a timestamp check could not tell them apart
    change = (
        "cp -p site/svc/settings.py reference && sed -i 's/one/two/' site/svc/settings.py"
        " && touch -r reference site/svc/settings.py"
    )
    facts = bytecode_facts(project, tmp_path, f"{COMPILE} && {change} && {COMPILE}")
    assert facts["svc"] == [CHECKED_HASH, True, "two"]


@COMPILER
def test_bytecode_a_build_left_unchecked_in_the_cache_is_never_used(project, tmp_path):
    # A timestamp-checked .pyc of an older source with the same size and time, as a build
    # that stopped between compiling and checking could leave it
    stamp = "touch -d @1700000000 site/svc/settings.py"
    left = (
        f"sed -i 's/one/two/' site/svc/settings.py && {stamp}"
        " && PYTHONPYCACHEPREFIX=/build/cache python -c"
        " 'import py_compile; py_compile.compile(\"/build/site/svc/settings.py\")'"
        f" && sed -i 's/two/one/' site/svc/settings.py && {stamp}"
    )
    facts = bytecode_facts(project, tmp_path, f"{left} && {COMPILE}")
    assert facts["svc"] == [CHECKED_HASH, True, "one"]


@COMPILER
@pytest.mark.parametrize(
    ("environment", "modules", "message"),
    [
        ("PYTHONDONTWRITEBYTECODE=", "svc", "python -X pycache_prefix=FOLDER"),
        ("PYTHONDONTWRITEBYTECODE=1 PYTHONPYCACHEPREFIX=/build/cache", "svc",
         "unset PYTHONDONTWRITEBYTECODE"),
        ("PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=/build/cache", "",
         "name the modules"),
    ],
    ids=["without-a-cache", "with-bytecode-writing-off", "without-modules"],
)  # fmt: skip
def test_it_refuses_to_run_saying_what_is_missing(project, tmp_path, environment, modules, message):
    done = in_slim_image(
        project, tmp_path, f"{environment} python compile_bytecode.py {modules}", check=False
    )
    assert done.returncode == 1
    assert message in done.stderr
