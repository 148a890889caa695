"""The next-sprint announcement in Slack: doc text cannot ping the channel, mapped owners are real mentions."""

from __future__ import annotations

import json
import re

from next_sprint_files import DUE_DAY, PLAN_012_PATH

from ceremonies.adapters.slack import SlackNotifier, make_client, strip_marker
from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
from ceremonies.jobs.recipe import Effects
from support.gitrepo import TeamRepo, commit_as_human
from support.slack import SlackEmulator

TOKEN = "xoxb-announce-tests"
PEOPLE = """
[slack.people]
"@Backend" = "S0BACKEND"
"@Frontend" = "<!subteam^S0FRONT>"
"@QA" = "U0QA"
"""


def test_a_scope_line_with_channel_pings_nobody_and_mapped_owners_are_mentions(team: TeamRepo) -> None:
    plan = (team.work / PLAN_012_PATH).read_text(encoding="utf-8")
    plan = plan.replace("## Review & Demo", "- [ ] <!channel> tidy the backlog — @DevOps\n\n## Review & Demo")
    config = (team.work / "ceremonies.toml").read_text(encoding="utf-8") + PEOPLE
    commit_as_human(team.work, {PLAN_012_PATH: plan, "ceremonies.toml": config}, "docs: one more scope line")
    with SlackEmulator(token=TOKEN, channels={"C0SEARCH": "search"}) as slack:
        notifier = SlackNotifier(make_client(TOKEN, slack.url, timeout=5, backoff=0.01), "#search")
        result = run_next_sprint(NextSprintRequest(str(team.work), today=DUE_DAY), Effects(notifier=notifier))
        [posted] = slack.posted
    assert result.status == "created" and [d.status for d in result.deliveries] == ["posted"]
    text, blocks = strip_marker(posted["text"]), json.dumps(posted["blocks"], ensure_ascii=False)
    assert "&lt;!channel&gt; tidy the backlog" in blocks, "the scope line shows as written"
    assert "<!channel>" not in text + blocks
    assert "<!subteam^S0BACKEND>" in blocks and "<!subteam^S0FRONT>" in blocks and "<@U0QA>" in blocks
    assert "@DevOps" in blocks, "an unmapped handle stays plain text"
    raw = re.findall(r"<(?:!|@)[^>]*>", text + blocks)
    assert set(raw) <= {"<!subteam^S0BACKEND>", "<!subteam^S0FRONT>", "<@U0QA>"} | {
        token for token in raw if token.startswith("<!date^")
    }, f"only our own mentions and dates: {raw}"
    assert posted["blocks"][0]["type"] == "header"
