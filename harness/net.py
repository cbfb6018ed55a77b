"""Talking to a service on loopback: a free port, GET, and polling until it answers."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(
    port: int, path: str, timeout: float = 5.0, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """GET http://127.0.0.1:PORT/PATH: its status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def get_json(port: int, path: str = "/") -> dict:
    """GET PATH, which must answer 200 with JSON; the JSON."""
    status, body = get(port, path, timeout=2)
    if status != 200:
        raise ValueError(f"GET {path} answered {status}")
    return json.loads(body)


def poll(check: Callable[[], T], seconds: float, what: str, interval: float = 0.1) -> T:
    """Call `check` until it returns something truthy (that value) or `seconds` pass.

    A connection error or a bad answer (OSError, ValueError) counts as not yet; the
    last one is shown in the AssertionError raised when time is up."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
            last = result
        except (OSError, ValueError) as error:
            last = error
        time.sleep(interval)
    raise AssertionError(f"no {what} within {seconds} s; last: {last!r}")


def wait_for(port: int, path: str, seconds: float) -> None:
    """Until GET PATH answers 200."""
    poll(lambda: get(port, path, timeout=2)[0] == 200, seconds, f"200 from {path} on {port}", 0.25)
