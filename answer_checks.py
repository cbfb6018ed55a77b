"""What an answer may hold: the checks that run before anything is written.

`local_extensions.project_folder` runs them when cookiecutter renders the
project folder's name, which is the first thing it writes: a refused answer
leaves nothing on disk, not even the output folder. Each problem is one line
naming the field, the value and the fix.
"""

from __future__ import annotations

import json
import keyword
import re
import unicodedata
from functools import cache
from pathlib import Path

RESERVED_NAMES = Path(__file__).parent / "templates" / "locks" / "reserved-names.json"


@cache
def reserved_names() -> dict:
    """Names a package may not take: templates/locks/reserved-names.json."""
    return json.loads(RESERVED_NAMES.read_text(encoding="utf-8"))


MAX_NAME = 40  # slug and package: Docker, Compose and Kubernetes names get suffixes
ONE_LINE = ("project_name", "description", "author_name", "author_email")
# A Docker image name component, a Compose project name and a Kubernetes name
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PACKAGE = re.compile(r"[a-z][a-z0-9_]*")
# What Poetry accepts for an author's e-mail (the "email" format of the JSON
# schema it validates pyproject.toml with)
EMAIL = re.compile(r"(?!.*\.\..*@)[^@.][^@]*(?<!\.)@[^@]+\.[^@]+")
VERSION = re.compile(r"[0-9]+(?:\.[0-9]+){1,3}")
JINJA = re.compile(r"\{[{%#]")


def line_breaking(text):
    """Characters that would end a line or hide in one: C0/C1 controls, separators."""
    return sorted(
        {f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) in {"Cc", "Cs", "Zl", "Zp"}}
    )


def free_text_problems(answers):
    for field in ONE_LINE:
        value = answers[field]
        if not isinstance(value, str):
            yield field, f"{field} must be text, not {value!r}."
            continue
        bad = line_breaking(value)
        if bad:
            yield (
                field,
                (
                    f"{field} {value!r} holds control or line-break characters "
                    f"({', '.join(bad)}). Give it on one line, without them."
                ),
            )
    for field, value in answers.items():
        if not field.startswith("_") and isinstance(value, str) and JINJA.search(value):
            yield (
                field,
                (
                    f"{field} {value!r} holds '{{{{', '{{%' or '{{#'. Cookiecutter and cruft read "
                    "answers again as Jinja templates when the project is updated, so such a "
                    "value cannot survive an update. Leave those character pairs out."
                ),
            )


def name_problems(answers):
    slug = answers["project_slug"]
    slug_ok = bool(slug) and len(slug) <= MAX_NAME and SLUG.fullmatch(slug)
    if not slug:
        yield (
            "project_slug",
            (
                "project_slug is empty: the project name has no letters or digits to make it "
                "from. Give one, e.g. project_slug=hello-service."
            ),
        )
    elif not slug_ok:
        yield (
            "project_slug",
            (
                f"project_slug {slug!r} is not a valid Docker image, Compose project and "
                f"Kubernetes name. Use at most {MAX_NAME} lowercase letters and digits, "
                "separated by single '-', e.g. 'hello-service'."
            ),
        )
    package = answers["package_name"]
    if not slug_ok and package == slug.replace("-", "_"):
        return  # derived from the slug: fixing the slug fixes it
    if len(package) > MAX_NAME or not PACKAGE.fullmatch(package):
        yield (
            "package_name",
            (
                f"package_name {package!r} is not a plain lowercase Python identifier. Use at "
                f"most {MAX_NAME} lowercase letters, digits and '_', starting with a letter, "
                "e.g. 'hello_service'."
            ),
        )
    elif keyword.iskeyword(package) or keyword.issoftkeyword(package):
        yield (
            "package_name",
            (
                f"package_name {package!r} is a Python keyword. Pick another name, "
                f"e.g. '{package}_service'."
            ),
        )
    else:
        clash = shadowed(package)
        if clash:
            yield (
                "package_name",
                (
                    f"package_name {package!r} would shadow {clash}. Pick another name, "
                    f"e.g. '{package}_service'."
                ),
            )


def shadowed(package):
    """What importing `package` would hide, or None."""
    reserved = reserved_names()
    versions = [v for v, names in reserved["stdlib"].items() if package in names]
    if versions:
        return f"the standard library module of the same name (Python {', '.join(versions)})"
    if package in reserved["locked"]:
        return "a package the project installs (it is in the shipped poetry.lock)"
    if package in reserved["special"]:
        return "a name Python or the project's tools treat specially"
    return None


def metadata_problems(answers):
    email = answers["author_email"]
    if not EMAIL.fullmatch(email):
        yield (
            "author_email",
            (
                f"author_email {email!r} is not an e-mail address Poetry accepts. "
                "Use the form name@example.com."
            ),
        )
    if "<" in answers["author_name"] or ">" in answers["author_name"]:
        yield (
            "author_name",
            (
                f"author_name {answers['author_name']!r} holds '<' or '>', which Poetry "
                "reads as the start of an e-mail address. Leave them out."
            ),
        )
    if not answers["project_name"].strip():
        yield (
            "project_name",
            ("project_name is empty. Give the project a name, e.g. 'Hello Service'."),
        )


def choice_problems(answers):
    if answers["docker_level"] not in answers["_levels"]:
        yield (
            "docker_level",
            (
                f"docker_level {answers['docker_level']!r} is not a level. Use one of: "
                + ", ".join(answers["_levels"])
            ),
        )
    for tool, version in answers["_tools"].items():
        if not isinstance(version, str) or not VERSION.fullmatch(version):
            yield (
                f"_tools.{tool}",
                (f"_tools.{tool} {version!r} is not a release version such as '1.2.3'."),
            )


def problems(answers):
    """(field, message) for every answer that cannot be baked."""
    # Free text first: the other checks assume text on one line
    found = list(free_text_problems(answers))
    if found:
        return found
    for check in (name_problems, metadata_problems, choice_problems):
        found += list(check(answers))
    return found
