"""Crash safety: a job run is killed with SIGKILL at each step (after render, in the middle of writing, after write,
after commit, before push, during push, right after the push landed) in a real child process; the next run completes
the job. Then: the bot's work tree is clean (no half-written file, no leftover), the remote has exactly the commits a
run that never crashed makes (no duplicate), the generated files are byte-identical to that run's, and the human edit
pushed in between is there (no lost edit)."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_support import COUNTS, HERE, KB, SPRINTS, bot_commits, run_child, team_files

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb
from support.gitrepo import TeamRepo, clone_again, commit_as_human, git, make_team_repo

NOW = "2026-05-22T12:00:00+02:00"
STEPS = ("after_render", "mid_write", "after_write", "after_commit", "before_push")
HOOKED = ("during_push", "push_landed")
COMMITTED = {"after_commit", "before_push", "during_push", "push_landed"}
"""Steps after which the bot's commit exists locally: the human edit pushed meanwhile gets a commit of its own."""
FAST_KB_STEPS = {"mid_write", "after_write", "during_push"}
FAST_PLAN_STEPS = {"after_commit", "push_landed"}


def steps(fast: set[str]) -> list[object]:
    """Return every step as a test parameter; the ones not in ``fast`` only run in the full campaign."""
    return [pytest.param(step, marks=() if step in fast else pytest.mark.reliability_full) for step in STEPS + HOOKED]


SHA = re.compile(r"\b[0-9a-f]{7,40}\b")
HUMAN_LINE = "Hand-written intro that must survive every run."
EDITED_LINE = "Hand-written intro, edited by Ana while the bot was down."

HOOK = """#!/bin/sh
cat >/dev/null
if [ -n "$CRASH_HOOK_MARK" ]; then : > "$CRASH_HOOK_MARK"; sleep 60; fi
exit 0
"""


def _setup(tmp: Path) -> tuple[TeamRepo, Path]:
    """Return a team repo whose KB the bot (its own clone) has refreshed once, plus new merged work to reflect."""
    team = make_team_repo(tmp, team_files(), date="2026-05-20T10:00:00+02:00")
    bot = clone_again(team.remote, tmp / "bot")
    run_refresh_kb(
        RefreshRequest(str(bot), now=__import__("datetime").datetime.fromisoformat(NOW)),
        Effects(notifier=ConsoleNotifier("#sprint", io.StringIO())),
    )
    git(team.work, "pull", "-q", "--ff-only")
    commit_as_human(
        team.work,
        {
            "src/search/index.py": "WARM = False\n",
            f"{SPRINTS}/SPR-301-execution-summary.md": "# SPR-301: Sprint Execution Summary\n",
        },
        "feat(search): cold start SRC-3",
        date="2026-05-21T10:00:00+02:00",
    )
    git(team.work, "push", "-q", "origin", "main")
    return team, bot


def _human_edits_while_bot_is_down(team: TeamRepo) -> None:
    """Ana edits the human part of the guide (outside the managed block) and pushes."""
    git(team.work, "pull", "-q", "--rebase")
    guide = (team.work / KB / "search/guide.md").read_text(encoding="utf-8").replace(HUMAN_LINE, EDITED_LINE)
    commit_as_human(
        team.work, {f"{KB}/search/guide.md": guide}, "docs: clarify the guide", date="2026-05-21T11:00:00+02:00"
    )
    git(team.work, "push", "-q", "origin", "main")


