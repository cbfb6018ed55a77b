"""The defining traits of each level, read with a Dockerfile parser (harness.dockerfiles).

The levels are described in cookiecutter.json's prompts and in the baked
README (templates/readme/<level>.md); each has trait tests of its own here.
"""

from __future__ import annotations

import itertools
import json
import re
import runpy
import tomllib
import urllib.request
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from answer_filters import github_anchor
from harness import PROJECT_TEMPLATE, ROOT
from harness.baking import PAGES, bake_into, served_paths
from harness.dockerfiles import parse, with_runtime_library_step
from harness.matrix import (
    DEFAULT_PYTHON,
    LEVELS,
    TOOLS,
    Answers,
    every_level,
    for_answers,
    full_matrix,
)
from harness.process import run
from harness.tools import BIN, github_anchors, poetry_export

POETRY_PIN = f"poetry=={TOOLS['poetry']}"
EXPORT_PIN = f"poetry-plugin-export=={TOOLS['poetry_plugin_export']}"
CONTAINER_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "PYTHONFAULTHANDLER": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
DEV_ONLY = ("pytest", "ruff", "psycopg2-binary")


EVERY_LEVEL = for_answers(every_level())
STEP1 = for_answers([Answers("step-1-kiss-requirements")])
STEP2 = for_answers([Answers("step-2-kiss-poetry")])
STEP3 = for_answers([Answers("step-3-basic-improvements")])
STEP4 = for_answers([Answers("step-4-nontrivial-improvements")])
STEP5 = for_answers([Answers("step-5-larger-project")])
STEP6 = for_answers([Answers("step-6-compiling-dependencies")])
EXTRA1 = for_answers([Answers("extra-1-need-for-speed")])
EXTRA2 = for_answers([Answers("extra-2-moving-complexity")])
FINAL = for_answers([Answers("final-result")])
HARDENED = for_answers([Answers("production-hardened")])


