"""Jinja filters that write answers into each file format, and the level's facts.

`answers_extension.AnswersExtension` (the `_extensions` entry in cookiecutter.json)
loads this module afresh for every Jinja environment. Every free-text answer is
data: wherever one lands in a baked file, it goes through the filter named for
that file's format, so no answer can end a string early, add a line, or become code.
The slug, package name and Python version need no escaping: answer_checks admits
only letters, digits, '-', '_' and '.' in them, so where they are names (an image,
an import) they are written as they are.

`cookiecutter | level` gives the chosen level's facts from `_levels`, plus the
rules derived from the answers (computed here, once, for every template, file
name and hook).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import sys
import unicodedata
from functools import cache
from pathlib import Path

from cookiecutter.exceptions import FailedHookException
from cookiecutter.hooks import valid_hook
from jinja2 import defaults, pass_context

from answer_checks import (
    JINJA,
    LOCKS,
    PROJECT_FILES,
    TEMPLATE,
    Problem,
    ask_again,
    line_breaking,
    offered,
    problems,
    yes_no,
)
from answer_checks import shell_word as quoted_word

# Bidirectional controls: valid in every format, but they make a file read
# differently from what it holds (editors and GitHub flag them), so every format
# that can escape them does
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Characters TOML, YAML and Python would need escaped or would read as a line end,
# and the bidirectional controls, which all three can escape
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x80-\x9f\u2028\u2029\ufeff]|" + _BIDI.pattern)


def _escape_control(text: str) -> str:
    def escape(match: re.Match) -> str:
        return f"\\u{ord(match.group()):04x}"

    return _CONTROL.sub(escape, text)


def toml_str(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{_escape_control(text)}"'


def yaml_str(value: str) -> str:
    """A YAML double-quoted scalar (YAML 1.1 and 1.2 read it the same)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    text = _escape_control(text)
    # Characters outside the printable set would be refused by YAML parsers
    text = "".join(ch if ch.isprintable() or ch == " " else f"\\U{ord(ch):08x}" for ch in text)
    return f'"{text}"'


def py_str(value: str) -> str:
    """A Python string literal, quoted the way ruff format writes it."""
    text = str(value)
    quote = "'" if text.count('"') > text.count("'") else '"'
    text = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return f"{quote}{_escape_control(text)}{quote}"


def dockerfile_str(value: str) -> str:
    r"""A Dockerfile value (LABEL) that Docker reads as typed, with no expansion: double-quoted
    parts with `"` and `$` escaped, and each backslash between two parts as `\\`. Inside the
    quotes, `\\"` would end the value for Docker, but hadolint (which the baked CI runs)
    reads its `\"` as an escaped quote and fails to parse the Dockerfile."""
    text = str(value)
    # answer_checks refuses these before anything is rendered; a Dockerfile cannot escape them
    if line_breaking(text):
        raise ValueError(f"a Dockerfile value cannot hold {line_breaking(text)}: {value!r}")
    parts = (part.replace('"', '\\"').replace("$", "\\$") for part in text.split("\\"))
    return '"' + '"\\\\"'.join(parts) + '"'


# Characters that Markdown (CommonMark) could read as markup anywhere in a line
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
# ...and at the start of a line (headings, lists, quotes, breaks, tables)
_MARKDOWN_START = re.compile(r"^([#+=>-]|\d+(?=[.)]))")
# ...and at the end of a heading: a closing run of '#' after a space
_MARKDOWN_CLOSING = re.compile(r"(^|[ \t])(#+[ \t]*)$")


def md_text(value: str) -> str:
    """Text shown as itself in Markdown: markup characters backslash-escaped; `$` and the
    bidirectional controls as character references (GitHub reads text between two `$` as
    math, whether or not they are backslash-escaped)."""
    text = _MARKDOWN_INLINE.sub(r"\\\1", str(value)).replace("$", "&#36;")
    text = _MARKDOWN_CLOSING.sub(r"\1\\\2", text)
    match = _MARKDOWN_START.match(text)
    if match and match.group(1)[0].isdigit():
        end = match.end()
        text = f"{text[:end]}\\{text[end:]}"
    elif match:
        text = "\\" + text
    return _BIDI.sub(lambda bidi: f"&#x{ord(bidi.group()):04X};", text)


