"""Once per level: the baked project's own tests pass.

They install into the project, so they work on `project_copy`
(tests/conftest.py). Its pre-commit hooks run in tests/test_toolchain.py.
"""

from __future__ import annotations

import re

from harness.matrix import every_level, for_answers
from harness.tools import IN_PROJECT, poetry


@for_answers(every_level())
def test_baked_project_tests_pass_in_its_own_environment(project_copy):
    poetry("install", "--with", "dev", cwd=project_copy, timeout=900, **IN_PROJECT)
    # fails the test if one of them fails
    output = poetry("run", "pytest", "-q", "-p", "no:cacheprovider", cwd=project_copy, **IN_PROJECT)
    defined = sum(
        len(re.findall(r"^def test_", module.read_text(), re.M))
        for module in (project_copy / "tests").rglob("test_*.py")
    )
    passed = re.search(r"\b(\d+) passed\b", output)
    assert defined and passed and int(passed.group(1)) >= defined, output
    assert "skipped" not in output, output
