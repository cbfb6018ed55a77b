{%- from "docker/macros.j2" import gunicorn_cmd, pip, poetry_export_stage, python_env with context -%}
# Extra 1 - need for speed: BuildKit cache mounts, slim export stage, bytecode
# The export stage only runs Poetry, so the slim base is enough
{{ poetry_export_stage("python:" ~ cookiecutter.python_version ~ "-slim", cache=true) }}

FROM python:{{ cookiecutter.python_version }} AS server

{{ python_env() }}

WORKDIR /app

COPY --from=poetry-export /app/requirements.txt ./

# The pip cache survives between builds in a BuildKit cache mount (never in a
# layer); --compile writes the bytecode now instead of at first import
{{ pip("--require-hashes --compile -r requirements.txt", cache=true) }}

COPY . .

{{ pip(". --no-deps --compile", cache=true) }}

{{ gunicorn_cmd() }}
