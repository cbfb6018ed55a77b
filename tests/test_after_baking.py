"""Life after baking: cruft create, link and update, and moves between levels.

Every test works on a git copy of the template as it is in this working tree,
so cruft sees a real repository with commits, the way users' tools do.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from harness import PROJECT_TEMPLATE, ROOT
from harness.baking import bake_into, render_part
from harness.matrix import DEFAULT_PYTHON, SERIES, Answers, every_level, for_answers
from harness.process import run
from harness.tools import BIN, GIT_IDENTITY, git, tool_env

CRUFT = BIN / "cruft"


def cruft(*args, cwd, check=True):
    return run([CRUFT, *args], cwd=cwd, env=tool_env(), check=check)


def template_files() -> list[str]:
    listed = run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT
    ).stdout.splitlines()
    return [name for name in listed if (ROOT / name).is_file()]


def make_template_repo(folder: Path) -> Path:
    """A git repository holding the template's files, one commit."""
    repo = folder / "pydocker-template"
    for name in template_files():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "template", cwd=repo)
    return repo


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory) -> Path:
    return make_template_repo(tmp_path_factory.mktemp("template"))


def cruft_create(template: Path, folder: Path, **answers) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cruft("create", template, "--no-input", "--output-dir", folder,
          "--extra-context", json.dumps(answers), cwd=folder)  # fmt: skip
    return folder / "hello-service"


def commit_all(project_dir: Path, message: str = "work") -> None:
    if not (project_dir / ".git").exists():
        git("init", "-q", "-b", "main", cwd=project_dir)
    git("add", "-A", cwd=project_dir)
    git("commit", "-q", "--allow-empty", "-m", message, cwd=project_dir)


def files_of(project_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(project_dir)): path.read_bytes()
        for path in sorted(project_dir.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(project_dir).parts
    }


def leftovers(project_dir: Path) -> list[str]:
    return [name for name in files_of(project_dir) if name.endswith((".rej", ".orig"))]


def test_cruft_create_records_the_template_and_answers(template_repo, tmp_path):
    project_dir = cruft_create(template_repo, tmp_path, docker_level="step-5-larger-project")
    state = json.loads((project_dir / ".cruft.json").read_text())
    assert state["template"] == str(template_repo)
    assert state["commit"] == git("rev-parse", "HEAD", cwd=template_repo).strip()
    assert state["context"]["cookiecutter"]["docker_level"] == "step-5-larger-project"
    assert (project_dir / "src" / "hello_service" / "main.py").is_file()


def readme_link_steps(project_dir: Path, template: Path, commit: str) -> list[str]:
    """The shell lines of the baked README's block that links a plain cookiecutter bake to
    its template, after `pipx install cruft`, with the template's address and the commit
    the project was baked from filled in."""
    readme = (project_dir / "README.md").read_text()
    (block,) = re.findall(r"```bash\npipx install cruft[^\n]*\n(.*?)```", readme, re.S)
    address = shlex.quote(str(template))
    return [
        line.replace("<template-url>", address).replace("<commit>", commit)
        for line in block.splitlines()
    ]


def bake_with_cookiecutter(template: Path, folder: Path, **answers) -> tuple[Path, str]:
    """A plain cookiecutter bake, committed; and the template commit it was baked from."""
    project_dir = bake_into(folder, template=template, **answers)
    commit_all(project_dir, "baked with cookiecutter")
    return project_dir, git("rev-parse", "HEAD", cwd=template).strip()


def link_as_the_readme_says(project_dir: Path, template: Path, commit: str) -> None:
    for line in readme_link_steps(project_dir, template, commit):
        run(["bash", "-c", line], cwd=project_dir, env=tool_env(**GIT_IDENTITY))


