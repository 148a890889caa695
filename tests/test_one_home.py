"""One home each for cross-cutting helpers (issue 16): a second definition of one of them fails here.

- State kept in the git dir: only :mod:`ceremonies.adapters.state` writes there (the repo lock aside), as JSON.
- Redaction: only :mod:`ceremonies.redaction` defines a redacting function or a secret pattern.
- Git: only :mod:`ceremonies.adapters.git.runner` starts git processes (``ceremonies.example``, the demo's repo
  builder in a sibling layer that may not import the adapters, runs its own isolated-config git calls).
- Slack: one transient-failure classification.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "ceremonies"

STATE_HOME = "adapters/state.py"
REDACTION_HOME = "redaction.py"
LOCK_HOME = "adapters/repolock.py"
_WRITES = {"write_text", "write_bytes", "write_atomic", "unlink", "mkdir", "open", "replace", "rename", "touch"}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    """Yield (path relative to src/ceremonies, parsed module) of every product module."""
    for path in sorted(SRC.rglob("*.py")):
        yield path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))


def _mentions_git_dir(node: ast.AST) -> bool:
    """Return True when ``node`` reads a name or attribute called ``git_dir``."""
    names = (sub.id if isinstance(sub, ast.Name) else getattr(sub, "attr", None) for sub in ast.walk(node))
    return "git_dir" in names


def test_nothing_but_the_state_store_writes_into_the_git_dir() -> None:
    offenders = []
    for name, tree in _modules():
        if name in (STATE_HOME, LOCK_HOME):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if called in _WRITES and _mentions_git_dir(node):
                offenders.append(f"{name}:{node.lineno}: {ast.unparse(node)[:90]}")
    assert offenders == [], "write state through ceremonies.adapters.state (one home, versioned JSON)"


def test_no_pickle_and_no_state_file_name_outside_the_state_store() -> None:
    offenders = []
    for name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
                offenders += [f"{name}:{node.lineno}: imports {m}" for m in modules if m.split(".")[0] == "pickle"]
            if name != STATE_HOME and isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if text.startswith("ceremonies") and text.endswith((".json", ".pickle")):
                    offenders.append(f"{name}:{node.lineno}: state file name {text!r}")
    assert offenders == []


def _is_secret_pattern(text: str) -> bool:
    """Return True when ``text`` looks like a pattern matching secrets (Slack tokens, URL userinfo, auth headers)."""
    lowered = text.lower()
    return "xox" in lowered or "authorization" in lowered or ("://" in text and "@" in text and "[" in text)


def test_only_the_redaction_module_defines_redaction() -> None:
    offenders = []
    for name, tree in _modules():
        if name == REDACTION_HOME:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                lowered = node.name.lower()
                if any(word in lowered for word in ("redact", "scrub", "mask")) and node.name != "install_redaction":
                    offenders.append(f"{name}:{node.lineno}: defines {node.name}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_secret_pattern(node.value):
                offenders.append(f"{name}:{node.lineno}: secret pattern {node.value[:60]!r}")
    assert offenders == [], "redact through ceremonies.redaction (one pattern set)"


_CLASSIFIERS = {
    ("adapters/slack_client.py", "is_transient"),
    ("adapters/slack_client.py", "_transient_code"),
    ("tasks/effects.py", "is_transient_push_failure"),
}


def test_one_slack_transient_classification() -> None:
    """Whether a Slack failure is worth a retry is decided by adapters.slack_client.is_transient alone (the push
    task's is_transient_push_failure classifies git failures)."""
    offenders = [
        f"{name}:{node.lineno}: {node.name}"
        for name, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and "transient" in node.name.lower()
        and (name, node.name) not in _CLASSIFIERS
    ]
    assert offenders == []


GIT_RUNNER = "adapters/git/runner.py"
_EXAMPLE_BUILDER = "example.py"


def _starts_git(node: ast.AST) -> bool:
    """Return True when ``node`` is a list or tuple literal whose first item is the string ``"git"``."""
    return (
        isinstance(node, ast.List | ast.Tuple)
        and bool(node.elts)
        and isinstance(node.elts[0], ast.Constant)
        and node.elts[0].value == "git"
    )


def test_only_the_runner_starts_git() -> None:
    offenders = []
    for name, tree in _modules():
        if name == GIT_RUNNER:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
                offenders += [f"{name}:{node.lineno}: imports subprocess" for m in modules if m == "subprocess"]
            if name == _EXAMPLE_BUILDER:
                continue
            calls_git = isinstance(node, ast.Call) and (
                any(_starts_git(arg) for arg in node.args)
                or (isinstance(node.func, ast.Attribute) and node.func.attr in ("execute", "iter_commits", "Popen"))
            )
            if calls_git:
                offenders.append(f"{name}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert offenders == [], "run git through ceremonies.adapters.git.runner (env, deadline, errors in one place)"
