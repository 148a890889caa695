"""One home for notifier construction (issue 16): only :func:`ceremonies.jobs.recipe.team_notifier` builds a
notifier, after the repo's settings are read (a second factory once built one from default settings before a URL
repo was cloned, and announced in ``#sprint`` instead of the team's channel)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ceremonies"
HOME = "jobs/recipe.py"
NOTIFIERS = {"ConsoleNotifier", "SlackNotifier"}


def test_only_the_recipe_builds_a_notifier() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name == HOME:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if called in NOTIFIERS:
                    offenders.append(f"{name}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert offenders == [], "build notifiers with ceremonies.jobs.recipe.team_notifier (one home)"


def test_the_home_builds_both_kinds() -> None:
    tree = ast.parse((SRC / HOME).read_text(encoding="utf-8"))
    built = {
        node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert built >= NOTIFIERS, "the scan above would pass vacuously if the home stopped building notifiers"
