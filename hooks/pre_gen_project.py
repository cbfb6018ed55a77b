"""Validate the answers before anything is written.

Cookiecutter renders this file with the answers; they are loaded as JSON data,
never pasted into Python source. On a bad answer it prints ERROR: with the
value and the fix, and exits non-zero; cookiecutter then removes the project
folder it had created.
"""

import json
import keyword
import re
import sys

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

# Import names the baked project already uses, or that its tooling needs.
TAKEN = {
    "flask",
    "werkzeug",
    "jinja2",
    "click",
    "itsdangerous",
    "markupsafe",
    "blinker",
    "gunicorn",
    "packaging",
    "psycopg2",
    "pytest",
    "ruff",
    "tests",
    "src",
    "main",
    "gunicorn_conf",
}
# A Docker image name component that is also a valid Compose project name.
SLUG = re.compile(r"^[a-z0-9]+(?:(?:_|__|-+)[a-z0-9]+)*$")
PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def problems(answers):
    slug = answers["project_slug"]
    if not SLUG.match(slug) or len(slug) > 63:
        yield (
            f"project_slug {slug!r} is not a valid Docker image and Compose project "
            "name. Use lowercase letters and digits separated by '-' or '_' "
            "(at most 63 characters), e.g. 'hello-service'."
        )
    package = answers["package_name"]
    if not PACKAGE.match(package):
        yield (
            f"package_name {package!r} is not a lowercase Python identifier. Use "
            "lowercase letters, digits and '_', not starting with a digit, "
            "e.g. 'hello_service'."
        )
    elif keyword.iskeyword(package) or keyword.issoftkeyword(package):
        yield (
            f"package_name {package!r} is a Python keyword. Pick another name, "
            f"e.g. '{package}_service'."
        )
    elif package in TAKEN or package in sys.stdlib_module_names:
        yield (
            f"package_name {package!r} would shadow the module of the same name "
            "(a dependency, a tool or the standard library). Pick another name, "
            f"e.g. '{package}_service'."
        )
    if not EMAIL.match(answers["author_email"]):
        yield (
            f"author_email {answers['author_email']!r} is not an e-mail address. "
            "Use the form name@example.com."
        )
    if not answers["project_name"].strip():
        yield "project_name is empty. Give the project a name, e.g. 'Hello Service'."


def main():
    found = list(problems(ANSWERS))
    for message in found:
        print(f"ERROR: {message}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
