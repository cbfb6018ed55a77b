{%- from "docker/macros.j2" import gunicorn_cmd, python_env -%}
# Dockerfile's stages on the slim base, with the compiler and libpq headers
# that psycopg2's build needs added by apt
FROM python:{{ cookiecutter.python_version }} AS poetry-export

# Poetry and its export plugin, pinned. This stage is the only place they run.
RUN pip install --no-cache-dir poetry=={{ cookiecutter._tools.poetry }} poetry-plugin-export=={{ cookiecutter._tools.poetry_plugin_export }}

WORKDIR /app

# Only the dependency files: this stage reruns only when they change
COPY poetry.lock pyproject.toml ./

# A requirements.txt with a hash for every file, for the main and prod groups
# (the dev group is not exported)
RUN poetry export --with prod --output requirements.txt

FROM python:{{ cookiecutter.python_version }}-slim AS server

{{ python_env() }}

# The slim base has no compiler: add what psycopg2's build needs
# (versions follow the base image's Debian release, not pinned)
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Only requirements.txt comes from the export stage: no Poetry, no virtualenv
COPY --from=poetry-export /app/requirements.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements.txt

COPY . .

# The project itself; its dependencies are already installed
RUN pip install --no-cache-dir . --no-deps

{{ gunicorn_cmd(cookiecutter.package_name) }}
