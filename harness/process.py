"""The one subprocess runner: every command the harness runs to completion goes through run()
(probe_image.py, which runs inside the images with their Python alone, calls subprocess itself).

A failing command raises CommandFailed, which carries the command, its exit
code and its output. The tests turn it into a plain test failure in one place
(tests/conftest.py); the benchmark and the scripts let it end the program.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

TAIL = 10_000  # characters of stdout and of stderr an error message shows, from the end


class CommandFailed(Exception):
    def __init__(self, args: Sequence[str], cwd: Path | str | None, proc):
        self.command = list(args)
        self.cwd = cwd
        self.returncode = proc.returncode
        self.stdout = proc.stdout or ""
        self.stderr = proc.stderr or ""
        super().__init__(
            f"`{' '.join(self.command)}` exited {self.returncode}"
            f"{f' in {cwd}' if cwd else ''}\n"
            f"--- stdout\n{self.stdout[-TAIL:]}\n--- stderr\n{self.stderr[-TAIL:]}"
        )


def run(
    args: Sequence[object],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 600,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run a command to completion, capturing its output as text.

    `env` replaces the environment (None: inherit it); harness.tools.tool_env()
    builds the one Poetry, uv and pre-commit need. With `check`, a non-zero exit
    raises CommandFailed.
    """
    command = [str(a) for a in args]
    proc = subprocess.run(
        command,
        cwd=cwd,
        env=None if env is None else dict(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise CommandFailed(command, cwd, proc)
    return proc


def start(
    args: Sequence[object],
    *,
    cwd: Path | str | None = None,
    output: IO[str] | None = None,
    env: Mapping[str, str] | None = None,
    new_session: bool = False,
) -> subprocess.Popen:
    """Start a command in the background (`docker wait`, log following, a server).

    Its stdout is piped as text, or with `output`, it and stderr go to that file.
    `new_session` puts it in a process group of its own, to signal it with its children.
    """
    return subprocess.Popen(
        [str(a) for a in args],
        cwd=cwd,
        env=None if env is None else dict(env),
        stdout=subprocess.PIPE if output is None else output,
        stderr=None if output is None else subprocess.STDOUT,
        text=True,
        start_new_session=new_session,
    )


def stop(process: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM a command started with start(), then SIGKILL it if it is still running after
    `grace` seconds. One started with `new_session` is signalled with its whole group."""
    if process.poll() is not None:
        return
    group = os.getpgid(process.pid) == process.pid
    send = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
    send(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait()
