"""What an answer may hold: the checks that run before anything is written.

`answer_filters.project_folder` runs them when cookiecutter renders the
project folder's name, which is the first thing it writes: a refused answer
leaves nothing on disk, not even the output folder. Each problem is one line
naming the field, the value and the fix.
"""

from __future__ import annotations

import sys

# What bakes this template: Python 3.9 (functools.cache, str.removeprefix) and cookiecutter 2.2
# (yes/no questions, __prompts__). Checked before the imports that need them, so that an older
# host stops with one line naming what to upgrade, in cookiecutter's "Unable to load extension".
MIN_PYTHON = (3, 9)
MIN_COOKIECUTTER = (2, 2)


def host_problem(python=sys.version_info, cookiecutter: str | None = None) -> str | None:
    """What is too old on this host to bake the template, and how to upgrade it; or None.
    `cookiecutter` is the installed distribution's version (by default, read from its
    metadata: cookiecutter 2.2.0's own __version__ says 2.1.2.dev0)."""
    if tuple(python[:2]) < MIN_PYTHON:
        return (
            "this template needs Python 3.9 or newer to bake, and cookiecutter runs on "
            f"{python[0]}.{python[1]}: install cookiecutter with a newer Python"
        )
    if cookiecutter is None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            cookiecutter = version("cookiecutter")
        except PackageNotFoundError:  # imported by something else (the tests' helpers)
            return None
    numbers = []
    for part in cookiecutter.split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits or 0))
    if tuple(numbers) < MIN_COOKIECUTTER:
        return (
            f"this template needs cookiecutter 2.2 or newer, and this is {cookiecutter}: "
            "python3 -m pip install -U cookiecutter"
            " (pipx upgrade cookiecutter, if pipx installed it)"
        )
    return None


TOO_OLD = host_problem()
if TOO_OLD:
    raise ImportError(TOO_OLD)

import difflib  # noqa: E402
import json  # noqa: E402
import locale  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import unicodedata  # noqa: E402
from functools import cache  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import NamedTuple  # noqa: E402

import yaml  # noqa: E402  (cookiecutter's own dependency)

TEMPLATE = Path(__file__).parent
LOCKS = TEMPLATE / "templates" / "locks"
RESERVED_NAMES = LOCKS / "reserved-names.json"
# The project's own files, as the template names them
PROJECT_FILES = next(TEMPLATE.glob("{{ project_folder*"))


@cache
def offered() -> dict:
    """The template's own cookiecutter.json: its choices and its private data."""
    return json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))


@cache
def reserved_names() -> dict:
    """Names a package may not take: templates/locks/reserved-names.json."""
    return json.loads(RESERVED_NAMES.read_text(encoding="utf-8"))


class Problem(NamedTuple):
    """An answer that cannot be baked: its field, the ERROR: line that names it, the value
    and why, and the value the line offers instead, where one follows from the answer
    (None where only the user can say what it should be), and any it offers for other
    answers as (field, value) pairs."""

    field: str
    message: str
    fix: str | None = None
    also: tuple[tuple[str, str], ...] = ()  # fixes it offers for other answers


# Every prompt of cookiecutter.json is of one of these kinds, each with its checks below
# (a test holds the kinds to cookiecutter.json): free text on one line, names made from
# it, choices among the offered values, and yes/no
ONE_LINE = ("project_name", "description", "author_name", "author_email")
NAMES = ("project_slug", "package_name")
CHOICES = ("docker_level", "python_version")
YES_NO = ("use_pre_commit",)
MAX_NAME = 40  # slug and package: Docker, Compose and Kubernetes names get suffixes
# The longest each one-line answer may be, and why. Each lands in one-line fields, such as
# the image's labels, and Docker reads at most 64 KiB of a Dockerfile line.
MAX_TEXT = {
    "project_name": (200, "this template takes for a name"),
    "description": (512, "PyPI takes for a package's summary"),
    "author_name": (200, "this template takes for a name"),
    "author_email": (254, "an e-mail address can have (RFC 5321)"),
}
# A Docker image name component, a Compose project name and a Kubernetes name,
# a Service's included (DNS-1035: a letter first)
SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
PACKAGE = re.compile(r"[a-z][a-z0-9_]*")
# What Windows keeps for devices: no file or folder there may have such a name
WINDOWS_DEVICE = re.compile(r"con|prn|aux|nul|com\d|lpt\d")
# The cluster's own namespaces, and those OpenShift keeps for itself: deploy/kubernetes/
# names its Namespace after the slug
KUBERNETES_RESERVED = re.compile(r"default|kube-.*|openshift(?:-.*)?")
# An e-mail address as RFC 5322 writes one plainly (a dot-atom on each side of '@',
# letters beyond ASCII allowed as RFC 6532 does), with a dot in the domain, as Poetry
# asks (the "email" format of the JSON schema it validates pyproject.toml with).
# Quoted local parts, comments and address literals are left out: a package's
# Author-email field and the image's authors label name the address plainly.
ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+"
EMAIL = re.compile(rf"{ATOM}(?:\.{ATOM})*@{ATOM}(?:\.{ATOM})+")
VERSION = re.compile(r"[0-9]+(?:\.[0-9]+){1,3}")
JINJA = re.compile(r"\{[{%#]")
# A pinned GitHub Action: owner/repo[/path]@<commit SHA> # <version>
ACTION = re.compile(r"[\w.-]+/[\w.-]+(?:/[\w.-]+)*@[0-9a-f]{40} # v\d+(?:\.\d+)*")
BYTE_ORDER_MARK = "\ufeff"
# What cookiecutter and cruft add to the answers they record, besides the template's own
BOOKKEEPING = {"_template", "_output_dir", "_repo_dir", "_checkout", "_commit"}


