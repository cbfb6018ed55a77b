{%- set level = cookiecutter | level -%}
"""The WSGI app: `flask run` serves it on your machine, Gunicorn in the image."""

import json
import logging
import os
import platform
import re
from pathlib import Path
{% if level.psycopg2 %}
import psycopg2
import psycopg2.extensions
{%- endif %}
from flask import Flask, url_for
from werkzeug.exceptions import SecurityError

SERVICE = {{ cookiecutter.project_slug | py_str }}
logger = logging.getLogger(__name__)
{%- if level.psycopg2 %}


def libpq_version() -> str:
    """The libpq that psycopg2 loaded at run time, as "major.minor"."""
    number = psycopg2.extensions.libpq_version()
    return f"{number // 10000}.{number % 10000}"
{%- endif %}


def load_secret_files(config: dict, folder: Path) -> None:
    """Settings from files named FLASK_<NAME> in a secrets folder, read the way
    Flask reads FLASK_* variables: FLASK_SECRET_KEY becomes SECRET_KEY, a value
    is JSON where it parses, and FLASK_A__B sets config["A"]["B"].

    Docker Compose mounts secrets in /run/secrets, and deploy/kubernetes mounts
    its Secret in the folder it names with SECRETS_DIR.
    """
    for path in sorted(folder.glob("FLASK_*")):
        if not path.is_file():
            continue
        parts = path.name.removeprefix("FLASK_").split("__")
        if not (re.fullmatch(r"\w+", path.name, re.ASCII) and all(parts)):
            # An editor's backup (FLASK_SECRET_KEY~), a swap file, a bare FLASK_
            logger.warning("secret file %s skipped: not a setting's name", path)
            continue
        try:
            # utf-8-sig: without the byte order mark that Windows editors may write
            value = path.read_text(encoding="utf-8-sig").rstrip("\r\n")
        except UnicodeDecodeError as error:
            raise ValueError(
                f"secret file {path} is not UTF-8 text ({error}); save it as UTF-8:"
                " Windows PowerShell's > writes UTF-16"
            ) from None
        try:
            value = json.loads(value)
        except ValueError:
            pass
        *parents, key = parts
        table = config
        for parent in parents:
            table = table.setdefault(parent, {})
            if not isinstance(table, dict):
                raise ValueError(f"secret file {path}: setting {parent} is not a table")
        table[key] = value


DEFAULT_SECRETS_DIR = "/run/secrets"


def secrets_folder() -> Path | None:
    """The folder SECRETS_DIR names, which must exist; by default /run/secrets,
    where there is one (Compose makes it only for a service that has secrets)."""
    named = os.environ.get("SECRETS_DIR") or DEFAULT_SECRETS_DIR
    if Path(named).is_dir():
        return Path(named)
    if Path(named) == Path(DEFAULT_SECRETS_DIR):
        return None
    raise ValueError(
        f"SECRETS_DIR={named!r} is not a folder: mount the secrets there,"
        f" or leave SECRETS_DIR unset for {DEFAULT_SECRETS_DIR}"
    )


def log_level() -> str:
    """LOG_LEVEL, which gunicorn.conf.py checks the same way under Gunicorn."""
    given = os.environ.get("LOG_LEVEL", "info")
    if given.lower() not in ("debug", "info", "warn", "warning", "error", "critical"):
        levels = "debug, info, warning, error or critical"
        raise ValueError(f"LOG_LEVEL={given!r}: use {levels}")
    return given.upper()


# What a setting that is not text reads as, in JSON's words
JSON_KINDS = {
    bool: "true or false",
    int: "a number",
    float: "a number",
    list: "a list",
    dict: "an object",
    type(None): "null",
}


# A command that prints a key worth signing with
NEW_KEY = 'python3 -c "import secrets; print(secrets.token_hex(32))"'


