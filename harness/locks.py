"""The poetry.lock files the template ships (templates/locks/<lock>/), read."""

from __future__ import annotations

import tomllib
from pathlib import Path

from harness import ROOT

LOCKS = ROOT / "templates" / "locks"


def lock_files() -> list[Path]:
    return sorted(LOCKS.glob("*/poetry.lock"))


def locked_packages(lock: Path) -> list[dict]:
    """The `[[package]]` tables of one lock: name, version, files, ..."""
    return tomllib.loads(lock.read_text(encoding="utf-8"))["package"]


def every_locked_package() -> list[dict]:
    """The packages of every shipped lock."""
    return [package for lock in lock_files() for package in locked_packages(lock)]
