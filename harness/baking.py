"""Baking the template outside pytest-cookies: any answers, into a folder of one's choice."""

from __future__ import annotations

from pathlib import Path

from harness import ROOT


def bake_into(output: Path, *, overwrite_if_exists: bool = False, **answers: object) -> Path:
    """`cookiecutter --no-input` of this template into `output`, with `answers` over the
    defaults; the project's folder. A refused answer raises cookiecutter's
    FailedHookException, with the ERROR: lines on stderr."""
    from cookiecutter.main import cookiecutter

    return Path(
        cookiecutter(
            str(ROOT),
            no_input=True,
            output_dir=str(output),
            overwrite_if_exists=overwrite_if_exists,
            extra_context=answers,
        )
    )
