{%- from "docker/macros.j2" import gunicorn_cmd -%}
# Step 2 - keep it simple, with Poetry: the lock file drives the install
FROM python:{{ cookiecutter.python_version }}

# Unpinned on purpose: whatever Poetry is newest at build time (step 3 pins it)
# hadolint ignore=DL3013
RUN pip install --no-cache-dir poetry

WORKDIR /app

COPY . .

# Installs the locked dependencies, the prod group (Gunicorn) and the project
# into a virtualenv that Poetry manages inside the image
RUN poetry install --with prod

{{ gunicorn_cmd(cookiecutter.package_name, via_poetry=true) }}
