"""Runs INSIDE a running container, with the interpreter that runs Gunicorn.

Prints one JSON object of facts about the image and the server process.
Standard library only: it must work in every image the template builds.
"""

import importlib
import importlib.metadata
import importlib.util
import json
import locale
import os
import re
import shutil
import ssl
import subprocess
import sys
import zoneinfo

STRAY_MARKER = "pydocker-stray-file"
SKIP = {"/proc", "/sys", "/dev"}


def pid1():
    with open("/proc/1/cmdline", "rb") as handle:
        cmdline = [part.decode() for part in handle.read().split(b"\0") if part]
    with open("/proc/1/status") as handle:
        status = dict(line.split(":", 1) for line in handle if ":" in line)
    return {"cmdline": cmdline, "uid": int(status["Uid"].split()[1])}


def stray_files():
    found = []
    for top, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in SKIP]
        for name in files:
            # harness.docker's drop_stray_files writes them (SYSTEM_FILES); this file runs
            # inside the image, where harness cannot be imported
            if name not in {".env", ".flaskenv", "notes.txt", ".DS_Store", "._main.py",
                            "Thumbs.db", "desktop.ini"}:  # fmt: skip
                continue
            path = os.path.join(top, name)
            try:
                with open(path, errors="replace") as handle:
                    if STRAY_MARKER in handle.read(4096):
                        found.append(path)
            except OSError:
                pass
    return found


def psycopg2_facts():
    if importlib.util.find_spec("psycopg2") is None:
        return None
    import psycopg2
    import psycopg2.extensions

    with open("/proc/self/maps") as handle:
        libpq = sorted({line.split()[-1] for line in handle if "libpq" in line})
    distributions = {d.metadata["Name"].lower() for d in importlib.metadata.distributions()}
    return {
        "file": psycopg2.__file__,
        "libpq_version": psycopg2.extensions.libpq_version(),
        "libpq_files": libpq,
        "distributions": sorted(d for d in distributions if d.startswith("psycopg2")),
    }


def write_errors():
    """errno of creating a file in the working directory and in /tmp (0: it worked)."""
    errors = {}
    for folder in (os.getcwd(), "/tmp"):
        path = os.path.join(folder, ".pydocker-write-probe")
        try:
            with open(path, "w") as handle:
                handle.write("x")
            os.remove(path)
            errors[folder] = 0
        except OSError as error:
            errors[folder] = error.errno
    return errors


def unreadable(top):
    """What under `top` this process cannot read: files it cannot open, and folders it
    cannot list or enter, sorted."""
    found = set()
    for folder, dirs, files in os.walk(top, onerror=lambda error: found.add(error.filename)):
        found.update(
            os.path.join(folder, d) for d in dirs
            if not os.access(os.path.join(folder, d), os.R_OK | os.X_OK)
        )  # fmt: skip
        found.update(
            os.path.join(folder, f) for f in files
            if not os.access(os.path.join(folder, f), os.R_OK)
        )  # fmt: skip
    return sorted(found)


def app_spec():
    """(module, attribute) of the app Gunicorn serves, from its command line."""
    (spec,) = [arg for arg in pid1()["cmdline"] if re.fullmatch(r"[\w.]+:\w+", arg)]
    module, _, attribute = spec.partition(":")
    return module, attribute


def app_setting(name):
    """The setting `name` of the app Gunicorn serves, imported as Gunicorn imports it (the
    working directory first on the path); None without a name."""
    if not name:
        return None
    module, attribute = app_spec()
    return getattr(importlib.import_module(module), attribute).config.get(name)


# Run in a fresh interpreter, so that only what the server loads is loaded: Gunicorn's
# master and sync worker, then the app, which then answers GET / as a worker does (a WSGI
# call with the environ Gunicorn would pass): a module first imported while serving counts
# too.
SERVER_LOADS = """
import io, sys
import gunicorn.app.wsgiapp, gunicorn.arbiter, gunicorn.workers.sync, gunicorn.glogging
from {module} import {attribute} as app
environ = {{
    "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/", "QUERY_STRING": "",
    "SERVER_NAME": "0.0.0.0", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "localhost:8000", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000",
    "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
    "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
    "wsgi.run_once": False,
}}
statuses = []
body = b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
if not statuses[0].startswith("200"):
    sys.exit(f"GET / answered {{statuses[0]}}: {{body[:200]!r}}")
"""
# Run after that, in the same interpreter: prints the modules loaded from a source file
# whose bytecode is missing or was compiled from another source (checked as Python checks
# it: by the hash in a hash-based .pyc, else by the source's time and size).
WITHOUT_BYTECODE = """
import importlib.util, os, sys
for module in list(sys.modules.values()):
    source, cached = getattr(module, "__file__", None), getattr(module, "__cached__", None)
    if not (source and cached and source.endswith(".py")):
        continue
    try:
        with open(cached, "rb") as handle:
            header = handle.read(16)
    except OSError:
        print(module.__name__)
        continue
    with open(source, "rb") as handle:
        code = handle.read()
    if int.from_bytes(header[4:8], "little") & 1:
        current = header[8:16] == importlib.util.source_hash(code)
    else:
        stamp = int(os.stat(source).st_mtime) & 0xFFFFFFFF
        current = header[8:16] == stamp.to_bytes(4, "little") + len(code).to_bytes(4, "little")
    if not current:
        print(module.__name__)
"""


