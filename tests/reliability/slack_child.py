"""Child process of the Slack fault campaign: one reminder run against the emulator that kills itself with SIGKILL
right before its N-th Slack API call (so the previous calls reached Slack and the rest never happen).

Usage: ``python slack_child.py REPO NOW KILL_BEFORE_CALL``; env ``SLACK_API_URL`` (the emulator) and
``SLACK_BOT_TOKEN``. Exit 0 when the run finished before the N-th call, 1 on a CeremoniesError.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from ceremonies.adapters.slack import SlackNotifier, make_client
from ceremonies.errors import CeremoniesError
from ceremonies.jobs.recipe import Effects
from ceremonies.jobs.remind import RemindRequest, run_remind

CHANNEL = "C0SPRINT"


def die_before_call(n: int) -> None:
    """Make the process die right before its ``n``-th Slack API call (1-based)."""
    real = WebClient.api_call
    seen = {"calls": 0}

    def api_call(self: WebClient, *args: Any, **kwargs: Any) -> Any:
        seen["calls"] += 1
        if seen["calls"] >= n:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, *args, **kwargs)

    WebClient.api_call = api_call  # type: ignore[method-assign, assignment]


def wait_for_start() -> None:
    """Block until the file named by env ``RACE_START_FILE`` exists (all racers then start at the same moment)."""
    start = os.environ.get("RACE_START_FILE")
    if start:
        open(f"{start}.ready.{os.getpid()}", "w").close()
    while start and not os.path.exists(start):
        time.sleep(0.005)


def main() -> int:
    """Run the reminders of REPO at NOW once; return the exit code."""
    repo, now_text, kill_before = sys.argv[1], sys.argv[2], int(sys.argv[3])
    now = datetime.fromisoformat(now_text)
    die_before_call(kill_before)
    client = make_client(os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_API_URL"], timeout=0.2, backoff=0.01)
    wait_for_start()
    try:
        run_remind(RemindRequest(repo, now=now), Effects(notifier=SlackNotifier(client, CHANNEL, now=lambda: now)))
    except CeremoniesError as error:
        print(error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
