"""Shape 3: sprint folders hold more than plans and retros (stand-ups, topic docs). Every doc is classified;
only the docs the new plan is built from must be readable, every other problem is a warning; a plan without dates
is never the newest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from repo_shapes import RunCli

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.jobs.init import inspect_repo
from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from ceremonies.jobs.recipe import Effects
from support.gitrepo import TeamRepo, commit_as_human, make_team_repo


def _spr_plan(number: int, start: str, end: str) -> str:
    """Return a dated SPR-style plan with one scope item."""
    return (
        f"---\ndocid: SPR-{number:03d}\ntitle: Sprint {number} plan\n---\n\n"
        f"# SPR-{number:03d}: Sprint {number} plan\n\n"
        f"- **Start Date:** {start}\n- **End Date:** {end}\n\n## Scope\n\n- [ ] BILL-{number}: Invoice export — 3 SP\n"
    )


def _spr_retro(number: int, action: str) -> str:
    """Return an SPR-style retro with one action aimed at a sprint."""
    return (
        f"# SPR-{number:03d} Retrospective\n\n## What went well\n\n- Fast reviews\n\n"
        f"## Action items\n\n- [ ] {action}\n"
    )


def _topic_repo(tmp_path: Path) -> TeamRepo:
    """Return a repo with SPR-NNN-<topic>/ sprint folders holding stand-ups next to the plan and retro, and a
    topic doc with no dates that reads like a plan."""
    files: dict[str, str | bytes] = {
        "docs/sprints/SPR-007-process-improvements.md": "# SPR-007 process improvements plan\n\n## Scope\n\n- Tidy\n",
        "docs/sprints/SPR-008-search/sprint-plan.md": _spr_plan(8, "2026-02-16", "2026-02-27"),
        "docs/sprints/SPR-008-search/daily-standups.md": "# Stand-ups\n\n- Mon: fine\n",
        "docs/sprints/SPR-008-search/retrospective.md": _spr_retro(8, "Pin the search index version — SPR-009"),
        "docs/sprints/SPR-009-billing/sprint-plan.md": _spr_plan(9, "2026-03-02", "2026-03-13"),
        "docs/sprints/SPR-009-billing/daily-standups.md": b"# Stand-ups\n\x00\x01 pasted binary\n",
        "docs/sprints/SPR-009-billing/retrospective.md": _spr_retro(9, "Automate the invoice smoke test — SPR-010"),
    }
    team = make_team_repo(tmp_path, files)
    report = inspect_repo(team.work)
    commit_as_human(team.work, {"ceremonies.toml": report.config}, "ceremonies init")
    return team


def test_shape3_init_places_plan_and_retro_and_names_the_rest(tmp_path: Path) -> None:
    team = _topic_repo(tmp_path)
    report = inspect_repo(team.work)
    assert report.sprint_unit == "SPR-{n:03}*" and report.patterns["plan"] == "{key}/sprint-plan.md"
    not_placed = dict(report.not_placed)
    assert "docs/sprints/SPR-009-billing/daily-standups.md" in not_placed
    assert "docs/sprints/SPR-007-process-improvements.md" in not_placed
    assert [sprint.key for sprint in report.sprints] == ["SPR-008", "SPR-009"]


def test_shape3_a_broken_standup_and_an_undated_topic_doc_do_not_stop_the_plan(
    tmp_path: Path, quiet: ConsoleNotifier
) -> None:
    team = _topic_repo(tmp_path)
    result = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 3, 12)), Effects(notifier=quiet))
    assert result.status == "created" and result.path == "docs/sprints/SPR-010/sprint-plan.md"
    assert result.sprint == "SPR-010" and result.start == date(2026, 3, 16)  # init found: next working day
    text = (team.work / result.path).read_text(encoding="utf-8")
    assert "Automate the invoice smoke test" in text and "SPR-009-RETRO action 1" in text


def test_shape3_check_classifies_every_doc_and_fails_only_for_needed_docs(tmp_path: Path, run_cli: RunCli) -> None:
    team = _topic_repo(tmp_path)
    code, out, _ = run_cli("check", "--repo", str(team.work), "--json")
    payload = json.loads(out)
    kinds = {doc["path"]: doc["kind"] for doc in payload["documents"]}
    assert kinds["docs/sprints/SPR-009-billing/sprint-plan.md"] == "plan"
    assert kinds["docs/sprints/SPR-009-billing/retrospective.md"] == "retro"
    assert kinds["docs/sprints/SPR-009-billing/daily-standups.md"] == "other"
    assert code == 0 and payload["ok"] is True
    commit_as_human(team.work, {"docs/sprints/SPR-009-billing/retrospective.md": b"\x00 broken"}, "oops")
    code, out, _ = run_cli("check", "--repo", str(team.work))
    assert code == 1
    assert "docs/sprints/SPR-009-billing/retrospective.md:1: binary file, not text" in out


def test_shape3_default_layout_undated_topic_doc_is_never_the_newest(tmp_path: Path, quiet: ConsoleNotifier) -> None:
    files = {
        ".ai/sprint/SPR-012-iteration-template.md": _spr_plan(12, "2026-03-02", "2026-03-13"),
        ".ai/sprint/SPR-012-retrospective.md": _spr_retro(12, "Write the runbook — SPR-013"),
        ".ai/sprint/SPR-014-process-notes.md": "# SPR-014 process notes\n\n## Scope\n\n- Improve the process\n",
    }
    team = make_team_repo(tmp_path, files)
    result = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 3, 12)), Effects(notifier=quiet))
    assert result.status == "created" and result.sprint == "SPR-013"


def test_shape3_duration_only_plans_get_the_next_duration_in_their_shape(
    tmp_path: Path, quiet: ConsoleNotifier
) -> None:
    def plan(number: int, span: str) -> str:
        """Return a plan whose only dates are a Duration range."""
        return (
            f"---\ndocid: SPR-{number:03d}\n---\n# SPR-{number:03d}: Billing sprint plan\n\n"
            f"**Duration:** {span} (10 working days)\n\n## Scope\n\n- [ ] BILL-{number}: Invoice export — 3 SP\n"
        )

    files = {
        "sprints/SPR-008-search/sprint-plan.md": plan(8, "Feb 16 - Feb 27, 2026"),
        "sprints/SPR-008-search/retrospective.md": _spr_retro(8, "Pin the index — SPR-009"),
        "sprints/SPR-009-billing/sprint-plan.md": plan(9, "Mar 2 - Mar 13, 2026"),
        "sprints/SPR-009-billing/retrospective.md": _spr_retro(9, "Automate the smoke test — SPR-010"),
    }
    team = make_team_repo(tmp_path, files)
    commit_as_human(team.work, {"ceremonies.toml": inspect_repo(team.work).config}, "ceremonies init")
    result = run_next_sprint(NextSprintRequest(str(team.work), today=date(2026, 3, 12)), Effects(notifier=quiet))
    assert result.path == "sprints/SPR-010/sprint-plan.md" and result.start == date(2026, 3, 16)
    text = (team.work / result.path).read_text(encoding="utf-8")
    assert "# SPR-010: Billing sprint plan" in text
    assert "**Duration:** Mar 16 - Mar 27, 2026 (10 working days)" in text
