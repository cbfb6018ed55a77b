"""Say what to do next with the baked project.

Only says: cookiecutter deletes the project it just wrote when a hook fails, so
nothing here may fail the bake, not even a closed or full standard output.
"""

import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
LEVEL = json.loads(r"""{{ cookiecutter | level | tojson }}""")


def main():
    if comparison_copy():
        return
    if LEVEL["pre_commit_unasked"]:
        print(
            "NOTE: .pre-commit-config.yaml was added although use_pre_commit is "
            f"off: at {LEVEL['name']} its export hook is what keeps "
            "requirements.txt in step with poetry.lock."
        )

    slug = ANSWERS["project_slug"]
    # Each step with what it needs, as a shell comment: the lines can be pasted as they are
    steps = [(f"cd {where()}", ""), ("git init -b main && git add -A", "")]
    if LEVEL["pre_commit"]:
        steps.append(("pre-commit install", "needs pre-commit: pipx install pre-commit"))
    steps += [
        ("poetry install --with dev && poetry run pytest", "needs Poetry 2"),
        ("docker compose up --build", "serves until Ctrl+C"),
        ("curl http://localhost:8000/", "in a second terminal"),
    ]
    width = max(len(command) for command, _ in steps)
    print(f"\nBaked {slug} at level {LEVEL['name']}. Next steps, for a new project:")
    for command, note in steps:
        print(f"  {command:<{width}}  # {note}" if note else f"  {command}")
    print("docs/docker.md explains every line of the Dockerfile.")


def comparison_copy() -> bool:
    """`cruft update` and `cruft diff` bake the template to compare with the project, in
    <temporary folder>/tmpXXXXXXXX/<project>, and then delete it: next steps there would
    name that folder. cruft (and only cruft) adds _commit to the answers."""
    folder = Path.cwd().resolve()
    temporary = Path(tempfile.gettempdir()).resolve()
    return (
        "_commit" in ANSWERS
        and folder.parent.parent == temporary
        and folder.parent.name.startswith("tmp")
    )


def where() -> str:
    """The project folder (this hook's working directory) as the user's shell can `cd` to it:
    relative to the folder they ran cookiecutter in when it lies below it, else absolute;
    quoted for a POSIX shell, or for cmd on Windows (PowerShell reads that the same unless
    the path holds `$` or a backtick)."""
    project = Path.cwd()
    path = str(project)
    shell = os.environ.get("PWD")  # a POSIX shell's folder: cookiecutter changes ours, not this
    if shell:
        try:
            path = str(project.relative_to(Path(shell).resolve()))
        except ValueError:
            pass
    return subprocess.list2cmdline([path]) if os.name == "nt" else shell_word(path)


# A copy of answer_checks.shell_word, which a hook cannot import (a test keeps the two alike)
def shell_word(text: str) -> str:
    """`text` as one word of a POSIX shell command line, quoted where it needs it. Text that
    would not print as itself (control characters, which a terminal acts on, or bytes the
    locale could not decode, which Python keeps as lone surrogates) is written in ANSI-C
    quotes, $'...', with those characters escaped: bash, zsh and ksh read it back as typed."""
    if text.isprintable():
        return shlex.quote(text)
    escaped = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte the locale could not decode: the byte itself
            escaped.append(f"\\x{code - 0xDC00:02x}")
        elif char in "\\'":
            escaped.append("\\" + char)
        elif char.isprintable():
            escaped.append(char)
        elif code < 0x100:
            escaped.append(f"\\x{code:02x}")
        elif code < 0x10000:
            escaped.append(f"\\u{code:04x}")
        else:
            escaped.append(f"\\U{code:08x}")
    return "$'" + "".join(escaped) + "'"


if __name__ == "__main__":
    try:
        # A folder name the output's encoding cannot write (a pipe on Windows) is escaped
        sys.stdout.reconfigure(errors="backslashreplace")
        main()
        sys.stdout.flush()
    except Exception:  # a closed pipe, a full disk, anything: the project stays, unannounced
        # What is left in the buffer goes nowhere when Python flushes it on exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