def test_plain_cookiecutter_bake_records_answers_and_can_be_linked(template_repo, tmp_path):
    answers = {"docker_level": "step-3-basic-improvements", "project_name": "Linked App"}
    project_dir, commit = bake_with_cookiecutter(template_repo, tmp_path, **answers)
    link_as_the_readme_says(project_dir, template_repo, commit)
    recorded = json.loads((project_dir / ".cookiecutter.json").read_text())
    assert recorded["docker_level"] == "step-3-basic-improvements"
    assert recorded["project_slug"] == "linked-app"
    assert not [key for key in recorded if key.startswith("_")]
    state = json.loads((project_dir / ".cruft.json").read_text())
    assert state["context"]["cookiecutter"]["docker_level"] == "step-3-basic-improvements"
    # Linked to the same commit it was baked from: nothing differs
    result = cruft(
        "diff", "--exit-code", "--project-dir", project_dir, cwd=project_dir, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cruft_update_applies_a_new_template_commit_cleanly(tmp_path):
    template = make_template_repo(tmp_path / "template")
    project_dir = cruft_create(template, tmp_path / "out", docker_level="final-result")
    (project_dir / "NOTES.md").write_text("my notes\n")
    own = project_dir / "src" / "hello_service" / "billing.py"
    own.write_text('"""My own module."""\n')
    commit_all(project_dir, "my work")

    # The template moves on: a new Gunicorn default and a newer pinned Poetry
    conf = template / PROJECT_TEMPLATE.name / "gunicorn.conf.py"
    conf.write_text(
        conf.read_text().replace('"GUNICORN_TIMEOUT", "30"', '"GUNICORN_TIMEOUT", "45"')
    )
    settings = json.loads((template / "cookiecutter.json").read_text())
    old_poetry = settings["_tools"]["poetry"]
    settings["_tools"]["poetry"] = "9.9.9"
    (template / "cookiecutter.json").write_text(json.dumps(settings, indent=2) + "\n")
    git("commit", "-q", "-am", "template: new defaults", cwd=template)

    cruft("update", "--skip-apply-ask", "--project-dir", project_dir, cwd=project_dir)

    assert '"GUNICORN_TIMEOUT", "45"' in (project_dir / "gunicorn.conf.py").read_text()
    config = (project_dir / ".pre-commit-config.yaml").read_text()
    assert "poetry==9.9.9" in config and f"poetry=={old_poetry}" not in config
    assert (project_dir / "NOTES.md").read_text() == "my notes\n"
    assert own.read_text() == '"""My own module."""\n'
    assert leftovers(project_dir) == []
    state = json.loads((project_dir / ".cruft.json").read_text())
    assert state["commit"] == git("rev-parse", "HEAD", cwd=template).strip()


def test_a_project_linked_after_the_template_moved_on_takes_the_updates_since_its_bake(tmp_path):
    template = make_template_repo(tmp_path / "template")
    project_dir, baked_from = bake_with_cookiecutter(template, tmp_path / "out")
    conf = template / PROJECT_TEMPLATE.name / "gunicorn.conf.py"
    conf.write_text(
        conf.read_text().replace('"GUNICORN_TIMEOUT", "30"', '"GUNICORN_TIMEOUT", "45"')
    )
    git("commit", "-q", "-am", "template: a new default", cwd=template)
    link_as_the_readme_says(project_dir, template, baked_from)

    cruft("update", "--skip-apply-ask", "--project-dir", project_dir, cwd=project_dir)

    assert '"GUNICORN_TIMEOUT", "45"' in (project_dir / "gunicorn.conf.py").read_text()
    assert leftovers(project_dir) == []


def test_the_copies_cruft_bakes_to_compare_print_no_next_steps(template_repo, tmp_path):
    project_dir = cruft_create(template_repo, tmp_path / "out")
    commit_all(project_dir, "baked")

    compared = cruft("diff", "--project-dir", project_dir, cwd=project_dir)

    assert "Next steps" not in compared.stdout + compared.stderr


def test_cruft_create_prints_the_next_steps_even_below_the_temporary_folder(
    template_repo, tmp_path
):
    created = cruft("create", template_repo, "--no-input", "--output-dir", tmp_path, cwd=tmp_path)

    assert "Next steps" in created.stdout


def test_the_printed_git_init_starts_on_main_the_branch_ci_runs_on(template_repo, tmp_path):
    created = cruft("create", template_repo, "--no-input", "--output-dir", tmp_path, cwd=tmp_path)
    (init,) = [line.strip() for line in created.stdout.splitlines() if "git init" in line]
    project_dir = tmp_path / "hello-service"
    # No git configuration: an older git's own default branch, master, unless told
    bare = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}

    run(["bash", "-c", init], cwd=project_dir, env=tool_env(**bare))

    assert git("symbolic-ref", "--short", "HEAD", cwd=project_dir, **bare).strip() == "main"
    assert "branches: [main]" in (project_dir / ".github" / "workflows" / "ci.yml").read_text()


