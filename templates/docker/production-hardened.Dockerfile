{%- from "docker/macros.j2" import gunicorn_cmd, healthcheck_args, python_env -%}
# Built on the full image, run as a non-root user on only the files Python
# needs.
# builder: exports poetry.lock and installs exactly that into a virtualenv
# with uv. system: takes from the slim image what running Python needs.
# runtime: those files, the virtualenv and the code; no shell, no pip.

FROM python:{{ cookiecutter.python_version }} AS builder

# uv never downloads a Python (it uses the image's) and copies files out of
# its cache mount instead of linking them
ENV UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy

# The one build tool, pinned in build-requirements.txt with the hashes of its
# release's files, which pip checks; only a change to that file reruns this step
RUN --mount=type=bind,source=build-requirements.txt,target=/tmp/build-requirements.txt \
    --mount=type=cache,target=/root/.cache/pip \
    pip install --require-hashes --no-deps -r /tmp/build-requirements.txt

# The main and prod groups of poetry.lock at their locked versions, with a
# hash for every file (the dev group stays out), installed into /opt/venv with
# every file checked against its hash. The lock and the exporter are mounted,
# not copied: this step reruns only when one of them changes.
RUN --mount=type=bind,source=poetry.lock,target=/tmp/poetry.lock \
    --mount=type=bind,source=export_requirements.py,target=/tmp/export_requirements.py \
    --mount=type=cache,target=/root/.cache/uv \
    python /tmp/export_requirements.py /tmp/poetry.lock --with prod \
       --output /tmp/requirements.txt \
    && uv venv --python /usr/local/bin/python /opt/venv \
    && uv pip install --python /opt/venv/bin/python --require-hashes \
       -r /tmp/requirements.txt

# The runtime's system: from the slim image, the interpreter and its standard
# library, the shared libraries they load, CA certificates, time zones and the
# users, copied into /runtime by runtime_files.py. A fixed, unprivileged user
# first, so files and volumes get predictable ownership.
FROM python:{{ cookiecutter.python_version }}-slim AS system
RUN --mount=type=bind,source=runtime_files.py,target=/tmp/runtime_files.py \
    groupadd --gid {{ (cookiecutter | level).user_id }} app \
    && useradd --no-log-init --uid {{ (cookiecutter | level).user_id }} --gid app \
       --home-dir /nonexistent --shell /usr/sbin/nologin app \
    && python /tmp/runtime_files.py /runtime

# Runtime: those files alone, then the virtualenv and the code. No shell, no
# package manager, no pip, no compiler, no Poetry, no uv, no tests.
FROM scratch AS runtime
COPY --from=system /runtime /

# The virtualenv comes first on PATH; text is UTF-8, as the slim image says;
# the code is imported from /app/src
ENV PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin \
    LANG=C.UTF-8 \
    PYTHONPATH=/app/src

WORKDIR /app

# Dependencies: one layer, rebuilt only when the exported requirements change
COPY --from=builder /opt/venv /opt/venv

# Nothing may write bytecode at run time, and the official images ship the
# standard library without it: import what Gunicorn and Flask use once, now,
# and copy the bytecode of every module that loads into the image, so the
# server starts from compiled modules (the control socket's server pulls in
# asyncio; the app reads secret files with the utf-8-sig codec; Werkzeug
# encodes each request's host name with the idna codec), and what the health
# check below imports (urllib.request), which Docker runs every 10 seconds.
# Only the modules these import get bytecode, not every module of every package.
# The cache mount keeps it between builds, checked against each source's hash:
# a dependency change compiles only the modules it changed.
RUN --mount=type=bind,source=compile_bytecode.py,target=/tmp/compile_bytecode.py \
    --mount=type=cache,target=/root/.cache/bytecode,sharing=locked \
    ["python", "-X", "pycache_prefix=/root/.cache/bytecode", "/tmp/compile_bytecode.py", \
     "flask", "gunicorn.app.wsgiapp", "gunicorn.arbiter", "gunicorn.workers.sync", \
     "gunicorn.workers.gthread", "gunicorn.glogging", "gunicorn.ctl.server", \
     "encodings.utf_8_sig", "encodings.idna", "urllib.request"]

# The code last, so a source change reruns only the steps below. It stays
# owned by root: the server can read it, not change it. COPY would keep the
# modes of your checkout, where a umask of 077 leaves files to their owner
# alone; --chmod sets the modes the server needs instead. One mode serves files
# and folders alike, and folders must be searchable: the code is 755
COPY --chmod=644 gunicorn.conf.py ./
COPY --chmod=755 src/ ./src/

# Import the app once, writing its bytecode: a broken image fails the build
# instead of the container's first start
RUN ["python", "-c", "from {{ cookiecutter.package_name }}.main import app"]

# After the build steps, which write bytecode on purpose: the container never does
{{ python_env() }}
USER {{ (cookiecutter | level).user_id }}:{{ (cookiecutter | level).user_id }}
EXPOSE 8000

# Standard library only: the image has no curl, and no shell
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD [{{ healthcheck_args() }}]

# Labels last: a new revision changes metadata only, never a cached layer
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title={{ cookiecutter.project_slug | dockerfile_str }} \
      org.opencontainers.image.description={{ cookiecutter.description | dockerfile_str }} \
      org.opencontainers.image.authors={{ ((cookiecutter.author_name ~ " <" ~ cookiecutter.author_email ~ ">") if (cookiecutter | level).author_named else cookiecutter.author_email) | dockerfile_str }} \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

{{ gunicorn_cmd(cookiecutter.package_name) }}
