"""The next-sprint job on real git repos (work tree + bare remote), direct path: create, re-run, human edits, races."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from next_sprint_files import DUE_DAY, NEW_PLAN_PATH, PLAN_012_PATH, RETRO_012, RETRO_012_PATH

from ceremonies.adapters.notify import ConsoleNotifier, Notifier
from ceremonies.domain.parsing import parse_document
from ceremonies.errors import SprintDocError, TemplateError
from ceremonies.jobs import next_sprint as job
from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from ceremonies.jobs.recipe import DIRECT, Effects, opened
from support.gitrepo import TeamRepo, clone_again, commit_as_human, git


def head(path: Path, ref: str = "HEAD") -> str:
    """Return the sha of ``ref`` in the repo at ``path``."""
    return git(path, "rev-parse", ref).strip()


def quiet() -> ConsoleNotifier:
    """Return a console notifier writing into a throwaway buffer (keeps test output clean)."""
    import io

    return ConsoleNotifier("#search", io.StringIO())


def run(
    team: TeamRepo, notifier: Notifier | None = None, run_id: str | None = None, **kwargs: Any
) -> job.NextSprintResult:
    """Run the job on the team's work tree as of DUE_DAY (overridable), quietly unless given a notifier."""
    kwargs.setdefault("today", DUE_DAY)
    effects = Effects(notifier=notifier or quiet())
    if run_id is not None:
        effects = replace(effects, run_id=lambda: run_id)
    return run_next_sprint(NextSprintRequest(str(team.work), **kwargs), effects)