def test_cruft_create_refuses_a_device_name_with_the_slug_to_give(template_repo, tmp_path):
    refused = cruft("create", template_repo, "--no-input", "--output-dir", tmp_path,
                    "--extra-context", json.dumps({"project_name": "Aux"}), cwd=tmp_path,
                    check=False)  # fmt: skip

    assert refused.returncode != 0
    assert "With cruft create, give another, e.g. project_slug=aux-service." in refused.stderr
    assert list(tmp_path.iterdir()) == []


ADJACENT = list(zip(SERIES, SERIES[1:], strict=False))
LONG_JUMPS = [
    ("step-1-kiss-requirements", "production-hardened"),
    ("production-hardened", "step-1-kiss-requirements"),
    ("step-2-kiss-poetry", "step-6-compiling-dependencies"),
    ("step-6-compiling-dependencies", "extra-2-moving-complexity"),
    ("final-result", "step-4-nontrivial-improvements"),
]
MOVES = [pytest.param(a, b, id=f"{a}-to-{b}") for a, b in ADJACENT + LONG_JUMPS]


def suggested_move(project) -> str:
    """The level that the README's `cruft update --variables-to-update` command moves to."""
    readme = (project.path / "README.md").read_text()
    (target,) = re.findall(r"""--variables-to-update '\{"docker_level": "([^"]+)"\}'""", readme)
    return target


@for_answers([a for a in every_level() if a.facts["in_series"]])
def test_the_readme_of_a_series_level_suggests_moving_beyond_the_series(project):
    assert suggested_move(project) == "production-hardened"


@for_answers([Answers("production-hardened")])
def test_the_readme_of_production_hardened_suggests_moving_back_to_the_final_result(project):
    assert suggested_move(project) == "final-result"


@pytest.mark.parametrize("source, target", MOVES)
def test_moving_between_levels_matches_baking_the_target(template_repo, tmp_path, source, target):
    project_dir = cruft_create(template_repo, tmp_path / "moved", docker_level=source)
    (project_dir / "NOTES.md").write_text("my notes survive level moves\n")
    commit_all(project_dir, f"baked at {source}")

    cruft("update", "--skip-apply-ask", "--project-dir", project_dir,
          "--variables-to-update", json.dumps({"docker_level": target}),
          cwd=project_dir)  # fmt: skip

    direct = cruft_create(template_repo, tmp_path / "direct", docker_level=target)
    assert_baked_as(project_dir, direct, own={"NOTES.md": b"my notes survive level moves\n"})


def assert_baked_as(moved: Path, direct: Path, own: dict[str, bytes]) -> None:
    """`moved` holds the files of the project baked at `direct`, the same answers in
    `.cruft.json`, the user's `own` files, and nothing else (no `.rej` or `.orig`)."""
    moved_files, direct_files = files_of(moved), files_of(direct)
    assert leftovers(moved) == []
    assert {name: moved_files.pop(name, None) for name in own} == own
    moved_state = json.loads(moved_files.pop(".cruft.json"))
    direct_state = json.loads(direct_files.pop(".cruft.json"))
    assert moved_state["context"] == direct_state["context"]
    assert sorted(moved_files) == sorted(direct_files)
    different = [name for name in direct_files if moved_files[name] != direct_files[name]]
    assert different == []


# Each level answered without pre-commit
PRE_COMMIT_UNASKED = [Answers(a.docker_level, use_pre_commit=False) for a in every_level()]


@for_answers([a for a in PRE_COMMIT_UNASKED if not a.has_pre_commit])
def test_a_readme_without_pre_commit_names_the_moves_that_add_its_config(project):
    readme = (project.path / "README.md").read_text()
    (names,) = re.findall(
        r"^- \*\*A move to (.+?)\*\* adds `\.pre-commit-config\.yaml`", readme, re.M
    )
    adding = [a.docker_level for a in PRE_COMMIT_UNASKED if a.has_pre_commit]
    assert re.findall(r"`([^`]+)`", names) == adding
    assert "run `pre-commit install`" in readme


