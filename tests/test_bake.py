"""Fast tier: every combination of answers bakes into a clean, consistent project."""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from importlib.resources import files

import jsonschema
import pytest
import yaml
from conftest import full_matrix, run
from ruamel.yaml import YAML
from tooling import BIN

MATRIX = [pytest.param(answers, id=answers.id) for answers in full_matrix()]
JINJA = re.compile(r"{{|}}|{%|%}|{#|#}")
GITHUB_EXPRESSION = re.compile(r"\$\{\{ [\w.]+ \}\}")


YAML12 = YAML(typ="safe")  # YAML 1.2, as check-jsonschema reads it: `on:` stays a string


@cache
def schema_validator(name: str):
    """A validator for one of the schemas check-jsonschema ships (vendor.<name>)."""
    schema = json.loads(
        files("check_jsonschema.builtin_schemas.vendor").joinpath(f"{name}.json").read_text()
    )
    return jsonschema.validators.validator_for(schema)(schema)


def assert_valid(schema: str, path) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in schema_validator(schema).iter_errors(YAML12.load(path.read_text()))
    ]
    assert not errors, f"{path.name} does not validate against {schema}: {errors}"


@pytest.fixture(params=MATRIX)
def project(request, bake):
    return bake(request.param)


def test_bake_leaves_no_jinja_in_names_or_contents(project):
    for path in project.files():
        relative = path.relative_to(project.path)
        assert not JINJA.search(str(relative)), f"Jinja left in the name {relative}"
        if path.name == "poetry.lock":
            continue
        text = path.read_text()
        if relative.parts[:2] == (".github", "workflows"):
            text = GITHUB_EXPRESSION.sub("", text)  # ${{ ... }} belongs to GitHub Actions
        assert not JINJA.search(text), f"Jinja left in {relative}"
        assert not text.endswith("\n\n"), f"{relative} ends with a blank line"
        assert text.endswith("\n"), f"{relative} does not end with a newline"


def test_every_toml_and_yaml_file_parses(project):
    parsed = 0
    for path in project.files():
        if path.suffix == ".toml" or path.name == "poetry.lock":
            tomllib.loads(path.read_text())
            parsed += 1
        elif path.suffix in {".yaml", ".yml"}:
            yaml.safe_load(path.read_text())
            parsed += 1
    assert parsed >= 3  # pyproject.toml, poetry.lock, compose.yaml at least


def test_dockerfiles_pass_hadolint(project):
    dockerfiles = sorted(project.path.glob("*Dockerfile"))
    assert dockerfiles
    run([BIN / "hadolint", *dockerfiles], cwd=project.path)


def test_compose_file_validates_against_compose_spec(project):
    assert_valid("compose-spec", project.path / "compose.yaml")


def test_workflows_and_dependabot_validate_against_their_schemas(project):
    workflows = sorted((project.path / ".github" / "workflows").glob("*.yml"))
    assert {"ci.yml", "release.yml"} <= {path.name for path in workflows}
    for path in workflows:
        assert_valid("github-workflows", path)
    assert_valid("dependabot", project.path / ".github" / "dependabot.yml")
    workflow = yaml.safe_load((project.path / ".github" / "workflows" / "ci.yml").read_text())
    steps = " ".join(str(step) for job in workflow["jobs"].values() for step in job["steps"])
    assert "poetry run pytest" in steps and "hadolint" in steps and "build-push-action" in steps
    assert ("pre-commit run" in steps) == (project.path / ".pre-commit-config.yaml").exists()
    assert ("poetry export --with prod" in steps) == project.facts["requirements"]
    ecosystems = {
        update["package-ecosystem"]
        for update in yaml.safe_load((project.path / ".github" / "dependabot.yml").read_text())[
            "updates"
        ]
    }
    assert ecosystems == {"docker", "pip", "github-actions"}


def test_answers_are_recorded_for_cruft_link(project):
    recorded = json.loads((project.path / ".cookiecutter.json").read_text())
    assert recorded["docker_level"] == project.answers.docker_level
    assert recorded["python_version"] == project.answers.python_version
    assert recorded["use_pre_commit"] == project.answers.use_pre_commit
    assert not [key for key in recorded if key.startswith("_")]


def test_poetry_lock_is_in_step_with_pyproject(project):
    run([BIN / "poetry", "check", "--lock"], cwd=project.path)


def test_committed_requirements_equal_poetry_export(project, tmp_path):
    committed = project.path / "requirements.txt"
    if not project.facts["requirements"]:
        assert not committed.exists()
        return
    exported = tmp_path / "requirements.txt"
    run(
        [BIN / "poetry", "export", "--with", "prod", "--output", exported],
        cwd=project.path,
    )
    assert committed.read_bytes() == exported.read_bytes()


def test_baked_python_passes_ruff_check_and_format(project):
    run([BIN / "ruff", "check", "--no-cache", "."], cwd=project.path)
    run([BIN / "ruff", "format", "--no-cache", "--check", "."], cwd=project.path)


def test_pre_commit_config_present_when_asked_or_needed(project):
    config = project.path / ".pre-commit-config.yaml"
    # extra-2 cannot work without the export hook, so it always gets the config
    needed = project.answers.use_pre_commit or project.facts["needs_pre_commit"]
    assert config.exists() == needed
    if not needed:
        return
    repos = yaml.safe_load(config.read_text())["repos"]
    hooks = {h["id"] for repo in repos for h in repo["hooks"]}
    assert {"poetry-check", "poetry-lock", "ruff-check", "ruff-format"} <= hooks
    assert all(repo["repo"].startswith("https://github.com/") for repo in repos)
    assert ("poetry-export" in hooks) == project.facts["requirements"]


def test_layout_follows_the_level(project):
    package = project.path / "src" / "hello_service"
    flat = project.path / "hello_service"
    if project.facts["src_layout"]:
        assert package.is_dir() and not flat.exists()
    else:
        assert flat.is_dir() and not (project.path / "src").exists()
    assert (project.path / "tests" / "test_app.py").is_file()


def test_dockerfile_uses_the_chosen_python(project):
    version = project.answers.python_version
    for dockerfile in project.path.glob("*Dockerfile"):
        bases = re.findall(r"^FROM (\S+)", dockerfile.read_text(), re.M)
        assert bases and all(b.startswith(f"python:{version}") for b in bases), bases
