{#- Steps 4, 5 and 6 (and step 6's slim variant): export with Poetry, install with pip. -#}
{%- from "docker/macros.j2" import gunicorn_cmd, pip, poetry_export_stage, python_env with context -%}
{{ poetry_export_stage("python:" ~ cookiecutter.python_version) }}

FROM {{ server_base }} AS server

{{ python_env() }}
{%- if apt_packages %}

# The slim base has no compiler: add what psycopg2's build needs
# (versions follow the base image's Debian release, not pinned)
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends {{ apt_packages }} \
    && rm -rf /var/lib/apt/lists/*
{%- endif %}

WORKDIR /app

# Only requirements.txt comes from the export stage: no Poetry, no virtualenv
COPY --from=poetry-export /app/requirements.txt ./
{{ pip("--require-hashes -r requirements.txt") }}

COPY . .

# The project itself; its dependencies are already installed
{{ pip(". --no-deps") }}

{{ gunicorn_cmd() }}