def removal_before_the_move(project_dir: Path) -> list[list[str]]:
    """The commands of the README's `git rm ... && git commit ...` line, which removes the
    files its suggested move deletes."""
    readme = (project_dir / "README.md").read_text()
    (line,) = [line.strip() for line in readme.splitlines() if line.strip().startswith("git rm ")]
    return [shlex.split(command) for command in line.split(" && ")]


# The levels whose suggested move deletes files of theirs
DELETING_MOVES = [a.docker_level for a in every_level() if a.level["suggested_move_deletes"]]


@pytest.mark.parametrize("source", DELETING_MOVES)
def test_the_readmes_removal_lets_the_suggested_move_delete_files_you_changed(
    template_repo, tmp_path, source
):
    project_dir = cruft_create(template_repo, tmp_path / "moved", docker_level=source)
    target = Answers(source).level["suggested_move"]
    direct = cruft_create(template_repo, tmp_path / "direct", docker_level=target)
    commit_all(project_dir, f"baked at {source}")
    # Every file of the source that the target does not have (but the code, which a move
    # between layouts moves), changed as you or Dependabot would: git deletes a file only
    # while it is as the template wrote it
    code = Answers(source).level["package_dir"] + "/"
    for name in sorted(files_of(project_dir).keys() - files_of(direct).keys()):
        if name.startswith(code):
            continue
        with (project_dir / name).open("a") as file:
            file.write("\n# changed after the bake\n")
    commit_all(project_dir, "changed after the bake")

    for command in removal_before_the_move(project_dir):
        assert command[0] == "git", command
        git(*command[1:], cwd=project_dir)
    cruft("update", "--skip-apply-ask", "--project-dir", project_dir,
          "--variables-to-update", json.dumps({"docker_level": target}),
          cwd=project_dir)  # fmt: skip

    assert_baked_as(project_dir, direct, own={})


def test_without_the_removal_a_move_leaves_a_file_you_changed_behind(template_repo, tmp_path):
    source = DELETING_MOVES[0]
    project_dir = cruft_create(template_repo, tmp_path / "moved", docker_level=source)
    target = Answers(source).level["suggested_move"]
    commit_all(project_dir, f"baked at {source}")
    changed = Answers(source).level["suggested_move_deletes"][0]
    with (project_dir / changed).open("a") as file:
        file.write("\n# changed after the bake\n")
    commit_all(project_dir, "changed after the bake")

    cruft("update", "--skip-apply-ask", "--project-dir", project_dir,
          "--variables-to-update", json.dumps({"docker_level": target}),
          cwd=project_dir)  # fmt: skip

    assert (project_dir / changed).is_file()


@pytest.mark.parametrize(
    "address, url",
    [
        ("gh:org/pydocker-template", "https://github.com/org/pydocker-template.git"),
        ("gl:org/pydocker-template", "https://gitlab.com/org/pydocker-template.git"),
        ("https://github.com/org/pydocker-template", "https://github.com/org/pydocker-template"),
        ("git@github.com:org/pydocker-template.git", "git@github.com:org/pydocker-template.git"),
    ],
)
def test_the_readmes_cruft_link_names_the_remote_template_the_project_was_baked_from(address, url):
    readme = render_part("readme/_updates.md", _template=address)
    assert f"cruft link {url} --no-input" in readme


@pytest.mark.parametrize(
    "address", ["/home/jane/templates/pydocker", "pydocker-template", "https://example.com/t.zip"]
)
def test_the_readmes_cruft_link_leaves_a_local_or_zip_template_to_fill_in(address):
    readme = render_part("readme/_updates.md", _template=address)
    assert "cruft link <template-url> --no-input" in readme and address not in readme


@for_answers(every_level()[:1])
def test_a_project_baked_from_a_folder_keeps_that_folder_out_of_its_readme(project):
    # The session's bakes are made from this folder (the `bake` fixture)
    readme = (project.path / "README.md").read_text()
    assert "cruft link <template-url> --no-input" in readme
    assert str(ROOT) not in readme


