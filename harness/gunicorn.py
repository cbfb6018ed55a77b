"""What Gunicorn prints, as the tests look for it."""

from __future__ import annotations


def log_line(level: str, message: str) -> str:
    """A regex (re.M) for one line of Gunicorn's error log, `[date time zone] [pid] [LEVEL]
    message`, as Gunicorn writes it or as `docker compose logs` shows it (`service  | `)."""
    stamp = r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\]"
    return rf"^(?:\S+ *\| )?{stamp} \[\d+\] \[{level}\] {message}"
