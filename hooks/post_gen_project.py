"""Shape the baked project for its level, then say what to do next."""

import json
import shutil
import sys
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
LEVEL = ANSWERS["docker_level"]
FACTS = ANSWERS["_levels"][LEVEL]
PACKAGE = ANSWERS["package_name"]


def use_flat_layout():
    """Steps 1-4 keep the package next to pyproject.toml; src/ comes at step 5."""
    src = Path("src")
    shutil.move(str(src / PACKAGE), PACKAGE)
    src.rmdir()


def main():
    if not FACTS["src_layout"]:
        use_flat_layout()

    if LEVEL == "extra-2-moving-complexity" and not ANSWERS["use_pre_commit"]:
        print(
            "NOTE: .pre-commit-config.yaml was added although use_pre_commit is "
            "off: at extra-2-moving-complexity its export hook is what keeps "
            "requirements.txt in step with poetry.lock."
        )

    slug = ANSWERS["project_slug"]
    steps = [f"cd {slug}", "git init && git add -A"]
    if ANSWERS["use_pre_commit"] or LEVEL == "extra-2-moving-complexity":
        steps.append("pre-commit install")
    steps += [
        "poetry install --with dev && poetry run pytest",
        "docker compose up --build",
        "curl http://localhost:8000/",
    ]
    print(f"\nBaked {slug} at level {LEVEL}. Next steps:")
    for step in steps:
        print(f"  {step}")
    print("README.md explains every line of the Dockerfile.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