def dockerignore_patterns(project):
    lines = (project.path / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def exported_requirements(project, tmp_path):
    return poetry_export(project.path, tmp_path / "exported.txt").read_text()


def assert_multi_stage_export(dockerfile, export_base, server_base):
    export, server = dockerfile.stages
    assert export.base == export_base and server.base == server_base
    install = export.runs()[0]
    assert POETRY_PIN in install and EXPORT_PIN in install
    assert export.index("COPY", "poetry.lock") < export.index("RUN", "poetry export")
    assert "--with prod" in export.runs()[-1]
    assert "poetry" not in server.text().replace("poetry-export", "")
    copied = server.index("COPY", f"--from={export.name}")
    hashed = server.index("RUN", "--require-hashes")
    assert copied < hashed < server.copy_all_index() < server.index("RUN", ". --no-deps")


def assert_container_env(stage):
    env = stage.env()
    assert {k: env.get(k) for k in CONTAINER_ENV} == CONTAINER_ENV
    assert "PYTHONOPTIMIZE" not in env


@EVERY_LEVEL
def test_every_level_runs_gunicorn_in_exec_form_from_app_workdir(project):
    dockerfile = parse(project.path / "Dockerfile")
    cmd = dockerfile.cmd()
    gunicorn = cmd.index("gunicorn")
    assert cmd[gunicorn + 1] == "hello_service.main:app"
    # the README runs Flask's commands as CMD runs Gunicorn: poetry_run says which way
    assert cmd[:gunicorn] == (["poetry", "run"] if project.answers.facts["poetry_run"] else [])
    assert dockerfile.final.all("WORKDIR")[-1].value == "/app"


@EVERY_LEVEL
def test_no_dockerfile_asks_for_a_frontend_image(project):
    for dockerfile in project.path.glob("*Dockerfile"):
        assert "# syntax=" not in dockerfile.read_text(), dockerfile.name


@STEP1
def test_step1_is_one_stage_installing_requirements_without_poetry(project):
    dockerfile = parse(project.path / "Dockerfile")
    (stage,) = dockerfile.stages
    assert stage.base == f"python:{DEFAULT_PYTHON}"
    assert "poetry" not in dockerfile.path.read_text().lower()
    assert stage.copy_all_index() < stage.index(
        "RUN", "pip install --no-cache-dir -r requirements.txt"
    )
    assert dockerfile.cmd() == ["gunicorn", "hello_service.main:app"]


def ignored(patterns: list[str]) -> set[str]:
    """Ignore patterns, each as a path from the project's root (none of them negated)."""
    return {p.removeprefix("/").removeprefix("**/").rstrip("/") for p in patterns if p[0] != "!"}


@for_answers(a for a in every_level() if not a.facts["allow_list"])
def test_a_deny_list_dockerignore_keeps_out_everything_git_ignores(project):
    lines = (project.path / ".gitignore").read_text().splitlines()
    git_ignores = [line for line in lines if line.strip() and not line.startswith("#")]

    assert ignored(git_ignores) - ignored(dockerignore_patterns(project)) == set()


@for_answers(a for a in every_level() if not a.facts["allow_list"])
def test_a_deny_list_dockerignore_keeps_ci_deployment_and_tool_settings_out(project):
    # a change to one of them would otherwise rerun `COPY . .` and all after it
    kept_out = {".github", "deploy", ".pre-commit-config.yaml", ".cookiecutter.json"}
    baked = {path.name for path in project.path.iterdir()}
    assert kept_out - {".pre-commit-config.yaml"} <= baked  # the hooks' config is optional
    assert kept_out - ignored(dockerignore_patterns(project)) == set()


@STEP1
def test_step1_dockerignore_is_not_an_allow_list(project):
    patterns = dockerignore_patterns(project)
    assert "*" not in patterns and not any(p.startswith("!") for p in patterns), patterns


@STEP2
def test_step2_installs_unpinned_poetry_and_serves_through_poetry_run(project):
    dockerfile = parse(project.path / "Dockerfile")
    (stage,) = dockerfile.stages
    install_poetry = stage.index("RUN", "pip install")
    assert stage.all("RUN")[0].words[-1] == "poetry"  # no version: the point of step 2
    assert (
        install_poetry < stage.copy_all_index() < stage.index("RUN", "poetry install --with prod")
    )
    assert dockerfile.cmd()[:3] == ["poetry", "run", "gunicorn"]


@STEP3
def test_step3_pins_poetry_and_installs_dependencies_before_the_code(project):
    dockerfile = parse(project.path / "Dockerfile")
    (stage,) = dockerfile.stages
    assert POETRY_PIN in stage.runs()[0]
    lock_copy = stage.index("COPY", "poetry.lock")
    deps = stage.index("RUN", "poetry install --no-root --with prod")
    assert lock_copy < deps < stage.copy_all_index() < stage.index("RUN", "--only-root")


@STEP4
def test_step4_exports_in_one_stage_and_installs_hashed_in_a_poetry_free_one(project):
    dockerfile = parse(project.path / "Dockerfile")
    assert_multi_stage_export(dockerfile, f"python:{DEFAULT_PYTHON}", f"python:{DEFAULT_PYTHON}")
    assert not (project.path / "requirements.txt").exists()  # exported in the image only


@STEP4
def test_step4_sets_the_container_environment(project):
    assert_container_env(parse(project.path / "Dockerfile").final)


@STEP5
def test_step5_exports_no_dev_dependency_for_the_image(project, tmp_path):
    pyproject = tomllib.loads((project.path / "pyproject.toml").read_text())
    dev = pyproject["tool"]["poetry"]["group"]["dev"]["dependencies"]
    assert {"pytest", "ruff"} <= set(dev)
    exported = exported_requirements(project, tmp_path)
    assert "gunicorn==" in exported and "flask==" in exported
    assert not any(f"\n{name}==" in f"\n{exported}" for name in DEV_ONLY)


@STEP5
def test_step5_keeps_the_multi_stage_export_of_step4(project):
    assert_multi_stage_export(
        parse(project.path / "Dockerfile"), f"python:{DEFAULT_PYTHON}", f"python:{DEFAULT_PYTHON}"
    )


@STEP5
def test_step5_dockerignore_is_an_allow_list(project):
    patterns = dockerignore_patterns(project)
    assert patterns[0] == "*"
    assert {"!src/", "!pyproject.toml", "!poetry.lock", "!gunicorn.conf.py"} <= set(patterns)
    assert "!tests/" not in patterns and "!.env" not in patterns


@for_answers([a for a in every_level() if a.facts["allow_list"]])
def test_compose_watch_rebuilds_on_what_the_allow_list_admits_but_the_docs(project):
    admitted = {p[1:].rstrip("/") for p in dockerignore_patterns(project) if p.startswith("!")}
    docs = {"README.md", "LICENSE*"}
    services = yaml.safe_load((project.path / "compose.yaml").read_text())["services"]
    for service in services.values():
        rebuilt = {w["path"] for w in service["develop"]["watch"] if w["action"] == "rebuild"}
        assert rebuilt == {f"./{name}" for name in admitted - docs}


@for_answers([a for a in every_level() if a.facts["allow_list"]])
def test_an_allow_list_lets_in_only_what_the_build_or_the_server_reads(project):
    dockerfiles = [project.path / "Dockerfile", *project.path.glob("*.Dockerfile")]
    instructions = " ".join(
        line
        for dockerfile in dockerfiles
        for line in dockerfile.read_text().splitlines()
        if not line.lstrip().startswith("#")
    )
    read = {"src/", "gunicorn.conf.py"}  # the code and the server's settings
    if re.search(r"pip install (?:--?[\w-]+ )*\. ", instructions):  # builds the package
        read |= {"pyproject.toml", "README.md", "LICENSE*"}
    admitted = [p[1:] for p in dockerignore_patterns(project) if p.startswith("!")]
    assert {"src/", "gunicorn.conf.py"} <= set(admitted)
    assert [name for name in admitted if name not in read and name not in instructions] == []


@STEP5
def test_step5_moves_the_package_under_src(project):
    assert (project.path / "src" / "hello_service" / "main.py").is_file()


@STEP6
def test_step6_compiles_psycopg2_for_prod_and_uses_the_wheel_for_dev(project, tmp_path):
    groups = tomllib.loads((project.path / "pyproject.toml").read_text())["tool"]["poetry"]["group"]
    assert "psycopg2" in groups["prod"]["dependencies"]
    assert "psycopg2-binary" in groups["dev"]["dependencies"]
    exported = exported_requirements(project, tmp_path)
    assert "\npsycopg2==" in f"\n{exported}" and "psycopg2-binary" not in exported


@STEP6
def test_step6_full_and_slim_variants_use_the_multi_stage_export(project):
    assert_multi_stage_export(
        parse(project.path / "Dockerfile"), f"python:{DEFAULT_PYTHON}", f"python:{DEFAULT_PYTHON}"
    )
    slim = parse(project.path / "slim.Dockerfile")
    assert_multi_stage_export(slim, f"python:{DEFAULT_PYTHON}", f"python:{DEFAULT_PYTHON}-slim")


@STEP6
def test_step6_slim_variant_adds_build_tools_with_apt_before_installing(project):
    slim = parse(project.path / "slim.Dockerfile")
    apt = slim.final.index("RUN", "apt-get install")
    apt_run = slim.final.instructions[apt].value
    assert "--no-install-recommends" in apt_run and "rm -rf /var/lib/apt/lists/*" in apt_run
    assert {"build-essential", "libpq-dev"} <= set(apt_run.split())
    assert apt < slim.final.index("RUN", "--require-hashes")


@STEP6
def test_step6_compose_runs_full_on_8000_and_slim_on_8001(project):
    services = yaml.safe_load((project.path / "compose.yaml").read_text())["services"]
    assert services["server"]["ports"] == ["127.0.0.1:8000:8000"]
    assert services["server-slim"]["build"]["dockerfile"] == "slim.Dockerfile"
    assert services["server-slim"]["ports"] == ["127.0.0.1:8001:8000"]


@EXTRA1
def test_extra1_caches_every_pip_install_and_exports_on_slim(project):
    dockerfile = parse(project.path / "Dockerfile")
    assert_multi_stage_export(
        dockerfile, f"python:{DEFAULT_PYTHON}-slim", f"python:{DEFAULT_PYTHON}"
    )
    installs = dockerfile.pip_installs()
    assert len(installs) == 3
    for install in installs:
        assert "--mount=type=cache,target=/root/.cache/pip" in install.flags
        assert "--no-cache-dir" not in install.value


@EXTRA1
def test_extra1_compiles_bytecode_when_installing(project):
    dockerfile = parse(project.path / "Dockerfile")
    server_installs = [i for i in dockerfile.final.all("RUN") if "pip install" in i.value]
    assert server_installs and all("--compile" in i.value for i in server_installs)


@EXTRA2
def test_extra2_is_one_stage_reading_the_committed_requirements(project):
    dockerfile = parse(project.path / "Dockerfile")
    (stage,) = dockerfile.stages
    assert "poetry" not in stage.text().lower()
    copied = stage.index("COPY", "requirements.txt")
    assert copied < stage.index("RUN", "--require-hashes") < stage.copy_all_index()
    assert stage.copy_all_index() < stage.index("RUN", ". --no-deps")
    assert (project.path / "requirements.txt").is_file()


@EXTRA2
def test_extra2_sets_the_container_environment(project):
    assert_container_env(parse(project.path / "Dockerfile").final)


@FINAL
def test_final_result_is_one_cached_stage_with_compiled_bytecode(project):
    dockerfile = parse(project.path / "Dockerfile")
    (stage,) = dockerfile.stages
    assert stage.base == f"python:{DEFAULT_PYTHON}"
    assert "poetry" not in stage.text().lower()
    installs = dockerfile.pip_installs()
    assert len(installs) == 2
    assert all("--mount=type=cache,target=/root/.cache/pip" in i.flags for i in installs)
    dependencies = stage.index("RUN", "--require-hashes -r requirements.txt")
    assert "compileall" in stage.instructions[dependencies].value
    assert stage.index("COPY", "requirements.txt") < dependencies < stage.copy_all_index()
    assert "--compile" in stage.instructions[stage.index("RUN", ". --no-deps")].value


@FINAL
def test_final_result_sets_the_container_environment(project):
    assert_container_env(parse(project.path / "Dockerfile").final)


@FINAL
def test_final_result_dockerignore_is_an_allow_list_with_requirements(project):
    assert dockerignore_patterns(project)[0] == "*"
    assert "!requirements.txt" in dockerignore_patterns(project)


def hardened_install(project):
    """The builder's second RUN: the export from poetry.lock and the hashed install."""
    _, install = parse(project.path / "Dockerfile").stages[0].all("RUN")
    return install


@HARDENED
def test_production_hardened_builds_with_uv_alone_no_poetry(project):
    builder, system, runtime = parse(project.path / "Dockerfile").stages
    assert (builder.name, system.name, runtime.name) == ("builder", "system", "runtime")
    assert "poetry" not in system.text() and "uv" not in system.text()
    assert builder.base == f"python:{DEFAULT_PYTHON}"
    tools, _ = builder.all("RUN")
    install = "pip install --require-hashes --no-deps -r /tmp/build-requirements.txt"
    assert tools.value.endswith(f" {install}")
    mount = "--mount=type=bind,source=build-requirements.txt,target=/tmp/build-requirements.txt"
    assert mount in tools.flags
    assert "poetry" not in builder.text().replace("poetry.lock", "")
    assert not builder.all("COPY")  # the lock and the exporter are mounted, never copied


@for_answers(a for a in every_level() if a.facts["build_requirements"])
def test_build_requirements_pin_the_templates_uv_with_a_hash_for_every_file(project):
    lines = (project.path / "build-requirements.txt").read_text().splitlines()
    pins = [line for line in lines if line and not line.startswith(("#", " "))]
    assert pins == [f"uv=={TOOLS['uv']} \\"], (
        f"build-requirements.txt pins {pins}, _tools.uv is {TOOLS['uv']}: run"
        " `.venv/bin/python scripts/update-locks.py --build-requirements-only`"
    )
    hashes = [line.strip().removesuffix(" \\") for line in lines if line.startswith(" ")]
    assert hashes and all(re.fullmatch(r"--hash=sha256:[0-9a-f]{64}", h) for h in hashes)
    assert len(set(hashes)) == len(hashes)


@for_answers(a for a in every_level() if a.facts["build_requirements"])
def test_every_package_the_build_installs_is_checked_against_a_hash(project):
    installs = [
        run.value for stage in parse(project.path / "Dockerfile").stages
        for run in stage.all("RUN") if "pip install" in run.value
    ]  # fmt: skip
    assert installs and all("--require-hashes" in install for install in installs)


@HARDENED
def test_production_hardened_exports_poetry_lock_inside_the_build(project):
    install = hardened_install(project)
    assert "--mount=type=bind,source=poetry.lock,target=/tmp/poetry.lock" in install.flags
    exporter = "--mount=type=bind,source=export_requirements.py,target=/tmp/export_requirements.py"
    assert exporter in install.flags
    assert "python /tmp/export_requirements.py /tmp/poetry.lock --with prod" in install.value
    assert "!export_requirements.py" in dockerignore_patterns(project)
    assert "!requirements.txt" not in dockerignore_patterns(project)


@HARDENED
def test_production_hardened_installs_the_export_with_uv_checking_every_hash(project):
    install = hardened_install(project)
    assert "--mount=type=cache,target=/root/.cache/uv" in install.flags
    assert "uv pip install --python /opt/venv/bin/python --require-hashes" in install.value
    assert "-r /tmp/requirements.txt" in install.value


@HARDENED
def test_production_hardened_runs_on_the_slim_images_python_files_alone(project):
    builder, system, runtime = parse(project.path / "Dockerfile").stages
    assert (builder.base, system.base) == (
        f"python:{DEFAULT_PYTHON}",
        f"python:{DEFAULT_PYTHON}-slim",
    )
    assert system.runs()[-1].endswith("python /tmp/runtime_files.py /runtime")
    assert "--mount=type=bind,source=runtime_files.py,target=/tmp/runtime_files.py" in (
        system.all("RUN")[-1].flags
    )
    assert runtime.base == "scratch"
    assert runtime.instructions[0].keyword == "COPY"
    assert runtime.instructions[0].value == "--from=system /runtime /"
    assert "!runtime_files.py" in dockerignore_patterns(project)


@HARDENED
def test_production_hardened_runs_no_shell_in_its_runtime_stage(project):
    runtime = parse(project.path / "Dockerfile").final
    assert runtime.all("RUN") and all(step.exec_form for step in runtime.all("RUN"))


@HARDENED
def test_production_hardened_receives_only_the_venv_and_the_code(project):
    runtime = parse(project.path / "Dockerfile").final
    assert not [r for r in runtime.runs() if "install" in r]
    assert "poetry" not in runtime.text().lower() and "uv " not in runtime.text()
    assert [i.value for i in runtime.all("COPY") if "--from" in i.value] == [
        "--from=system /runtime /",
        "--from=builder /opt/venv /opt/venv",
    ]
    venv = runtime.index("COPY", "--from=builder /opt/venv")
    code = runtime.index("COPY", "src/")
    smoke = runtime.index("RUN", "from hello_service.main import app")
    assert venv < code < smoke
    assert all(i.keyword in {"ENV", "USER", "EXPOSE", "HEALTHCHECK", "ARG", "LABEL", "CMD"}
               for i in runtime.instructions[smoke + 1:])  # fmt: skip


@HARDENED
def test_production_hardened_compiles_the_servers_imports_through_a_cache_mount(project):
    *_, runtime = parse(project.path / "Dockerfile").stages
    step = runtime.index("RUN", "compile_bytecode.py")
    assert runtime.index("COPY", "--from=builder /opt/venv") < step < runtime.index("COPY", "src/")
    compile_step = runtime.instructions[step]
    assert "--mount=type=bind,source=compile_bytecode.py,target=/tmp/compile_bytecode.py" in (
        compile_step.flags
    )
    assert "--mount=type=cache,target=/root/.cache/bytecode,sharing=locked" in compile_step.flags
    command = compile_step.exec_form
    assert command[:4] == [
        "python",
        "-X",
        "pycache_prefix=/root/.cache/bytecode",
        "/tmp/compile_bytecode.py",
    ]
    assert {"flask", "gunicorn.arbiter", "gunicorn.workers.sync"} <= set(command[4:])
    assert "!compile_bytecode.py" in dockerignore_patterns(project)


@HARDENED
def test_production_hardened_builds_before_it_forbids_bytecode(project):
    runtime = parse(project.path / "Dockerfile").final
    env = runtime.index("ENV", "PYTHONDONTWRITEBYTECODE=1")
    assert all(i < env for i, step in enumerate(runtime.instructions) if step.keyword == "RUN")


@HARDENED
def test_production_hardened_sets_the_container_environment(project):
    assert_container_env(parse(project.path / "Dockerfile").final)


@HARDENED
def test_production_hardened_runs_gunicorn_as_a_fixed_non_root_user(project):
    dockerfile = parse(project.path / "Dockerfile")
    runtime = dockerfile.final
    assert runtime.all("USER"), "the runtime stage sets no USER: Gunicorn would run as root"
    user = runtime.all("USER")[-1].value
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) > 0 and gid.isdigit() and int(gid) > 0
    assert runtime.index("USER", user) < runtime.index("CMD", "gunicorn")
    assert dockerfile.cmd() == ["gunicorn", "hello_service.main:app"]


