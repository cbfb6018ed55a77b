"""Read a Dockerfile into stages with a real parser (dockerfile-parse)."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from dockerfile_parse import DockerfileParser


@dataclass
class Instruction:
    keyword: str  # FROM, RUN, COPY, ...
    value: str  # everything after the keyword, continuation lines joined

    @property
    def words(self) -> list[str]:
        return shlex.split(self.value)

    @property
    def flags(self) -> list[str]:
        return [w for w in self.words if w.startswith("--")]

    @property
    def exec_form(self) -> list[str] | None:
        """The command of an exec-form (JSON) RUN or CMD, after its flags; None in shell
        form, which a shell runs."""
        command = self.value.strip()
        while command.startswith("--"):  # a flag holds no space
            command = command.partition(" ")[2].lstrip()
        try:
            parsed = json.loads(command)
        except ValueError:
            return None
        return parsed if isinstance(parsed, list) else None


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)
    where: str = ""  # for messages: "stage 2 (server) of <path>"

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def runs(self) -> list[str]:
        return [i.value for i in self.all("RUN")]

    def index(self, keyword: str, contains: str) -> int:
        """Position of the first `keyword` instruction whose value contains `contains`."""
        for position, instruction in enumerate(self.instructions):
            if instruction.keyword == keyword and contains in instruction.value:
                return position
        raise AssertionError(f"no {keyword} containing {contains!r} in {self.where}")

    def copy_all_index(self) -> int:
        """Position of `COPY . .` (the whole build context)."""
        for position, instruction in enumerate(self.instructions):
            if instruction.keyword == "COPY" and instruction.words == [".", "."]:
                return position
        raise AssertionError(f"no `COPY . .` in {self.where}")

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in instruction.words:
                key, _, value = word.partition("=")
                values[key] = value
        return values

    def text(self) -> str:
        return "\n".join(f"{i.keyword} {i.value}" for i in self.instructions)


@dataclass
class Dockerfile:
    path: Path
    stages: list[Stage]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def cmd(self) -> list[str]:
        """The final CMD, which must be in exec (JSON) form."""
        value = self.final.all("CMD")[-1].value
        parsed = json.loads(value)  # shell form would not parse as JSON
        assert isinstance(parsed, list), f"CMD is not in exec form: {value}"
        return parsed

    def context_paths(self) -> set[str]:
        """The build-context paths the Dockerfile names: COPY sources (not `--from` a stage)
        and the sources of bind mounts (not `from` an image or stage). `.` is all of it."""
        paths: set[str] = set()
        for stage in self.stages:
            for instruction in stage.instructions:
                if instruction.keyword in ("COPY", "ADD") and not any(
                    flag.startswith("--from") for flag in instruction.flags
                ):
                    paths |= {w for w in instruction.words[:-1] if not w.startswith("--")}
                for flag in instruction.flags if instruction.keyword == "RUN" else []:
                    if flag.startswith("--mount="):
                        options = dict(o.partition("=")[::2] for o in flag[8:].split(","))
                        if options.get("type") == "bind" and "from" not in options:
                            paths.add(options.get("source", "."))
        return paths

    def pip_installs(self) -> list[Instruction]:
        return [i for stage in self.stages for i in stage.all("RUN") if "pip install" in i.value]


def parse(path: Path) -> Dockerfile:
    parser = DockerfileParser(str(path))
    stages: list[Stage] = []
    for item in parser.structure:
        keyword = item["instruction"].upper()
        if keyword == "COMMENT":
            continue
        value = item["value"]
        if keyword == "FROM":
            words = value.split()
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else None
            named = f" ({name})" if name else ""
            where = f"stage {len(stages) + 1}{named} of {path}"
            stages.append(Stage(base=words[0], name=name, where=where))
            continue
        assert stages, f"{path}: {keyword} before the first FROM"
        stages[-1].instructions.append(Instruction(keyword, value))
    return Dockerfile(path, stages)


RUNTIME_LIBRARY_HEADING = "## Dependencies that need system libraries"
"""The section of docs/docker.md (at the locked-down level) that says how to add one."""


def with_runtime_library_step(project: Path) -> str:
    """The project's Dockerfile with docs/docker.md's two edits for a system library made
    where it says: its first block, a step right after the `system` stage's `FROM`, and
    its second, the `runtime_files.py` line with the package named at its end."""
    page = (project / "docs" / "docker.md").read_text(encoding="utf-8")
    section = page[page.index(RUNTIME_LIBRARY_HEADING) :]
    step, named = [block.split("```", 1)[0] for block in section.split("```dockerfile\n")[1:3]]
    dockerfile = (project / "Dockerfile").read_text()
    (system,) = [line for line in dockerfile.splitlines() if line.endswith(" AS system")]
    lines = [line for line in dockerfile.splitlines() if line.strip()]
    (files,) = [line for line in lines if named.rstrip().startswith(line)]
    assert files.rstrip().endswith("/runtime"), "the line docs/docker.md edits"
    dockerfile = dockerfile.replace(f"\n{files}\n", f"\n{named.rstrip()}\n", 1)
    return dockerfile.replace(f"\n{system}\n", f"\n{system}\n{step}", 1)