# What a GitHub heading anchor keeps of the heading's text (as github-slugger does): letters,
# combining marks, decimal digits, letter numbers (Ⅻ) and connector punctuation (_ ‿), by
# Unicode category, besides '-' and ' '. Python's \w would also keep ² and ½ and drop marks.
_ANCHOR_CATEGORIES = ("L", "M", "Nd", "Nl", "Pc")


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, with only letters, marks,
    digits, '-' and '_' (and the like) kept, and spaces as hyphens."""
    kept = (
        char for char in heading.strip().lower()
        if char in "- " or unicodedata.category(char).startswith(_ANCHOR_CATEGORIES)
    )  # fmt: skip
    return "".join(kept).replace(" ", "-")


@pass_context
def md_anchor(context, anchor: str) -> str:
    """The anchor of one of the README's sections, for a link to it. The README's title, the
    project's name, comes first: when GitHub makes the same anchor of it (a project named
    "Configuration"), the section's anchor gets GitHub's suffix for a second one."""
    title = github_anchor(str(context["cookiecutter"]["project_name"]))
    return f"{anchor}-1" if title == anchor else anchor


def shell_word(value: str) -> str:
    """`value` as one word of a POSIX shell command line, quoted where it needs it."""
    return quoted_word(str(value))


def csv_field(value: str) -> str:
    """One CSV field in double quotes: how docker/metadata-action reads a line of its list
    inputs (csv-parse), so that commas and quotes in `value` stay as typed."""
    return '"' + str(value).replace('"', '""') + '"'


def csv_parts(value: str) -> str:
    """`value` as a CSV record that reads back as `value` once its fields are joined again by
    ',' (how docker/build-push-action reads a line of its list inputs), with its first part
    left bare: each part between commas that starts with a double quote, which csv-parse
    would take for an opening quote, is written as a quoted field; other parts stay as they
    are (a quote inside an unquoted field is kept). So a `key=value` line keeps its key in
    the clear for docker/metadata-action, which reads the line before build-push-action."""
    return ",".join(
        csv_field(part) if part.startswith('"') else part for part in str(value).split(",")
    )


@pass_context
def project_folder(context, slug: str) -> str:
    """The project folder's name, once every answer has passed answer_checks.

    Cookiecutter renders this name before it writes anything, the output
    folder included, so a refused answer leaves nothing on disk: each problem
    is printed as one ERROR: line and the bake stops.
    """
    refuse(table_problems(offered()), TEMPLATE_BROKEN)
    answers = context["cookiecutter"]
    found = problems(answers)
    refuse(found, ANSWERS_REFUSED, again=ask_again(answers, found))
    if isinstance(answers.get("_output_dir"), str):
        remove_if_interrupted(Path(answers["_output_dir"], slug))
    return slug


def remove_if_interrupted(target: Path) -> None:
    """Make Ctrl+C while cookiecutter writes the project remove the folder `target` it had
    started to write, so that an interrupted bake leaves no half-written project (and the
    next bake meets no "directory already exists"). Only a folder this bake creates: one
    that exists already (a bake over it with -f) is left as it is. Once cookiecutter is
    done writing, or outside a bake, Ctrl+C does what it did before."""
    previous = signal.getsignal(signal.SIGINT)
    previous = getattr(previous, "before_bake", previous)  # never wrap an earlier bake's
    if target.exists() or not callable(previous):
        return  # SIG_IGN and SIG_DFL stay as they are
    # The output folders this bake creates on the way (-o a/b/c), innermost first
    absent = [folder for folder in target.absolute().parents if not folder.exists()]

    def interrupted(signum, frame):
        if writing(frame) and target.exists():
            shutil.rmtree(target, ignore_errors=True)
            for folder in absent:
                with contextlib.suppress(OSError):  # one that is not empty stays
                    folder.rmdir()
            print(f"Interrupted: removed {target}, which this bake had begun.", file=sys.stderr)
        return previous(signum, frame)

    interrupted.before_bake = previous
    try:
        signal.signal(signal.SIGINT, interrupted)
    except ValueError:  # not the main thread, where only the main thread may set one
        pass


def writing(frame) -> bool:
    """Whether cookiecutter's generate_files is among `frame` and its callers."""
    from cookiecutter.generate import generate_files

    while frame is not None:
        if frame.f_code is generate_files.__code__:
            return True
        frame = frame.f_back
    return False


