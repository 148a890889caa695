"""`make demo`: the three jobs on the bundled example team repo, on a local Prefect, with no Slack token.

A runner from a checkout, not a flow and not part of the wheel: it runs the flows of ``flows/`` (the ones
``prefect.yaml`` deploys) as a Python caller would, on a copy of ``examples/team-repo`` next to it.

Recipe: copy ``examples/team-repo`` into ``.demo/<run>/`` as a git repo with a bare remote → run the ``next_sprint``
flow as of the day before the last sprint ends → show the new plan, the bot's commit on the remote and the
announcement → run ``refresh_kb`` → run ``remind`` for the week before the new sprint's planning (printed, not
posted). Prefect runs embedded (an ephemeral local API under ``.demo/prefect-home``) unless PREFECT_API_URL is set.
Exit code 0 when every flow completed, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT = Path(__file__).resolve().parents[1]
DEMO_DIR = PROJECT / ".demo"


def _local_prefect() -> None:
    """Point Prefect at a project-local home (ephemeral API, quiet logs) and drop any Slack token: the demo's
    embedded default. Must run before prefect is imported."""
    home = Path(os.environ.setdefault("PREFECT_HOME", str(DEMO_DIR / "prefect-home")))
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    # the first run on a fresh clone migrates a new database before the API answers (Prefect's default wait: 20 s)
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.pop("SLACK_BOT_TOKEN", None)


_local_prefect()
sys.path.insert(0, str(PROJECT / "flows"))  # the flows are top-level modules there, as Prefect's entrypoints load them

from ceremonies.adapters.files import load_history  # noqa: E402
from ceremonies.config import load_config  # noqa: E402
from ceremonies.example import TeamRepo, git, make_team_repo  # noqa: E402
from next_sprint import next_sprint  # noqa: E402
from refresh_kb import refresh_kb  # noqa: E402
from remind import remind  # noqa: E402


def banner(title: str) -> None:
    """Print a section title."""
    print(f"\n{'=' * 100}\n{title}\n{'=' * 100}", flush=True)


def fresh_team_repo() -> TeamRepo:
    """Return a new copy of the example team repo under ``.demo/`` (work tree + bare remote)."""
    DEMO_DIR.mkdir(exist_ok=True)
    run_dir = DEMO_DIR / datetime.now().strftime("run-%Y%m%d-%H%M%S-%f")
    return make_team_repo(run_dir, PROJECT / "examples" / "team-repo", message="Example team docs")


def demo_today(work: Path) -> date:
    """Return the demo's "today": the day before the example team's last sprint ends (so the next one is due)."""
    history = load_history(work, load_config(work))
    ends = [plan.end for plan in history.plans if plan.end is not None]
    if not ends:
        raise SystemExit(f"demo: no sprint plan with an end date in {work}")
    return max(ends) - timedelta(days=1)


def show_slack(result: dict[str, object]) -> None:
    """Print each Slack message of a flow run as the team would read it (the run's log and artifact have it too)."""
    for delivery in result.get("slack") or []:  # type: ignore[attr-defined]
        print(f"\n--- Slack {delivery['channel']}: {delivery['key']} ({delivery['status']}) ---")
        print(delivery.get("text") or "")


def show_next_sprint(team: TeamRepo, result: dict[str, object]) -> None:
    """Print the generated plan and the bot's commit as the remote has it."""
    path = result.get("path")
    if isinstance(path, str) and (team.work / path).is_file():
        banner(f"The new sprint plan: {path}")
        print((team.work / path).read_text(encoding="utf-8"))
    banner("The bot's commit, as pushed to the remote")
    print(git(team.remote, "log", "-1", "--stat", "--format=%h %an <%ae>%n%s%n%n%b", "main"))


async def run_demo() -> int:
    """Run the demo; return the exit code (0 when every flow completed and the re-run changed nothing)."""
    team = fresh_team_repo()
    repo = str(team.work)
    today = demo_today(team.work)
    noon = datetime.combine(today, time(12, 0), ZoneInfo(load_config(team.work).sprint.timezone))
    print(f"Example team repo: {team.work}  (bare remote: {team.remote})\nDemo date: {today.isoformat()}")

    banner("next_sprint flow (the announcement is printed: no Slack token)")
    planned = await next_sprint(repo=repo, today=today.isoformat())
    show_next_sprint(team, planned)
    banner("The announcement, as the team reads it in Slack")
    show_slack(planned)

    banner("next_sprint again: a re-run changes nothing")
    again = await next_sprint(repo=repo, today=today.isoformat())
    print(f"status: {again.get('status')}, committed: {again.get('committed')}")

    banner("refresh_kb flow")
    refreshed = await refresh_kb(repo=repo, now=noon.isoformat())
    print({key: refreshed.get(key) for key in ("status", "written", "commit", "pushed") if key in refreshed})
    show_slack(refreshed)

    banner("remind flow: reminders due in the week ahead (printed instead of posted)")
    reminded = await remind(repo=repo, now=noon.isoformat(), horizon="7d")
    print({key: reminded.get(key) for key in ("sprints", "printed", "scheduled", "skipped") if key in reminded})
    show_slack(reminded)

    banner("Done")
    print(f"Remote history:\n{git(team.remote, 'log', '--format=  %h %an: %s', 'main')}")
    return 0 if planned.get("committed") and not again.get("committed") else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(run_demo()))