# The words cookiecutter's yes/no prompt takes, as it reads them (any case). Cookiecutter 2.7
# turns such an answer from the command line or a config file into true or false itself;
# 2.2 to 2.6 and replay files pass it on as text.
YES = frozenset({"1", "true", "t", "yes", "y", "on"})
NO = frozenset({"0", "false", "f", "no", "n", "off"})


def yes_no(value) -> bool | None:
    """A yes/no answer as true or false: a boolean, or one of cookiecutter's words for one.
    None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):  # a config or replay file's number
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in YES | NO:
        return value.strip().lower() in YES
    return None


def as_json(value) -> str:
    # repr for what JSON cannot hold (a config file's YAML dates): never equal to the template's
    return json.dumps(value, sort_keys=True, default=repr)


def undecoded(text: str) -> bytes | None:
    """The answer's bytes, when some of them were not text in the locale's encoding (Python
    keeps such bytes as lone surrogates, U+DC80 to U+DCFF: a UTF-8 name typed under the C
    locale); else None."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        return text.encode("utf-8", "surrogateescape")
    return None


def line_breaking(text):
    """Characters that would end a line or hide in one: C0/C1 controls, separators, and the
    byte order mark (a Dockerfile value cannot hold one, nor escape it)."""
    return sorted(
        {
            f"U+{ord(ch):04X}"
            for ch in text
            if unicodedata.category(ch) in {"Cc", "Cs", "Zl", "Zp"} or ch == BYTE_ORDER_MARK
        }
    )


def free_text_problems(answers):
    for field in ONE_LINE:
        value = answers[field]
        if not isinstance(value, str):
            yield Problem(field, not_text(field, value))
            continue
        raw = undecoded(value)
        if raw is not None:
            yield Problem(
                field,
                (
                    f"{field} {raw!r} is not text in this terminal's encoding "
                    f"({locale.getpreferredencoding(False)}). Run cookiecutter in a UTF-8 "
                    "locale (LC_ALL=C.UTF-8) or with PYTHONUTF8=1, or type it in ASCII."
                ),
            )
            continue
        bad = line_breaking(value)
        if bad:
            yield Problem(
                field,
                (
                    f"{field} {value!r} holds control, line-break or byte-order-mark "
                    f"characters ({', '.join(bad)}). Give it on one line, without them."
                ),
            )


def length_problems(answers):
    for field in ONE_LINE:
        value = answers[field]
        if len(value) > (limit := MAX_TEXT[field])[0]:
            yield Problem(
                field,
                (
                    f"{field} {value[:40] + '...'!r} is {len(value):,} characters long, more than "
                    f"the {limit[0]} {limit[1]}. Give at most {limit[0]} characters."
                ),
            )


def template_marker_problems(answers):
    """Free text holding Jinja's markers. The slug, package name and choices are refused
    by their own checks, which admit no braces."""
    for field in ONE_LINE:
        value = answers[field]
        if JINJA.search(value):
            yield Problem(
                field,
                (
                    f"{field} {value!r} holds '{{{{', '{{%' or '{{#'. Cookiecutter and cruft "
                    "read answers again as Jinja templates when the project is updated, so "
                    "such a value cannot survive an update. Leave those character pairs out."
                ),
            )


def not_text(field: str, value: object) -> str:
    """An answer that is not text, as YAML reads some values without quotes (a config
    file's default_context, a replay file): the command line and the prompts give text."""
    where = "in the config or replay file"
    if isinstance(value, bool):
        word, words = ("yes", "yes, on or true") if value else ("no", "no, off or false")
        return (
            f"{field} must be text, not {value}: YAML reads yes, no, on, off, true and false "
            f"without quotes as a truth value. Quote the word you wrote {where}, e.g. "
            f'{field}: "{word}" (for {words}).'
        )
    if value is None:
        return (
            f"{field} must be text, not empty: YAML reads a missing value, null and ~ as "
            f'nothing. Give text in quotes {where}, e.g. {field}: "Hello".'
        )
    if isinstance(value, (int, float)):  # not int | float: bakes run on Python 3.9
        return (
            f"{field} must be text, not the number {value!r}. Quote it {where}, "
            f'e.g. {field}: "{value}".'
        )
    return (
        f'{field} must be text, not {value!r}. Give text in quotes {where}, e.g. {field}: "Hello".'
    )


