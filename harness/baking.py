"""Baking the template outside pytest-cookies: any answers, into a folder of one's choice."""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness import ROOT
from harness.matrix import COOKIECUTTER

# A baked project's Markdown pages, in the order a reader meets them: the README, and the
# walk through the level's Dockerfile that it points to
PAGES = ("README.md", "docs/docker.md")


def pages_text(project: Path) -> str:
    """The text of the baked project's pages, one after the other."""
    return "\n".join((project / page).read_text(encoding="utf-8") for page in PAGES)


TRACEBACK = "Traceback (most recent call last):"
"""How Python starts a traceback: a refusal prints none (an answer may hold "Traceback")."""


def bake_into(
    output: Path,
    *,
    overwrite_if_exists: bool = False,
    skip_if_file_exists: bool = False,
    accept_hooks: bool = True,
    **answers: object,
) -> Path:
    """`cookiecutter --no-input` of this template into `output`, with `answers` over the
    defaults and cookiecutter's options as given; the project's folder. A refused answer
    raises cookiecutter's FailedHookException, with the ERROR: lines on stderr."""
    from cookiecutter.main import cookiecutter

    return Path(
        cookiecutter(
            str(ROOT),
            no_input=True,
            output_dir=str(output),
            overwrite_if_exists=overwrite_if_exists,
            skip_if_file_exists=skip_if_file_exists,
            accept_hooks=accept_hooks,
            extra_context=answers,
        )
    )


def render_part(name: str, **answers: object) -> str:
    """One of the fragments in templates/ (`readme/_shipping.md`, say) rendered as a bake
    renders it: with the template's filters, cookiecutter.json's first choices and the
    default names, and `answers` over them (`_template`, the address cookiecutter was
    given, among them)."""
    import importlib.util

    import jinja2

    spec = importlib.util.spec_from_file_location(
        "answers_extension", ROOT / "answers_extension.py"
    )
    extensions = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extensions)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        extensions=[extensions.AnswersExtension],
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    context = {
        key: value[0] if isinstance(value, list) else value
        for key, value in COOKIECUTTER.items()
        if key != "__prompts__"
    }
    context.update(
        project_name="Hello Service", project_slug="hello-service", package_name="hello_service"
    )
    context.update(answers)
    return environment.get_template(name).render(cookiecutter=context)


def refused_bake(output: Path, capfd, **answers: object) -> list[str]:
    """Bake into `output` expecting a refusal (pytest's `capfd` reads stderr): the ERROR:
    lines. The refusal must leave nothing in `output` and print no traceback."""
    import pytest
    from cookiecutter.exceptions import FailedHookException

    with pytest.raises(FailedHookException):
        bake_into(output, **answers)
    err = capfd.readouterr().err
    assert not list(output.iterdir()), f"a refused bake left {list(output.iterdir())}"
    assert TRACEBACK not in err, err
    return [line for line in err.splitlines() if line.startswith("ERROR: ")]


def replay_of(folder: Path, **changes: object) -> Path:
    """A replay file in `folder`, with the default answers and the template's own private
    data, `changes` over them: what cookiecutter --replay-file reads, unchecked."""
    context = {
        key: value[0] if isinstance(value, list) and not key.startswith("_") else value
        for key, value in COOKIECUTTER.items()
    }
    context.update({"project_slug": "hello-service", "package_name": "hello_service", **changes})
    path = folder / "replay.json"
    path.write_text(json.dumps({"cookiecutter": context}), encoding="utf-8")
    return path


def main_module(project: Path) -> Path:
    """The baked app's main.py, in its package (never one in a virtualenv)."""
    (main,) = [
        path
        for path in project.glob("*/**/main.py")
        if ".venv" not in path.relative_to(project).parts
    ]
    return main


def served_paths(project: Path) -> list[str]:
    """The URL paths the baked app's main.py routes."""
    main = main_module(project).read_text(encoding="utf-8")
    return re.findall(r"@app\.(?:get|route)\(\s*[\"']([^\"']+)[\"']", main)
