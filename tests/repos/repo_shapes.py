"""Synthetic team repos imitating the layouts real teams use (written here; no real team's text).

Each builder returns ``{repo-relative path: text}`` for :func:`support.gitrepo.make_team_repo`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

RunCli = Callable[..., tuple[int, str, str]]
"""Runs ``ceremonies args`` in-process; returns (exit code, stdout, stderr)."""

FIRST_MONDAY = date(2026, 3, 2)
"""Sprint 1 of the weekly fixtures starts here; sprint n spans Monday..Friday of week n."""


def weekly(n: int) -> tuple[date, date]:
    """Return (start, end) of weekly sprint ``n`` (Monday to Friday)."""
    start = FIRST_MONDAY + timedelta(days=7 * (n - 1))
    return start, start + timedelta(days=4)


def folder_plan(n: int, dated: bool = True) -> str:
    """Return a plan in the 'details block + tables' shape: number field, a date range, a scope table."""
    start, end = weekly(n)
    dates = f"- Start Date: {start.isoformat()}\n- End Date: {end.isoformat()}\n" if dated else ""
    return (
        "# Sprint Plan\n\n## Sprint Details\n\n"
        f"- Sprint Number: {n}\n{dates}- Facilitator: Robin Example\n\n"
        "## Carried Over\n\nNothing carried over.\n\n"
        "## Planned Items\n\n"
        "| ID | Title | Priority | Estimate |\n|----|-------|----------|----------|\n"
        f"| W{n}.1 | Build the widget catalogue part {n} | High | 3 |\n"
        f"| W{n}.2 | Wire the widget API part {n} | Low | 2 |\n\n"
        "## Sprint Goals\n\n- Ship a usable widget slice\n"
    )


def folder_retro(n: int, actions: list[str]) -> str:
    """Return a retro with went-well/improve bullets and the given action lines under ``## Action Items``."""
    body = "".join(f"- [ ] {action}\n" for action in actions)
    return (
        f"# Sprint Retrospective\n\n- Sprint Number: {n}\n\n"
        "## What Went Well\n\n- Pairing on the hard parts\n\n"
        "## What Could Be Improved\n\n- Stand-ups ran long\n\n"
        f"## Action Items\n\n{body}"
    )


def folder_review(n: int) -> str:
    """Return a review with a status table and completed points."""
    return (
        f"# Sprint Review\n\n- Sprint Number: {n}\n\n"
        "## Completed Work\n\n"
        "| ID | Title | Estimate | Status |\n|----|-------|----------|--------|\n"
        f"| W{n}.1 | Build the widget catalogue part {n} | 3 | Done |\n\n"
        "## Metrics\n\n- Completed Story Points: 3\n"
    )


def padded_folders(sprints: int, last_actions: list[str]) -> dict[str, str]:
    """Return a repo with ``docs/sprints/sprint-NN/{plan,review,retrospective}.md``, an empty template set under
    ``docs/sprints/templates/`` and an ``introduction.md``; the last retro carries ``last_actions``."""
    files: dict[str, str] = {
        "README.md": "# Widget team\n",
        "docs/sprints/introduction.md": "# How we run sprints\n\nWeekly sprints, Monday to Sunday.\n",
        "docs/sprints/templates/plan.md": (
            "# Sprint Plan\n\n## Sprint Details\n\n- Sprint Number: \n- Start Date: \n- End Date: \n\n"
            "## Carried Over\n\n## Planned Items\n\n| ID | Title | Priority | Estimate |\n|----|----|----|----|\n\n"
            "## Sprint Goals\n\n- \n"
        ),
        "docs/sprints/templates/retrospective.md": "# Sprint Retrospective\n\n## What Went Well\n\n- \n",
    }
    for n in range(1, sprints + 1):
        folder = f"docs/sprints/sprint-{n:02d}"
        files[f"{folder}/plan.md"] = folder_plan(n)
        files[f"{folder}/review.md"] = folder_review(n)
        actions = last_actions if n == sprints else [f"Keep the board tidy (sprint {n}) — @robin"]
        files[f"{folder}/retrospective.md"] = folder_retro(n, actions)
    return files


def spaced_folders(sprints: int, last_actions: list[str]) -> dict[str, str]:
    """Return a course-style repo at the root: ``Sprint N/Sprint_Planning.md`` (no dates, no points),
    ``Sprint N/Retrospective.md``, stand-up notes and a grading sub-folder per sprint."""
    files: dict[str, str] = {"NOTES.md": "# Course notes\n"}
    for n in range(1, sprints + 1):
        folder = f"Sprint {n}"
        files[f"{folder}/Sprint_Planning.md"] = (
            "# Sprint Planning Meeting\n\n## Participants\n1. Robin (Present)\n2. Kim (Absent)\n\n"
            f"## This Sprint's Backlog\n1. Draw the park map screen {n} (Robin)\n2. Add search filters {n} (Kim)\n"
        )
        actions = last_actions if n == sprints else [f"Write tests before code in sprint {n}"]
        files[f"{folder}/Retrospective.md"] = (
            "# Sprint Retrospective\n\n## What Went Well\n- Demo went fine\n\n"
            "## Action Items\n" + "".join(f"- {action}\n" for action in actions)
        )
        files[f"{folder}/Scrum_Meeting_1.md"] = "# Scrum Meeting 1\n\n1. Robin (Present)\n"
        files[f"{folder}/Sprint {n}_grading/grade-Tests.md"] = "Tests\n-----\n\n- Sprint: 1\n- Grade: 12.0/12\n"
    return files


def unpadded_with_periods(sprints: int, last_actions: list[str]) -> dict[str, str]:
    """Return ``docs/sprints/sprint-N/{planning,review,retrospective}.md`` next to ``00-formation/`` and
    ``finalization/`` (not sprints) and a calendar README."""
    files: dict[str, str] = {
        "docs/sprints/README.md": "# Calendar\n\n| Period | Dates |\n|---|---|\n| Sprint 1 | 2026-03-02 |\n",
        "docs/sprints/00-formation/planning.md": "# Formation planning\n\nTeam forming.\n",
        "docs/sprints/finalization/checklist.md": "# Finalization checklist\n\n- [ ] Release\n",
    }
    for n in range(1, sprints + 1):
        folder = f"docs/sprints/sprint-{n}"
        files[f"{folder}/planning.md"] = folder_plan(n).replace("# Sprint Plan", f"# Sprint {n} planning")
        files[f"{folder}/review.md"] = folder_review(n)
        actions = last_actions if n == sprints else [f"Review PRs daily (sprint {n})"]
        files[f"{folder}/retrospective.md"] = folder_retro(n, actions)
    return files
