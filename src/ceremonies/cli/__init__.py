"""The ``ceremonies`` command line: the edge where errors become exit codes and one-line messages.

Each sub-command lives in its own module and registers itself on :data:`app`; commands call the direct
path in :mod:`ceremonies.jobs` (no Prefect import, so the CLI stays fast).
"""

from __future__ import annotations

import sys

from ceremonies.cli._app import app, run_app

# Sub-command modules register on `app` when imported.
# (sub-command imports go here, one line each)
# isort: split
from ceremonies.cli import docs as _docs  # noqa: F401
from ceremonies.cli import init as _init  # noqa: F401
from ceremonies.cli import kb as _kb  # noqa: F401
from ceremonies.cli import ops as _ops  # noqa: F401
from ceremonies.cli import plan as _plan  # noqa: F401
from ceremonies.cli import remind as _remind  # noqa: F401

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``); return the process exit code."""
    return run_app(sys.argv[1:] if argv is None else argv)
