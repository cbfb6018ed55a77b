"""Fast tier: every combination of answers bakes into a clean, consistent project.

Every test runs once per combination in harness.matrix.full_matrix() (100
today), or once per combination it applies to; `project` is the baked
project (tests/conftest.py).
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from importlib.resources import files

import jsonschema
import pytest
import yaml
from ruamel.yaml import YAML

from harness.baking import bake_into
from harness.matrix import LEVELS, every_level, for_answers, full_matrix
from harness.process import run
from harness.tools import BIN, CHECKOV, git, poetry_export, tool_env

EVERY = for_answers(full_matrix())


JINJA = re.compile(r"{{|}}|{%|%}|{#|#}")
GITHUB_EXPRESSION = re.compile(r"\$\{\{ [\w.]+ \}\}")


YAML12 = YAML(typ="safe")  # YAML 1.2, as check-jsonschema reads it: `on:` stays a string


@cache
def schema_validator(name: str):
    """A validator for one of the schemas check-jsonschema ships: `vendor.<name>` for a bare
    name, as its --builtin-schema option names them."""
    group, _, name = name.rpartition(".")
    schema = json.loads(
        files(f"check_jsonschema.builtin_schemas.{group or 'vendor'}")
        .joinpath(f"{name}.json")
        .read_text()
    )
    validator = jsonschema.validators.validator_for(schema)
    return validator(schema, format_checker=validator.FORMAT_CHECKER)  # as check-jsonschema does


def assert_valid(schema: str, path) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in schema_validator(schema).iter_errors(YAML12.load(path.read_text()))
    ]
    assert not errors, f"{path.name} does not validate against {schema}: {errors}"


def text_files(project):
    """(relative path, text) of every file but poetry.lock."""
    for path in project.files():
        if path.name != "poetry.lock":
            yield path.relative_to(project.path), path.read_text()


@EVERY
def test_bake_leaves_no_jinja_in_file_names(project):
    for path in project.files():
        relative = path.relative_to(project.path)
        assert not JINJA.search(str(relative)), f"Jinja left in the name {relative}"


@EVERY
def test_bake_leaves_no_jinja_in_file_contents(project):
    for relative, text in text_files(project):
        if relative.parts[:2] == (".github", "workflows"):
            text = GITHUB_EXPRESSION.sub("", text)  # ${{ ... }} belongs to GitHub Actions
        assert not JINJA.search(text), f"Jinja left in {relative}"


@EVERY
def test_every_file_ends_with_exactly_one_newline(project):
    for relative, text in text_files(project):
        assert not text.endswith("\n\n"), f"{relative} ends with a blank line"
        assert text.endswith("\n"), f"{relative} does not end with a newline"


@EVERY
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


@EVERY
def test_dockerfiles_pass_hadolint(project):
    dockerfiles = sorted(project.path.glob("*Dockerfile"))
    assert dockerfiles
    found = run([BIN / "hadolint", "--no-color", *dockerfiles], cwd=project.path, check=False)
    assert found.returncode == 0, (
        f"{found.stdout}{found.stderr}(line numbers are the baked file's: the template is "
        f"templates/docker/{project.answers.docker_level}*.Dockerfile)"
    )


@for_answers(every_level())
def test_checkov_flags_a_dockerfile_only_for_a_missing_user_or_health_check(project):
    assert CHECKOV.exists(), "checkov is missing: run `bash scripts/dev-env`"
    for dockerfile in sorted(project.path.glob("*Dockerfile")):
        checks = ["--framework", "dockerfile", "--skip-download", "--compact", "-o", "json"]
        proc = run([CHECKOV, "-f", dockerfile, *checks], timeout=300, check=False)
        assert proc.stdout.lstrip().startswith("{"), f"checkov said:\n{proc.stdout}{proc.stderr}"
        report = json.loads(proc.stdout)
        assert report["summary"]["passed"] > 0 and report["summary"]["parsing_errors"] == 0
        failed = {check["check_id"] for check in report["results"]["failed_checks"]}
        # Only what a level leaves out on purpose: a USER (it runs as root), a HEALTHCHECK
        expected = {"CKV_DOCKER_3"} if project.facts["user_id"] is None else set()
        expected |= {"CKV_DOCKER_2"} if not project.facts["health_check"] else set()
        assert failed == expected, f"{dockerfile.name}: {failed}"


@EVERY
def test_compose_file_validates_against_compose_spec(project):
    assert_valid("compose-spec", project.path / "compose.yaml")


@for_answers(every_level())
def test_compose_publishes_every_port_on_this_machine_alone(project):
    """Docker opens a published port past host firewalls: 8000:8000 would serve the network."""
    services = yaml.safe_load((project.path / "compose.yaml").read_text())["services"]
    for name, service in services.items():
        ports = service.get("ports", [])
        assert all(str(port).startswith("127.0.0.1:") for port in ports), f"{name}: {ports}"


@EVERY
def test_workflows_validate_against_their_schema(project):
    workflows = sorted((project.path / ".github" / "workflows").glob("*.yml"))
    assert {"ci.yml", "release.yml"} <= {path.name for path in workflows}
    for path in workflows:
        assert_valid("github-workflows", path)


@EVERY
def test_every_workflow_job_has_a_time_limit(project):
    for path in sorted((project.path / ".github" / "workflows").glob("*.yml")):
        assert_valid("custom.github-workflows-require-timeout", path)


@EVERY
def test_dependabot_file_validates_against_its_schema(project):
    assert_valid("dependabot", project.path / ".github" / "dependabot.yml")


def ci_steps(project) -> str:
    workflow = yaml.safe_load((project.path / ".github" / "workflows" / "ci.yml").read_text())
    return " ".join(str(step) for job in workflow["jobs"].values() for step in job["steps"])


@EVERY
def test_ci_workflow_runs_the_tests_hadolint_and_the_image_build(project):
    steps = ci_steps(project)
    wanted = ["poetry run pytest", "hadolint", "build-push-action"]
    assert [word for word in wanted if word not in steps] == [], "missing from ci.yml's steps"


@EVERY
def test_ci_workflow_lints_with_ruff_through_pre_commit_or_itself(project):
    steps = ci_steps(project)
    assert "pre-commit run" in steps or ("ruff check" in steps and "ruff format --check" in steps)


@EVERY
def test_ci_workflow_runs_the_image_until_it_serves_health(project):
    workflow = yaml.safe_load((project.path / ".github" / "workflows" / "ci.yml").read_text())
    commands = " ".join(
        step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]
    )
    assert "docker run" in commands
    assert re.search(r"curl [^\n]*--fail[^\n]*/health", commands)


@EVERY
def test_ci_workflow_runs_pre_commit_exactly_when_the_project_has_hooks(project):
    has_hooks = (project.path / ".pre-commit-config.yaml").exists()
    assert ("pre-commit run" in ci_steps(project)) == has_hooks


@EVERY
def test_ci_workflow_checks_the_export_where_requirements_are_committed(project):
    assert ("poetry export --with prod" in ci_steps(project)) == project.facts["requirements"]


@EVERY
def test_dependabot_watches_docker_pip_github_actions_and_the_hooks_there_are(project):
    updates = yaml.safe_load((project.path / ".github" / "dependabot.yml").read_text())["updates"]
    expected = {"docker", "pip", "github-actions"}
    if project.answers.has_pre_commit:
        expected.add("pre-commit")
    assert {update["package-ecosystem"] for update in updates} == expected


@for_answers(every_level())
def test_dependabot_proposes_lock_changes_never_a_pin_in_the_exported_requirements(project):
    updates = yaml.safe_load((project.path / ".github" / "dependabot.yml").read_text())["updates"]
    (pip,) = [update for update in updates if update["package-ecosystem"] == "pip"]
    excluded = "requirements.txt" in pip.get("exclude-paths", [])
    assert excluded == (project.path / "requirements.txt").exists()


@EVERY
def test_answers_are_recorded_for_cruft_link(project):
    recorded = json.loads((project.path / ".cookiecutter.json").read_text())
    assert recorded["docker_level"] == project.answers.docker_level
    assert recorded["python_version"] == project.answers.python_version
    assert recorded["use_pre_commit"] == project.answers.use_pre_commit


@EVERY
def test_private_template_settings_are_not_recorded(project):
    recorded = json.loads((project.path / ".cookiecutter.json").read_text())
    assert not [key for key in recorded if key.startswith("_")]


@EVERY
def test_poetry_lock_is_in_step_with_pyproject(project):
    run([BIN / "poetry", "check", "--lock"], cwd=project.path, env=tool_env())


@EVERY
def test_requirements_txt_is_committed_only_where_the_level_reads_it(project):
    assert (project.path / "requirements.txt").exists() == project.facts["requirements"]


@for_answers(a for a in full_matrix() if a.facts["requirements"])
def test_committed_requirements_equal_poetry_export(project, tmp_path):
    exported = poetry_export(project.path, tmp_path / "requirements.txt")
    assert (project.path / "requirements.txt").read_bytes() == exported.read_bytes()


@for_answers(a for a in every_level() if a.facts["requirements"])
def test_an_export_with_windows_line_endings_commits_as_the_file_ci_compares(project_copy):
    # Poetry on Windows writes requirements.txt with CRLF; git must store it as LF
    git("init", "-q", cwd=project_copy)
    git("add", "-A", cwd=project_copy)
    git("commit", "-q", "-m", "baked", cwd=project_copy)
    requirements = project_copy / "requirements.txt"
    requirements.write_bytes(requirements.read_bytes().replace(b"\n", b"\r\n"))
    git("add", "requirements.txt", cwd=project_copy)

    assert git("diff", "--cached", "--name-only", cwd=project_copy) == ""


@EVERY
def test_baked_python_passes_ruff_check(project):
    run([BIN / "ruff", "check", "--no-cache", "."], cwd=project.path)


@EVERY
def test_baked_python_passes_ruff_format(project):
    run([BIN / "ruff", "format", "--no-cache", "--check", "."], cwd=project.path)


@EVERY
def test_pre_commit_config_present_when_asked_or_needed(project):
    config = project.path / ".pre-commit-config.yaml"
    assert config.exists() == project.answers.has_pre_commit


@EVERY
def test_readme_lists_the_pre_commit_config_among_cruft_files_only_when_there_is_one(project):
    readme = (project.path / "README.md").read_text()
    assert ("pre-commit config, lock file" in readme) == project.answers.has_pre_commit


@EVERY
def test_package_layout_follows_the_level(project):
    package = project.path / "src" / "hello_service"
    flat = project.path / "hello_service"
    if project.facts["src_layout"]:
        assert package.is_dir() and not flat.exists()
    else:
        assert flat.is_dir() and not (project.path / "src").exists()


@EVERY
def test_dockerfile_uses_the_chosen_python(project):
    version = project.answers.python_version
    for dockerfile in project.path.glob("*Dockerfile"):
        bases = re.findall(r"^FROM (\S+)", dockerfile.read_text(), re.M)
        images = [b for b in bases if b != "scratch"]  # scratch: an empty image, no Python
        assert images and all(b.startswith(f"python:{version}") for b in images), bases


@pytest.mark.parametrize("use_pre_commit", [True, False], ids=["pre-commit", "no-pre-commit"])
@pytest.mark.parametrize("level", LEVELS)
def test_the_next_steps_say_pre_commit_install_exactly_when_the_project_has_hooks(
    level, use_pre_commit, tmp_path, capfd
):
    project = bake_into(tmp_path, docker_level=level, use_pre_commit=use_pre_commit)
    steps = capfd.readouterr().out
    says = re.search(r"^  pre-commit install +#", steps, flags=re.M) is not None
    assert says == (project / ".pre-commit-config.yaml").exists()


@pytest.mark.parametrize("level", LEVELS)
def test_the_next_steps_run_the_commands_the_readme_gives(level, tmp_path, capfd):
    project = bake_into(tmp_path, docker_level=level)
    blocks = re.findall(r"```bash\n(.*?)```", (project / "README.md").read_text(), flags=re.S)
    given = {
        command.strip()
        for block in blocks
        for line in block.splitlines()
        for command in line.split(" #")[0].split(" && ")
    }
    printed = capfd.readouterr().out
    tools = r"poetry|docker|curl|pre-commit"
    steps = re.findall(rf"^  ((?:{tools}) .*?)(?: +#.*)?$", printed, flags=re.M)
    commands = [command for step in steps for command in step.split(" && ")]
    assert len(commands) >= 4, steps
    assert [command for command in commands if command not in given] == []


@pytest.mark.parametrize("level", LEVELS)
def test_a_pre_commit_config_baked_though_declined_is_explained_in_a_note(level, tmp_path, capfd):
    project = bake_into(tmp_path, docker_level=level, use_pre_commit=False)
    note = "NOTE: .pre-commit-config.yaml was added although use_pre_commit is off"
    assert (note in capfd.readouterr().out) == (project / ".pre-commit-config.yaml").exists()