def made_from_slug(answers) -> bool:
    """Whether the package name is the one cookiecutter.json makes of the slug."""
    slug = answers["project_slug"]
    return isinstance(slug, str) and answers["package_name"] == slug.replace("-", "_")


def follows_slug(answers, fixes) -> bool:
    """Whether a bake with `fixes` makes the package name again, of the slug it is given:
    where the package name was made from the slug, and no fix is offered for it."""
    return made_from_slug(answers) and "package_name" not in fixes


def slug_problem(slug: str, name: str, naming_package: bool = False) -> Problem:
    """Why the slug is refused; one made from the project name says so; and a fix."""
    rule = (
        f"is not a valid Docker image, Compose project and Kubernetes name: at most "
        f"{MAX_NAME} lowercase letters and digits, separated by single '-' and starting "
        "with a letter."
    )
    if slug != default_slug(name):
        fix = offered_slug(slug, f"app-{slug}", naming_package=naming_package)
        return Problem(
            "project_slug", f"project_slug {slug!r} {rule} Use one such as {fix!r}.", fix
        )
    # Made from the name: only a leading digit or the length can be wrong
    words = slug.split("-")
    lead = next((i for i, word in enumerate(words) if word[0].isalpha()), len(words))
    fix = offered_slug(
        "-".join(words[lead:] + words[:lead]), f"app-{slug}", naming_package=naming_package
    )
    message = (
        f"project_slug {slug!r} (the slug of project_name {name!r}) {rule} Give project_slug "
        f"yourself, e.g. project_slug={fix}."
    )
    return Problem("project_slug", message, fix)


def acceptable_slug(slug: str) -> bool:
    """Whether every check of project_slug accepts the slug."""
    return (
        0 < len(slug) <= MAX_NAME
        and bool(SLUG.fullmatch(slug))
        and not WINDOWS_DEVICE.fullmatch(slug)
        and not KUBERNETES_RESERVED.fullmatch(slug)
        and slug not in reserved_names()["distributions"]
    )


def offered_slug(*candidates: str, naming_package: bool = False) -> str:
    """A slug to offer in a refusal: the first candidate, as a slug, that every check of
    project_slug accepts, and where the package name is made from the slug
    (`naming_package`), every check of package_name too."""
    made = (default_slug(candidate) for candidate in candidates)
    fit = (
        slug
        for slug in made
        if acceptable_slug(slug)
        and (not naming_package or acceptable_package(slug.replace("-", "_")))
    )
    return next(fit, "hello-service")


def default_slug(name: str) -> str:
    """The slug cookiecutter.json's own expression makes of the project name."""
    from cookiecutter.environment import StrictEnvironment  # without this template's extension

    expression = StrictEnvironment().from_string(offered()["project_slug"])
    return expression.render(cookiecutter={"project_name": name})


def ask_again(answers: dict, found: list[Problem]) -> str | None:
    """What a refusal prints after its ERROR: lines: the cookiecutter command that asks every
    question again, with the fixes the lines offer and every other answer given as defaults,
    and, where those answers would bake as they are, that --no-input bakes them. None where
    nothing was refused, or no command can be given (rerun_command)."""
    if not found:
        return None
    # A problem's own fix first, then the fixes it offers for other answers
    also = {field: fix for problem in found for field, fix in problem.also}
    fixes = {**also, **{problem.field: problem.fix for problem in found if problem.fix is not None}}
    path = config_file()
    command = rerun_command(answers, fixes, config_defaults(path) if path is not None else {})
    if command is None:
        return None
    if not fixes:
        return f"To be asked again, with every answer you gave as its default:\n  {command}"
    fixed = {**answers, **fixes}
    if follows_slug(answers, fixes):
        fixed["package_name"] = str(fixed["project_slug"]).replace("-", "_")
    text = (
        "To be asked again, with the fixes offered above and every other answer you gave as "
        f"its default:\n  {command}"
    )
    if not answer_problems(fixed):
        text += "\nAdd --no-input to bake with those answers without being asked."
    return text


