"""The layer contracts of docs/architecture.md hold (import-linter), and the domain stays free of I/O."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
    """Tests take "now" from tests/pinned_clock.py (the now/today fixtures), never from the machine's clock."""
    needles = ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time(")
    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name == "test_architecture.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            offenders.extend(f"{path.relative_to(ROOT)}:{number}: {n}" for n in needles if n in line)
    assert offenders == []
