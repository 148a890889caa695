"""``ceremonies next-sprint``: plan the next sprint from the last plan and its retro (direct path, no Prefect)."""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from ceremonies.cli._app import LockWaitOption, app, busy, fail, print_json
from ceremonies.errors import EXIT_FAILURE, CeremoniesError, RepoBusyError, UsageError

if TYPE_CHECKING:  # the job (git, the parser, the planner) is imported when the command runs
    from ceremonies.jobs.next_sprint import NextSprintResult


def parse_day(value: str | None) -> date | None:
    """Return ``--today`` as a date; raise UsageError when it is not ``YYYY-MM-DD``."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today {value!r} is not a date like 2026-12-15") from None


def _show_dry_run(result: NextSprintResult) -> None:
    """Print what a dry run would write (the whole doc when new, else the diff) and the message it would send."""
    from ceremonies.jobs.next_sprint import CREATED

    if result.doc is None:
        return
    if result.status == CREATED:
        typer.echo(f"--- {result.path} (new, not written) ---\n{result.doc.rstrip()}")
    else:
        typer.echo(result.diff.rstrip() or f"(no changes to {result.path})")
    if result.message:
        typer.echo(f"--- slack message (not sent) ---\n{result.message.reader_text()}")


def _describe(result: NextSprintResult) -> str:
    """Return the one-paragraph text summary of a run."""
    lines = [f"{result.status}: {result.sprint or '-'} {result.path or ''}".rstrip()]
    if result.reason:
        lines.append(f"  why: {result.reason}")
    if result.commit:
        detail = f", {result.push_detail}" if result.push_detail else ""
        lines.append(f"  commit: {result.commit} (pushed: {result.pushed}{detail})")
    if result.backup:
        lines.append(f"  backup of the replaced file: {result.backup}")
    lines += [f"  warning: {warning}" for warning in result.warnings]
    return "\n".join(lines)


@app.command("next-sprint")
def next_sprint(
    repo: Annotated[str, typer.Option("--repo", help="Docs repo: a work tree path or a git URL.", metavar="DIR")],
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch",
            help="Branch the sprint docs live on; default: [git] branch, else the checked-out one.",
            metavar="NAME",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write nothing; print the doc (or the diff) and the message.")
    ] = False,
    no_commit: Annotated[bool, typer.Option("--no-commit", help="Write the plan but do not commit it.")] = False,
    no_push: Annotated[bool, typer.Option("--no-push", help="Commit but do not push.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Plan even when not due; replace a human-edited plan (backup kept).")
    ] = False,
    today: Annotated[
        str | None, typer.Option("--today", help="Pretend it is this day (team time zone).", metavar="YYYY-MM-DD")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    lock_wait: LockWaitOption = None,
) -> None:
    """Plan the next sprint: retro actions become scope, unfinished work carries over, dates follow the cadence.

    Exit code 0 when planned, unchanged, not due yet or already planned by hand; 1 when a sprint doc or the
    template is broken, the retro is missing after the sprint ended, or a human changed the tool's plan (never
    overwritten without --force).
    """
    from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint

    try:
        request = NextSprintRequest(
            repo,
            branch,
            dry_run=dry_run,
            force=force,
            commit=not no_commit,
            push=not no_push,
            today=parse_day(today),
            lock_wait=lock_wait,
            to_stderr=as_json,
        )
        result = run_next_sprint(request)
    except RepoBusyError as error:
        raise busy(error, as_json) from None
    except CeremoniesError as error:
        if as_json:
            print_json({"status": "failed", "committed": False, "pushed": False, "errors": [str(error)]})
        raise fail(error) from None
    if as_json:
        print_json(result.to_json())
    else:
        if dry_run:
            _show_dry_run(result)
        typer.echo(_describe(result))
    for problem in result.errors:
        sys.stderr.write(f"error: {problem}\n")
    if result.errors:
        raise typer.Exit(EXIT_FAILURE)
