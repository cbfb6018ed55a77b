{%- from "docker/macros.j2" import gunicorn_cmd -%}
# One stage: Poetry installs the dependencies from poetry.lock, then the code
FROM python:{{ cookiecutter.python_version }}

# Unpinned: whatever Poetry is newest at build time (pinning it keeps a new
# Poetry release from changing or breaking the build)
# hadolint ignore=DL3013
RUN pip install --no-cache-dir poetry

WORKDIR /app

COPY . .

# Installs the locked dependencies, the prod group (Gunicorn) and the project
# into a virtualenv that Poetry manages inside the image
RUN poetry install --with prod

{{ gunicorn_cmd(cookiecutter.package_name, via_poetry=true) }}
