{%- from "docker/macros.j2" import gunicorn_cmd, healthcheck_args, python_env -%}
# Production-hardened: build on the full image, run on slim as a non-root user.
# export: pinned build tools, then hashed requirements from poetry.lock.
# builder: installs exactly those into a virtualenv with uv. runtime: slim.

FROM python:{{ cookiecutter.python_version }} AS export

# uv never downloads a Python (it uses the image's) and copies files out of
# its cache mount instead of linking them
ENV UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy

# Build tools, pinned, depending on nothing in the project: pip installs uv,
# uv installs Poetry and its export plugin into a virtualenv of their own (much
# faster than pip). `poetry export --help` checks that the plugin loads and
# writes the bytecode of what an export imports, so every export starts fast.
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=cache,target=/root/.cache/uv \
    pip install uv=={{ cookiecutter._tools.uv }} \
    && uv venv --python /usr/local/bin/python /opt/poetry \
    && uv pip install --python /opt/poetry/bin/python \
       poetry=={{ cookiecutter._tools.poetry }} poetry-plugin-export=={{ cookiecutter._tools.poetry_plugin_export }} \
    && /opt/poetry/bin/poetry export --help >/dev/null

WORKDIR /app

# Only the dependency files: the export reruns only when they change
COPY poetry.lock pyproject.toml ./

# The main and prod groups at their locked versions, a hash for every file
# (the dev group stays out)
RUN /opt/poetry/bin/poetry export --with prod --output requirements.txt

FROM python:{{ cookiecutter.python_version }} AS builder

ENV UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy

# Install exactly the export into /opt/venv, every file checked against its
# hash. uv and requirements.txt are mounted from the export stage, not copied:
# this step reruns only when their content changes, so an edit to
# pyproject.toml that changes no requirement stops at the export.
RUN --mount=type=bind,from=export,source=/usr/local/bin/uv,target=/usr/local/bin/uv \
    --mount=type=bind,from=export,source=/app/requirements.txt,target=/tmp/requirements.txt \
    --mount=type=cache,target=/root/.cache/uv \
    uv venv --python /usr/local/bin/python /opt/venv \
    && uv pip install --python /opt/venv/bin/python --require-hashes \
       -r /tmp/requirements.txt

# Runtime: slim base, no compiler, no Poetry, no uv, no tests
FROM python:{{ cookiecutter.python_version }}-slim AS runtime

{{ python_env() }}
# The virtualenv comes first on PATH; the code is imported from /app/src
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONPATH=/app/src

# A fixed, unprivileged user, so files and volumes get predictable ownership
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid app \
       --home-dir /nonexistent --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies: one layer, rebuilt only when the exported requirements change
COPY --from=builder /opt/venv /opt/venv

# Nothing may write bytecode at run time, and the official images ship the
# standard library without it: import what Gunicorn and Flask use once, now,
# with bytecode writing on, so the server starts from compiled modules (the
# control socket's server pulls in asyncio). Only the modules the server
# imports get bytecode, not every module of every package.
RUN PYTHONDONTWRITEBYTECODE='' python -c "import flask, gunicorn.app.wsgiapp, gunicorn.arbiter, gunicorn.workers.sync, gunicorn.workers.gthread, gunicorn.glogging, gunicorn.ctl.server"

# The code last, so a source change reruns only the steps below. It stays
# owned by root: the server can read it, not change it.
COPY gunicorn.conf.py ./
COPY src/ ./src/

# Import the app once, writing its bytecode: a broken image fails the build
# instead of the container's first start
RUN PYTHONDONTWRITEBYTECODE='' python -c "import {{ cookiecutter.package_name }}.main"

USER 10001:10001
EXPOSE 8000

# Standard library only: the slim image has no curl
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD [{{ healthcheck_args() }}]

# Labels last: a new revision changes metadata only, never a cached layer
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title={{ cookiecutter.project_slug | dockerfile_str }} \
      org.opencontainers.image.description={{ cookiecutter.description | dockerfile_str }} \
      org.opencontainers.image.authors={{ (cookiecutter.author_name ~ " <" ~ cookiecutter.author_email ~ ">") | dockerfile_str }} \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="python:{{ cookiecutter.python_version }}-slim"

{{ gunicorn_cmd(cookiecutter.package_name) }}