@HARDENED
def test_the_user_the_image_runs_as_is_the_one_its_system_stage_creates(project):
    """The IDs in USER name the account in the runtime's /etc/passwd and /etc/group."""
    dockerfile = parse(project.path / "Dockerfile")
    uid = project.facts["user_id"]
    assert dockerfile.final.all("USER")[-1].value == f"{uid}:{uid}"
    ((system, creates),) = [
        (stage, run) for stage in dockerfile.stages for run in stage.runs() if "useradd" in run
    ]
    assert f"groupadd --gid {uid} app" in creates, creates
    assert re.search(rf"useradd [^&]*--uid {uid} --gid app\b", creates), creates
    dockerfile.final.index("COPY", f"--from={system.name}")  # raises, naming it, if absent


@HARDENED
def test_production_hardened_checks_its_health_with_python_on_port_8000(project):
    runtime = parse(project.path / "Dockerfile").final
    (healthcheck,) = runtime.all("HEALTHCHECK")
    assert "urllib.request" in healthcheck.value and "curl" not in healthcheck.value
    assert runtime.all("EXPOSE")[0].value == "8000"


@HARDENED
def test_the_walk_through_gives_the_health_checks_own_numbers(project):
    (healthcheck,) = parse(project.path / "Dockerfile").final.all("HEALTHCHECK")
    flags = dict(flag.removeprefix("--").split("=") for flag in healthcheck.flags)
    code = json.loads(healthcheck.value.partition("CMD")[2])[2]
    (answer_within,) = re.findall(r"timeout=(\d+)\)", code)
    words = {"2": "two", "3": "three", "4": "four", "5": "five"}
    text = (project.path / "docs" / "docker.md").read_text()
    assert f"every {flags['interval'].removesuffix('s')} seconds Docker runs" in text
    assert f"no answer within {answer_within} seconds" in text
    assert f"{words[flags['retries']]} failures in a row" in text
    assert f"during the first {flags['start-period'].removesuffix('s')} seconds" in text
    # the command's own timeout answers before Docker's kills it
    assert int(answer_within) < int(flags["timeout"].removesuffix("s"))


