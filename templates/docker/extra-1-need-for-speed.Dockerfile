{%- from "docker/macros.j2" import gunicorn_cmd, python_env -%}
# Two stages, with BuildKit cache mounts on every install: Poetry exports
# hashed requirements, pip installs them in the server stage, and the
# dependencies' bytecode is compiled at build time
# The export stage only runs Poetry, so the slim base is enough
FROM python:{{ cookiecutter.python_version }}-slim AS poetry-export

# Poetry and its export plugin, pinned. This stage is the only place they run.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install poetry=={{ cookiecutter._tools.poetry }} poetry-plugin-export=={{ cookiecutter._tools.poetry_plugin_export }}

WORKDIR /app

# Only the dependency files: this stage reruns only when they change
COPY poetry.lock pyproject.toml ./

# A requirements.txt with a hash for every file, for the main and prod groups
# (the dev group is not exported)
RUN poetry export --with prod --output requirements.txt

FROM python:{{ cookiecutter.python_version }} AS server

{{ python_env() }}

WORKDIR /app

COPY --from=poetry-export /app/requirements.txt ./

# The pip cache survives between builds in a BuildKit cache mount (never in a
# layer); --compile writes the bytecode now instead of at first import
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --require-hashes --compile -r requirements.txt

COPY . .

RUN --mount=type=cache,target=/root/.cache/pip \
    pip install . --no-deps --compile

{{ gunicorn_cmd(cookiecutter.package_name) }}