def without_bytecode(code):
    """The modules running `code` in a fresh interpreter loads without current bytecode,
    sorted."""
    done = subprocess.run(
        [sys.executable, "-c", code + "\n" + WITHOUT_BYTECODE], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"the bytecode check failed:\n{done.stderr}")
    return sorted(done.stdout.split())


def modules_without_current_bytecode():
    """What the server loads to answer GET / that the image has no current bytecode for,
    sorted; None unless asked for (PROBE_BYTECODE=1)."""
    if os.environ.get("PROBE_BYTECODE") != "1":
        return None
    module, attribute = app_spec()
    return without_bytecode(SERVER_LOADS.format(module=module, attribute=attribute))


def health_check_without_current_bytecode():
    """What the container's health check (its `python -c` code, in PROBE_HEALTH_CHECK)
    loads that the image has no current bytecode for, sorted; None without one."""
    code = os.environ.get("PROBE_HEALTH_CHECK")
    return None if code is None else without_bytecode(code)


def interactive_prompt(seconds=10.0):
    """What an interactive `python` prints on a terminal up to its first prompt, with
    TERM=xterm as `docker exec -it` sets it (Python 3.13 on warns when the terminal's
    description is missing, and starts a prompt without line editing)."""
    import pty
    import select

    pid, terminal = pty.fork()
    if pid == 0:  # the child, on the terminal
        os.execve(sys.executable, [sys.executable], {**os.environ, "TERM": "xterm"})
    shown = b""
    try:
        while b">>> " not in shown:
            ready, _, _ = select.select([terminal], [], [], seconds)
            if not ready:
                break
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the child has exited
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(terminal)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode(errors="replace"))


# Build tools, shells, installers: what a runtime image may go without
PROGRAMS = ("gcc", "cc", "poetry", "uv", "sh", "bash", "pip", "apt-get", "dpkg")


def set_locale():
    """The locale the environment names (LANG), as the C library sets it, or its error."""
    try:
        return locale.setlocale(locale.LC_ALL, "")
    except locale.Error as error:
        return f"locale.Error: {error}"


def packages_listed():
    """The Debian packages that /var/lib/dpkg/status lists as installed; None without it."""
    try:
        status = open("/var/lib/dpkg/status", encoding="utf-8").read()
    except FileNotFoundError:
        return None
    return sorted(
        block.split("Package: ", 1)[1].split("\n", 1)[0]
        for block in status.strip().split("\n\n")
        if "Status: install ok installed" in block
    )


def main():
    distributions = sorted({d.metadata["Name"].lower() for d in importlib.metadata.distributions()})
    facts = {
        "pid1": pid1(),
        "stray_files": stray_files(),
        "tests_dirs": [p for p in ("/app/tests",) if os.path.isdir(p)],
        "distributions": distributions,
        "dev_modules": [m for m in ("pytest", "ruff") if importlib.util.find_spec(m)],
        "tool_modules": [m for m in ("poetry", "uv") if importlib.util.find_spec(m)],
        "programs": {p: shutil.which(p) for p in PROGRAMS},
        "packages_listed": packages_listed(),
        "locale": set_locale(),
        "certificate_authorities": ssl.create_default_context().cert_store_stats()["x509_ca"],
        "time_zone": str(zoneinfo.ZoneInfo("Europe/Paris")),
        "interactive_prompt": interactive_prompt(),
        "write_errors": write_errors(),
        "cwd": os.getcwd(),
        "unreadable": unreadable(os.getcwd()),
        "psycopg2": psycopg2_facts(),
        "app_setting": app_setting(os.environ.get("PROBE_SETTING")),
        "modules_without_current_bytecode": modules_without_current_bytecode(),
        "health_check_without_current_bytecode": health_check_without_current_bytecode(),
    }
    print(json.dumps(facts))


main()