def test_creates_the_next_plan_commits_once_as_the_bot_and_pushes(team: TeamRepo) -> None:
    before = head(team.work)
    result = run(team, run_id="run-123")

    assert result.status == "created" and result.committed and result.pushed
    assert result.path == NEW_PLAN_PATH and result.sprint == "SPR-013"
    assert head(team.remote, "main") == result.commit == head(team.work)
    assert git(team.work, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    shown = git(team.work, "show", "--name-only", "--format=%an <%ae>%n%B", "HEAD")
    assert "sprint-bot <sprint-bot@example.org>" in shown
    assert "Ceremonies-Flow: next-sprint" in shown and "Ceremonies-Run: run-123" in shown
    changed = git(team.work, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == [NEW_PLAN_PATH]
    assert git(team.work, "status", "--porcelain").strip() == ""


def test_new_plan_takes_2026_13_actions_lists_2026_14_as_future_and_carries_unchecked_items(team: TeamRepo) -> None:
    result = run(team)
    text = (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8")
    sprint = parse_document(text, NEW_PLAN_PATH).sprint
    assert sprint is not None
    assert (sprint.key, sprint.number) == ("SPR-013", "2026-13")
    assert sprint.start == date(2026, 3, 18) and result.start == date(2026, 3, 18)

    by_title = {item.title: item for item in sprint.items}
    collect = by_title["Collect a test set of misspelled queries"]
    assert collect.owners == ("@QA",) and collect.source == "SPR-012-RETRO action 1"
    alert = next(item for item in sprint.items if item.id == "SRCH-20")
    assert alert.owners == ("@DevOps", "@Frontend") and alert.source == "SPR-012-RETRO action 4"
    carried = {item.id: item.carried for item in sprint.items if item.carried}
    assert carried == {"SRCH-11": 1, "SRCH-13": 1}

    future = text.split("## Future Sprints", 1)[1].split("\n## ", 1)[0]
    assert "Move the search cluster to the new region" in future and "Sprint 2026-14" in future
    scope = text.split("## Scope (Planned Items)", 1)[1].split("\n## ", 1)[0]
    assert "Move the search cluster" not in scope


def test_second_run_makes_no_commit_and_later_days_are_not_due(team: TeamRepo) -> None:
    first = run(team)
    again = run(team)
    assert again.status == "unchanged" and not again.committed and again.errors == []
    assert head(team.work) == first.commit == head(team.remote, "main")

    start_day = run(team, today=date(2026, 3, 18))
    assert start_day.status == "unchanged" and not start_day.committed  # SPR-012 ended: same plan all the same

    started = run(team, today=date(2026, 3, 20))
    assert started.status == "not-due" and not started.committed
    assert "SPR-013" in started.reason


def test_a_human_edit_to_the_new_plan_survives_later_runs(team: TeamRepo) -> None:
    run(team)
    edited = (
        (team.work / NEW_PLAN_PATH)
        .read_text(encoding="utf-8")
        .replace("## Goals\n", "## Goals\n- Ship typo tolerance to 100 % of traffic\n")
    )
    human = commit_as_human(team.work, {NEW_PLAN_PATH: edited}, "docs: our goals for SPR-013")

    third = run(team)
    assert third.status == "human-edited" and not third.committed
    assert third.errors and NEW_PLAN_PATH in third.errors[0] and "--force" in third.errors[0]
    assert (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8") == edited
    assert head(team.work) == human


def test_an_uncommitted_human_edit_is_never_overwritten(team: TeamRepo) -> None:
    run(team)
    target = team.work / NEW_PLAN_PATH
    target.write_text(target.read_text(encoding="utf-8") + "\nNote from Dana.\n", encoding="utf-8")
    result = run(team)
    assert result.status == "human-edited"
    assert target.read_text(encoding="utf-8").endswith("Note from Dana.\n")


def test_force_replaces_a_human_edit_and_keeps_a_backup(team: TeamRepo) -> None:
    created = run(team)
    edited = (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8") + "\nHand-written note.\n"
    commit_as_human(team.work, {NEW_PLAN_PATH: edited}, "docs: note")

    forced = run(team, force=True)
    assert forced.status == "replaced" and forced.committed and forced.backup
    assert (team.work / forced.backup).read_text(encoding="utf-8") == edited
    assert (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8") == created.doc
    assert git(team.work, "show", "--name-only", "--format=", "HEAD").split() == [NEW_PLAN_PATH]


def test_the_tools_own_file_is_updated_when_the_retro_changes(team: TeamRepo) -> None:
    run(team)
    retro = RETRO_012.replace(
        "- [ ] Review query logs weekly",
        "- [ ] Pair on relevance reviews — @Backend/@QA — Sprint 2026-13\n- [ ] Review query logs weekly",
    )
    commit_as_human(team.work, {RETRO_012_PATH: retro}, "docs: one more retro action")

    updated = run(team)
    assert updated.status == "updated" and updated.committed
    assert "Pair on relevance reviews" in (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8")


def test_no_commit_writes_the_file_and_a_later_run_commits_it(team: TeamRepo) -> None:
    before = head(team.work)
    written = run(team, commit=False)
    assert written.status == "created" and not written.committed and (team.work / NEW_PLAN_PATH).is_file()
    assert head(team.work) == before

    later = run(team)
    assert later.status == "unchanged" and later.committed and later.pushed
    assert head(team.remote, "main") == later.commit


def test_dry_run_writes_nothing_and_returns_doc_diff_and_message(team: TeamRepo) -> None:
    before = head(team.work)
    result = run(team, dry_run=True)
    assert result.status == "created" and result.dry_run and not result.committed
    assert not (team.work / NEW_PLAN_PATH).exists()
    assert git(team.work, "status", "--porcelain", "--untracked-files=all").strip() == ""
    assert head(team.work) == before == head(team.remote, "main")
    assert result.doc and "# SPR-013" in result.doc
    assert result.diff.startswith("--- /dev/null") and f"+++ b/{NEW_PLAN_PATH}" in result.diff
    assert result.message and "SPR-013" in result.message.text and NEW_PLAN_PATH in result.message.text
    assert result.to_json()["diff"] == result.diff


def test_a_push_racing_ours_is_rebased_over(team: TeamRepo, tmp_path: Path) -> None:
    with opened(str(team.work), None, job=job.FLOW_NAME, dry_run=False) as repo:
        docs, settings = repo.docs, repo.settings
        decision = job.decide(job.load(docs.root, settings), settings, DUE_DAY)
        planned = job.plan(decision, settings)
        doc = job.render(docs.root, settings, planned)
        target = job.inspect_target(docs, settings, planned, doc)
        outcome = job.write(docs, target, doc)
        sha = job.commit_plan(docs, settings, planned, target.path, outcome.status, "race-test")
        assert sha is not None

        other = clone_again(team.remote, tmp_path / "sam")
        commit_as_human(other, {"notes/standup.md": "Sam's notes\n"}, "docs: standup notes")
        git(other, "push", "-q", "origin", "main")

        pushed = DIRECT.push(docs, *job.push_target(settings, planned.sprint.label))
    assert pushed.pushed and pushed.rebased
    remote_files = git(team.remote, "ls-tree", "-r", "--name-only", "main").split()
    assert NEW_PLAN_PATH in remote_files and "notes/standup.md" in remote_files
    subjects = git(team.remote, "log", "--format=%s", "main").splitlines()
    assert subjects[0].startswith("docs(sprint): plan SPR-013") and subjects[1] == "docs: standup notes"


def test_not_due_long_before_the_end_without_a_retro_is_a_no_op(team: TeamRepo) -> None:
    commit_as_human(team.work, {RETRO_012_PATH: None}, "docs: retro not held yet")
    result = run(team, today=date(2026, 3, 6))
    assert result.status == "not-due" and not result.committed and result.errors == []
    assert "days away" in result.reason and not (team.work / NEW_PLAN_PATH).exists()


def test_an_early_retro_makes_the_next_sprint_due(team: TeamRepo) -> None:
    result = run(team, today=date(2026, 3, 6))
    assert result.status == "created" and "retrospective" in result.reason


def test_missing_retro_waits_until_the_sprint_ends_then_fails_naming_the_file(team: TeamRepo) -> None:
    commit_as_human(team.work, {RETRO_012_PATH: None}, "docs: retro not held yet")
    before = head(team.work)

    waiting = run(team)
    assert waiting.status == "not-due" and "waiting for the retrospective" in waiting.reason

    with pytest.raises(SprintDocError) as raised:
        run(team, today=date(2026, 3, 19))
    assert raised.value.path == RETRO_012_PATH and "SPR-012" in str(raised.value)
    assert not (team.work / NEW_PLAN_PATH).exists() and head(team.work) == before

    forced = run(team, today=date(2026, 3, 19), force=True)
    assert forced.status == "created" and any("No retrospective" in w for w in forced.warnings)


def test_an_unreadable_plan_stops_the_job_naming_the_file(team: TeamRepo) -> None:
    commit_as_human(team.work, {PLAN_012_PATH: b"\x00\x01binary junk"}, "oops: binary plan")
    before = head(team.work)
    with pytest.raises(SprintDocError) as raised:
        run(team)
    assert raised.value.path == PLAN_012_PATH and "binary" in str(raised.value)
    assert head(team.work) == before and not (team.work / ".ai/sprint/SPR-012-iteration-template.md.bak").exists()
    assert git(team.work, "status", "--porcelain").strip() == ""


def test_a_broken_team_template_stops_the_job_naming_template_and_line(team: TeamRepo) -> None:
    template = ".ceremonies/templates/sprint.md.j2"
    commit_as_human(team.work, {template: "# {{ key }}\n\nOwner: {{ no_such_value }}\n"}, "docs: our template")
    before = head(team.work)
    with pytest.raises(TemplateError) as raised:
        run(team)
    assert raised.value.path is not None and raised.value.path.endswith(template)
    assert raised.value.line == 3 and "no_such_value" in str(raised.value)
    assert head(team.work) == before and not (team.work / NEW_PLAN_PATH).exists()


OUR_TEMPLATE = """# {{ heading }}

- **Start Date:** {{ start }}
- **End Date:** {{ end }}

## Scope (Planned Items)
{% for line in items %}
- {{ line }}
{% endfor %}

{{ items | length }} items planned.
"""


def test_sprint_template_setting_picks_the_teams_template_file(team: TeamRepo) -> None:
    commit_as_human(
        team.work,
        {
            "ceremonies.toml": '[paths]\nsprint_template = "docs/our-sprint.md.j2"\n',
            "docs/our-sprint.md.j2": OUR_TEMPLATE,
        },
        "docs: team template",
    )
    result = run(team)
    text = (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8")
    assert result.status == "created" and text.startswith("# SPR-013") and "4 items planned." in text
    assert run(team).status == "unchanged"


def test_a_template_whose_plan_would_not_read_back_is_refused(team: TeamRepo) -> None:
    commit_as_human(
        team.work,
        {".ceremonies/templates/sprint.md.j2": "# {{ heading }}\n\nStarts {{ start }}.\n"},
        "docs: a too-short template",
    )
    with pytest.raises(TemplateError) as raised:
        run(team)
    assert str(raised.value.path).endswith(".ceremonies/templates/sprint.md.j2")
    assert "would not read back" in str(raised.value) and not (team.work / NEW_PLAN_PATH).exists()


def test_the_announcement_names_the_sprint_and_links_the_doc(team: TeamRepo) -> None:
    commit_as_human(
        team.work,
        {"ceremonies.toml": '[slack]\ndocs_url = "https://git.example.org/search/-/blob/main/"\n'},
        "docs: link base",
    )
    notifier = quiet()
    result = run(team, notifier=notifier)
    printed = notifier.stream.getvalue()  # type: ignore[union-attr]
    assert result.deliveries and result.deliveries[0].status == "printed"
    assert "SPR-013" in printed and f"https://git.example.org/search/-/blob/main/{NEW_PLAN_PATH}" in printed


class DyingNotifier:
    """A notifier whose process 'dies' while posting: the commit is pushed, the announcement never sent."""

    def send(self, messages: list) -> list:
        raise RuntimeError("killed while posting")


def test_an_announcement_a_dead_run_never_sent_is_sent_once_by_the_next_run(team: TeamRepo) -> None:
    with pytest.raises(RuntimeError, match="killed while posting"):
        run(team, notifier=DyingNotifier())
    assert head(team.remote, "main") == head(team.work), "the plan was committed and pushed before the post"

    again, later = run(team), run(team)

    assert again.status == "unchanged" and not again.committed
    assert [d.status for d in again.deliveries] == ["printed"], "the missing announcement is sent now"
    assert later.deliveries == [], "and only once"


def test_a_plan_the_team_wrote_by_hand_is_left_alone(team: TeamRepo) -> None:
    own = (
        "# SPR-013: Sprint 2026-13 Planning\n\n## Sprint Overview\n- **Sprint Number:** 2026-13\n"
        "- **Start Date:** 18. März 2026\n- **End Date:** 1. April 2026\n\n## Scope (Planned Items)\n"
        "- [ ] SRCH-30: Our own pick — @Backend — 5 SP\n"
    )
    commit_as_human(team.work, {NEW_PLAN_PATH: own}, "docs: we planned SPR-013 ourselves")
    result = run(team)
    assert result.status == "already-planned" and not result.committed and result.errors == []
    assert "written by hand" in result.reason
    assert (team.work / NEW_PLAN_PATH).read_text(encoding="utf-8") == own


def test_a_repo_given_by_url_is_cloned_planned_and_pushed(
    team: TeamRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEREMONIES_WORKDIR", str(tmp_path / "clones"))
    url = f"file://{team.remote}"
    result = run_next_sprint(NextSprintRequest(url, today=DUE_DAY), Effects(notifier=quiet()))
    assert result.status == "created" and result.pushed
    assert NEW_PLAN_PATH in git(team.remote, "ls-tree", "-r", "--name-only", "main").split()
    assert run_next_sprint(NextSprintRequest(url, today=DUE_DAY), Effects(notifier=quiet())).status == "unchanged"


def test_runs_at_the_same_time_on_one_work_tree_make_one_commit(team: TeamRepo) -> None:
    from concurrent.futures import ThreadPoolExecutor

    before = head(team.work)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: run(team), range(4)))
    assert sorted(r.status for r in results) == ["created", "unchanged", "unchanged", "unchanged"]
    assert git(team.work, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert head(team.remote, "main") == head(team.work)
