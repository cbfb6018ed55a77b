{%- from "docker/macros.j2" import gunicorn_cmd -%}
# One stage: the dependencies from requirements.txt, then the code
FROM python:{{ cookiecutter.python_version }}

WORKDIR /app

# Everything in the build context (minus .dockerignore) goes into the image
COPY . .

# requirements.txt carries hashes, so pip checks every download against them
RUN pip install --no-cache-dir -r requirements.txt

{{ gunicorn_cmd(cookiecutter.package_name) }}