def table_problems(template: dict) -> list[Problem]:
    """What a template's table of level facts gets wrong: it needs a row for every level it
    offers, in every row every fact another row states, a `lock` that names a folder of
    templates/locks and a `suggested_move` that names an offered level. Given
    cookiecutter.json, not the answers: a replay file that names a level the template does
    not offer is an answer problem (answer_checks), not a gap in the table."""
    table, levels = template["_levels"], template["docker_level"]
    found = [
        Problem("_levels", f"cookiecutter.json: _levels has no row for the offered level {name!r}")
        for name in levels
        if name not in table
    ]
    every = set().union(*map(set, table.values()))
    found += [
        Problem(
            "_levels",
            f"cookiecutter.json: _levels[{name!r}] lacks {sorted(every - set(facts))}; "
            "every row states every fact",
        )  # fmt: skip
        for name, facts in table.items()
        if every - set(facts)
    ]
    # The facts that name something else: the names they may take
    names = {
        "lock": sorted(path.name for path in LOCKS.iterdir() if path.is_dir()),
        "suggested_move": levels,
    }
    return found + [
        Problem(
            "_levels",
            f"cookiecutter.json: _levels[{name!r}] has {fact} {facts[fact]!r}, which is not "
            f"one of {allowed}",
        )  # fmt: skip
        for name, facts in table.items()
        for fact, allowed in names.items()
        if fact in facts and facts[fact] not in allowed
    ]


def asking(answers: dict) -> str | None:
    """The question cookiecutter is rendering an answer for, or None once it has them all.
    It asks in cookiecutter.json's order: the first one not answered yet."""
    if {"docker_level", "_levels", "use_pre_commit"} <= answers.keys():
        return None
    return next((key for key in offered() if key not in answers), None)


def own_string(answers: dict, owners: list[str]) -> bool:
    """Whether one of the template's own strings is being rendered where the template put it:
    as the default or a choice of one of `owners` while cookiecutter asks for it, or as a file
    name or hook once it has every answer. Anywhere else it is an answer that happens to be one
    of them (cookiecutter renders answers given as data too), which stays text."""
    field = asking(answers)
    return field is None or field in owners


ANSWERS_REFUSED = (
    "{count} answer(s) refused (see the ERROR: lines); no project was written. "
    "Run cookiecutter again (without --replay): a key=value after the template's "
    "address gives that answer, and sets its default when you are asked."
)
TEMPLATE_BROKEN = (
    "The template's cookiecutter.json is inconsistent ({count} problem(s), see the ERROR: "
    "lines); no project was written. Fix the template, not your answers."
)


def refuse(found: list[Problem], closing: str, again: str | None = None) -> None:
    """Print each problem as one ERROR: line, then `again` (how to
    be asked again, answer_checks.ask_again), and stop the bake with `closing` (one of the
    messages above), if there is any problem."""
    if found:
        for problem in found:
            print(f"ERROR: {problem.message}", file=sys.stderr)
        if again:
            print(again, file=sys.stderr)
        raise FailedHookException(closing.format(count=len(found)))


# The files only some levels bake, each with the fact its conditional file name reads
LEVEL_FILES = {
    "requirements.txt": "requirements",
    ".github/workflows/dependabot-requirements.yml": "requirements",
    "slim.Dockerfile": "slim_variant",
    "export_requirements.py": "lock_exporter",
    "runtime_files.py": "runtime_files",
    "compile_bytecode.py": "bytecode_compiler",
    "build-requirements.txt": "build_requirements",
    ".pre-commit-config.yaml": "pre_commit",
}


# Where the template publishes the figures of every level, which the project's pages link to
BENCHMARK_URL = "https://github.com/org/pydocker-template/blob/main/docs/benchmarks.md"


