"""Secrets: every flow (refresh_kb, next_sprint, remind) runs under Prefect's test harness with a recognizable fake
Slack token in SLACK_BOT_TOKEN, Slack being the emulator; runs that fail (unknown channel, a wrong token) are
included. The token (and its distinctive tail) must appear in no log line (process output and the logs stored by
the Prefect server), no artifact, no flow-run state message or exception, no commit (messages and diffs), no file
in the repo or its git dir, and no Slack message."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter
from reliability_support import COUNTS, FAKE_TOKEN, SLACK_CHANNEL, TOKEN_TAIL, remind_files

from support.gitrepo import git, make_team_repo
from support.slack import SlackEmulator

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "flows"))
from next_sprint import next_sprint
from refresh_kb import refresh_kb
from remind import remind

WRONG_TOKEN = "xoxb-FAKE-9999-wrong-" + TOKEN_TAIL
NOW = datetime.fromisoformat("2026-07-08T09:00:00+02:00")


async def _server_records(parameters: bool = True) -> list[str]:
    """Return every log line, artifact and flow-run state message (and parameters) the Prefect server stored."""
    async with get_client() as client:
        logs = await client.read_logs(log_filter=LogFilter(), limit=200)
        offset = 200
        while True:
            more = await client.read_logs(log_filter=LogFilter(), limit=200, offset=offset)
            if not more:
                break
            logs += more
            offset += 200
        artifacts = await client.read_artifacts()
        runs = await client.read_flow_runs()
        tasks = await client.read_task_runs()
    out = [log.message for log in logs]
    out += [f"{a.key} {a.description} {a.data}" for a in artifacts]
    out += [f"{r.name} {r.parameters if parameters else ''} {r.state.message if r.state else ''}" for r in runs]
    out += [f"{t.name} {t.state.message if t.state else ''}" for t in tasks]
    return out


def _repo_bytes(root: Path) -> list[tuple[str, bytes]]:
    """Return (path, bytes) of every file below ``root``, the git dir included (objects are compressed, so the
    commits are searched separately)."""
    return [(str(p), p.read_bytes()) for p in root.rglob("*") if p.is_file() and not p.is_symlink()]


@pytest.mark.usefixtures("prefect_harness")
def test_the_token_appears_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    team = make_team_repo(tmp_path, remind_files(), date="2026-06-20T10:00:00+02:00")
    with SlackEmulator(token=FAKE_TOKEN, channels={SLACK_CHANNEL: "sprint"}) as slack:
        slack.set_now(NOW)
        monkeypatch.setenv("SLACK_BOT_TOKEN", FAKE_TOKEN)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        kb = asyncio.run(refresh_kb(repo=str(team.work), now=NOW))
        plan = asyncio.run(next_sprint(repo=str(team.work), today=date(2026, 7, 8)))
        reminders = asyncio.run(remind(repo=str(team.work), now=NOW, horizon="7d"))
        assert kb["commit"] and plan["committed"] and reminders["scheduled"], "the flows did their work"
        doc = (team.work / str(plan["path"])).read_text(encoding="utf-8")
        assert "{{ 7*191 }}" in doc and "1337" not in doc and "root:x:0" not in doc, "retro text stays plain text"
        unknown = asyncio.run(remind(repo=str(team.work), channel="C0NOPE", now=NOW, horizon="7d", return_state=True))
        monkeypatch.setenv("SLACK_BOT_TOKEN", WRONG_TOKEN)
        wrong = asyncio.run(remind(repo=str(team.work), now=NOW, horizon="7d", return_state=True))
        assert unknown.is_failed() and wrong.is_failed()
        failures = [str(state.message) + repr(state.result(raise_on_failure=False)) for state in (unknown, wrong)]
        assert "invalid_auth" in failures[1] or "auth" in failures[1].lower(), failures[1]
        slack_texts = [json.dumps(c.params, default=str) for c in slack.calls]
        messages = [m["text"] for m in slack.posted + slack.scheduled]
        assert messages and not [m for m in messages if "<!channel>" in m or "<!here>" in m], "mentions escaped"
        slack_texts += messages
    captured = capfd.readouterr()
    sources: dict[str, list[str]] = {
        "process output": [captured.out, captured.err],
        "prefect server": asyncio.run(_server_records()),
        "exceptions": failures,
        "commits": [git(team.remote, "log", "-p", "--format=fuller", "--all")],
        "slack": slack_texts,
        "flow results": [json.dumps([kb, plan, reminders], default=str)],
    }
    leaks = {name: sum(FAKE_TOKEN in text or TOKEN_TAIL in text for text in texts) for name, texts in sources.items()}
    leaks["repo files"] = sum(TOKEN_TAIL.encode() in data for _, data in _repo_bytes(team.work))
    COUNTS["secret leaks"] += sum(leaks.values())
    assert sum(len(texts) for texts in sources.values()) > 20, "the sources were actually collected"
    assert leaks == dict.fromkeys(leaks, 0), f"token found in: {leaks}"


@pytest.mark.usefixtures("prefect_harness")
def test_a_token_in_the_repo_url_appears_in_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("HOME", str(tmp_path))  # clones go below the home cache dir
    url = f"http://x-access-token:{FAKE_TOKEN}@127.0.0.1:9/team/docs.git"  # port 9: nothing listens (loopback)
    from ceremonies.errors import CeremoniesError
    from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb

    with pytest.raises(CeremoniesError) as direct:
        run_refresh_kb(RefreshRequest(url))
    state = asyncio.run(refresh_kb(repo=url, return_state=True))
    assert state.is_failed()
    texts = [str(direct.value), repr(direct.value), str(state.message), repr(state.result(raise_on_failure=False))]
    captured = capfd.readouterr()
    # Prefect stores the parameters a caller passes as they are: a URL with credentials stays in the flow run's
    # parameters (documented in docs/reliability.md); logs, states, exceptions and artifacts must not show it.
    texts += [captured.out, captured.err, *asyncio.run(_server_records(parameters=False))]
    leaks = sum(FAKE_TOKEN in text or TOKEN_TAIL in text for text in texts)
    COUNTS["secret leaks"] += leaks
    assert leaks == 0, [text for text in texts if TOKEN_TAIL in text][:3]
