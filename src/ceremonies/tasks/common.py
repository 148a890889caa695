"""What every flow shares: secret redaction in Prefect's logs (the rules live in :mod:`ceremonies.redaction`),
run logging, markdown artifacts, flow parameters and the Slack token (the per-repo lock is in
:mod:`ceremonies.tasks.repo_limit`, failure notices in :mod:`ceremonies.tasks.failure`, retries in
:mod:`ceremonies.tasks.effects`).

Importing this module installs :class:`RedactingFilter` on Prefect's loggers and handlers, so a Slack token,
the value of ``SLACK_BOT_TOKEN`` or credentials in a URL never reach the flow-run logs stored by the server.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from prefect.artifacts import acreate_markdown_artifact, create_markdown_artifact
from prefect.logging import get_logger
from prefect.logging.handlers import APILogHandler

from ceremonies.config import Settings
from ceremonies.errors import CeremoniesError, UsageError
from ceremonies.redaction import REDACTED as REDACTED
from ceremonies.redaction import RedactingFilter as RedactingFilter
from ceremonies.redaction import redact as redact
from ceremonies.redaction import redact_parameters as redact_parameters
from ceremonies.redaction import register_secret as register_secret

# --- names shared with prefect.yaml, `ceremonies setup` and the docs -------------------------------------------------

SLACK_TOKEN_BLOCK = "ceremonies-slack-token"
"""Name of the Prefect Secret block holding the Slack bot token (created by ``ceremonies setup``)."""
CHANNEL_VARIABLE = "ceremonies_slack_channel"
"""Prefect Variable overriding the Slack channel of ``ceremonies.toml`` (optional)."""
DOCS_REPO_VARIABLE = "ceremonies_docs_repo"
"""Prefect Variable naming the docs repo (the deployments' default ``repo``; set by ``ceremonies setup``)."""
TIMEZONE_VARIABLE = "ceremonies_timezone"
"""Prefect Variable naming the IANA time zone of the schedules (documentation; the schedules carry it too)."""
WORK_POOL = "ceremonies-pool"
"""Process work pool the deployments of ``prefect.yaml`` run on."""

FLOW_TIMEOUT_SECONDS = 900
"""Longest a ceremonies flow run may take (every git network call is bounded by ``CEREMONIES_GIT_TIMEOUT`` and
the repo-lock wait by ``CEREMONIES_LOCK_WAIT_SECONDS``; a normal run takes seconds). Prefect marks a longer run
TimedOut."""


# --- flow parameters: plain strings in the Run form, checked here ---------------------------------------------------


def parse_day(name: str, value: str | date | None) -> date | None:
    """Return the day a ``YYYY-MM-DD`` flow parameter names (a ``date`` passes as it is); None when empty.

    Raises UsageError quoting the parameter and its value when it is no such date.
    """
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"parameter {name}={text!r} is not a day like 2026-11-28 (YYYY-MM-DD; empty = today)"
        ) from None


def parse_moment(name: str, value: str | datetime | None) -> datetime | None:
    """Return the moment a ``YYYY-MM-DDTHH:MM`` flow parameter names (an offset is kept; without one it is in the
    team's time zone, see :func:`ceremonies.jobs.recipe.in_team_time`); a ``datetime`` passes as it is; None when empty.

    Raises UsageError quoting the parameter and its value when it is no such time.
    """
    if value is None or isinstance(value, datetime):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"parameter {name}={text!r} is not a time like 2026-11-28T09:30 (team time zone) or "
            "2026-11-28T09:30+01:00; empty = now"
        ) from None


