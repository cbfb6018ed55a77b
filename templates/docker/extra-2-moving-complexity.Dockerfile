{%- from "docker/macros.j2" import gunicorn_cmd, python_env -%}
# One stage: requirements.txt is exported from poetry.lock by a pre-commit
# hook and committed, so the image needs neither Poetry nor an export stage
FROM python:{{ cookiecutter.python_version }}

{{ python_env() }}

WORKDIR /app

COPY requirements.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements.txt

COPY . .

# The project itself; its dependencies are already installed
RUN pip install --no-cache-dir . --no-deps

{{ gunicorn_cmd(cookiecutter.package_name) }}
