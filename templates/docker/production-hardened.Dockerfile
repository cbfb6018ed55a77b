{%- from "docker/macros.j2" import gunicorn_cmd, healthcheck_args, poetry_export_stage, python_env, quoted with context -%}
# Production-hardened: build on the full image, run on slim as a non-root user.
# Builder: export hashed requirements from poetry.lock, install them with uv
# into a virtualenv. Reruns only when poetry.lock or pyproject.toml change.
{{ poetry_export_stage("python:" ~ cookiecutter.python_version, cache=true, name="builder", tools="uv==" ~ cookiecutter._tools.uv) }}

# uv: never download a Python, copy out of its cache mount, write bytecode now
ENV UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1
RUN --mount=type=cache,target=/root/.cache/uv \
    uv venv --python /usr/local/bin/python /opt/venv \
    && uv pip install --python /opt/venv/bin/python --require-hashes -r requirements.txt

# Runtime: slim base, no compiler, no Poetry, no uv, no tests
FROM python:{{ cookiecutter.python_version }}-slim AS runtime

{{ python_env() }}
# The virtualenv comes first on PATH; the code is imported from /app/src
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONPATH=/app/src

# A fixed, unprivileged user, so files and volumes get predictable ownership;
# and bytecode for the standard library, which the official images ship without
RUN groupadd --system --gid 10001 app \
    && useradd --system --no-log-init --uid 10001 --gid app \
       --home-dir /nonexistent --shell /usr/sbin/nologin app \
    && python -c "import compileall, sysconfig; compileall.compile_dir(sysconfig.get_path('stdlib'), quiet=1)"

WORKDIR /app

# Dependencies: one layer, rebuilt only when the builder stage changes
COPY --from=builder /opt/venv /opt/venv

# The code last, so a source change reruns only these cheap steps. It stays
# owned by root: the server can read it, not change it.
COPY gunicorn.conf.py ./
COPY src/ ./src/

# Compile the bytecode now, and import the app once: a broken image fails the
# build instead of the container's first start
RUN python -m compileall -q src \
    && python -c "import {{ cookiecutter.package_name }}.main"

USER 10001:10001
EXPOSE 8000

# Standard library only: the slim image has no curl
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD [{{ healthcheck_args() }}]

# Labels last: a new revision changes metadata only, never a cached layer
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="{{ cookiecutter.project_slug }}" \
      org.opencontainers.image.description={{ quoted(cookiecutter.description) }} \
      org.opencontainers.image.authors={{ quoted(cookiecutter.author_name ~ " <" ~ cookiecutter.author_email ~ ">") }} \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="python:{{ cookiecutter.python_version }}-slim"

{{ gunicorn_cmd() }}
