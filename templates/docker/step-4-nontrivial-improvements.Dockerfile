{%- from "docker/macros.j2" import gunicorn_cmd, python_env -%}
# Two stages: Poetry exports hashed requirements in a stage of its own; a clean stage installs them with pip, without Poetry
FROM python:{{ cookiecutter.python_version }} AS poetry-export

# Poetry and its export plugin, pinned. This stage is the only place they run.
RUN pip install --no-cache-dir poetry=={{ cookiecutter._tools.poetry }} poetry-plugin-export=={{ cookiecutter._tools.poetry_plugin_export }}

WORKDIR /app

# Only the dependency files: this stage reruns only when they change
COPY poetry.lock pyproject.toml ./

# A requirements.txt with a hash for every file, for the main and prod groups
# (the dev group is not exported)
RUN poetry export --with prod --output requirements.txt

FROM python:{{ cookiecutter.python_version }} AS server

{{ python_env() }}

WORKDIR /app

# Only requirements.txt comes from the export stage: no Poetry, no virtualenv
COPY --from=poetry-export /app/requirements.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements.txt

COPY . .

# The project itself; its dependencies are already installed
RUN pip install --no-cache-dir . --no-deps

{{ gunicorn_cmd(cookiecutter.package_name) }}
