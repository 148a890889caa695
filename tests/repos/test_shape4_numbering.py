"""Shape 4, numbering by year and retro action targets: after ``Sprint 2026-26`` comes ``Sprint 2027-01`` when the
new sprint starts in the new year; ``Immediately`` and a due date inside the new sprint make scope, a later due
date goes to later sprints, ``Standing`` to the standing agreements — each with a backlink to the retro."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.jobs.init import inspect_repo
from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from ceremonies.jobs.recipe import Effects
from ceremonies.team_plan import split_parts
from support.gitrepo import commit_as_human, make_team_repo


def _plan(number: str, start: str, end: str) -> str:
    """Return a plan numbered by year with a dates line and a scope table."""
    return (
        f"# Sprint {number} Planning\n\n**Dates:** {start} → {end}\n\n## Committed\n\n"
        "| ID | Item | Est. | Owner |\n|---|---|---|---|\n| OPS-1 | Rotate the certificates | M | @ana |\n"
    )


RETRO = (
    "# Retrospective\n\n## What went well\n\n- Calm release\n\n## Actions\n\n"
    "| Action | Owner | By |\n|---|---|---|\n"
    "| Split the deploy script into steps | @ana | Immediately |\n"
    "| Keep the on-call handbook current | @ben | Standing |\n"
    "| Add a dashboard for queue depth | @ana | 2027-01-06 |\n"
    "| Replace the cron host | @ben | 2027-02-15 |\n"
)


def test_shape4_year_numbering_rolls_over_and_targets_map_to_sprints(tmp_path: Path, quiet: ConsoleNotifier) -> None:
    files = {
        "docs/sprints/Sprint 2026-25/plan.md": _plan("2026-25", "2026-12-07", "2026-12-18"),
        "docs/sprints/Sprint 2026-25/retro.md": RETRO.replace("Immediately", "Sprint 2026-26"),
        "docs/sprints/Sprint 2026-26/plan.md": _plan("2026-26", "2026-12-21", "2027-01-01"),
        "docs/sprints/Sprint 2026-26/retro.md": RETRO,
    }
    team = make_team_repo(tmp_path, files)
    report = inspect_repo(team.work)
    assert report.sprint_unit == "Sprint {year}-{n:02}" and report.numbering == "by_year"
    commit_as_human(team.work, {"ceremonies.toml": report.config}, "ceremonies init")

    result = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 12, 31)), Effects(notifier=quiet))
    assert result.status == "created" and result.path == "docs/sprints/Sprint 2027-01/plan.md"
    assert result.start == date(2027, 1, 4)  # Jan 1 is a holiday: the next working day
    text = (team.work / result.path).read_text(encoding="utf-8")
    assert text.startswith("# Sprint 2027-01 Planning")
    sections = {part.title: "\n".join(part.lines) for part in split_parts(text) if part.title}
    committed = sections["Committed"]
    assert "Split the deploy script into steps" in committed and "Add a dashboard for queue depth" in committed
    assert "(<../Sprint 2026-26/retro.md>)" in committed
    assert "Keep the on-call handbook current" in sections["Standing agreements (from retrospectives)"]
    assert "Replace the cron host" in sections["Retrospective actions for later sprints"]
