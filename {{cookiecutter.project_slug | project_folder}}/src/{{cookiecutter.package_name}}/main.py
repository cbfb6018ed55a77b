{%- set level = cookiecutter | level -%}
"""The WSGI application that Gunicorn serves."""

import platform
{% if level.psycopg2 %}
import psycopg2
import psycopg2.extensions
{%- endif %}
from flask import Flask

SERVICE = {{ cookiecutter.project_slug | py_str }}
LEVEL = {{ cookiecutter.docker_level | py_str }}
{%- if level.psycopg2 %}


def libpq_version() -> str:
    """The libpq that psycopg2 loaded at run time, as "major.minor"."""
    number = psycopg2.extensions.libpq_version()
    return f"{number // 10000}.{number % 10000}"
{%- endif %}


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def index():
        return {
            "service": SERVICE,
            "level": LEVEL,
            "python": platform.python_version(),
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

    return app


app = create_app()
