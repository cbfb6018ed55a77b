{%- from "docker/macros.j2" import gunicorn_cmd, healthcheck_args, python_env -%}
# Production-hardened: build on the full image, run on slim as a non-root user.
# Builder: export hashed requirements from poetry.lock, install them with uv
# into a virtualenv. Reruns only when poetry.lock or pyproject.toml change.

FROM python:{{ cookiecutter.python_version }} AS builder

# uv never downloads a Python (it uses the image's) and copies files out of
# its cache mount instead of linking them
ENV UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy

# Build tools, pinned, and only in this stage: uv, which installs Poetry and
# its export plugin into a virtualenv of their own (much faster than pip)
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=cache,target=/root/.cache/uv \
    pip install uv=={{ cookiecutter._tools.uv }} \
    && uv venv --python /usr/local/bin/python /opt/poetry \
    && uv pip install --python /opt/poetry/bin/python \
       poetry=={{ cookiecutter._tools.poetry }} poetry-plugin-export=={{ cookiecutter._tools.poetry_plugin_export }}

WORKDIR /app

# Only the dependency files: the next step reruns only when they change
COPY poetry.lock pyproject.toml ./

# Export the main and prod groups from poetry.lock with a hash for every file
# (the dev group stays out), then install exactly that into /opt/venv, with
# bytecode compiled now
RUN --mount=type=cache,target=/root/.cache/uv \
    /opt/poetry/bin/poetry export --with prod --output requirements.txt \
    && uv venv --python /usr/local/bin/python /opt/venv \
    && uv pip install --python /opt/venv/bin/python --require-hashes --compile-bytecode \
       -r requirements.txt

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

# Dependencies: one layer, rebuilt only when the builder stage changes
COPY --from=builder /opt/venv /opt/venv

# The official images ship the standard library without bytecode, and nothing
# may write any at run time: import what Gunicorn and Flask use once, now, with
# bytecode writing on, so workers start from compiled modules
RUN PYTHONDONTWRITEBYTECODE='' python -c "import flask, gunicorn.app.wsgiapp, gunicorn.arbiter, gunicorn.workers.sync, gunicorn.workers.gthread"

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
