"""``ceremonies refresh-kb`` and ``ceremonies kb-freshness``: regenerate the knowledge base, check its SLA."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from ceremonies.cli._app import LockWaitOption, app, busy, exit_on_issues, fail, print_json
from ceremonies.errors import EXIT_FAILURE, CeremoniesError, RepoBusyError, UsageError

RepoOption = Annotated[str, typer.Option("--repo", help="Docs repo: a work tree path or a git URL.", metavar="DIR")]
NowOption = Annotated[
    str | None, typer.Option("--now", help="Pretend it is this time (ISO 8601; UTC when no offset).", metavar="ISO")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def parse_now(value: str | None) -> datetime | None:
    """Return ``--now`` as a timezone-aware datetime (naive means UTC); raise UsageError when it is not ISO 8601."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--now {value!r} is not an ISO 8601 date-time (e.g. 2026-03-20T09:00:00+01:00)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("refresh-kb")
def refresh_kb(
    repo: RepoOption,
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch",
            help="Branch whose merged work the KB reflects; default: [git] branch, else the checked-out one.",
            metavar="NAME",
        ),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Rebuild from the whole history (ignore the cache).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing; show the diff and the message.")] = False,
    no_commit: Annotated[bool, typer.Option("--no-commit", help="Write the pages but do not commit.")] = False,
    no_push: Annotated[bool, typer.Option("--no-push", help="Commit but do not push.")] = False,
    now: NowOption = None,
    as_json: JsonOption = False,
    lock_wait: LockWaitOption = None,
) -> None:
    """Regenerate the KB pages (index, what's new, sprint history, doc health, managed blocks) from merged work.

    Exit code 1 when a page could not be read (invalid YAML, unreadable file): the rest is still regenerated.
    """
    from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb  # git, markdown, the parser: when used

    try:
        request = RefreshRequest(
            repo,
            branch,
            full=full,
            dry_run=dry_run,
            commit=not no_commit,
            push=not no_push,
            now=parse_now(now),
            lock_wait=lock_wait,
            to_stderr=as_json,
        )
        result = run_refresh_kb(request)
    except RepoBusyError as error:
        raise busy(error, as_json) from None
    except CeremoniesError as error:
        raise fail(error) from None
    if as_json:
        print_json(result.to_json())
    else:
        if dry_run:
            typer.echo(result.diff or "(no changes)")
            if result.message:
                typer.echo(f"--- slack message (not sent) ---\n{result.message.reader_text()}")
        typer.echo(result.summary_markdown().rstrip("\n"))
    exit_on_issues(result.issues)


@app.command("kb-freshness")
def kb_freshness(repo: RepoOption, now: NowOption = None, as_json: JsonOption = False) -> None:
    """Report merged work the KB does not reflect yet; exit code 1 when any of it is older than the SLA."""
    from ceremonies.config import load_config
    from ceremonies.jobs.kb_load import check_freshness

    try:
        when = parse_now(now)
        root = Path(repo)
        report = check_freshness(root, load_config(root), when)
    except CeremoniesError as error:
        raise fail(error) from None
    if as_json:
        print_json(report.to_json())
    else:
        typer.echo(report.describe())
    if report.breached:
        raise typer.Exit(EXIT_FAILURE)
