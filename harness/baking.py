"""Baking the template outside pytest-cookies: any answers, into a folder of one's choice."""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from types import ModuleType

from harness import ROOT
from harness.matrix import COOKIECUTTER, DEFAULT_PACKAGE, DEFAULT_SLUG

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
    template: Path = ROOT,
    config_file: Path | None = None,
    overwrite_if_exists: bool = False,
    skip_if_file_exists: bool = False,
    accept_hooks: bool = True,
    **answers: object,
) -> Path:
    """`cookiecutter --no-input` of `template` (this one, or a copy of it) into `output`,
    with `answers` over the defaults (and over a config file's) and cookiecutter's options
    as given; the project's folder. A refused answer raises cookiecutter's
    FailedHookException, with the ERROR: lines on stderr."""
    from cookiecutter.main import cookiecutter

    return Path(
        cookiecutter(
            str(template),
            no_input=True,
            output_dir=str(output),
            config_file=str(config_file) if config_file else None,
            overwrite_if_exists=overwrite_if_exists,
            skip_if_file_exists=skip_if_file_exists,
            accept_hooks=accept_hooks,
            extra_context=answers,
        )
    )


def bake_replay(folder: Path, **changes: object) -> Path:
    """`cookiecutter --replay-file` of this template, into `folder`/out, with replay_of's
    file: every value given, private data included, and none checked by cookiecutter."""
    from cookiecutter.main import cookiecutter

    output = folder / "out"
    output.mkdir()
    return Path(
        cookiecutter(str(ROOT), replay=str(replay_of(folder, **changes)), output_dir=str(output))
    )


def load_module(path: Path) -> ModuleType:
    """The Python file at `path` (a baked project's script, say) as a module of its own
    name, run afresh."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def template_environment(**options: object):
    """A Jinja environment with the template's extension (its filters, `level` and the
    answers kept as data), and Jinja's `options` (a loader, say)."""
    import jinja2

    extension = load_module(ROOT / "answers_extension.py")
    return jinja2.Environment(extensions=[extension.AnswersExtension], **options)


@cache
def parts_environment():
    """The environment render_part renders templates/ with, as a bake does."""
    import jinja2

    return template_environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_part(name: str, **answers: object) -> str:
    """One of the fragments in templates/ (`readme/_shipping.md`, say) rendered as a bake
    renders it: with the template's filters, cookiecutter.json's first choices and the
    default names, and `answers` over them (`_template`, the address cookiecutter was
    given, among them)."""
    context = {
        key: value[0] if isinstance(value, list) else value
        for key, value in COOKIECUTTER.items()
        if key != "__prompts__"
    }
    context.update(project_slug=DEFAULT_SLUG, package_name=DEFAULT_PACKAGE)
    context.update(answers)
    return parts_environment().get_template(name).render(cookiecutter=context)


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
    context.update({"project_slug": DEFAULT_SLUG, "package_name": DEFAULT_PACKAGE, **changes})
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
