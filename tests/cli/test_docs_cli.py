"""``ceremonies parse`` and ``ceremonies check`` through a real subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "tests" / "fixtures" / "docs"
SEEDS = ROOT.parent / "shared" / "seeds"


def ceremonies(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ceremonies CLI in a subprocess and return its result (never raises on exit codes)."""
    return subprocess.run(
        [sys.executable, "-m", "ceremonies.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=120,
        check=False,
    )


@pytest.fixture
def broken_repo(tmp_path: Path) -> Path:
    """Return a team repo with the good fixtures plus bad YAML, binary garbage and an empty file."""
    repo = tmp_path / "team"
    shutil.copytree(DOCS / "good", repo)
    for name in ("SPR-043-iteration-template.md", "SPR-044-iteration-template.md", "SPR-045-iteration-template.md"):
        shutil.copy(DOCS / "messy" / name, repo / ".ai" / "sprint" / name)
    return repo


def test_parse_json_of_own_fixtures() -> None:
    sprint_dir = DOCS / "good" / ".ai" / "sprint"
    result = ceremonies(
        "parse",
        str(sprint_dir / "SPR-020-iteration-template.md"),
        str(sprint_dir / "SPR-030-iteration-template.md"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    plan, us_plan = json.loads(result.stdout)
    assert (plan["kind"], plan["sprint"]["key"], plan["sprint"]["start"]) == ("plan", "SPR-020", "2026-09-02")
    assert plan["sprint"]["scope_points"] == 30
    assert plan["sprint"]["items"][0]["owners"] == ["@Payments", "@Backend"]
    assert us_plan["sprint"]["timezone"] == "America/Chicago"
    assert len(us_plan["sprint"]["timetable"]) == 5


def test_parse_text_lists_items_and_errors() -> None:
    result = ceremonies(
        "parse",
        str(DOCS / "good" / ".ai" / "sprint" / "SPR-020-retrospective.md"),
        str(DOCS / "messy" / "SPR-044-iteration-template.md"),
    )
    assert result.returncode == 1
    assert "retro of SPR-020 (2026-20): 2 went well, 2 to improve, 5 actions" in result.stdout
    assert "SPR-044-iteration-template.md:2: binary file" in result.stdout


@pytest.mark.skipif(not SEEDS.is_dir(), reason="no ../shared/seeds")
def test_parse_seeds_acceptance() -> None:
    result = ceremonies("parse", *sorted(str(path) for path in SEEDS.glob("*.txt")), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    docs = {Path(doc["path"]).name[:3]: doc for doc in json.loads(result.stdout)}
    plan = docs["000"]["sprint"]
    assert (plan["key"], plan["number"], plan["start"], plan["end"]) == (
        "SPR-013",
        "2026-13",
        "2026-03-18",
        "2026-04-01",
    )
    assert (len(plan["items"]), plan["scope_points"]) == (6, 45)
    assert all(item["owners"] for item in plan["items"])
    us_plan = docs["004"]["sprint"]
    assert (us_plan["start"], us_plan["end"], us_plan["timezone"]) == ("2026-04-13", "2026-04-24", "America/Denver")
    assert len(us_plan["timetable"]) == 6
    summary = docs["003"]["summary"]
    assert (docs["003"]["kind"], len(summary["completed"]), summary["completed_points"]) == ("summary", 6, 45)


def test_check_good_repo_exits_0(tmp_path: Path) -> None:
    repo = tmp_path / "team"
    shutil.copytree(DOCS / "good", repo)
    result = ceremonies("check", "--repo", str(repo))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   .ai/sprint/SPR-020-iteration-template.md (plan, SPR-020)" in result.stdout
    assert "5 sprint doc(s)" in result.stdout


def test_check_broken_repo_exits_1_naming_each_bad_file_with_a_line(broken_repo: Path) -> None:
    result = ceremonies("check", "--repo", str(broken_repo))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith(".ai/sprint/SPR-043-iteration-template.md:3: invalid YAML") for line in lines)
    assert ".ai/sprint/SPR-044-iteration-template.md:2: binary file, not text (NUL byte at offset 10)" in lines
    assert ".ai/sprint/SPR-045-iteration-template.md:1: empty document" in lines
    assert sum(line.startswith("ok   ") for line in lines) == 5, "the good docs are still reported"


def test_check_json(broken_repo: Path) -> None:
    result = ceremonies("check", "--repo", str(broken_repo), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    bad = {doc["path"]: doc["errors"][0]["line"] for doc in report["documents"] if not doc["ok"]}
    assert bad == {
        ".ai/sprint/SPR-043-iteration-template.md": 3,
        ".ai/sprint/SPR-044-iteration-template.md": 2,
        ".ai/sprint/SPR-045-iteration-template.md": 1,
    }


def test_check_reports_a_bad_config_and_still_lints_the_docs(tmp_path: Path) -> None:
    repo = tmp_path / "team"
    shutil.copytree(DOCS / "good", repo)
    (repo / "ceremonies.toml").write_text("[sprint]\ncadence_days = 0\n")
    result = ceremonies("check", "--repo", str(repo))
    assert result.returncode == 1
    assert "ceremonies.toml:2: sprint.cadence_days" in result.stdout
    assert "5 sprint doc(s)" in result.stdout


@pytest.mark.parametrize("args", [["parse", "--bogus", "x.md"], ["check", "--nope"], ["no-such-command"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = ceremonies(*args)
    assert result.returncode == 2
    assert "Usage" in result.stderr


def test_check_on_a_missing_repo_is_a_usage_error(tmp_path: Path) -> None:
    result = ceremonies("check", "--repo", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "is not a directory" in result.stderr and "Traceback" not in result.stderr
