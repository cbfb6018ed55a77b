"""Say what to do next with the baked project."""

import json
import sys

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")
LEVEL = json.loads(r"""{{ cookiecutter | level | tojson }}""")


def main():
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
