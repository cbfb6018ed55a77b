"""Gunicorn settings, read from the environment with container-sane defaults.

Gunicorn loads ./gunicorn.conf.py from its working directory by itself: in the
image, and on your machine with
`HOST=127.0.0.1 poetry run gunicorn {{ cookiecutter.package_name }}.main:app`
(HOST keeps it off your machine's other interfaces).
Every variable it reads is listed in .env.example.
"""

import ipaddress
import logging
import os
import tempfile


def _whole_number(name: str, default: str, least: int, most: int | None = None) -> int:
    """A port, a count or a number of seconds from the environment. Gunicorn would
    take WEB_CONCURRENCY=0 and serve nothing, or stop at PORT=99999 without naming
    it: a value it cannot use is named instead."""
    given = os.environ.get(name, default)
    number = int(given) if given.strip().isdecimal() else None
    if number is None or number < least or (most is not None and number > most):
        whole = f"from {least} up" if most is None else f"from {least} to {most}"
        raise ValueError(f"{name}={given!r}: use a whole number {whole}")
    return number


# Listen on every interface of the container; publish the port with Docker.
# An IPv6 address goes in brackets: HOST=:: listens on IPv6 and IPv4 alike.
host = os.environ.get("HOST", "0.0.0.0")
if host.startswith(("unix:", "fd://")):
    raise ValueError(
        f"HOST={host!r} is a socket, not an address: leave HOST unset and bind"
        f" Gunicorn to it with GUNICORN_CMD_ARGS='--bind {host}'"
    )
# An address alone: Gunicorn would try HOST=0.0.0.0:8000 or http://0.0.0.0 for
# seconds, and then fail without naming HOST
address = host[1:-1] if host.startswith("[") and host.endswith("]") else host
if ":" in address or "/" in address or host.startswith("["):
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        raise ValueError(
            f"HOST={host!r} is not an address: give one alone, such as 0.0.0.0,"
            " 127.0.0.1 or ::, and the port in PORT"
        ) from None
    host = f"[{address}]"
bind = f"{host}:{_whole_number('PORT', '8000', least=1, most=65535)}"

# A fixed, small default: the host's CPU count says nothing about the CPU
# share the container gets. Scale with WEB_CONCURRENCY or more replicas.
workers = _whole_number("WEB_CONCURRENCY", "2", least=1)
# More than one thread switches Gunicorn to its threaded (gthread) worker.
threads = _whole_number("PYTHON_MAX_THREADS", "1", least=1)
# 0 lets a worker stay silent for ever.
timeout = _whole_number("GUNICORN_TIMEOUT", "30", least=0)
# Below Docker's 10 s stop timeout, so in-flight requests finish before a kill.
graceful_timeout = _whole_number("GUNICORN_GRACEFUL_TIMEOUT", "8", least=0)


def _with_ipv4_mapped(entries: str) -> str:
    """On an IPv6 socket (HOST=::), IPv4 clients arrive as ::ffff:a.b.c.d:
    each IPv4 address or network also stands for that form of itself."""
    mapped = []
    for entry in filter(None, (e.strip() for e in entries.split(","))):
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:  # "*"
            continue
        if network.version == 4:
            mapped.append(f"::ffff:{network.network_address}/{96 + network.prefixlen}")
    return ",".join([entries, *mapped])


# Proxies whose X-Forwarded-Proto header is believed (addresses or networks,
# comma-separated; "*" trusts every client). Others cannot claim https.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
if host.startswith("["):
    forwarded_allow_ips = _with_ipv4_mapped(forwarded_allow_ips)

# Access and error logs to stdout/stderr, where `docker logs` finds them.
accesslog = "-"
errorlog = "-"
# Gunicorn would take any other word for info: a misspelt level is named instead
given = os.environ.get("LOG_LEVEL", "info")
loglevel = given.lower()
if loglevel == "warn":  # Python's logging, and so `flask run`, take it too
    loglevel = "warning"
if loglevel not in ("debug", "info", "warning", "error", "critical"):
    levels = "debug, info, warning, error or critical"
    raise ValueError(f"LOG_LEVEL={given!r}: use {levels}")


def _runtime_dir() -> str:
    """A private or memory-backed folder that is writable here.

    The per-user runtime folder where there is one (Linux desktops), else
    /dev/shm (Linux, and every container, even with a read-only root
    filesystem), else the system's temporary folder (macOS has no /dev/shm).
    """
    for folder in (os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"):
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK):
            return folder
    return tempfile.gettempdir()


# Worker heartbeats stay off a slow (or read-only) disk.
worker_tmp_dir = _runtime_dir()
# The control socket for `gunicornc -s PATH`, one per Gunicorn (named after the
# master's process ID; gunicorn-1.ctl in a container), so a second Gunicorn on
# the same machine never replaces or removes the first one's.
control_socket = os.path.join(worker_tmp_dir, f"gunicorn-{os.getpid()}.ctl")


def post_fork(server, worker):
    """The app's own log lines join Gunicorn's error log.

    app.logger and every logging.getLogger(__name__) reach the root logger;
    in each worker it gets Gunicorn's handlers (same stream, same format) and
    LOG_LEVEL, before the app is imported.
    """
    gunicorn_log = logging.getLogger("gunicorn.error")
    root = logging.getLogger()
    root.handlers = list(gunicorn_log.handlers)
    root.setLevel(gunicorn_log.level)
