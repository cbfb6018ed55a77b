"""How this repository runs Poetry and friends: shared by the tests and scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def index_simple_url() -> str:
    """pip's configured index (PIP_INDEX_URL, pip.conf), else pip's default."""
    url = os.environ.get("PIP_INDEX_URL", "")
    if not url:
        found = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
            capture_output=True,
            text=True,
        )
        url = found.stdout.strip() if found.returncode == 0 else ""
    if not url:
        from pip._internal.models.index import PyPI

        url = PyPI.simple_url
    return url.rstrip("/") + "/"


def tool_env(**extra: str) -> dict[str, str]:
    """Environment for Poetry, uv and pre-commit run on a baked project.

    Poetry resolves through the index's simple API (poetry-plugin-pypi-mirror),
    which works wherever pip works.
    """
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("POETRY_PYPI_MIRROR_URL", index_simple_url())
    env.setdefault("UV_DEFAULT_INDEX", index_simple_url())
    env.pop("VIRTUAL_ENV", None)
    env.update(extra)
    return env