def test_hostile_answers_survive_a_cruft_update(tmp_path):
    template = make_template_repo(tmp_path / "template")
    answers = {
        "project_name": 'Quote " backslash \\ brace } percent %} 😀',
        "project_slug": "hello-service",
        "description": "Costs $5 (or ${PRICE}), uses `code` and <b>tags</b> | pipes",
        "author_name": "O'Brien \\ Zoë",
        "docker_level": "production-hardened",
    }
    project_dir = cruft_create(template, tmp_path / "out", **answers)
    commit_all(project_dir, "baked")
    before = files_of(project_dir)

    readme = template / "README.md"
    readme.write_text(readme.read_text() + "\nA template change.\n")
    git("commit", "-q", "-am", "template: unrelated change", cwd=template)
    run([CRUFT, "update", "--skip-apply-ask", "--project-dir", project_dir], cwd=project_dir)

    after = files_of(project_dir)
    state = json.loads(after.pop(".cruft.json"))
    before.pop(".cruft.json")
    assert after == before
    recorded = state["context"]["cookiecutter"]
    assert {key: recorded[key] for key in answers} == answers


def test_cruft_update_renders_the_new_commit_with_its_own_hooks_data_names_and_filters(tmp_path):
    """cruft renders the old commit and the new one in one process: nothing of the first
    render (its loaded filters, checks or data) may judge the second."""
    template = make_template_repo(tmp_path / "template")
    project_dir = cruft_create(template, tmp_path / "out", docker_level="final-result")
    commit_all(project_dir, "baked")

    settings = json.loads((template / "cookiecutter.json").read_text())
    settings["python_version"].append("3.16")
    for facts in settings["_levels"].values():
        facts["changelog"] = True
    (template / "cookiecutter.json").write_text(json.dumps(settings, indent=2) + "\n")
    filters = template / "answer_filters.py"
    filters.write_text(
        filters.read_text().replace(
            "environment.filters.update(",
            "environment.filters.update(\n            shout=str.upper,",
        )
    )
    folder = template / PROJECT_TEMPLATE.name
    (folder / "{% if level(cookiecutter).changelog %}CHANGELOG.md{% endif %}").write_text(
        "{{ cookiecutter.project_name | shout }}\n"
    )
    hook = template / "hooks" / "post_gen_project.py"
    step = 'open("HOOKED", "w").write("{{ cookiecutter.project_slug }}\\n")\n'
    ending = '\nif __name__ == "__main__":'
    hook.write_text(hook.read_text().replace(ending, step + ending))
    git("add", "-A", cwd=template)
    git("commit", "-q", "-m", "template: new fact, filter, file, hook step, Python", cwd=template)

    cruft("update", "--skip-apply-ask", "--project-dir", project_dir,
          "--variables-to-update", json.dumps({"python_version": "3.16"}),
          cwd=project_dir)  # fmt: skip

    assert (project_dir / "CHANGELOG.md").read_text() == "HELLO SERVICE\n"
    assert (project_dir / "HOOKED").read_text() == "hello-service\n"
    assert "3.16" in (project_dir / "Dockerfile").read_text()
    assert leftovers(project_dir) == []
    state = json.loads((project_dir / ".cruft.json").read_text())
    assert state["commit"] == git("rev-parse", "HEAD", cwd=template).strip()


def test_one_process_baking_two_template_versions_judges_each_by_its_own_files(
    template_repo, tmp_path
):
    newer = make_template_repo(tmp_path / "newer")
    settings = json.loads((newer / "cookiecutter.json").read_text())
    settings["python_version"].append("3.16")
    (newer / "cookiecutter.json").write_text(json.dumps(settings, indent=2) + "\n")

    older = bake_into(tmp_path / "a", template=template_repo)
    newest = bake_into(tmp_path / "b", template=newer, python_version="3.16")
    assert f"python:{DEFAULT_PYTHON}" in (older / "Dockerfile").read_text()
    assert "python:3.16" in (newest / "Dockerfile").read_text()


def test_git_ignores_output_folders_at_the_root_only(tmp_path):
    project_dir = bake_into(tmp_path)
    package = next(p.parent for p in project_dir.rglob("main.py") if p.parent.name != "tests")
    kept = [package / name / "__init__.py" for name in ("build", "dist", "htmlcov", "venv")]
    ignored = [
        project_dir / name / "file" for name in ("build", "dist", "htmlcov", "venv", ".venv")
    ]
    for path in kept + ignored:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    git("init", "-q", cwd=project_dir)
    git("add", "-A", cwd=project_dir)
    tracked = {project_dir / name for name in git("ls-files", cwd=project_dir).split()}
    assert set(kept) <= tracked
    assert not set(ignored) & tracked
