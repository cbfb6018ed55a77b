#!/usr/bin/env python3
"""Regenerate the poetry.lock files and exported requirements the template ships.

    python scripts/update-locks.py

Baking is offline: every level reads one of the locks in templates/locks/
(`lock` in cookiecutter.json's _levels). For each lock this script bakes a
project at a level that uses it, runs `poetry lock` in it (newest versions
allowed by pyproject.toml), exports requirements.txt the way the Dockerfiles
and pre-commit hooks do, and copies both back into templates/locks/<lock>/.

Poetry is run as `python -m poetry` from the interpreter running this script,
so install the test requirements first (requirements-test.txt). Poetry
resolves through the index's simple API (the poetry-plugin-pypi-mirror plugin,
pointed at pip's configured index), which works wherever pip works.
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from tooling import tool_env  # noqa: E402

LOCKS = ROOT / "templates" / "locks"


def poetry(*args, cwd):
    env = tool_env()
    print(f"  $ poetry {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, "-m", "poetry", *args], cwd=cwd, env=env, check=True)


def main():
    levels = json.loads((ROOT / "cookiecutter.json").read_text())["_levels"]
    by_lock = {}
    for level, facts in levels.items():
        by_lock.setdefault(facts["lock"], level)
    for lock, level in by_lock.items():
        folder = LOCKS / lock
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("poetry.lock", "requirements.txt"):
            (folder / name).touch()  # baking includes them, even when empty
        print(f"[{lock}] baking a project at {level}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(
                cookiecutter(
                    str(ROOT),
                    no_input=True,
                    output_dir=tmp,
                    extra_context={"docker_level": level},
                )
            )
            (project / "poetry.lock").unlink()
            poetry("lock", cwd=project)
            poetry("export", "--with", "prod", "--output", "requirements.txt", cwd=project)
            for name in ("poetry.lock", "requirements.txt"):
                shutil.copyfile(project / name, folder / name)
        print(f"[{lock}] wrote {folder.relative_to(ROOT)}/poetry.lock and requirements.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
