"""``ceremonies remind`` and ``ceremonies calendar``: schedule the ceremony reminders, write the sprint's .ics file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ceremonies.cli._app import LockWaitOption, app, busy, exit_on_issues, fail, print_json
from ceremonies.cli.kb import JsonOption, NowOption, RepoOption, parse_now
from ceremonies.errors import CeremoniesError, RepoBusyError


@app.command("remind")
def remind(
    repo: RepoOption,
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch",
            help="Branch holding the sprint docs; default: [git] branch, else the checked-out one.",
            metavar="NAME",
        ),
    ] = None,
    now: NowOption = None,
    horizon: Annotated[
        str | None,
        typer.Option("--horizon", help="How far ahead to schedule: 48h, 7d, 90m or hours.", metavar="DURATION"),
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help="Slack channel id or name (default: slack.channel).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the reminders and messages; send nothing.")] = False,
    as_json: JsonOption = False,
    lock_wait: LockWaitOption = None,
) -> None:
    """Schedule the planning, demo and retro reminders due within the horizon, once each (Slack with
    SLACK_BOT_TOKEN, else printed). Exit code 1 when a sprint doc could not be read."""
    from ceremonies.jobs.remind import RemindRequest, run_remind  # holidays, the parser: only when used

    try:
        request = RemindRequest(repo, branch, channel, parse_now(now), horizon, dry_run, lock_wait, to_stderr=as_json)
        result = run_remind(request)
    except RepoBusyError as error:
        raise busy(error, as_json) from None
    except CeremoniesError as error:
        raise fail(error) from None
    if as_json:
        print_json(result.to_json())
    else:
        if dry_run:
            for message in result.messages:
                when_text = message.post_at.isoformat() if message.post_at else "now"
                head = f"--- slack {result.channel} at {when_text} ({message.key}, not sent) ---"
                typer.echo(f"{head}\n{message.reader_text()}")
        typer.echo(result.summary_markdown().rstrip("\n"))
    exit_on_issues(result.issues)


@app.command("calendar")
def calendar(
    repo: RepoOption,
    out: Annotated[Path, typer.Option("--out", help="The .ics file to write.", metavar="FILE")],
    sprint: Annotated[
        str | None, typer.Option("--sprint", help="Sprint key (default: the current, else the next sprint).")
    ] = None,
    now: NowOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the .ics text; write nothing.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Write a sprint's ceremonies as an iCalendar file; stable UIDs make a re-import update, not duplicate."""
    from ceremonies.jobs.remind import run_calendar  # icalendar: only when used

    try:
        result = run_calendar(repo, out, sprint=sprint, now=parse_now(now), dry_run=dry_run)
    except CeremoniesError as error:
        raise fail(error) from None
    if as_json:
        print_json(result.to_json())
    elif dry_run:
        typer.echo(f"Would write {len(result.events)} ceremonies of {result.sprint} to {result.path} (dry run):")
        typer.echo(result.ics)
    else:
        typer.echo(f"Wrote {len(result.events)} ceremonies of {result.sprint} to {result.path}")
        for event in result.events:
            typer.echo(f"  {event['start']}  {event['summary']}")
    exit_on_issues(result.issues)
