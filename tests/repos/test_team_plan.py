"""The next plan reads like the team's plans: their headings in their order (their blank form when the repo has
one, else their last plan), their fields and date format, scope as a table when theirs is one, retro actions with
backlinks. Golden file: ``golden/padded-sprint-04-plan.md`` (regenerate with CEREMONIES_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from repo_shapes import padded_folders, spaced_folders

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.jobs.init import inspect_repo, write_config
from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from ceremonies.jobs.recipe import Effects
from ceremonies.team_plan import date_writer, redate, split_parts, strip_frontmatter, table_columns
from support.gitrepo import TeamRepo, commit_as_human, make_team_repo

GOLDEN = Path(__file__).parent / "golden"


def _initialised(tmp_path: Path, files: dict[str, str]) -> TeamRepo:
    """Return a team repo of ``files`` with the config init proposes committed."""
    team = make_team_repo(tmp_path, files)
    report = inspect_repo(team.work)
    write_config(report)
    commit_as_human(team.work, {"ceremonies.toml": report.config}, "ceremonies init")
    return team


def _headings(text: str) -> list[str]:
    """Return the section titles of a markdown text, in order."""
    return [part.title or "" for part in split_parts(strip_frontmatter(text)) if part.title]


def test_team_plan_follows_the_form_and_matches_the_golden_file(tmp_path: Path, quiet: ConsoleNotifier) -> None:
    actions = ["Add a smoke test for login — @kim — Sprint 4", "Keep the changelog current — Standing"]
    team = _initialised(tmp_path, padded_folders(3, actions))
    result = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 3, 22)), Effects(notifier=quiet))
    assert result.path == "docs/sprints/sprint-04/plan.md"
    text = (team.work / result.path).read_text(encoding="utf-8")
    form = (team.work / "docs/sprints/templates/plan.md").read_text(encoding="utf-8")
    assert _headings(text)[: len(_headings(form))] == _headings(form)
    assert "- Sprint Number: 4" in text and "- Start Date: 2026-03-23" in text and "- End Date: 2026-03-27" in text
    assert re.search(
        r"\| [^|]*Add a smoke test for login \(\[from sprint-03-RETRO action 1\]"
        r"\(\.\./sprint-03/retrospective\.md\)\)",
        text,
    )
    golden = GOLDEN / "padded-sprint-04-plan.md"
    if os.environ.get("CEREMONIES_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_team_plan_without_a_form_follows_the_last_plan(tmp_path: Path, quiet: ConsoleNotifier) -> None:
    team = _initialised(tmp_path, spaced_folders(2, ["We will demo every Friday."]))
    result = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 4, 14)), Effects(notifier=quiet))
    text = (team.work / str(result.path)).read_text(encoding="utf-8")
    last = (team.work / "Sprint 2/Sprint_Planning.md").read_text(encoding="utf-8")
    assert _headings(text)[: len(_headings(last))] == _headings(last)
    assert "**Dates:** 2026-04-14 → 2026-04-28" in text
    assert "We will demo every Friday. — [from Sprint 2-RETRO action 1](<../Sprint 2/Retrospective.md>)" in text
    assert "Robin (Present)" not in text  # the last plan's participants are not copied into the new one


def test_dates_are_written_the_way_the_team_writes_them() -> None:
    assert date_writer("- Timespan: 11.12.2025 – 17.12.2025")(date(2026, 1, 5)) == "05.01.2026"
    assert date_writer("Dates: Thu 2026-09-17 to Wed 2026-10-07")(date(2026, 10, 8)) == "Thu 2026-10-08"
    assert date_writer("no date here")(date(2026, 1, 5)) == "2026-01-05"
    duration = "**Duration:** Jan 21 - Feb 4, 2026 (15 working days)"
    assert (
        redate(duration, date(2026, 2, 5), date(2026, 2, 19)) == "**Duration:** Feb 5 - Feb 19, 2026 (15 working days)"
    )
    assert redate("Dec 1 – Dec 12, 2026", date(2026, 12, 28), date(2027, 1, 8)) == "Dec 28, 2026 – Jan 8, 2027"
    line = "Thu 2026-09-17 to Wed 2026-10-07. Review and retro: Wed 2026-10-07."
    assert redate(line, date(2026, 10, 8), date(2026, 10, 28)) == (
        "Thu 2026-10-08 to Wed 2026-10-28. Review and retro: Wed 2026-10-28."
    )


def test_scope_table_columns_by_header() -> None:
    header = ("ID", "User Story ID", "Title", "Priority", "Estimation (Story Points)")
    assert table_columns(header) == {"id": 0, "title": 2, "points": 4}
    assert table_columns(("#", "Item (deliverable)", "Estimate", "Owner", "Issue #")) == {
        "id": 0,
        "title": 1,
        "points": 2,
        "owner": 3,
    }


def test_team_plan_keeps_the_teams_frontmatter_with_the_new_key(tmp_path: Path, quiet: ConsoleNotifier) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "team-repo"
    files = {
        str(path.relative_to(example)): path.read_text(encoding="utf-8")
        for path in example.rglob("*.md")
        if ".ai/sprint" in path.as_posix()
    }
    team = _initialised(tmp_path, files)
    report = inspect_repo(team.work)
    assert report.sprint_unit == "SPR-{n:03}" and report.plan_outline is None
    result = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 12, 15)), Effects(notifier=quiet))
    assert result.status == "created" and result.path == ".ai/sprint/SPR-025-iteration-template.md"
    text = (team.work / result.path).read_text(encoding="utf-8")
    assert text.startswith("---\ndocid: SPR-025\n") and "\n# SPR-025: Sprint 2026-25" in text
    assert "- **Start Date:** 2026-12-16" in text and "- **Duration (days):** 14" in text
