"""The benchmark's subjects, baked once each, and the dependency change each rebuild applies."""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from harness import ROOT
from harness.baking import bake_into
from harness.process import run
from harness.tools import BIN, poetry, poetry_export, tool_env

REFERENCES_DIR = ROOT / "benchmark" / "references"
REFERENCES = {
    "docker-init": "the layout `docker init` generates for Python",
    "uv-example": "the layout of uv's Docker example (`uv sync --locked`)",
}
FLASK = '    "flask (>=3.1,<4)",\n'
EXTRA_DEPENDENCY = '"six (>=1.16,<2)"'


@dataclass(frozen=True)
class Subject:
    name: str
    kind: str  # "level" or "reference"
    level: str  # the level that is baked (references bake final-result)

    @property
    def description(self) -> str:
        return REFERENCES.get(self.name, "")


def subjects(levels: list[str], references: bool) -> list[Subject]:
    chosen = [Subject(level, "level", level) for level in levels]
    if references:
        chosen += [Subject(name, "reference", "final-result") for name in REFERENCES]
    return chosen


def bake_subject(subject: Subject, python: str, folder: Path) -> Path:
    """The default project at the subject's level (pre-commit off), with a reference's files."""
    answers = {"docker_level": subject.level, "python_version": python, "use_pre_commit": False}
    # The post-generation hook only prints next steps for a folder the run deletes
    project = bake_into(folder, accept_hooks=False, **answers)
    if subject.kind == "reference":
        for item in (REFERENCES_DIR / subject.name).iterdir():
            shutil.copyfile(item, project / item.name)
        if subject.name == "uv-example":
            to_uv_project(project)
    return project


def to_uv_project(project: Path) -> None:
    """Rewrite pyproject.toml the way a uv user would have it, and lock it with uv."""
    text = (project / "pyproject.toml").read_text()
    groups = tomllib.loads(text)["tool"]["poetry"]["group"]
    prod = [f"{name}{spec_of(spec)}" for name, spec in groups["prod"]["dependencies"].items()]
    dev = [f"{name}{spec_of(spec)}" for name, spec in groups["dev"]["dependencies"].items()]
    text = re.sub(r"\n# What only the image needs.*?(?=\n\[build-system\])", "", text, flags=re.S)
    text = text.replace(FLASK, FLASK + "".join(f'    "{d}",\n' for d in prod))
    text += "\n[dependency-groups]\ndev = [" + ", ".join(f'"{d}"' for d in dev) + "]\n"
    (project / "pyproject.toml").write_text(text)
    (project / "poetry.lock").unlink()
    (project / "requirements.txt").unlink(missing_ok=True)
    run([BIN / "uv", "lock"], cwd=project, env=tool_env(), timeout=1800)


def spec_of(spec: str) -> str:
    """Poetry's ">=23" or "^2.9" as a PEP 508 specifier."""
    if spec.startswith("^"):
        version = spec[1:]
        major = int(version.split(".")[0])
        return f">={version},<{major + 1}"
    return spec


def add_extra_dependency(pyproject: Path) -> None:
    """Add EXTRA_DEPENDENCY next to Flask in a baked pyproject.toml, as a user would."""
    text = pyproject.read_text()
    assert FLASK in text
    pyproject.write_text(text.replace(FLASK, f"{FLASK}    {EXTRA_DEPENDENCY},\n"))


def dependency_change(subject: Subject, project: Path, scratch: Path) -> dict[str, bytes]:
    """The files of `project` after adding one small dependency, locked and exported."""
    changed = scratch / "dependency-change"
    shutil.copytree(project, changed)
    add_extra_dependency(changed / "pyproject.toml")
    if subject.name == "uv-example":
        run([BIN / "uv", "lock"], cwd=changed, env=tool_env(), timeout=1800)
        names = ["pyproject.toml", "uv.lock"]
    else:
        poetry("lock", cwd=changed)
        names = ["pyproject.toml", "poetry.lock"]
        if (changed / "requirements.txt").exists():
            poetry_export(changed, "requirements.txt")
            names.append("requirements.txt")
    return {name: (changed / name).read_bytes() for name in names}


def source_file(project: Path) -> Path:
    (found,) = [p for p in project.rglob("main.py") if p.parent.name != "tests"]
    return found