def level(cookiecutter: dict) -> dict:
    """The chosen level's facts from `_levels`, plus the rules derived from answers, among
    them what sets it apart from the other levels."""
    levels = {name: level_facts(cookiecutter, name) for name in cookiecutter["_levels"]}
    facts = levels[cookiecutter["docker_level"]]
    facts["series_length"] = sum(1 for other in levels.values() if other["in_series"])
    # A level of the series with one before it, whose page says what changed since
    facts["follows_a_level"] = facts["in_series"] and any(
        other["in_series"] and other["number"] < facts["number"] for other in levels.values()
    )
    # The levels that commit requirements.txt: a move to one writes the template's own export
    facts["requirements_levels"] = [name for name, other in levels.items() if other["requirements"]]
    # The levels that bake a pre-commit config whatever use_pre_commit says
    facts["pre_commit_levels"] = [
        name for name, other in levels.items() if other["needs_pre_commit"]
    ]
    # This level's files that a move to another level deletes, grouped by the levels that keep
    # them, and those the suggested move deletes: git deletes a file only while it is as the
    # template wrote it
    kept_by = {
        file: tuple(name for name, other in levels.items() if other[fact])
        for file, fact in LEVEL_FILES.items()
        if facts[fact]
    }
    groups: dict[tuple[str, ...], list[str]] = {}
    for file, names in kept_by.items():
        if len(names) < len(levels):
            groups.setdefault(names, []).append(file)
    facts["move_deletes"] = [(files, list(names)) for names, files in groups.items()]
    facts["suggested_move_deletes"] = [
        file for file, names in kept_by.items() if facts["suggested_move"] not in names
    ]
    facts["template_url"] = template_git_url(cookiecutter.get("_template"))
    facts["benchmark_url"] = BENCHMARK_URL
    return facts


# Cookiecutter's own abbreviations of a template's address, as it expands them
ABBREVIATIONS = {
    "gh:": "https://github.com/{}.git",
    "gl:": "https://gitlab.com/{}.git",
    "bb:": "https://bitbucket.org/{}",
}


def template_git_url(template) -> str | None:
    """The git URL of the template, as `cruft link` takes it, from the address cookiecutter
    was given (its `_template`): an abbreviation expanded, a URL as it is. None for a local
    folder, a zip file or anything else, which the README must not print: a folder of the
    machine that baked, or no address cruft can clone."""
    # One visible word: nothing that could end the README's code block or the command
    if not isinstance(template, str) or not re.fullmatch(r"[^\s`'\"\\]+", template):
        return None
    for prefix, url in ABBREVIATIONS.items():
        if template.startswith(prefix):
            return url.format(template[len(prefix) :])
    remote = re.match(r"(https?|git|ssh)://|git@[\w.-]+:", template)
    return template if remote and not template.lower().endswith(".zip") else None


def level_facts(cookiecutter: dict, name: str) -> dict:
    """The facts of the level `name` from `_levels`, plus the rules derived from them and
    the answers."""
    facts = dict(cookiecutter["_levels"][name])
    # A pre-commit config when asked for, or when the level cannot work without it
    asked = bool(yes_no(cookiecutter["use_pre_commit"]))
    facts["pre_commit"] = asked or facts["needs_pre_commit"]
    facts["pre_commit_unasked"] = facts["pre_commit"] and not asked
    facts["name"] = name
    # Where the code goes: the package under src/ from step 5 on, next to pyproject.toml before.
    # code_dir is the folder the image build copies and Compose Watch follows.
    package = cookiecutter["package_name"]
    facts["code_dir"] = "src" if facts["src_layout"] else package
    facts["package_dir"] = f"src/{package}" if facts["src_layout"] else package
    # A blank author name is left out: the image's authors label gives the address alone,
    # and pyproject.toml an author with an e-mail and no name (with an empty name, Poetry
    # writes the address as the package's Author instead of its Author-email)
    facts["author_named"] = bool(cookiecutter["author_name"].strip())
    # The script that gives the image bytecode for the server's imports, at the level that
    # compiles only those
    facts["bytecode_compiler"] = facts["bytecode"] == "server_imports"
    # The image installs the package (`pip install .`), which needs its metadata; with the
    # code on PYTHONPATH it imports it from /app/src instead
    facts["package_built"] = not facts["pythonpath_src"]
    # The project's files besides the code that the image build sees and reads: what an
    # allow-list .dockerignore admits, and what `docker compose watch` rebuilds on. A
    # deny-list admits every file, so the lock and pyproject.toml always reach its build.
    build_files = ["gunicorn.conf.py"]
    if facts["package_built"] or not facts["allow_list"]:
        build_files.append("pyproject.toml")
    if not (facts["allow_list"] and facts["requirements"]):
        build_files.append("poetry.lock")
    if facts["requirements"]:
        build_files.append("requirements.txt")
    if facts["build_requirements"]:
        build_files.append("build-requirements.txt")
    if facts["lock_exporter"]:
        build_files.append("export_requirements.py")
    if facts["bytecode_compiler"]:
        build_files.append("compile_bytecode.py")
    if facts["runtime_files"]:
        build_files.append("runtime_files.py")
    facts["build_files"] = build_files
    return facts


