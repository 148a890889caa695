"""The typer application and the error → exit-code mapping shared by all sub-commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ceremonies.errors import EXIT_FAILURE, CeremoniesError, RepoBusyError

if TYPE_CHECKING:  # the config (pydantic) and the notifiers are imported by the commands that use them
    pass

app = typer.Typer(
    name="ceremonies",
    help="Run your team's sprint ceremonies and keep its git-hosted sprint docs and knowledge base current.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def print_json(payload: Any) -> None:
    """Print ``payload`` as indented, key-sorted JSON on stdout (dates and paths become strings)."""
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n")


def fail(error: CeremoniesError) -> typer.Exit:
    """Print ``error`` as one line on stderr and return the Exit to raise with its exit code."""
    sys.stderr.write(f"error: {error}\n")
    return typer.Exit(error.exit_code)


def run_app(argv: list[str]) -> int:
    """Run the typer app on ``argv`` and return its exit code; user errors never show a traceback.

    Usage errors (unknown command, bad flag) print usage and return 2; a CeremoniesError prints one line
    ``error: path:line: message`` and returns its exit code.
    """
    try:
        app(args=argv, prog_name="ceremonies", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_FAILURE)
    except CeremoniesError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    return 0


@app.callback()
def _root() -> None:
    """Run your team's sprint ceremonies and keep its git-hosted sprint docs and knowledge base current."""


@app.command("version")
def version() -> None:
    """Print the version of ceremonies."""
    from ceremonies import __version__

    typer.echo(__version__)


def exit_on_issues(issues: Sequence[str]) -> None:
    """Print each problem the run reported on stderr (``error: …``); exit with code 1 when there was any."""
    for issue in issues:
        sys.stderr.write(f"error: {issue}\n")
    if issues:
        raise typer.Exit(EXIT_FAILURE)


LockWaitOption = Annotated[
    float | None,
    typer.Option(
        "--lock-wait",
        help="Seconds to wait for another run on this work tree to finish (default 120, "
        "env CEREMONIES_LOCK_WAIT_SECONDS); then exit 0 with 'another run is in progress'.",
        metavar="SECONDS",
        min=0,
    ),
]


def busy(error: RepoBusyError, as_json: bool) -> typer.Exit:
    """Say that another run holds the repo (stdout: a line, or JSON with ``status: busy``); return Exit(0)."""
    if as_json:
        print_json(
            {
                "status": "busy",
                "repo": error.repo,
                "message": error.message,
                "holder": error.holder,
                "committed": False,
                "commit": None,
            }
        )
    else:
        typer.echo(error.message)
    return typer.Exit(error.exit_code)