def rerun_command(
    answers: dict, fixes: dict | None = None, defaults: dict | None = None
) -> str | None:
    """The cookiecutter command that asks every question again, with each answer given (or
    its fix, from `fixes`) as its default: every one that differs from what would be offered
    without it (the config file's default_context, `defaults`, before the template's own),
    as key=value after the template's address. None without that address, and under cruft
    (which adds _commit), which asks nothing: its refusals give --variables-to-update."""
    template = answers.get("_template")
    if not isinstance(template, str) or not template or "_commit" in answers:
        return None
    fixes, defaults = fixes or {}, defaults or {}
    given = []
    for key, default in offered().items():
        if key.startswith("_") or key not in answers:
            continue
        value = fixes.get(key, answers[key])
        if isinstance(default, list):  # a choice: the first is offered
            default = default[0]
        if key == "project_slug" and isinstance(answers["project_name"], str):
            default = default_slug(answers["project_name"])
        default = defaults.get(key, default)
        if key == "package_name" and follows_slug(answers, fixes):
            continue  # the bake makes it again, of the slug it is given
        if key in YES_NO and yes_no(value) is not None and yes_no(value) is yes_no(default):
            continue
        if value == default and type(value) is type(default):
            continue
        text = {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value
        given.append(shell_word(f"{key}={text}"))
    kept, _ = command_line()
    return " ".join(["cookiecutter", *map(shell_word, kept), shell_word(template), *given])


def shell_word(text: str) -> str:
    """`text` as one word of a POSIX shell command line, quoted where it needs it. Text that
    would not print as itself (control characters, which a terminal acts on, or bytes the
    locale could not decode, which Python keeps as lone surrogates) is written in ANSI-C
    quotes, $'...', with those characters escaped: bash, zsh and ksh read it back as typed."""
    if text.isprintable():
        return shlex.quote(text)
    escaped = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte the locale could not decode: the byte itself
            escaped.append(f"\\x{code - 0xDC00:02x}")
        elif char in "\\'":
            escaped.append("\\" + char)
        elif char.isprintable():
            escaped.append(char)
        elif code < 0x100:
            escaped.append(f"\\x{code:02x}")
        elif code < 0x10000:
            escaped.append(f"\\u{code:04x}")
        else:
            escaped.append(f"\\U{code:08x}")
    return "$'" + "".join(escaped) + "'"


# cookiecutter's options that a command asking again keeps as the user gave them (where the
# template, its config and the project are, and how the project is written), those of them
# that take a value, and every option that takes one
KEPT_FLAGS = {"--default-config", "-f", "--overwrite-if-exists", "-s", "--skip-if-file-exists"}
KEPT_WITH_VALUE = {
    "-c",
    "--checkout",
    "--directory",
    "-o",
    "--output-dir",
    "--config-file",
    "--accept-hooks",
}
WITH_VALUE = KEPT_WITH_VALUE | {"--replay-file", "--debug-file"}


def command_line(argv=None) -> tuple[list[str], dict[str, str]]:
    """From cookiecutter's command line (its script, or `python -m cookiecutter`): the options
    a command asking again keeps, and the key=value answers after the template's address.
    Nothing when cookiecutter runs otherwise (cruft, a program, a test)."""
    argv = sys.argv if argv is None else argv
    program = Path(argv[0]) if argv else Path()
    if "cookiecutter" not in {program.name, program.parent.name}:
        return [], {}
    kept, given, address = [], {}, None
    words = iter(argv[1:])
    for word in words:
        name, equals, _ = word.partition("=")
        if word.startswith("--") and equals:  # --option=value
            kept += [word] if name in KEPT_WITH_VALUE else []
        elif word in WITH_VALUE:
            value = next(words, None)
            kept += [word, value] if word in KEPT_WITH_VALUE and value is not None else []
        elif word[:2] in ("-o", "-c") and len(word) > 2:  # -oFOLDER
            kept.append(word)
        elif word in KEPT_FLAGS:
            kept.append(word)
        elif word.startswith("-"):  # --no-input, --replay, -v, ...: not kept
            continue
        elif address is None:
            address = word
        elif equals:
            given[name] = word.partition("=")[2]
    return kept, given


def unknown_key_problems():
    """key=value answers on cookiecutter's command line that name no question of this
    template: cookiecutter drops them without a word, and bakes the default instead."""
    known = [key for key in offered() if not key.startswith("__")]
    _, given = command_line()
    for key, value in given.items():
        if key in known:
            continue
        matches = difflib.get_close_matches(key.replace("-", "_").lower(), known, 1, 0.6)
        match = matches[0] if matches else None
        hint = f" Did you mean {match}?" if match else ""
        also = ((match, value),) if match and match not in given else ()
        yield Problem(
            key,
            (
                f"{key} is not a question of this template, and cookiecutter would bake as if "
                f"it were not given.{hint} The questions: "
                + ", ".join(question for question in known if not question.startswith("_"))
                + "."
            ),
            also=also,
        )


def name_problems(answers):
    slug = answers["project_slug"]
    form_ok = bool(slug) and len(slug) <= MAX_NAME and SLUG.fullmatch(slug)
    reserved = form_ok and KUBERNETES_RESERVED.fullmatch(slug)
    slug_ok = acceptable_slug(slug)
    if not slug:
        made = not default_slug(answers["project_name"])  # else it was given empty
        yield Problem(
            "project_slug",
            (
                "project_slug is empty"
                + (": the project name has no letters or digits to make it from" if made else "")
                + ". Give one, e.g. project_slug=hello-service."
            ),
        )
    package = answers["package_name"]
    derived = made_from_slug(answers)
    if slug and not form_ok:
        yield slug_problem(slug, answers["project_name"], derived)
    if reserved:
        yield reserved_slug_problem(slug, answers["project_name"], answers)
    elif form_ok and slug in reserved_names()["distributions"]:
        yield installed_slug_problem(slug, answers["project_name"], answers)
    elif form_ok and not slug_ok:
        # cruft (which adds _commit) passes the recorded package name on as it is
        both = "_commit" in answers and derived
        yield device_slug_problem(slug, answers["project_name"], both)
    if not slug_ok and derived:
        return  # derived from the slug: fixing the slug fixes it
    # A name that is the one made from the slug says so (typed or not: cookiecutter cannot
    # tell), and how to give another
    named = f"package_name {package!r}" + (
        f" (the name made from project_slug {slug!r}; give another package_name to change it)"
        if derived
        else ""
    )
    if len(package) > MAX_NAME or not PACKAGE.fullmatch(package):
        # The name in lowercase ASCII (accents dropped), with '_' for what an identifier
        # cannot hold
        ascii_name = unicodedata.normalize("NFKD", package).encode("ascii", "ignore").decode()
        fix = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
        fix = fix if acceptable_package(fix) else None
        yield Problem(
            "package_name",
            (
                f"{named} is not a plain lowercase Python identifier. Use at "
                f"most {MAX_NAME} lowercase letters, digits and '_', starting with a letter, "
                f"e.g. {fix or 'hello_service'!r}."
            ),
            fix,
        )
        return
    fix = f"{package}_service"
    fix = fix if acceptable_package(fix) else None
    why = package_problem(package)
    if why:
        example = fix or "hello_service"
        yield Problem("package_name", f"{named} {why} Use one such as {example!r}.", fix)


def acceptable_package(package: str) -> bool:
    """Whether every check of package_name accepts the name."""
    return (
        bool(package)
        and len(package) <= MAX_NAME
        and bool(PACKAGE.fullmatch(package))
        and (package_problem(package) is None)
    )


def package_problem(package: str) -> str | None:
    """Why a plain lowercase identifier cannot name the project's package, or None."""
    if package in reserved_names()["keywords"]:
        # Every offered Python's keywords and soft keywords, not only the running one's
        return "is a Python keyword (or soft keyword) in one of the Python versions offered."
    if WINDOWS_DEVICE.fullmatch(package):
        return WINDOWS_DEVICE_REASON
    if clash := shadowed(package):
        return f"would shadow {clash}."
    if twin := case_twin(package):
        return (
            f"is the project's file {twin} but for case, which macOS and Windows "
            "ignore: at steps 1-4 the package folder sits next to it, and the two could "
            "not both exist there."
        )
    return None


def device_slug_problem(slug: str, name: str, both: bool = False) -> Problem:
    """A slug Windows keeps for a device; one made from the project name says so, and
    under cruft, whose package name made from it stays as recorded, so do both names."""
    return Problem("project_slug", device_slug_message(slug, name, both), f"{slug}-service")


def device_slug_message(slug: str, name: str, both: bool) -> str:
    if both:
        names = json.dumps({"project_slug": f"{slug}-service", "package_name": f"{slug}_service"})
        return windows_device(
            f"project_slug {slug!r}",
            f"With cruft create, give another, e.g. project_slug={slug}-service. A project "
            "baked with it before this check: cruft passes its recorded package name on as "
            f"it is, so give both, cruft update --variables-to-update '{names}', then "
            "`git mv` your own modules into the new package folder.",
        )
    if slug != default_slug(name):
        return windows_device(f"project_slug {slug!r}", f"Use one such as '{slug}-service'.")
    return windows_device(
        f"project_slug {slug!r} (the slug of project_name {name!r})",
        f"Give project_slug yourself, e.g. project_slug={slug}-service.",
    )


def reserved_slug_problem(slug: str, name: str, answers: dict) -> Problem:
    """A slug that names one of the cluster's own namespaces."""
    return slug_refusal(
        slug,
        name,
        answers,
        "names a namespace of the Kubernetes cluster itself (default, every name that starts "
        "with kube-, and OpenShift's openshift and openshift-*): deploy/kubernetes/ names the "
        "project's namespace after the slug, and applying it would change that namespace's "
        "security labels.",
        offered_slug(f"app-{slug}", naming_package=made_from_slug(answers)),
    )


def installed_slug_problem(slug: str, name: str, answers: dict) -> Problem:
    """A slug that names a package installed next to the project."""
    return slug_refusal(
        slug,
        name,
        answers,
        "is the name of a package installed next to the project (one of the shipped "
        "poetry.lock's, or pip, setuptools or wheel): the project's own package takes its "
        "name from the slug, and installing it would replace that one.",
        offered_slug(f"{slug}-service", naming_package=made_from_slug(answers)),
    )


def slug_refusal(slug: str, name: str, answers: dict, why: str, fix: str) -> Problem:
    """A refused slug, why, and the one to give instead; one made from the project name
    says so, and under cruft (which adds _commit) the --variables-to-update to pass."""
    named = f"project_slug {slug!r}"
    if slug == default_slug(name):
        named += f" (the slug of project_name {name!r})"
    later = (
        ". A project baked with it before this check: cruft update --variables-to-update "
        + f"'{json.dumps({'project_slug': fix})}'"
        if "_commit" in answers
        else ""
    )
    message = f"{named} {why} Give project_slug yourself, e.g. project_slug={fix}{later}."
    return Problem("project_slug", message, fix)


WINDOWS_DEVICE_REASON = (
    "is a device name on Windows (like con, nul or com1), which no folder there can have: "
    "the project could not be cloned or baked there."
)


def windows_device(named: str, fix: str) -> str:
    return f"{named} {WINDOWS_DEVICE_REASON} {fix}"


def case_twin(package):
    """The project's root file whose name is `package` but for case (Dockerfile), or None."""
    return next((f.name for f in PROJECT_FILES.iterdir() if f.name.lower() == package), None)


def shadowed(package):
    """What importing `package` would hide, or None."""
    reserved = reserved_names()
    versions = [v for v, names in reserved["stdlib"].items() if package in names]
    if versions:
        return f"the standard library module of the same name (Python {', '.join(versions)})"
    if package in reserved["locked"]:
        return "a package the project installs (it is in the shipped poetry.lock)"
    if package in reserved["special"]:
        return "a name Python, the project's tools or its own files use"
    if (PROJECT_FILES / "tests" / f"{package}.py").is_file():
        return (
            f"the project's test module tests/{package}.py, which pytest imports under the "
            "same name: the tests could not import the package"
        )
    return None


def metadata_problems(answers):
    problem = email_problem(answers["author_email"])
    if problem:
        why, fix, name = problem
        # The name of 'Name <address>' where no author_name was given (or the template's)
        unnamed = answers["author_name"].strip() in ("", offered()["author_name"])
        also = (("author_name", name),) if name and unnamed else ()
        message = f"author_email {answers['author_email']!r} {why}"
        yield Problem("author_email", message, fix, also)
    problem = author_name_problem(answers["author_name"])
    if problem:
        why, fix = problem
        yield Problem("author_name", f"author_name {why}", fix)
    name = answers["project_name"]
    if shows_nothing(name):
        shown = f"({code_points(name)}) shows nothing" if name.strip() else "is empty"
        message = f"project_name {shown}. Give it a name, e.g. 'Hello Service'."
        yield Problem("project_name", message)


def email_problem(email: str) -> tuple[str, str | None, str | None] | None:
    """What keeps `email` from being one plain address, the first thing wrong only, with
    the fix; the address it offers (None where it offers none); and the name it holds, as
    in 'Name <address>'. None for an address."""
    if not email.strip():
        return "is empty. Give one, in the form name@example.com.", None, None
    if email != email.strip():
        fix = settled_email(email.strip())
        offer = f": {fix!r}" if fix else ""
        return f"has spaces around it. Give it without them{offer}.", fix, None
    if email.lower().startswith("mailto:"):
        fix = settled_email(email[7:])
        offer = f": {fix!r}" if fix else ""
        return f"starts with 'mailto:', which links use. Give the address alone{offer}.", fix, None
    if "<" in email or ">" in email:
        parts = re.fullmatch(r"([^<>]*)<([^<>]*)>", email)
        if parts and EMAIL.fullmatch(parts.group(2)):
            alone, name = parts.group(2), " ".join(parts.group(1).strip(" \"'").split())
            why = f"holds a name and an address. Give the address alone, {alone!r}, and the "
            return why + "name as author_name.", alone, name or None
        why = "holds '<' or '>', which end the address in 'Name <address>' (the image's "
        return why + "authors label). Use the form name@example.com.", None, None
    if separators := sorted(set(re.findall(r"[\s,;]", email))):
        named = " and ".join("a space" if char.isspace() else repr(char) for char in separators)
        addresses = [part for part in re.split(r"[\s,;]+", email) if EMAIL.fullmatch(part)]
        first = addresses[0] if len(addresses) > 1 else None
        example = f"e.g. {first!r}" if first else "in the form name@example.com"
        why = (
            f"holds {named}, which a package's Author-email field reads as more than one "
            f"address. Give one address, {example}."
        )
        return why, first, None
    if not EMAIL.fullmatch(email):
        return "is not an e-mail address. Use the form name@example.com.", None, None
    return None


def settled_email(email: str) -> str | None:
    """`email` where it is one plain address; else the address its own refusal offers,
    settled the same way; None where none is offered."""
    problem = email_problem(email)
    return email if problem is None else problem[1]


def author_name_problem(name: str) -> tuple[str, str | None] | None:
    """What keeps `name` from naming the author in pyproject.toml and the authors label,
    with the fix, the name included, and the name it offers (None where only an example
    is left); None for a name, or for none (blank)."""
    if "<" in name or ">" in name:
        # The name without an <address> part and without the other brackets
        alone = settled_name(" ".join(re.sub(r"<[^<>]*@[^<>]*>|[<>]", " ", name).split()))
        why = (
            f"{name!r} holds '<' or '>', which Poetry reads as marking an e-mail address "
            f"('Name <address>'). Give the name alone, e.g. {alone or 'Jane Doe'!r}."
        )
        return why, alone
    if "," in name:
        # "Doe, Jane" (a surname first) reads "Jane Doe"; "Jane Doe, PhD" keeps its order
        last, _, first = name.partition(",")
        swapped = len(last.split()) == 1 and "," not in first and first.strip()
        alone = settled_name(
            " ".join((f"{first} {last}" if swapped else name.replace(",", " ")).split())
        )
        why = (
            f"{name!r} holds ',', which a package's Author field reads as a list of names "
            f"(pyproject.toml's rules forbid it in a name). Give it without, e.g. "
            f"{alone or 'Jane Doe'!r}."
        )
        return why, alone
    if name.strip() and shows_nothing(name):
        why = (
            f"({code_points(name)}) shows nothing. Leave it empty, and the address alone names "
            "the author, or give a name, e.g. 'Jane Doe'."
        )
        return why, ""
    return None


def settled_name(name: str) -> str | None:
    """`name` where it can name the author, else the name its own refusal offers, settled
    the same way; None where that leaves no name, or one with Jinja's markers."""
    problem = author_name_problem(name)
    name = name if problem is None else problem[1]
    return name if name and name.strip() and not JINJA.search(name) else None


def code_points(text: str) -> str:
    """The first code points of `text`, as U+XXXX."""
    return " ".join(f"U+{ord(char):04X}" for char in text[:8])


# Letters that show nothing: the Hangul fillers and the blank Braille pattern
BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def shows_nothing(text: str) -> bool:
    """Whether text is only spaces and characters that show nothing by themselves: format
    characters (zero-width space and joiners, bidirectional marks), combining marks with
    nothing to combine with, and blank letters."""
    return all(
        char.isspace() or char in BLANK_LETTERS or unicodedata.category(char) in ("Cf", "Mn", "Me")
        for char in text
    )


def choice_problems(answers):
    """Choices and private data as a replay file can give them: only what the template offers,
    in the form it writes them (cookiecutter checks choices only when it prompts)."""
    template = offered()
    for field in CHOICES:
        if answers[field] not in template[field]:
            yield Problem(
                field,
                (
                    f"{field} {answers[field]!r} is not offered. Use one of: "
                    + ", ".join(template[field])
                ),
            )
    for field in YES_NO:
        if yes_no(answers[field]) is None:
            yield Problem(
                field,
                (
                    f"{field} {answers[field]!r} is neither yes nor no. "
                    "Give true or false (or yes, no, y, n, t, f, on, off, 1, 0)."
                ),
            )
    # As JSON, so that 10001.0 is not 10001, nor 1 True
    if as_json(answers["_levels"]) != as_json(template["_levels"]):
        yield Problem(
            "_levels",
            (
                "_levels is not this template's (a replay file from another version?). "
                "Bake without the replay, or copy _levels from the template's cookiecutter.json."
            ),
        )
    if answers["_extensions"] != template["_extensions"]:
        yield Problem(
            "_extensions",
            (
                f"_extensions {answers['_extensions']!r} is not this template's "
                f"{template['_extensions']!r}. Bake without changing _extensions."
            ),
        )
    if answers.get("_new_lines") != template["_new_lines"]:
        yield Problem(
            "_new_lines",
            (
                f"_new_lines {answers.get('_new_lines')!r} is not this template's "
                f"{template['_new_lines']!r}: the project's files have LF line endings "
                "everywhere (Git, Poetry and the image build write them so). Bake without "
                "changing _new_lines."
            ),
        )
    unknown = sorted(key for key in answers if key.startswith("_") and key not in template)
    unknown = [key for key in unknown if key not in BOOKKEEPING]
    if unknown:
        yield Problem(
            unknown[0],
            (
                f"{', '.join(unknown)}: not this template's private data, nor what cookiecutter "
                "or cruft record. Leave them out of the replay file or context."
            ),
        )
    for table in ("_tools", "_actions"):
        missing = sorted(set(template[table]) - set(answers[table]))
        if missing:
            yield Problem(
                f"{table}.{missing[0]}",
                (
                    f"{table} has no {', '.join(missing)}, which this template's files use "
                    "(a replay file from another version?). Bake without the replay, or copy "
                    f"{table} from the template's cookiecutter.json."
                ),
            )
    for tool, version in answers["_tools"].items():
        if not isinstance(version, str) or not VERSION.fullmatch(version):
            yield Problem(
                f"_tools.{tool}",
                (f"_tools.{tool} {version!r} is not a release version such as '1.2.3'."),
            )
    for action, pin in answers["_actions"].items():
        if not isinstance(pin, str) or not ACTION.fullmatch(pin):
            yield Problem(
                f"_actions.{action}",
                (
                    f"_actions.{action} {pin!r} is not a pinned action such as "
                    "'actions/checkout@<40-character commit SHA> # v1.2.3'."
                ),
            )


def shape_problems(answers):
    """Values of the wrong type, as a replay file can give them: text, a table of text."""
    for field in NAMES + CHOICES:
        if not isinstance(answers[field], str):
            yield Problem(field, not_text(field, answers[field]))
    for field in ("_tools", "_actions"):
        if not isinstance(answers[field], dict):
            yield Problem(
                field,
                (
                    f"{field} must be a table of names to text, not {answers[field]!r}. "
                    "Copy it from the template's cookiecutter.json."
                ),
            )


def problems(answers) -> list[Problem]:
    """Every answer that cannot be baked, and every key=value that names no question; one
    that the user's config file gave says so."""
    path = config_file()
    defaults = config_defaults(path) if path is not None else {}
    # Of the wrong type, first and alone, as answer_problems reports its own
    found = list(config_type_problems(answers, defaults)) or answer_problems(answers)
    return [
        *named_config_defaults(found, answers, path, defaults),
        *unknown_key_problems(),
    ]


def config_type_problems(answers, defaults):
    """One-line answers and names that the config file gives as something other than text
    (YAML reads 5, 1:30 and 0x10 unquoted as numbers, [a, b] as a list): cookiecutter turns
    a number into its digits, and a list into its first item, before any check sees them."""
    for field in ONE_LINE + NAMES:
        given, answer = defaults.get(field), answers.get(field)
        if field not in defaults or isinstance(given, str) or not isinstance(answer, str):
            continue  # text, or what shape_problems names from the answer itself
        if config_gave(given, answer):
            yield Problem(field, not_text(field, given))


def config_gave(given, answer) -> bool:
    """Whether `answer` is the config file's `given`, as cookiecutter passes it on: as it is,
    or a number as its digits and a list as its first item."""
    if type(given) is type(answer):
        return given == answer
    first = given[0] if isinstance(given, list) and given else given
    return isinstance(answer, str) and answer in (str(given), str(first))


def answer_problems(answers) -> list[Problem]:
    """Every answer that cannot be baked."""
    # Types and free text first: the other checks assume text on one line
    found = [*shape_problems(answers), *free_text_problems(answers)]
    if found:
        return found
    checks = (
        length_problems,
        template_marker_problems,
        name_problems,
        metadata_problems,
        choice_problems,
    )
    for check in checks:
        found += check(answers)
    # A slug made from a refused project name: fixing the name fixes the slug too
    made = answers["project_slug"] == default_slug(answers["project_name"])
    if made and any(problem.field == "project_name" for problem in found):
        found = [problem for problem in found if problem.field != "project_slug"]
    # In the order the questions are asked (a field asked nowhere, last)
    order = list(offered())
    return sorted(
        found,
        key=lambda problem: order.index(problem.field) if problem.field in order else len(order),
    )


# The programs whose command line names the config file: cookiecutter (its script, or
# `python -m cookiecutter`) and cruft
CONFIG_READERS = {"cookiecutter", "cruft"}


def config_file(argv=None, environ=None):
    """The config file this bake reads its default_context from, found as cookiecutter and
    cruft find it: none with --default-config (cruft's -d too), else the --config-file on
    their command line, else $COOKIECUTTER_CONFIG, else ~/.cookiecutterrc if it is there."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    program = Path(argv[0]) if argv else Path()
    if {program.name, program.parent.name} & CONFIG_READERS:
        options = argv[1:]
        if "--default-config" in options or (program.name == "cruft" and "-d" in options):
            return None
        for option, following in zip(options, [*options[1:], None]):
            if option == "--config-file" and following is not None:
                return Path(following)
            if option.startswith("--config-file="):
                return Path(option.partition("=")[2])
    if environ.get("COOKIECUTTER_CONFIG"):
        return Path(environ["COOKIECUTTER_CONFIG"])
    home = Path("~/.cookiecutterrc").expanduser()
    return home if home.is_file() else None


def config_defaults(path) -> dict:
    """The default_context table of the config file at `path`; empty when there is none."""
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    defaults = config.get("default_context") if isinstance(config, dict) else None
    return defaults if isinstance(defaults, dict) else {}


def named_config_defaults(found, answers, path, defaults):
    """`found`, where a refused answer is the one the config file at `path` gives as its
    default_context naming that file (once per answer): a fix given on the command line
    alone would leave the file to give the same answer to the next bake. `defaults` is that
    file's default_context (config_defaults)."""
    named = set()
    marked = []
    for problem in found:
        field = problem.field
        same = field in defaults and config_gave(defaults[field], answers.get(field))
        if same and field not in named:
            named.add(field)
            problem = problem._replace(
                message=f"{problem.message} {path} gives this {field} as its default_context: "
                "change it there too, or every bake that reads that file is refused again."
            )
        marked.append(problem)
    return marked
