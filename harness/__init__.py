"""The template repository's own harness: shared by the tests, the benchmark and scripts/.

    harness.process          run(), start(), stop(): the one way a command is run
                             (probe_image runs in the images, on subprocess)
    harness.tools            tool_env(), poetry(), git(): how Poetry, uv, pre-commit and git run
    harness.matrix           the answers: Answers, full_matrix(), for_answers()
    harness.baking           bake_into(), refused_bake(): the template baked outside pytest-cookies
    harness.dockerfiles      parse(): a Dockerfile read into stages with a real parser
    harness.docker           the Docker engine, `docker compose` and lifecycle() of a baked project
    harness.net              loopback HTTP: a free port, GET, polling until a service answers
    harness.gunicorn         log_line(): the regex of a Gunicorn log line
    harness.locks            the shipped poetry.lock files and every package they lock
    harness.probe_image      not imported: runs inside containers (harness.docker sends it)
    harness.forwarding_proxy not imported: the reverse proxy the forwarded-headers test runs
    harness.docker_required  pytest plugin: in CI a skipped Docker test fails the run
    harness.benchmark        the benchmark (benchmark/benchmark.py is its entry point)

Installed into .venv (editable) by scripts/dev-env, so nothing edits sys.path.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The template repository: cookiecutter.json, the project folder, templates/."""

PROJECT_TEMPLATE = next(p for p in ROOT.iterdir() if p.is_dir() and p.name.startswith("{{"))
"""The folder cookiecutter renders into the project: `{{ project_folder(...) }}`."""
