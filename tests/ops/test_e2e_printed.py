"""End to end on a REAL Prefect server without a Slack token: every message a flow run would send is in the run's
logs and its artifact, as the text a reader would see (no token anywhere: no env var, no Secret block)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from e2e_support import ROOT, api, artifacts_of, logs_of, team_files

from support.gitrepo import make_team_repo
from support.prefect_server import running_prefect_server

pytestmark = pytest.mark.e2e

RUN_FLOWS = """
import asyncio, json, sys
sys.path.insert(0, "flows")
from next_sprint import next_sprint
from remind import remind
repo, today, now = sys.argv[1:4]
plan = asyncio.run(next_sprint(repo=repo, today=today, return_state=True))
reminders = asyncio.run(remind(repo=repo, now=now, horizon="14d", return_state=True))
ids = {"next_sprint": plan.state_details.flow_run_id, "remind": reminders.state_details.flow_run_id}
print(json.dumps({name: str(run_id) for name, run_id in ids.items()}))
"""


def test_a_run_without_a_token_shows_every_message_in_its_logs_and_artifact(
    tmp_path: Path, now: datetime, today: date
) -> None:
    team = make_team_repo(tmp_path / "team", team_files(today, 7))
    with running_prefect_server(home=tmp_path / "prefect-home") as server:
        env = {key: value for key, value in server.env.items() if key != "SLACK_BOT_TOKEN"}
        env.pop("SLACK_API_URL", None)
        done = subprocess.run(
            [sys.executable, "-c", RUN_FLOWS, str(team.work), today.isoformat(), now.isoformat()],
            env={**env, "PREFECT_LOGGING_LEVEL": "INFO", "PYTHONPATH": os.pathsep.join(sys.path)},
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        runs = json.loads(done.stdout.strip().splitlines()[-1])
        with api(server):
            shown = {name: _logs_and_artifact(UUID(run_id)) for name, run_id in runs.items()}
    for name, (logs, artifact) in shown.items():
        printed = [line for line in logs if line.startswith("Slack message for ")]
        assert printed, f"{name}: no message in the run's logs: {logs}"
        for line in printed:
            text = line.split("(printed, no token):\n", 1)[1]
            assert text.strip() and text.strip() in artifact, f"{name}: a logged message is not in the artifact"
            assert "<!date^" not in text and "&lt;" not in text, "the reader's text, not Slack markup"
        assert "## Slack messages" in artifact and "printed" in artifact
    assert "is planned" in "\n".join(shown["next_sprint"][0])


def _logs_and_artifact(run_id: UUID) -> tuple[list[str], str]:
    logs = [line.message for line in logs_of(run_id)]
    artifacts = [str(a.data) for a in artifacts_of(run_id) if a.type == "markdown"]
    return logs, "\n".join(artifacts)