def _kill_during_push(bot: Path, remote: Path, hook: str, mark: Path) -> int:
    """Run the job with a remote hook (``pre-receive`` or ``post-receive``) that holds the push open; SIGKILL the
    whole process group once the hook runs; return the child's exit status."""
    hook_path = remote / "hooks" / hook
    hook_path.write_text(HOOK)
    hook_path.chmod(0o755)
    env = {**os.environ, "CRASH_NOW": NOW, "CRASH_HOOK_MARK": str(mark)}
    child = subprocess.Popen(
        [sys.executable, str(HERE / "crash_child.py"), "refresh_kb", str(bot)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not mark.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            out, err = child.communicate()
            pytest.fail(f"the push never reached the remote hook: {out!r} {err!r}")
        time.sleep(0.02)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    hook_path.unlink()
    return child.returncode


def _final_state(team: TeamRepo, bot: Path) -> dict[str, object]:
    """Return what a finished job leaves: bot commit subjects on the remote and the remote's KB/sprint files (commit
    shas masked: the human commits sit on top of bot commits made at other wall-clock times)."""
    files = git(team.remote, "ls-tree", "-r", "--name-only", "main").split()
    tree = {
        path: SHA.sub("<sha>", git(team.remote, "show", f"main:{path}"))
        for path in files
        if path.startswith((KB, SPRINTS))
    }
    return {"bot_commits": bot_commits(team.remote), "tree": tree}


@pytest.fixture(scope="module")
def control(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Return the final state of the same story without any crash."""
    tmp = tmp_path_factory.mktemp("control")
    team, bot = _setup(tmp)
    _human_edits_while_bot_is_down(team)
    done = run_child("crash_child.py", "refresh_kb", str(bot), env={"CRASH_NOW": NOW})
    assert done.returncode == 0, done.stderr
    return _final_state(team, bot)


@pytest.mark.parametrize("step", steps(FAST_KB_STEPS))
def test_refresh_kb_killed_at_a_step_is_completed_by_the_next_run(
    step: str, tmp_path: Path, control: dict[str, object]
) -> None:
    team, bot = _setup(tmp_path)
    if step in HOOKED:
        hook = "pre-receive" if step == "during_push" else "post-receive"
        status = _kill_during_push(bot, team.remote, hook, tmp_path / "hook-ran")
    else:
        status = run_child(
            "crash_child.py", "refresh_kb", str(bot), env={"CRASH_NOW": NOW, "CRASH_AT": step}
        ).returncode
    assert status == -signal.SIGKILL, f"the run was not killed at {step}"
    _human_edits_while_bot_is_down(team)

    again = run_child("crash_child.py", "refresh_kb", str(bot), env={"CRASH_NOW": NOW})
    assert again.returncode == 0, f"the run after a crash at {step} failed: {again.stdout} {again.stderr}"
    third = run_child("crash_child.py", "refresh_kb", str(bot), env={"CRASH_NOW": NOW})
    assert third.returncode == 0 and json.loads(third.stdout)["commit"] is None, "a third run has nothing to do"

    assert git(bot, "status", "--porcelain", "--ignored").strip() == "", "leftovers in the bot's work tree"
    assert git(bot, "rev-parse", "main") == git(team.remote, "rev-parse", "main"), "the bot's commit was not pushed"
    state = _final_state(team, bot)
    expected = list(control["bot_commits"])  # type: ignore[call-overload]
    if step in COMMITTED:  # the crashed run's commit, then one for the human edit
        expected[:1] = ["docs(kb): refresh knowledge base (1 new merged commit)"] * 2
    assert state["bot_commits"] == expected, "commits differ from what a run that never crashed makes"
    assert state["tree"] == control["tree"], "files differ from a run that never crashed"
    guide = state["tree"][f"{KB}/search/guide.md"]  # type: ignore[index]
    lost = EDITED_LINE not in guide
    COUNTS["human bytes changed"] += len(EDITED_LINE) if lost else 0
    assert not lost, "the human edit made while the bot was down is lost"


def test_a_human_edit_on_top_of_a_crashed_runs_files_is_never_discarded(tmp_path: Path) -> None:
    _, bot = _setup(tmp_path)
    crashed = run_child("crash_child.py", "refresh_kb", str(bot), env={"CRASH_NOW": NOW, "CRASH_AT": "after_write"})
    assert crashed.returncode == -signal.SIGKILL
    guide = bot / KB / "search/guide.md"
    edited = guide.read_text(encoding="utf-8") + "A note a human typed into the bot's checkout.\n"
    guide.write_text(edited, encoding="utf-8")
    again = run_child("crash_child.py", "refresh_kb", str(bot), env={"CRASH_NOW": NOW})
    assert again.returncode in (0, 1), again.stderr
    assert guide.read_text(encoding="utf-8") == edited, "the human's uncommitted edit was thrown away"
    if again.returncode == 1:
        assert "search/guide.md" in json.loads(again.stdout)["error"], "the refusal names the file"


# ------------------------------------------------------------------------------------------------ next sprint

TODAY = "2026-05-27"
PLAN_COMMIT = "docs(sprint): plan SPR-302 (2026-05-29..2026-06-09)"


def _kill_next_sprint_during_push(bot: Path, remote: Path, hook: str, mark: Path) -> int:
    """Like :func:`_kill_during_push` for the next-sprint job."""
    hook_path = remote / "hooks" / hook
    hook_path.write_text(HOOK)
    hook_path.chmod(0o755)
    env = {**os.environ, "CRASH_TODAY": TODAY, "CRASH_HOOK_MARK": str(mark)}
    child = subprocess.Popen(
        [sys.executable, str(HERE / "crash_child.py"), "next_sprint", str(bot)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not mark.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            out, err = child.communicate()
            pytest.fail(f"the push never reached the remote hook: {out!r} {err!r}")
        time.sleep(0.02)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    hook_path.unlink()
    return child.returncode


@pytest.mark.parametrize("step", steps(FAST_PLAN_STEPS))
def test_next_sprint_killed_at_a_step_is_completed_by_the_next_run(step: str, tmp_path: Path) -> None:
    team = make_team_repo(tmp_path, team_files(), date="2026-05-20T10:00:00+02:00")
    bot = clone_again(team.remote, tmp_path / "bot")
    if step in HOOKED:
        hook = "pre-receive" if step == "during_push" else "post-receive"
        status = _kill_next_sprint_during_push(bot, team.remote, hook, tmp_path / "hook-ran")
    else:
        env = {"CRASH_TODAY": TODAY, "CRASH_AT": step}
        status = run_child("crash_child.py", "next_sprint", str(bot), env=env).returncode
    assert status == -signal.SIGKILL, f"the run was not killed at {step}"
    _human_edits_while_bot_is_down(team)

    again = run_child("crash_child.py", "next_sprint", str(bot), env={"CRASH_TODAY": TODAY})
    assert again.returncode == 0, f"the run after a crash at {step} failed: {again.stdout} {again.stderr}"
    third = run_child("crash_child.py", "next_sprint", str(bot), env={"CRASH_TODAY": TODAY})
    assert third.returncode == 0 and not json.loads(third.stdout)["commit"], "a third run has nothing to do"

    assert git(bot, "status", "--porcelain", "--ignored").strip() == "", "leftovers in the bot's work tree"
    assert git(bot, "rev-parse", "main") == git(team.remote, "rev-parse", "main"), "the plan was not pushed"
    assert bot_commits(team.remote) == [PLAN_COMMIT], "exactly one plan commit"
    files = git(team.remote, "ls-tree", "-r", "--name-only", "main").split()
    assert [p for p in files if "SPR-302" in p] == [f"{SPRINTS}/SPR-302-iteration-template.md"]
    doc = git(team.remote, "show", f"main:{SPRINTS}/SPR-302-iteration-template.md")
    assert "SPR-302" in doc and "Write the search runbook" in doc, "the plan is complete"
    guide = git(team.remote, "show", f"main:{KB}/search/guide.md")
    lost = EDITED_LINE not in guide
    COUNTS["human bytes changed"] += len(EDITED_LINE) if lost else 0
    assert not lost, "the human edit made while the bot was down is lost"


@pytest.mark.parametrize("job", ["refresh_kb", "next_sprint"])
def test_a_commit_left_unpushed_by_a_killed_run_is_pushed_by_the_next_run_alone(job: str, tmp_path: Path) -> None:
    if job == "refresh_kb":
        team, bot = _setup(tmp_path)
    else:
        team = make_team_repo(tmp_path, team_files(), date="2026-05-20T10:00:00+02:00")
        bot = clone_again(team.remote, tmp_path / "bot")
    env = {"CRASH_NOW": NOW, "CRASH_TODAY": TODAY}
    crashed = run_child("crash_child.py", job, str(bot), env={**env, "CRASH_AT": "before_push"})
    assert crashed.returncode == -signal.SIGKILL
    assert git(bot, "rev-parse", "main") != git(team.remote, "rev-parse", "main")
    again = run_child("crash_child.py", job, str(bot), env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert git(bot, "rev-parse", "main") == git(team.remote, "rev-parse", "main"), "nobody pushed the commit"
    assert len(bot_commits(team.remote)) == (2 if job == "refresh_kb" else 1)


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("job", ["refresh_kb", "next_sprint"])
def test_the_flow_pushes_a_commit_a_killed_run_left_unpushed(job: str, tmp_path: Path) -> None:
    import asyncio
    from datetime import date, datetime

    flows = Path(__file__).resolve().parents[2] / "flows"
    sys.path.insert(0, str(flows))
    from next_sprint import next_sprint
    from refresh_kb import refresh_kb

    team = make_team_repo(tmp_path, team_files(), date="2026-05-20T10:00:00+02:00")
    bot = clone_again(team.remote, tmp_path / "bot")
    env = {"CRASH_NOW": NOW, "CRASH_TODAY": TODAY}
    crashed = run_child("crash_child.py", job, str(bot), env={**env, "CRASH_AT": "before_push"})
    assert crashed.returncode == -signal.SIGKILL
    if job == "refresh_kb":
        asyncio.run(refresh_kb(repo=str(bot), now=datetime.fromisoformat(NOW)))
    else:
        asyncio.run(next_sprint(repo=str(bot), today=date.fromisoformat(TODAY)))
    assert git(bot, "rev-parse", "main") == git(team.remote, "rev-parse", "main"), "the flow left the commit unpushed"
    assert len(bot_commits(team.remote)) == 1