@pytest.mark.parametrize("port", [None, "9000"], ids=["default-port", "PORT=9000"])
@HARDENED
def test_the_health_check_asks_health_on_the_port_gunicorn_binds(project, monkeypatch, port):
    runtime = parse(project.path / "Dockerfile").final
    (healthcheck,) = runtime.all("HEALTHCHECK")
    python, flag, code = json.loads(healthcheck.value.partition("CMD")[2])
    if port is None:
        monkeypatch.delenv("PORT", raising=False)
    else:
        monkeypatch.setenv("PORT", port)
    monkeypatch.delenv("HOST", raising=False)
    bound = runpy.run_path(str(project.path / "gunicorn.conf.py"))["bind"].rpartition(":")[2]
    asked = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, timeout: asked.append(request))

    exec(code, {})

    assert (python, flag) == ("python", "-c")
    assert [request.full_url for request in asked] == [f"http://127.0.0.1:{bound}/health"]


@HARDENED
def test_production_hardened_labels_the_image_with_version_and_revision(project):
    runtime = parse(project.path / "Dockerfile").final
    labels = " ".join(i.value for i in runtime.all("LABEL"))
    for key in ("title", "description", "version", "revision", "authors"):
        assert f"org.opencontainers.image.{key}=" in labels
    assert {"VERSION=dev", "REVISION=unknown"} <= {i.value for i in runtime.all("ARG")}


