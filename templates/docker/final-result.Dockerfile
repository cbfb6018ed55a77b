{%- from "docker/macros.j2" import gunicorn_cmd, python_env -%}
# One stage on the full image: committed hashed requirements,
# BuildKit cache mounts and bytecode compiled ahead of time
FROM python:{{ cookiecutter.python_version }}

{{ python_env() }}

WORKDIR /app

# requirements.txt is exported from poetry.lock and committed (CI fails when
# it falls behind the lock), so no Poetry runs here
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --require-hashes -r requirements.txt \
    && python -c "import compileall; compileall.compile_path(maxlevels=64, quiet=1)"

COPY . .

# The project itself, its bytecode compiled at install time
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install . --no-deps --compile

{{ gunicorn_cmd(cookiecutter.package_name) }}