@cache
def template_strings() -> tuple[frozenset[str], frozenset[str]]:
    """What the template itself gives Jinja as a string, not from a file it loads: every text
    in cookiecutter.json, every hook, and the names of the files and folders it renders."""
    texts: set[str] = set()

    def collect(value) -> None:
        if isinstance(value, str):
            texts.add(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(key)
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(offered())
    # The hooks cookiecutter would run, and so render (read as it reads them)
    texts.update(
        hook.read_text(encoding="utf-8", errors="replace")
        for hook in (TEMPLATE / "hooks").iterdir()
        if hook.is_file() and valid_hook(hook.name, Path(hook.name).stem)
    )
    names = {PROJECT_FILES.name} | {p.name for p in PROJECT_FILES.rglob("*")}
    return frozenset(texts), frozenset(names)


def runnable(source: str) -> str:
    """What Jinja may run of `source`: a string of the template's own as it is; a path whose
    last parts are the template's file and folder names with the parts before them (the
    output folder, whatever it is called) as literal text; anything else as one literal.
    What runs is first checked by `own_string` to be where the template put it."""
    texts, names = template_strings()
    if source in texts:
        return guarded(source, source)
    # Parts and the separators between them: part, separator, part, ...
    pieces = re.split(r"([/\\])", source)
    start = len(pieces)
    while start > 0 and pieces[start - 1] in names:
        start -= 2
    start = max(start + 1, 0)  # the first of the trailing names
    prefix, rest = "".join(pieces[:start]), "".join(pieces[start:])
    if JINJA.search(rest) is None:
        return as_literal(source)
    return guarded((as_literal(prefix) if JINJA.search(prefix) else prefix) + rest, source)


def guarded(template: str, source: str) -> str:
    """`template`, the Jinja kept of `source`, where `own_string` allows it; else `source` as
    text, which reaches the answer checks as typed."""
    owners = ", ".join(
        jinja_str(key)
        for key, value in offered().items()
        if value == source or (isinstance(value, list) and source in value)
    )
    allowed = f"{{% if cookiecutter | own_string([{owners}]) %}}"
    return allowed + template + "{% else %}" + as_literal(source) + "{% endif %}"


def as_literal(text: str) -> str:
    """A Jinja template whose output is `text`, whatever it holds: one string literal."""
    return "{{ " + jinja_str(text) + " }}"


def jinja_str(text: str) -> str:
    """A Jinja string literal of `text`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\r", "\\r") + '"'


# The Jinja syntax every template here is written in: a replay file's `_jinja2_env_vars`
# could change it so that the project folder's name, which runs the checks, is a comment
SYNTAX = {
    name: getattr(defaults, name.upper())
    for name in (
        "block_start_string",
        "block_end_string",
        "variable_start_string",
        "variable_end_string",
        "comment_start_string",
        "comment_end_string",
        "line_statement_prefix",
        "line_comment_prefix",
    )
}


class Answers:
    """Registers the escaping filters and `level`, and keeps answers from running as Jinja.

    Cookiecutter renders every answer given on the command line (`--no-input key=value`),
    in a config file or as extra context as a Jinja template, before any check can see
    it. Such a string comes in through `from_string`, as the template's own strings do;
    any other one with a Jinja marker is turned into a literal here, so it reaches
    answer_checks as typed and is refused there, on every path alike. So is one with a
    carriage return, which Jinja would turn into a line feed, so that a refusal would
    name a character that was never typed.
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if name is None and filename is None and (JINJA.search(source) or "\r" in source):
            return runnable(source)
        return source

    def __init__(self, environment):
        refuse(
            [
                Problem(
                    "_jinja2_env_vars",
                    f"_jinja2_env_vars sets {name} to {getattr(environment, name)!r}: this "
                    f"template is written with Jinja's default {name} ({default!r}). Bake "
                    "without _jinja2_env_vars in the replay file or context.",
                )
                for name, default in SYNTAX.items()
                if getattr(environment, name) != default
            ],
            ANSWERS_REFUSED,
        )
        environment.filters.update(
            toml_str=toml_str,
            yaml_str=yaml_str,
            py_str=py_str,
            dockerfile_str=dockerfile_str,
            md_text=md_text,
            md_anchor=md_anchor,
            csv_field=csv_field,
            csv_parts=csv_parts,
            shell_word=shell_word,
            own_string=own_string,
            level=level,
        )
        # File and folder names call these as functions: a `|` in a path cannot be checked
        # out on Windows
        environment.globals.update(project_folder=project_folder, level=level)