@HARDENED
def test_production_hardened_ignores_no_hadolint_rule(project):
    assert "hadolint ignore" not in (project.path / "Dockerfile").read_text()


def compose_server(project) -> dict:
    return yaml.safe_load((project.path / "compose.yaml").read_text())["services"]["server"]


@HARDENED
def test_production_hardened_compose_locks_the_container_down(project):
    server = compose_server(project)
    assert server["read_only"] is True
    assert server["tmpfs"] == ["/tmp"]
    assert server["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in server["security_opt"]


@HARDENED
def test_production_hardened_compose_restarts_the_server_unless_stopped(project):
    assert compose_server(project)["restart"] == "unless-stopped"


@HARDENED
def test_production_hardened_compose_checks_health_with_the_image_s_python(project):
    assert compose_server(project)["healthcheck"]["test"][:2] == ["CMD", "python"]


def installs_the_dev_group(project) -> bool:
    """Whether the image's own stage runs a `poetry install` of every group not optional."""
    runs = [run.value for run in parse(project.path / "Dockerfile").final.all("RUN")]
    return any("poetry install" in run and "--only" not in run for run in runs)


@EVERY_LEVEL
def test_the_dev_group_is_in_the_image_exactly_where_the_level_says(project):
    assert installs_the_dev_group(project) == project.facts["dev_in_image"]


@EVERY_LEVEL
def test_pyproject_says_the_dev_group_stays_out_of_the_image_only_where_it_does(project):
    says_out = "never in the image" in (project.path / "pyproject.toml").read_text()
    assert says_out != installs_the_dev_group(project)


def bytecode_compiled(project) -> str:
    """How the image build compiles bytecode, in the words of the `bytecode` fact."""
    stages = parse(project.path / "Dockerfile").stages
    runs = " ".join(run for stage in stages for run in stage.runs())
    if "compile_bytecode.py" in runs:
        return "server_imports"
    if "compileall.compile_path" in runs:
        return "sys_path"
    return "packages" if "--compile" in runs else "none"


@EVERY_LEVEL
def test_the_image_compiles_bytecode_as_the_level_and_its_readme_say(project):
    assert bytecode_compiled(project) == project.facts["bytecode"], (
        "the bytecode fact (which the README's container settings describe) and the "
        "Dockerfile's compile step disagree"
    )


@EVERY_LEVEL
def test_every_url_the_readme_asks_for_is_one_the_app_serves(project):
    readme = (project.path / "README.md").read_text()
    urls = re.findall(r"http://(?:localhost|127\.0\.0\.1):(?:\d+|%s)(/[^\s`'\"]*)", readme)
    asked = {url.rstrip(".,;:)") for url in urls}  # a URL can end a sentence
    assert asked and asked - set(served_paths(project.path)) == set(), asked


@EVERY_LEVEL
def test_the_image_and_its_compose_service_check_health_exactly_where_the_level_says(project):
    checks = bool(parse(project.path / "Dockerfile").final.all("HEALTHCHECK"))
    assert checks == project.facts["health_check"]
    assert ("healthcheck" in compose_server(project)) == checks


@EVERY_LEVEL
def test_the_readme_promises_a_health_status_exactly_where_the_image_checks_its_health(project):
    checks = bool(parse(project.path / "Dockerfile").final.all("HEALTHCHECK"))
    readme = (project.path / "README.md").read_text()
    assert ("The image checks its own health" in readme) == checks


@EVERY_LEVEL
def test_compose_passes_only_build_arguments_the_dockerfile_declares(project):
    build = compose_server(project)["build"]
    passed = set(build["args"]) if isinstance(build, dict) else set()
    stages = parse(project.path / "Dockerfile").stages
    declared = {arg.value.split("=")[0] for stage in stages for arg in stage.all("ARG")}
    assert passed <= declared
    # The revision, which a release names and Compose can take from git
    assert ("REVISION" in passed) == ("REVISION" in declared)


# Versions no tool has: baked with them, a project names today's nowhere
UNRELEASED = {tool: f"9{n}.0.{n}" for n, tool in enumerate(TOOLS, start=1)}
PIN = re.compile(rf"\b({'|'.join(re.escape(tool.replace('_', '-')) for tool in TOOLS)})==([\w.]+)")
TODAYS = re.compile("|".join(rf"(?<![\d.]){re.escape(v)}(?!\.?\d)" for v in TOOLS.values()))
# The locks, which scripts/update-locks.py writes from _tools and the package index
LOCKS = ("poetry.lock", "requirements.txt", "build-requirements.txt")


@pytest.mark.parametrize("level", LEVELS)
def test_tool_versions_come_from_one_place(level, tmp_path):
    project = bake_into(tmp_path, docker_level=level, _tools=UNRELEASED)
    pins, todays = set(), {}
    for path in project.rglob("*"):
        if path.is_file() and path.name not in LOCKS:
            text = path.read_text()
            pins |= set(PIN.findall(text))
            if found := TODAYS.findall(text):
                todays[str(path.relative_to(project))] = found
    assert not todays, "versions written by hand, not read from _tools"
    assert pins <= {(tool.replace("_", "-"), version) for tool, version in UNRELEASED.items()}
    assert ("poetry", UNRELEASED["poetry"]) in pins  # every level pins Poetry (pre-commit at least)


def levels_with_trait_tests() -> set[str]:
    """Levels that some test of this module is parametrised with alone."""
    covered = set()
    for name, test in globals().items():
        for mark in getattr(test, "pytestmark", []) if name.startswith("test_") else []:
            if mark.name != "parametrize" or mark.args[0] != "project":
                continue
            levels = {param.values[0].docker_level for param in mark.args[1]}
            if len(levels) == 1:
                covered |= levels
    return covered


def test_every_level_has_a_trait_test():
    missing = set(LEVELS) - levels_with_trait_tests()
    assert not missing, (
        f"{sorted(missing)}: add a test of what defines the level to tests/test_levels.py, "
        'parametrised with for_answers([Answers("<level>")])'
    )


@for_answers(a for a in every_level() if a.facts["runtime_files"])
def test_the_docs_system_library_is_installed_then_copied_and_passes_hadolint(project, tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(with_runtime_library_step(project.path))
    _, system, runtime = parse(dockerfile).stages
    installs = system.index("RUN", "apt-get install -y --no-install-recommends libpq5")
    assert installs < system.index("RUN", "python /tmp/runtime_files.py /runtime libpq5")
    assert "apt-get" not in runtime.text()  # the image that runs has no package manager
    run([BIN / "hadolint", dockerfile], cwd=tmp_path)


def page_anchors(page) -> tuple[list[str], list[str]]:
    """The anchors GitHub gives the page's headings, in order (github-slugger, from their
    text as shown), and the targets of its links."""
    tokens = MarkdownIt("commonmark").parse(page.read_text(encoding="utf-8"))
    headings = [
        "".join(child.content for child in inline.children or [])
        for opening, inline in itertools.pairwise(tokens) if opening.type == "heading_open"
    ]  # fmt: skip
    hrefs = [
        str(child.attrGet("href"))
        for token in tokens if token.type == "inline"
        for child in token.children or [] if child.type == "link_open"
    ]  # fmt: skip
    return github_anchors(headings), hrefs


def broken_links(project) -> list[str]:
    """Each link of the project's pages to a file of the project, or to a section of one,
    that is not there: as page: target."""
    parsed = {page: page_anchors(project / page) for page in PAGES}
    anchors = {page: headings for page, (headings, _) in parsed.items()}
    broken = []
    for page, (_, hrefs) in parsed.items():
        for href in hrefs:
            if "://" in href:
                continue
            path, _, anchor = href.partition("#")
            target = (project / page).parent / path if path else project / page
            name = target.resolve().relative_to(project.resolve()).as_posix()
            if not target.is_file() or (anchor and anchor not in anchors.get(name, [])):
                broken.append(f"{page}: {href}")
    return broken


@for_answers(full_matrix())
def test_every_link_between_the_projects_pages_goes_to_a_section_of_one(project):
    assert broken_links(project.path) == []


@EVERY_LEVEL
def test_the_readme_and_the_walk_through_link_to_each_other(project):
    readme, walk = (page_anchors(project.path / page)[1] for page in PAGES)
    assert any(href.startswith("docs/docker.md") for href in readme)
    assert any(href.startswith("../README.md") for href in walk)


def template_source(name: str) -> Path:
    """A file of the project template by the name an include tag gives it (readme/...), or by
    its path in the baked project."""
    return ROOT / "templates" / name if name.startswith("readme/") else PROJECT_TEMPLATE / name


def included(fragment: str) -> set[str]:
    """The fragments of templates/readme that `fragment` includes, itself and all the way
    down; a level's walk-through, included by its level's name, stands for every level's."""
    levels = [f"readme/{level}.md" for level in LEVELS]
    found, todo = set(), [fragment]
    while todo:
        name = todo.pop()
        found.add(name)
        text = template_source(name).read_text(encoding="utf-8")
        names = re.findall(r'\{%-? include "(readme/[^"]+)"', text)
        if '"readme/" ~ cookiecutter.docker_level' in text:
            names += levels
        todo += [name for name in names if name not in found]
    return found


def test_links_to_readme_sections_go_through_md_anchor_and_the_walk_throughs_own_do_not():
    # md_anchor gives a README section's anchor the suffix GitHub adds when the title, the
    # project's name, makes the same one; docs/docker.md's title is fixed
    through = r'\{\{ "[a-z0-9-]+" \| md_anchor \}\}\)'
    readme, walk = included("README.md"), included("docs/docker.md")
    assert readme and walk and not readme & walk, sorted(readme & walk)
    for name in sorted(readme | walk):
        text = template_source(name).read_text(encoding="utf-8")
        to_readme = r"\]\(#" if name in readme else r"\]\(\.\./README\.md#"
        raw = re.findall(to_readme + rf"(?!{through}).*?\)", text)
        assert not raw, (name, raw)
        if name in walk:
            assert not re.findall(rf"\]\(#{through}", text), name


# Names in scripts and symbols where a simpler rule goes wrong: combining marks (NFD é, the
# dot of a lower-case İ), superscripts and fractions (dropped), letter numbers (kept), emoji
TITLES_HARD_TO_ANCHOR = [
    "Cafe\u0301 Cre\u0300me", "İstanbul", "Configuration²", "½ Half", "Ⅻ Roman", "a‿b c_d-e",
    "日本語 サービス", "क्षत्रिय", "กิ Thai", "Σίσυφος", "🚀 Rocket", "👩\u200d💻 Dev",
    "© ACME™", "x—y–z", "tab\tsep", "no\u00a0break", "ǅ Title", "٣ Digits",
]  # fmt: skip


def test_md_anchor_makes_the_anchors_github_makes():
    # Numbered, so that no two titles share an anchor
    titles = [f"{number} {title}" for number, title in enumerate(TITLES_HARD_TO_ANCHOR)]
    assert [github_anchor(title) for title in titles] == github_anchors(titles)


@pytest.mark.parametrize(
    "name", ["Configuration", "Kubernetes", "Behind a Proxy!", "Shipping it", "Configuration²"]
)
def test_a_project_named_like_a_section_keeps_the_links_on_the_section(name, tmp_path):
    project = bake_into(tmp_path, project_name=name, project_slug="named-like-a-section")
    title = page_anchors(project / "README.md")[0][0]
    links = {href.partition("#")[2] for page in PAGES for href in page_anchors(project / page)[1]}
    assert title in {anchor.removesuffix("-1") for anchor in links}  # the name is linked to
    assert broken_links(project) == []


# --- The README's walk through the Dockerfile ----------------------------------------


def dockerfile_lines(path) -> list[str]:
    """Each instruction of a Dockerfile on one line, FROM included, in order."""
    lines = []
    for stage in parse(path).stages:
        lines.append(" ".join(["FROM", stage.base, *(["AS", stage.name] if stage.name else [])]))
        lines += [" ".join(f"{i.keyword} {i.value}".split()) for i in stage.instructions]
    return lines


def walked_lines(page: str) -> list[str]:
    """The instructions docs/docker.md's "The Dockerfile, line by line" names, in order: the code
    spans that start its bullets, before the explanation (`...` and `*` stand for what they
    leave out)."""
    section = page.split("## The Dockerfile, line by line", 1)[1]
    section = re.split(r"\n##+ ", section, maxsplit=1)[0]  # its own subsections are prose
    named = []
    for line in section.splitlines():
        if line.startswith("- `"):
            head = line.split("`: ", 1)[0].split("` (", 1)[0] + "`"
            named += re.findall(r"`([A-Z]+ [^`]*)`", head)
    return named


@EVERY_LEVEL
def test_the_walk_through_names_every_line_of_the_dockerfile_in_order(project):
    lines = dockerfile_lines(project.path / "Dockerfile")
    walked = walked_lines((project.path / "docs" / "docker.md").read_text())
    walk = f"templates/readme/{project.answers.docker_level}.md"
    for position, line in enumerate(lines):
        named = walked[position] if position < len(walked) else None
        pattern = named and re.escape(" ".join(named.split()))
        pattern = pattern and pattern.replace(r"\.\.\.", ".*?").replace(r"\*", ".*?")
        assert pattern and re.match(pattern, line), (
            f"{walk}'s line-by-line walk names {named!r} as instruction {position + 1}, where"
            f" the Dockerfile has {line!r}: name each instruction in order"
        )
    assert len(walked) == len(lines), f"{walk} names instructions the Dockerfile lacks: {walked}"