def check_settings(config: dict, secret_key_given: bool = False) -> None:
    """Settings of a kind Flask cannot use, named now: they would fail requests,
    not the start. A value that is not JSON stays text, and Werkzeug would read
    TRUSTED_HOSTS "example.com" as a list of its letters and refuse every
    request, the health checks' too; a secret key that is JSON (1234, true,
    null) is no longer text, and every request that signs something would fail;
    an empty one would fail them too."""
    key = config.get("SECRET_KEY")
    if (key is not None or secret_key_given) and not isinstance(key, str | bytes):
        # Named by its kind alone: the value is a secret
        raise ValueError(
            f"FLASK_SECRET_KEY reads as JSON {JSON_KINDS.get(type(key), 'data')}, and"
            " Flask signs with text only: give a key that is not a JSON number, true,"
            f" false or null, such as {NEW_KEY} prints"
        )
    if key is not None and not key.strip():
        raise ValueError(
            "FLASK_SECRET_KEY is empty, and Flask would sign with nothing: give a long"
            f" random key, such as {NEW_KEY} prints, or leave FLASK_SECRET_KEY unset"
            " until the app signs something"
        )
    hosts = config.get("TRUSTED_HOSTS")
    if hosts is not None and not (
        isinstance(hosts, list) and all(isinstance(host, str) for host in hosts)
    ):
        raise ValueError(
            f"FLASK_TRUSTED_HOSTS={hosts!r}: use a JSON list of host names,"
            """ such as ["example.com", "localhost"]"""
        )
    for name in ("MAX_CONTENT_LENGTH", "MAX_FORM_MEMORY_SIZE", "MAX_FORM_PARTS"):
        value = config.get(name)
        if value is not None and type(value) is not int:
            raise ValueError(f"FLASK_{name}={value!r}: use a whole number")


def create_app(settings: dict | None = None) -> Flask:
    level = log_level()
    if not logging.getLogger().handlers:
        # Not under Gunicorn, whose gunicorn.conf.py gives the root logger its
        # handler: under `flask run`, every logger's lines reach the terminal too
        logging.basicConfig(
            level=level, format="[%(asctime)s] %(levelname)s in %(name)s: %(message)s"
        )
    app = Flask(__name__)
    # Settings from the environment: FLASK_SECRET_KEY becomes
    # app.config["SECRET_KEY"], and so on for every FLASK_* variable (see
    # .env.example). Values are read as JSON where they parse: "3" is 3.
    app.config.from_prefixed_env()
    # Then secrets mounted as files, which win over the environment
    folder = secrets_folder()
    if folder:
        load_secret_files(app.config, folder)
    app.config.update(settings or {})
    given = "FLASK_SECRET_KEY" in os.environ or bool(
        folder and (folder / "FLASK_SECRET_KEY").is_file()
    )
    check_settings(app.config, secret_key_given=given)

    @app.errorhandler(SecurityError)
    def refused_host(error):
        # A Host header outside FLASK_TRUSTED_HOSTS: the 400 says nothing, the log does
        logger.warning("%s (FLASK_TRUSTED_HOSTS)", error.description)
        return error

    @app.get("/")
    def index():
        return {
            "service": SERVICE,
            "python": platform.python_version(),
            # An absolute link: https behind a trusted proxy (FORWARDED_ALLOW_IPS)
            "health": url_for("health", _external=True),
        }

    @app.get("/health")
    def health():
        return {
            "status": "ok",
{%- if level.psycopg2 %}
            "psycopg2": psycopg2.__version__.split()[0],
            "libpq": libpq_version(),
{%- endif %}
        }

    app.logger.info("%s is ready (Python %s)", SERVICE, platform.python_version())
    return app


def __getattr__(name: str) -> Flask:
    """`app`, the app Gunicorn and `flask run` serve, made when one of them first
    asks for it: importing this module for create_app, as the tests do, reads no
    settings and makes no app."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()["app"] = made = create_app()
    return made
