{%- from "docker/macros.j2" import gunicorn_cmd -%}
# Step 1 - keep it simple: one stage, dependencies from requirements.txt
FROM python:{{ cookiecutter.python_version }}

WORKDIR /app

# Everything in the build context (minus .dockerignore) goes into the image
COPY . .

# requirements.txt carries hashes, so pip checks every download against them
RUN pip install --no-cache-dir -r requirements.txt

{{ gunicorn_cmd(cookiecutter.package_name) }}
