{#- Multi-stage: a Poetry export stage, then pip installs hashed requirements. -#}
{%- set server_base = "python:" ~ cookiecutter.python_version -%}
{%- set apt_packages = "" -%}
{%- include "docker/multi-stage.Dockerfile" %}