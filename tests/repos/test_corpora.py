"""The real teams' sprint histories in ``../shared/corpora``, replayed the way a new user meets the tool
(``../shared/tools/corpus-report``: init --write, then next-sprint for every retro → next-plan pair), and
``check`` on each corpus. Skipped when the corpora are not next to the checkout (test data only; never copied)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ceremonies.config import load_config
from support.gitrepo import git

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT.parent / "shared" / "corpora"
TOOL = ROOT.parent / "shared" / "tools" / "corpus-report"
CLI = Path(sys.executable).parent / "ceremonies"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CORPORA.is_dir() and TOOL.is_file()), reason="../shared/corpora not available"),
]
_ROW = re.compile(r"^\| (\d+) -> (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+)/(\d+) \| (\S*) \|")


def _corpora() -> list[Path]:
    """Return the corpus folders (empty when absent)."""
    return sorted(path for path in CORPORA.iterdir() if path.is_dir()) if CORPORA.is_dir() else []


@pytest.fixture(scope="module")
def report() -> str:
    """Return the replay report over every corpus."""
    done = subprocess.run(
        [sys.executable, str(TOOL), "--cli", str(CLI)], capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_corpora_replay_makes_a_plan_for_every_pair_and_carries_every_action(report: str) -> None:
    rows = [match.groups() for line in report.splitlines() if (match := _ROW.match(line))]
    assert len(rows) >= 12, report
    for n, after, init_rc, next_rc, new_files, carried, actions, traceback in rows:
        pair = f"{n} -> {after}"
        assert init_rc == "0" and next_rc == "0", f"{pair}: init/next-sprint failed\n{report}"
        assert int(new_files) == 1, f"{pair}: no plan written\n{report}"
        assert carried == actions, f"{pair}: carried {carried} of {actions} retro actions\n{report}"
        assert traceback != "TRACEBACK", report
    assert "Traceback" not in report


@pytest.mark.parametrize("corpus", _corpora(), ids=lambda path: path.name)
def test_corpora_check_classifies_every_doc_and_exits_0(corpus: Path, tmp_path: Path) -> None:
    work = tmp_path / "repo"
    shutil.copytree(corpus, work)
    git(work, "init", "-q", "-b", "main")
    init = subprocess.run(
        [str(CLI), "init", "--repo", str(work), "--write"], capture_output=True, text=True, check=False
    )
    assert init.returncode == 0, init.stdout + init.stderr
    check = subprocess.run([str(CLI), "check", "--repo", str(work)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    lines = check.stdout.splitlines()
    sprint_dir = work / load_config(work).paths.sprint_dir
    markdown = [p for p in sprint_dir.rglob("*.md") if ".git" not in p.parts]
    classified = [line for line in lines if line.startswith(("ok   ", "other "))]
    assert len(classified) == len(markdown), check.stdout
    problems = [
        line
        for line in lines
        if not line.startswith(("ok   ", "other ", "slack: ")) and " sprint doc(s) in " not in line
    ]
    assert all(re.match(r"^[^\n]+?\.md(:\d+)?: ", line) for line in problems), check.stdout
