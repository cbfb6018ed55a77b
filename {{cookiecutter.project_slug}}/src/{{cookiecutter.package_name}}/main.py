{%- set step6 = cookiecutter.docker_level == "step-6-compiling-dependencies" -%}
"""The WSGI application that Gunicorn serves."""

import platform
{% if step6 %}
import psycopg2
import psycopg2.extensions
{%- endif %}
from flask import Flask

SERVICE = "{{ cookiecutter.project_slug }}"
LEVEL = "{{ cookiecutter.docker_level }}"
{%- if step6 %}


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
{%- if step6 %}
            "psycopg2": psycopg2.__version__.split()[0],
            "libpq": libpq_version(),
{%- endif %}
        }

    return app


app = create_app()
