"""The layer contracts of docs/architecture.md hold (import-linter), and the domain stays free of I/O."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path

from ceremonies.tasks.deployments import load_specs

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_only_tasks_package_imports_prefect_in_src() -> None:
    offenders = []
    for path in (ROOT / "src" / "ceremonies").rglob("*.py"):
        relative = path.relative_to(ROOT / "src" / "ceremonies")
        if relative.parts[0] == "tasks":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith(("import prefect", "from prefect")):
                offenders.append(f"{relative}:{number}: {stripped}")
    assert offenders == []


def test_domain_reads_no_clock() -> None:
    offenders = []
    for path in (ROOT / "src" / "ceremonies" / "domain").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("datetime.now(", "date.today(", "time.time(", "open("):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def test_tests_read_no_clock() -> None:
    """Tests take "now" from tests/pinned_clock.py (the now/today fixtures), never from the machine's clock.

    The one exception is the Slack emulator's own clock (tests/support/slack.py), which is the real clock until a
    test pins it with ``set_now``: as a stand-in for Slack it must run on real time for a real Prefect server and
    for ``python -m tests.support.slack``; tests that build data from it pin it first."""
    needles = ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time(")
    allowed = {("tests/support/slack.py", "return self._now if self._now is not None else datetime.now(UTC)")}
    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name == "test_architecture.py":
            continue
        where = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if (where, line.strip()) not in allowed:
                offenders.extend(f"{where}:{number}: {n}" for n in needles if n in line)
    assert offenders == []


TEST_DOUBLES = ("support", "tests", "ceremonies.testing")
"""Where the test doubles live (tests/support, imported as ``support.*`` or ``tests.support.*``; once
``ceremonies.testing``): production code may import none of them."""


def _imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Yield (line, module) of every absolute import and every ``importlib.import_module("...")`` in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_production_code_imports_no_test_double() -> None:
    """src/ and flows/ (both ship in the wheel) import nothing from the test doubles; import-linter checks the
    package too, this also covers flows/ (outside the package) and dynamic imports."""
    assert not (ROOT / "src" / "ceremonies" / "testing").exists(), "test doubles are back inside the package"
    offenders = []
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "flows").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree):
            if any(module == double or module.startswith(f"{double}.") for double in TEST_DOUBLES):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    assert offenders == []


def test_the_scan_for_test_double_imports_finds_each_spelling() -> None:
    source = (
        "import support.slack\nfrom tests.support.gitrepo import git\nfrom ceremonies.testing import slack\n"
        "import importlib\nimportlib.import_module('support.prefect_server')\nfrom ceremonies import example\n"
    )
    found = [module for _, module in _imported_modules(ast.parse(source))]
    doubles = [m for m in found if any(m == d or m.startswith(f"{d}.") for d in TEST_DOUBLES)]
    assert doubles == ["support.slack", "tests.support.gitrepo", "ceremonies.testing", "support.prefect_server"]


# The sprint rules :mod:`ceremonies.ledger` owns. A function of one of these names (leading underscores ignored)
# anywhere else in src/ is a second copy that can drift from the ledger's (as planning's and reminders'
# ``_same_sprint`` did: ``SPR-13`` named ``SPR-013`` for one and not the other).
LEDGER_RULES = {
    "same_sprint",
    "compare_label",
    "names_sprint",
    "rolling_velocity",
    "velocity_before",
    "completed_sprints",
    "delivered_points",
    "find_summary",
    "find_retro",
    "retro_of",
    "previous_plan",
    "ceremony_day",
    "planned_day",
    "default_ceremonies",
    "points_text",
    "display_name",
}
"""(``sprint_key`` is not among them: the reader's ``domain.doc_identity.sprint_key`` reads a key out of a doc, while
the ledger's spells a sprint for reminder keys.)"""


def second_definitions(root: Path, owner: Path, names: set[str]) -> list[str]:
    """Return ``file:line: name`` of every module-level function or alias named in ``names`` (leading underscores
    ignored) under ``root`` outside ``owner``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if path == owner:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            defined: list[str] = []
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defined = [node.name]
            elif isinstance(node, ast.Assign):  # rolling_velocity = lambda ...: also a definition
                defined = [target.id for target in node.targets if isinstance(target, ast.Name)]
            found += [
                f"{path.relative_to(root)}:{node.lineno}: {name}"
                for name in defined
                if name.lstrip("_") in names
            ]
    return found


def test_each_sprint_rule_is_defined_once_in_the_ledger() -> None:
    source = ROOT / "src" / "ceremonies"
    assert second_definitions(source, source / "ledger.py", LEDGER_RULES) == []


def test_the_ledger_check_finds_a_second_definition(tmp_path: Path) -> None:
    (tmp_path / "ledger.py").write_text("def same_sprint(label, sprint):\n    return True\n", encoding="utf-8")
    (tmp_path / "rules.py").write_text(
        "def _same_sprint(label, sprint):\n    return False\n\n\nrolling_velocity = max\n", encoding="utf-8"
    )
    found = second_definitions(tmp_path, tmp_path / "ledger.py", LEDGER_RULES)
    assert found == ["rules.py:1: _same_sprint", "rules.py:5: rolling_velocity"]


MODULE_LINES = 500
"""Issue 16: no module in src/ over ~500 lines, counted as physical lines (``wc -l``: docstrings, comments and blank
lines included, since a newcomer reads the module whole). Split a module that grows past it by concept."""


def test_no_module_over_500_lines() -> None:
    source = ROOT / "src" / "ceremonies"
    sizes = {
        path.relative_to(source).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in source.rglob("*.py")
    }
    assert len(sizes) > 50, "no modules found"
    assert {name: lines for name, lines in sizes.items() if lines > MODULE_LINES} == {}


FLOW_CODE_LINES = 20
"""Issue 16: a flow is its job's one recipe run under Prefect (a dozen lines: build the request, take the repo's
lock, run the recipe with ``prefect_effects()``, return the result's JSON). Counted by :func:`code_lines`."""


def code_lines(source: str) -> int:
    """Return how many physical lines of ``source`` hold code: a line counts when a token other than a comment
    starts or continues on it, unless it lies inside a docstring (the first string statement of the module, a class
    or a function). Blank lines, comment lines and docstrings are free; imports, decorators, signatures (one per
    parameter line) and statements count."""
    tree = ast.parse(source)
    scopes = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    documented = [tree, *(node for node in ast.walk(tree) if isinstance(node, scopes))]
    docstring_lines: set[int] = set()
    for node in documented:
        first = node.body[0] if node.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            docstring_lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    free = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    with_code: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in free:
            with_code.update(range(token.start[0], token.end[0] + 1))
    return len(with_code - docstring_lines)


def test_flows_holds_only_the_deployed_flows() -> None:
    """flows/ is what prefect.yaml deploys, nothing else (the demo runner lives in examples/)."""
    deployed = {spec.flow_path for spec in load_specs(ROOT / "prefect.yaml")}
    assert {path.relative_to(ROOT).as_posix() for path in (ROOT / "flows").glob("*.py")} == deployed


def test_each_flow_is_a_few_lines_of_code() -> None:
    sizes = {path.name: code_lines(path.read_text(encoding="utf-8")) for path in (ROOT / "flows").glob("*.py")}
    assert sizes, "no flows found"
    assert {name: size for name, size in sizes.items() if size > FLOW_CODE_LINES} == {}, sizes


def test_code_lines_leaves_out_docstrings_comments_and_blank_lines() -> None:
    source = (
        '"""Module docstring,\n\non three lines."""\n\nimport os  # a comment\n\n# a comment line\n'
        "def f(\n    a: int,\n) -> str:\n    '''Doc.'''\n    return (\n        \"\"\"text\n\"\"\"\n    )\n"
    )
    assert code_lines(source) == 8  # import, def ( a ) ->, return ( """text ... """ )
