{#- Step 6 on the slim base: apt adds the compiler and libpq headers. -#}
{%- set server_base = "python:" ~ cookiecutter.python_version ~ "-slim" -%}
{%- set apt_packages = "build-essential libpq-dev" -%}
{%- include "docker/multi-stage.Dockerfile" %}