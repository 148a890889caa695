"""The KB summary in Slack: a commit subject cannot ping the channel; a mapped page owner is a real mention."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from ceremonies.adapters.slack import SlackNotifier, make_client, strip_marker
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb
from support.gitrepo import TeamRepo, clone_again, commit_as_human, git, merge_branch
from support.slack import SlackEmulator

TOKEN = "xoxb-kb-tests"
NOW = datetime.fromisoformat("2026-03-17T12:00:00+01:00")
SUBJECT = "feat(sprint): <!channel> <!here> <@U123> ping everyone"


def test_a_commit_subject_with_mentions_pings_nobody_and_the_owner_is_mentioned(
    team: TeamRepo, tmp_path: Path
) -> None:
    config = '[slack]\nchannel = "C0KB"\ndocs_url = "https://git.example.org/team/docs/-/blob/main"\n'
    config += '\n[slack.people]\n"@Backend" = "S0BACKEND"\n'
    commit_as_human(team.work, {"ceremonies.toml": config}, "docs: slack people")
    git(team.work, "push", "-q", "origin", "main")
    with SlackEmulator(token=TOKEN, channels={"C0KB": "team-kb"}) as slack:
        notifier = SlackNotifier(make_client(TOKEN, slack.url, timeout=5, backoff=0.01), "C0KB")
        run_refresh_kb(RefreshRequest(str(team.work), now=NOW), Effects(notifier=notifier))
        human = tmp_path / "human"
        clone_again(team.remote, human)
        merge_branch(human, "feat/9", {"src/payments/api.py": "VALUE = 3\n"}, SUBJECT,
                     merge_message=f"Merge pull request #9 from team/9\n\n{SUBJECT}", date="2026-03-17T11:00:00+01:00")
        git(human, "push", "-q", "origin", "main")
        result = run_refresh_kb(RefreshRequest(str(team.work), now=NOW), Effects(notifier=notifier))
        posted = slack.posted
    assert result.needs_review and result.deliveries[-1].status == "posted"
    summary = posted[-1]
    text, blocks = strip_marker(summary["text"]), json.dumps(summary["blocks"], ensure_ascii=False)
    for raw in ("<!channel>", "<!here>", "<@U123>"):
        assert raw not in text and raw not in blocks
    assert "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; ping everyone" in blocks
    assert "owner <!subteam^S0BACKEND>" in blocks
    assert set(re.findall(r"<(?:!|@)[^>]*>", text + blocks)) == {"<!subteam^S0BACKEND>"}
    buttons = [e for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons and buttons[0]["url"] == "https://git.example.org/team/docs/-/blob/main/.ai/knowledgebase"
