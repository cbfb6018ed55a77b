{%- from "docker/macros.j2" import gunicorn_cmd -%}
# One stage: a pinned Poetry installs the dependencies in a layer of their own,
# before the code
FROM python:{{ cookiecutter.python_version }}

# Pinned, so a new Poetry release cannot change or break the build
RUN pip install --no-cache-dir poetry=={{ cookiecutter._tools.poetry }}

WORKDIR /app

# Only the files that describe the dependencies...
COPY poetry.lock pyproject.toml ./

# ...so this layer is reused from the cache until they change
RUN poetry install --no-root --with prod

# The code: changes here only rerun the cheap steps below
COPY . .

# The project itself, on top of the cached dependencies
RUN poetry install --only-root

{{ gunicorn_cmd(cookiecutter.package_name, via_poetry=true) }}
