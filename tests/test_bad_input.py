"""Bad answers stop the bake with a clear ERROR: and leave nothing on disk."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
from packaging.utils import canonicalize_name

import answer_checks
from harness import PROJECT_TEMPLATE
from harness.baking import bake_into, refused_bake
from harness.locks import every_locked_package

CASES = {
    "slug-with-space": ({"project_slug": "hello service"}, "'hello service'"),
    "slug-uppercase": ({"project_slug": "Hello"}, "'Hello'"),
    "slug-leading-dash": ({"project_slug": "-hello"}, "'-hello'"),
    "slug-with-dot": ({"project_slug": "hello.service"}, "'hello.service'"),
    "package-with-dash": ({"package_name": "hello-service"}, "'hello-service'"),
    "package-starts-with-digit": ({"package_name": "1hello"}, "'1hello'"),
    "package-keyword": ({"package_name": "class"}, "'class'"),
    "package-soft-keyword": ({"package_name": "match"}, "'match'"),
    # Soft keywords of newer Pythons than the one running the tests: refused on every host
    "package-soft-keyword-from-3.12": ({"package_name": "type"}, "'type'"),
    "package-soft-keyword-from-3.15": ({"package_name": "lazy"}, "'lazy'"),
    "package-shadows-flask": ({"package_name": "flask"}, "'flask'"),
    "package-shadows-gunicorn": ({"package_name": "gunicorn"}, "'gunicorn'"),
    "package-shadows-stdlib": ({"package_name": "json"}, "'json'"),
    "package-named-tests": ({"package_name": "tests"}, "'tests'"),
    "package-shadows-stdlib-tests": ({"package_name": "test"}, "'test'"),
    "package-named-like-the-manifests-folder": ({"package_name": "deploy"}, "'deploy'"),
    "package-shadows-the-lock-exporter": (
        {"package_name": "export_requirements"},
        "'export_requirements'",
    ),
    "package-shadows-the-bytecode-compiler": (
        {"package_name": "compile_bytecode"},
        "'compile_bytecode'",
    ),
    **{
        f"slug-the-windows-device-{name}": (
            {"project_slug": name},
            f"project_slug '{name}' is a device name",
        )
        for name in ("con", "prn", "aux", "nul", "com0", "com9", "lpt0", "lpt9")
    },
    **{
        f"package-the-windows-device-{name}": (
            {"package_name": name},
            f"package_name '{name}' is a device",
        )
        for name in ("con", "prn", "aux", "nul", "com1", "lpt1")
    },
    "slug-the-default-kubernetes-namespace": (
        {"project_slug": "default"},
        "project_slug 'default' names a namespace of the Kubernetes cluster itself",
    ),
    "slug-a-kubernetes-system-namespace": (
        {"project_slug": "kube-system"},
        "project_slug 'kube-system' names a namespace of the Kubernetes cluster itself",
    ),
    "slug-in-kubernetes-reserved-prefix": (
        {"project_slug": "kube-billing"},
        "project_slug 'kube-billing' names a namespace of the Kubernetes cluster itself",
    ),
    "slug-in-openshifts-reserved-prefix": (
        {"project_slug": "openshift-billing"},
        "project_slug 'openshift-billing' names a namespace of the Kubernetes cluster itself",
    ),
    "slug-openshift-itself": (
        {"project_slug": "openshift", "package_name": "my_app"},
        "project_slug 'openshift' names a namespace of the Kubernetes cluster itself",
    ),
    "slug-names-a-locked-package": (
        {"project_slug": "flask", "package_name": "my_app"},
        "project_slug 'flask' is the name of a package installed next to the project",
    ),
    "slug-names-pip": (
        {"project_slug": "pip", "package_name": "my_app"},
        "project_slug 'pip' is the name of a package installed next to the project",
    ),
    "email-without-at": ({"author_email": "jane.example.com"}, "'jane.example.com'"),
    "email-with-two-addresses": (
        {"author_email": "jane@example.com, bob@example.com"},
        "holds a space and ',', which a package's Author-email field reads as more than one "
        "address. Give one address, e.g. 'jane@example.com'",
    ),
    "email-with-a-space": (
        {"author_email": "jane doe@example.com"},
        "'jane doe@example.com' holds a space, which",
    ),
    "email-with-angle-bracket": ({"author_email": "a>b@example.com"}, "'a>b@example.com'"),
    "email-with-a-name": (
        {"author_email": "Jane Doe <jane@example.com>"},
        "holds a name and an address. Give the address alone, 'jane@example.com'",
    ),
    "email-blank": ({"author_email": "  "}, "author_email '  ' is empty. Give one,"),
    "email-with-spaces-around": (
        {"author_email": " jane@example.com"},
        "has spaces around it. Give it without them: 'jane@example.com'",
    ),
    "email-as-a-link": (
        {"author_email": "mailto:jane@example.com"},
        "starts with 'mailto:', which links use. Give the address alone: 'jane@example.com'",
    ),
    "email-with-a-backslash": (
        {"author_email": "jane@example.com\\"},
        "'jane@example.com\\\\' is not an e-mail address",
    ),
    "email-as-a-link-in-capitals": (
        {"author_email": "MAILTO:jane@example.com"},
        "starts with 'mailto:', which links use. Give the address alone: 'jane@example.com'",
    ),
    "email-with-brackets-around-no-address": (
        {"author_email": "Jane <jane>"},
        "'Jane <jane>' holds '<' or '>', which end the address",
    ),
    "email-with-two-addresses-and-a-semicolon": (
        {"author_email": "jane@example.com;bob@example.com"},
        "holds ';', which a package's Author-email field reads as more than one address. "
        "Give one address, e.g. 'jane@example.com'.",
    ),
    "email-with-a-space-in-one-address": (
        {"author_email": "jane doe@example.com"},
        "reads as more than one address. Give one address, in the form name@example.com.",
    ),
    "email-with-a-trailing-dot": (
        {"author_email": "jane@example.com."},
        "'jane@example.com.' is not an e-mail address",
    ),
    "author-name-with-angle-bracket": ({"author_name": "Jane <JD>"}, "'Jane <JD>'"),
    "author-name-with-one-angle-bracket": (
        {"author_name": "Jane <Doe"},
        "Give the name alone, e.g. 'Jane Doe'",
    ),
    "author-name-with-its-address": (
        {"author_name": "Jane Doe <jane@example.com>"},
        "Give the name alone, e.g. 'Jane Doe'",
    ),
    "author-name-with-a-comma": (
        {"author_name": "Doe, Jane"},
        "author_name 'Doe, Jane' holds ',', which a package's Author field reads as a list of "
        "names (pyproject.toml's rules forbid it in a name). Give it without, e.g. 'Jane Doe'",
    ),
    "author-name-with-a-suffix-after-a-comma": (
        {"author_name": "Jane Doe, PhD"},
        "Give it without, e.g. 'Jane Doe PhD'.",
    ),
    "author-name-invisible": (
        {"author_name": "\u200b"},
        "author_name (U+200B) shows nothing. Leave it empty",
    ),
    "name-blank": ({"project_name": "   ", "project_slug": "x"}, "project_name is empty"),
    "name-invisible": (
        {"project_name": "\u200b\u3164\u200f", "project_slug": "x"},
        "project_name (U+200B U+3164 U+200F) shows nothing",
    ),
    "name-too-long": ({"project_name": "N" * 201}, "201 characters long"),
    "description-longer-than-pypi-takes": ({"description": "d" * 513}, "513 characters long"),
    "author-name-too-long": ({"author_name": "A" * 201}, "201 characters long"),
    "email-longer-than-an-address-can-be": (
        {"author_email": "a" * 243 + "@example.com"},
        "255 characters long",
    ),
}


def test_a_device_name_made_from_the_project_name_is_refused_once_with_a_slug_to_give(
    tmp_path, capfd
):
    (error,) = refused_bake(tmp_path, capfd, project_name="Aux")
    assert error.startswith("ERROR: project_slug 'aux' (the slug of project_name 'Aux') ")
    assert error.endswith("project_slug=aux-service.")


def test_a_kubernetes_namespace_made_from_the_project_name_is_refused_with_a_slug_to_give(
    tmp_path, capfd
):
    (error,) = refused_bake(tmp_path, capfd, project_name="Kube System")
    assert error.startswith("ERROR: project_slug 'kube-system' (the slug of project_name ")
    assert error.endswith("project_slug=app-kube-system.")
    assert bake_into(tmp_path, project_name="Kube System", project_slug="app-kube-system")


@pytest.mark.parametrize(
    "name", ["2048 Game", "1 Kube", "2 Kube Proxy", "123", "Aux", "Kube System", "9 " + "x" * 39]
)
def test_the_slug_a_refusal_offers_for_a_project_name_is_accepted(name, tmp_path, capfd):
    (error,) = refused_bake(tmp_path, capfd, project_name=name)
    offered = re.search(r"e\.g\. project_slug=([\w-]+)\.$", error).group(1)
    assert bake_into(tmp_path, project_name=name, project_slug=offered).is_dir()


@pytest.mark.parametrize("answers, bad", CASES.values(), ids=CASES.keys())
def test_bad_answer_is_refused_and_leaves_nothing(answers, bad, tmp_path, capfd):
    error_lines = refused_bake(tmp_path, capfd, **answers)
    assert any(bad in line for line in error_lines), error_lines
    assert any(("e.g." in line or "Use " in line or "Give " in line) for line in error_lines)


@pytest.mark.parametrize(
    "slug", sorted({canonicalize_name(package["name"]) for package in every_locked_package()})
)
def test_a_slug_that_names_a_locked_package_is_refused(slug, tmp_path, capfd):
    """The project's own package takes the slug's name: installing it would replace that one."""
    (error,) = refused_bake(tmp_path, capfd, project_slug=slug, package_name="my_app")
    assert error.startswith(f"ERROR: project_slug '{slug}' is the name of a package installed")
    assert error.endswith(f"e.g. project_slug={slug}-service.")


def test_a_locked_package_name_made_from_the_project_name_is_refused_with_a_slug_to_give(
    tmp_path, capfd
):
    (error,) = refused_bake(tmp_path, capfd, project_name="Flask")
    assert error.startswith("ERROR: project_slug 'flask' (the slug of project_name 'Flask')")
    assert bake_into(tmp_path, project_name="Flask", project_slug="flask-service").is_dir()


@pytest.mark.parametrize("slug", ["poetry", "uv", "pre-commit"])
def test_a_tool_that_runs_from_an_environment_of_its_own_is_a_slug_like_any_other(slug, tmp_path):
    assert bake_into(tmp_path, project_slug=slug, package_name="my_app").is_dir()


def test_a_blank_author_name_leaves_the_address_alone(tmp_path):
    project = bake_into(tmp_path, author_name=" ", docker_level="production-hardened")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["authors"] == [{"email": "jane@example.com"}]
    assert (
        'org.opencontainers.image.authors="jane@example.com"'
        in (project / "Dockerfile").read_text()
    )


def test_good_answers_with_underscores_bake(tmp_path):
    project = bake_into(tmp_path, project_name="Billing API v2", package_name="billing_api_v2")
    assert project.name == "billing-api-v2"


def test_answers_with_quotes_and_backslashes_are_data(tmp_path):
    description = "Says \"hi\" \\ and 'bye' <b>"
    project = bake_into(tmp_path, description=description, author_name='O"Brien')
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == description
    assert pyproject["project"]["authors"][0]["name"] == 'O"Brien'


def ignored_folder_names() -> list[str]:
    """The folders the baked .gitignore names that a package could be called."""
    gitignore = (PROJECT_TEMPLATE / ".gitignore").read_text()
    return re.findall(r"^/?([a-z][a-z0-9_]*)/$", gitignore, flags=re.M)


@pytest.mark.parametrize("package", ignored_folder_names())
def test_a_package_named_like_a_folder_git_ignores_is_refused(package, tmp_path, capfd):
    # At steps 1-4 the package sits at the project's root, where .gitignore keeps it out
    (error,) = refused_bake(tmp_path, capfd, package_name=package)
    assert error.startswith(f"ERROR: package_name {package!r} would shadow "), error


@pytest.mark.parametrize(
    "recorded",
    [
        pytest.param(
            {"project_name": "Aux", "project_slug": "aux", "package_name": "aux"},
            id="windows-device-both-names",
        ),
        pytest.param(
            {"project_name": "Default", "project_slug": "default", "package_name": "default"},
            id="kubernetes-namespace-slug-alone",
        ),
        pytest.param(
            {"project_name": "Colorama", "project_slug": "colorama", "package_name": "app"},
            id="installed-package-slug-alone",
        ),
    ],
)
def test_under_cruft_a_refused_slug_comes_with_the_names_cruft_must_be_given(recorded):
    # cruft renders with the recorded answers, package_name included, and adds _commit
    (problem,) = answer_checks.name_problems({**recorded, "_commit": "0" * 40})

    assert problem.field == "project_slug"
    (names,) = re.findall(r"--variables-to-update '(\{.*?\})'", problem.message)
    fixed = {**recorded, **json.loads(names), "_commit": "0" * 40}
    assert list(answer_checks.name_problems(fixed)) == []