def team_time(moment: datetime, settings: Settings) -> str:
    """Return ``moment`` as the team reads it in a log line: ``2026-11-28 16:28 CET`` (team time zone, minutes)."""
    local = moment.astimezone(ZoneInfo(settings.sprint.timezone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


# --- redaction -----------------------------------------------------------------------------------------------------

_REDACTED_LOGGERS = ("prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.workers", "prefect.runner")


def install_redaction() -> None:
    """Attach one RedactingFilter to Prefect's run loggers and to every handler they (or the root) use."""
    loggers = [logging.getLogger(name) for name in _REDACTED_LOGGERS] + [logging.getLogger()]
    targets: list[logging.Filterer] = []
    for logger in loggers:
        targets.append(logger)
        targets.extend(logger.handlers)
    for target in targets:
        if not any(isinstance(existing, RedactingFilter) for existing in target.filters):
            target.addFilter(RedactingFilter())


CEREMONIES_LOGGER = "ceremonies"
"""Parent logger of the adapters and jobs (``ceremonies.adapters.git`` logs 'committed ...', 'pushed ...')."""


class RunLogHandler(APILogHandler):
    """Ships ceremonies' own log records (clone, commit, push, Slack post) to the current flow run's logs.

    Like ``PREFECT_LOGGING_EXTRA_LOGGERS=ceremonies`` without its warning for records outside a run: those are
    left to the other handlers (the direct CLI path never imports this module anyway).
    """

    def emit(self, record: logging.LogRecord) -> None:
        """Send ``record`` to the API when it belongs to a flow or task run; drop it silently otherwise."""
        from prefect.context import FlowRunContext, TaskRunContext

        in_run = FlowRunContext.get() is not None or TaskRunContext.get() is not None
        if in_run or getattr(record, "flow_run_id", None):
            super().emit(record)


def install_run_logging(level: int = logging.INFO) -> None:
    """Attach one redacting :class:`RunLogHandler` to the ``ceremonies`` logger (INFO unless a level is set)."""
    logger = logging.getLogger(CEREMONIES_LOGGER)
    if not any(isinstance(handler, RunLogHandler) for handler in logger.handlers):
        handler = RunLogHandler()
        handler.addFilter(RedactingFilter())
        logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(level)


class QuietTaskRuns(logging.Filter):
    """Drops Prefect's per-task ``Finished in state Completed()`` lines (half of a run's log); failures stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Return False for a task run's INFO 'Finished in state Completed()' record."""
        return not (record.levelno <= logging.INFO and str(record.msg).startswith("Finished in state Completed"))


class NoTracebackForOurErrors(logging.Filter):
    """Drops the Python traceback of a record about one of our own errors (a CeremoniesError already says what went
    wrong, with file and line): the run log shows the one-line message instead of two 60-line tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Clear the record's traceback when its exception is a CeremoniesError; return True (keep the record)."""
        if record.exc_info and isinstance(record.exc_info[1], CeremoniesError):
            record.exc_info = None
            record.exc_text = None
        return True


def install_quiet_task_runs() -> None:
    """Attach one QuietTaskRuns filter to Prefect's task-run logger, and NoTracebackForOurErrors to its run loggers."""
    logger = logging.getLogger("prefect.task_runs")
    if not any(isinstance(existing, QuietTaskRuns) for existing in logger.filters):
        logger.addFilter(QuietTaskRuns())
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        run_logger_ = logging.getLogger(name)
        if not any(isinstance(existing, NoTracebackForOurErrors) for existing in run_logger_.filters):
            run_logger_.filters.insert(0, NoTracebackForOurErrors())  # before redaction formats the traceback


install_redaction()
install_quiet_task_runs()
install_run_logging()


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """Return the current flow/task run logger, or the ``ceremonies`` Prefect logger outside a run."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return get_logger("ceremonies")


# --- artifacts -----------------------------------------------------------------------------------------------------


def artifact_key(key: str) -> str:
    """Return ``key`` as a valid artifact key: lowercase letters, digits, single dashes (``SPR_013`` → ``spr-013``)."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
    return cleaned[:100].strip("-") or "ceremonies"


def publish_markdown(key: str, markdown: str, description: str | None = None) -> UUID:
    """Attach a markdown artifact (redacted) to the current run under a sanitised ``key``; return its id."""
    result: UUID = create_markdown_artifact(  # type: ignore[assignment]
        markdown=redact(markdown),
        key=artifact_key(key),
        description=redact(description) if description else None,
        _sync=True,  # type: ignore[call-arg]  # async_dispatch: force the sync path inside async flows too
    )
    return result


async def apublish_markdown(key: str, markdown: str, description: str | None = None) -> UUID:
    """Async twin of :func:`publish_markdown` for async flows and tasks; returns the artifact id."""
    return await acreate_markdown_artifact(
        markdown=redact(markdown),
        key=artifact_key(key),
        description=redact(description) if description else None,
    )


# --- Slack token, channel and the failure hook ---------------------------------------------------------------------


def slack_token() -> str | None:
    """Return the Slack bot token: ``SLACK_BOT_TOKEN`` when set, else the Secret block, else None.

    The value is registered with the redactor, so it never shows up in logs or artifacts.
    """
    token = os.environ.get("SLACK_BOT_TOKEN") or None
    if token is None:
        try:
            from prefect.blocks.system import Secret

            token = str(Secret.load(SLACK_TOKEN_BLOCK, _sync=True).get())  # type: ignore[call-arg, union-attr]
        except Exception:  # no block / no server: console notifier
            token = None
    register_secret(token)
    return token
