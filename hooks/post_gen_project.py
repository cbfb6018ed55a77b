"""Shape the baked project for its level, then say what to do next."""

import json
import sys
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
LEVEL = json.loads(r"""{{ cookiecutter | level | tojson }}""")
PACKAGE = ANSWERS["package_name"]


def merge_into(source: Path, target: Path):
    """Move every file of `source` into `target`, replacing files of the same name.

    Re-baking over a project (--overwrite-if-exists) finds `target` there already,
    holding the user's own modules next to the template's: those stay.
    """
    target.mkdir(exist_ok=True)
    for item in sorted(source.iterdir()):
        destination = target / item.name
        if item.is_dir():
            merge_into(item, destination)
        else:
            item.replace(destination)
    source.rmdir()


def use_flat_layout():
    """Steps 1-4 keep the package next to pyproject.toml; src/ comes at step 5."""
    src = Path("src")
    merge_into(src / PACKAGE, Path(PACKAGE))
    if not any(src.iterdir()):
        src.rmdir()


def main():
    if not LEVEL["src_layout"]:
        use_flat_layout()

    if LEVEL["pre_commit_unasked"]:
        print(
            "NOTE: .pre-commit-config.yaml was added although use_pre_commit is "
            f"off: at {LEVEL['name']} its export hook is what keeps "
            "requirements.txt in step with poetry.lock."
        )

    slug = ANSWERS["project_slug"]
    steps = [f"cd {slug}", "git init && git add -A"]
    if LEVEL["pre_commit"]:
        steps.append("pre-commit install")
    steps += [
        "poetry install --with dev && poetry run pytest",
        "docker compose up --build",
        "curl http://localhost:8000/",
    ]
    print(f"\nBaked {slug} at level {LEVEL['name']}. Next steps, for a new project:")
    for step in steps:
        print(f"  {step}")
    print("README.md explains every line of the Dockerfile.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
