"""Baking the template outside pytest-cookies: any answers, into a folder of one's choice."""

from __future__ import annotations

from pathlib import Path

from harness import ROOT

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
