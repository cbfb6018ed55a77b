"""What cookiecutter loads from `_extensions`: the template's filters and answer checks, read
from this folder's files as they are now, once for every Jinja environment.

Python imports a module once per process, but `cruft update` renders the project's old template
commit and then the new one in one process, from one folder checked out in turn (and a program
may bake from several template folders). A module kept from the first render would judge the
next with the first one's code and data: a changed hook, `_levels` or list of Pythons would be
refused, a new file name or filter missing. So this file holds only the loader, which a template
change has no reason to touch; the rest is in `answer_checks.py` and `answer_filters.py`.
A change to this file comes with a new module name (in `_extensions`), or projects baked from
the version before would render the new one with the old loader.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from jinja2.ext import Extension

HERE = Path(__file__).parent
# In this order: answer_filters imports answer_checks
CURRENT = ("answer_checks", "answer_filters")


def template_folder() -> Path:
    """The template being rendered. Cookiecutter and cruft append its folder to sys.path for
    the render (which is how they find `_extensions`), so the last entry holding these files
    is it, even when this module was first imported from another template's folder."""
    for entry in reversed(sys.path):
        folder = Path(entry or ".")
        if all((folder / f"{name}.py").is_file() for name in ("answers_extension", *CURRENT)):
            return folder
    return HERE


def load_current() -> ModuleType:
    """answer_filters as its file reads now, with the answer_checks it imports."""
    folder = template_folder()
    module = None
    for name in CURRENT:
        spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


class AnswersExtension(Extension):
    """answer_filters.Answers, loaded afresh: the filters, `level`, and answers kept as data."""

    def __init__(self, environment):
        super().__init__(environment)
        self.current = load_current().Answers(environment)

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return self.current.preprocess(source, name, filename)
