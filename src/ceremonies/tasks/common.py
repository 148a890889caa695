"""What every flow shares: secret redaction in Prefect's logs (the rules live in :mod:`ceremonies.redaction`),
markdown artifacts, retry policies, the per-repo lock and the failure hook.

Importing this module installs :class:`RedactingFilter` on Prefect's loggers and handlers, so a Slack token,
the value of ``SLACK_BOT_TOKEN`` or credentials in a URL never reach the flow-run logs stored by the server.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast
from uuid import UUID
from zoneinfo import ZoneInfo

from prefect.artifacts import acreate_markdown_artifact, create_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.asyncio import concurrency as async_concurrency
from prefect.concurrency.sync import concurrency as sync_concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.logging import get_logger
from prefect.logging.handlers import APILogHandler
from prefect.utilities.annotations import quote

from ceremonies.adapters.git import check_repo_spec
from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.adapters.repolock import WAIT_ENV, wait_seconds_default
from ceremonies.adapters.slack import is_transient, make_notifier
from ceremonies.adapters.slack_render import SlackRenderer, render_message
from ceremonies.config import Settings, load_config
from ceremonies.domain.messages import Message
from ceremonies.errors import CeremoniesError, GitTimeoutError, LockTimeoutError, SlackError, UsageError
from ceremonies.redaction import REDACTED as REDACTED
from ceremonies.redaction import RedactingFilter as RedactingFilter
from ceremonies.redaction import redact as redact
from ceremonies.redaction import redact_parameters as redact_parameters
from ceremonies.redaction import register_secret as register_secret
from ceremonies.redaction import without_userinfo

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

# --- retry policies: only git push and Slack calls are retried ------------------------------------------------------

PUSH_RETRIES = 3
"""Extra attempts of a push task after the adapter's own fetch-rebase-retry loop gave up."""
PUSH_RETRY_DELAYS: list[float] = [2.0, 10.0, 30.0]
SLACK_RETRIES = 3
"""Extra attempts of a Slack call (rate limits, 5xx, connection errors)."""
SLACK_RETRY_DELAYS: list[float] = [1.0, 5.0, 15.0]
RETRY_JITTER = 0.2

T = TypeVar("T")


def as_is(value: T) -> T:
    """Return ``value`` marked so Prefect hands it to a task without walking its contents (``quote``).

    Prefect visits every nested object of a task argument looking for futures; for a whole KB or sprint history
    that costs seconds per task (bench: 30 s for a 10,000-page KB). Typed as ``value`` itself for the task call.
    """
    return cast(T, quote(value))


def retry_push_condition(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn`` for push tasks: retry, except after a timeout (a remote that did not answer
    for ``CEREMONIES_GIT_TIMEOUT`` seconds will not answer two seconds later; the run ends instead of hanging)."""
    try:
        state.result()
    except GitTimeoutError:
        return False
    except Exception:
        return True
    return False


def retry_slack_condition(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn`` for Slack tasks: retry only a transient Slack failure
    (:func:`ceremonies.adapters.slack.is_transient`, the one classification)."""
    try:
        state.result()
    except SlackError as exc:
        return is_transient(exc)
    except Exception:  # any other failure (network, 5xx) is worth a retry
        return True
    return False


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
    team's time zone, see :func:`in_team_time`); a ``datetime`` passes as it is; None when empty.

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


def in_team_time(moment: datetime | None, settings: Settings) -> datetime | None:
    """Return ``moment`` with the team's time zone attached when it has none (None stays None)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(settings.sprint.timezone))


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


# --- per-repo lock -------------------------------------------------------------------------------------------------


def _normalise_repo(repo: str) -> str:
    """Return a canonical spelling of ``repo``: resolved absolute path, or URL without credentials and ``.git``."""
    text = repo.strip()
    if "://" in text or re.match(r"^[\w.-]+@[\w.-]+:", text):
        text = without_userinfo(text)
        text = re.sub(r"^[\w.-]+@([\w.-]+):", r"ssh://\1/", text)  # scp-like git@host:org/repo
        text = text.rstrip("/")
        text = text[: -len(".git")] if text.endswith(".git") else text
        scheme, _, rest = text.partition("://")
        host, _, path = rest.partition("/")
        return f"{scheme.lower()}://{host.lower()}/{path}"
    path = text[len("file://") :] if text.startswith("file://") else text
    resolved = str(Path(path).expanduser().resolve())
    return resolved[: -len(".git")] if resolved.endswith(".git") else resolved


def repo_lock_name(repo: str) -> str:
    """Return the global concurrency limit name of ``repo``: ``ceremonies-repo-<slug>-<8 hex>``, stable per repo.

    Different spellings of one repo (trailing slash, ``.git``, credentials in the URL, relative path) map to
    the same name; the slug makes it readable in the UI, the hash keeps same-named repos apart.
    """
    canonical = _normalise_repo(repo)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:8]
    last = canonical.rstrip("/").rsplit("/", 1)[-1]
    slug = re.sub(r"[^a-z0-9]+", "-", last.lower()).strip("-")[:40].strip("-") or "repo"
    return f"ceremonies-repo-{slug}-{digest}"


def ensure_repo_limit(repo: str) -> str:
    """Create the one-slot global concurrency limit of ``repo`` when missing; return its name.

    Looks it up first: creating an existing limit makes the server log an IntegrityError traceback.
    """
    name = repo_lock_name(repo)
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):  # another run created it in between
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    return name


async def aensure_repo_limit(repo: str) -> str:
    """Async twin of :func:`ensure_repo_limit`; returns the limit name."""
    name = repo_lock_name(repo)
    async with get_client() as client:
        try:
            await client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):  # another run created it in between
                await client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    return name


LOCK_WAIT_ENV = WAIT_ENV
"""The repo-lock wait variable, the same for the CLI (work-tree lock) and the flows."""
LOCK_LEASE_SECONDS = 60.0
"""Lease of a held repo lock: renewed while the run lives, so a killed run frees the repo within about a minute
(Prefect's smallest lease)."""


def lock_wait() -> float:
    """Return how long a flow run waits for the repo lock: ``CEREMONIES_LOCK_WAIT_SECONDS`` read exactly as the
    CLI's work-tree lock reads it (default 120; ``0`` = one quick try, here half a second)."""
    return max(wait_seconds_default(), 0.5)


def _holder_text(runs: list[Any], name: str, me: str | None) -> str:
    """Return "since <time> (flow run <name> of <flow>)" for the oldest running run on the repo locked by ``name``."""
    holders = [
        run
        for run in runs
        if str(run.id) != me
        and isinstance((run.parameters or {}).get("repo"), str)
        and repo_lock_name(run.parameters["repo"]) == name
    ]
    if not holders:
        return "since an unknown time (no running flow run names it; a killed run frees it within a minute)"
    oldest = min(holders, key=lambda run: run.start_time or run.expected_start_time)
    started = oldest.start_time or oldest.expected_start_time
    shown = started.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if started else "an unknown time"
    return f"since {shown} (flow run {oldest.name!r}, {oldest.id})"


async def _lock_holder(name: str) -> str:
    """Return who holds the repo lock ``name`` and since when, from the server's running flow runs."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.runtime import flow_run

    running = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING])))
    try:
        async with get_client() as client:
            runs = await client.read_flow_runs(flow_run_filter=running, limit=200)
    except Exception as exc:  # the message is a courtesy; the timeout is the error
        return f"since an unknown time (cannot list running flow runs: {redact(str(exc))})"
    return _holder_text(list(runs), name, flow_run.get_id())


def lock_timeout_error(repo: str, waited: float, holder: str) -> LockTimeoutError:
    """Return the error of a run that gave up waiting for ``repo``'s lock after ``waited`` seconds."""
    shown = redact(repo)
    return LockTimeoutError(
        f"another run is in progress: it holds {shown} {holder} (waited {waited:g} s, {LOCK_WAIT_ENV}); nothing done",
        repo=shown,
        holder=None,
        waited=waited,
    )


@contextmanager
def repo_lock(repo: str, timeout_seconds: float | None = None, create: bool = True) -> Iterator[str]:
    """Hold the repo's one-slot global concurrency limit (strict) for the block; yield the limit name.

    ``repo`` is checked first (a typo never creates a limit). A second run on the same repo waits here at most
    ``timeout_seconds`` (default :func:`lock_wait`), then raises LockTimeoutError naming the holder and since when.
    The slot is leased: a run that dies frees it when the lease (one minute) runs out.
    """
    check_repo_spec(repo)
    wait = lock_wait() if timeout_seconds is None else timeout_seconds
    name = ensure_repo_limit(repo) if create else repo_lock_name(repo)
    logger = run_logger()
    logger.info("Waiting for repo lock %s (at most %g s)", name, wait)
    acquired = False
    try:
        with sync_concurrency(name, occupy=1, timeout_seconds=wait, strict=True, lease_duration=LOCK_LEASE_SECONDS):
            acquired = True
            logger.info("Holding repo lock %s", name)
            yield name
            logger.info("Releasing repo lock %s", name)  # still held: later holders log "Holding" after this line
    except TimeoutError:
        if acquired:
            raise
        from prefect.utilities.asyncutils import run_coro_as_sync

        raise lock_timeout_error(repo, wait, run_coro_as_sync(_lock_holder(name)) or "") from None
    logger.info("Released repo lock %s", name)


@asynccontextmanager
async def arepo_lock(repo: str, timeout_seconds: float | None = None, create: bool = True) -> AsyncIterator[str]:
    """Async twin of :func:`repo_lock` for async flows; yields the limit name."""
    check_repo_spec(repo)
    wait = lock_wait() if timeout_seconds is None else timeout_seconds
    name = await aensure_repo_limit(repo) if create else repo_lock_name(repo)
    logger = run_logger()
    logger.info("Waiting for repo lock %s (at most %g s)", name, wait)
    acquired = False
    try:
        async with async_concurrency(
            name, occupy=1, timeout_seconds=wait, strict=True, lease_duration=LOCK_LEASE_SECONDS
        ):
            acquired = True
            logger.info("Holding repo lock %s", name)
            yield name
            logger.info("Releasing repo lock %s", name)  # still held: later holders log "Holding" after this line
    except TimeoutError:
        if acquired:
            raise
        raise lock_timeout_error(repo, wait, await _lock_holder(name)) from None
    logger.info("Released repo lock %s", name)


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


def channel_override() -> str | None:
    """Return the channel set in the Prefect Variable ``ceremonies_slack_channel``, or None."""
    try:
        from prefect.variables import Variable

        value = Variable.get(CHANNEL_VARIABLE, default=None, _sync=True)  # type: ignore[call-overload]
    except Exception:  # no server or no variable
        return None
    return str(value) if value else None


def read_docs_repo_variable() -> str | None:
    """Return the docs repo of the Prefect Variable ``ceremonies_docs_repo`` (set by ``ceremonies setup``), or None."""
    try:
        from prefect.variables import Variable

        value = Variable.get(DOCS_REPO_VARIABLE, default=None, _sync=True)  # type: ignore[call-overload]
    except Exception:  # no server or no variable
        return None
    return str(value) if value else None


def settings_for(repo: str | None) -> Settings:
    """Return the settings of a local ``repo`` (defaults for URLs or on error), with the channel Variable applied."""
    settings = Settings()
    if repo and "://" not in repo and Path(repo).is_dir():
        try:
            settings = load_config(repo)
        except CeremoniesError:
            settings = Settings()
    channel = channel_override()
    if channel:
        settings = settings.model_copy(update={"slack": settings.slack.model_copy(update={"channel": channel})})
    return settings


def ui_url() -> str | None:
    """Return the Prefect UI base URL (PREFECT_UI_URL, else derived from PREFECT_API_URL), or None."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    configured = PREFECT_UI_URL.value()
    if configured:
        return str(configured).rstrip("/")
    api = PREFECT_API_URL.value()
    if api and "api.prefect.cloud" not in str(api):
        return re.sub(r"/api/?$", "", str(api).rstrip("/"))
    return None


FAILURE_TEMPLATE = "slack/failure.md.j2"
"""The template of the failed-run notice (a team may override it)."""


def failure_context(
    flow_name: str, run_name: str, run_id: str, parameters: Mapping[str, Any], reason: str
) -> dict[str, Any]:
    """Return what ``templates/slack/failure.md.j2`` shows: run, redacted parameters, reason, UI link."""
    params = redact_parameters(parameters)
    shown = ", ".join(f"{key}={value!r}" for key, value in sorted(params.items()))
    base = ui_url()
    link = f"{base}/runs/flow-run/{run_id}" if base else None
    return {
        "flow_name": flow_name,
        "run_name": run_name,
        "run_id": run_id,
        "parameters": redact(shown),
        "reason": redact(reason.strip()[:500] or "unknown"),
        "details": link or f"flow run id {run_id}",
        "link_url": link,
    }


def failure_message(
    flow_name: str, run_name: str, run_id: str, parameters: Mapping[str, Any], reason: str, repo: str | None = None
) -> Message:
    """Return the Slack notice of a failed run (name, redacted parameters, reason, UI link), rendered from
    ``slack/failure.md.j2`` (the docs repo's own template first when ``repo`` is a local work tree)."""
    local = Path(repo) if repo and "://" not in repo and Path(repo).is_dir() else None
    renderer = SlackRenderer.for_settings(local, settings_for(repo))
    context = failure_context(flow_name, run_name, run_id, parameters, reason)
    return render_message(renderer, FAILURE_TEMPLATE, context, key=f"failure/{run_id}")


def _make_notifier(settings: Settings, logger: Any) -> Any:
    """Return the team's notifier: Slack when a token is configured, else the console logging to ``logger``."""
    token = slack_token()
    return make_notifier(settings, token, False) if token else ConsoleNotifier(settings.slack.channel, log=logger)


def post_failure_notice(
    flow_name: str, run_name: str, run_id: str, parameters: Mapping[str, Any], reason: str
) -> list[Any]:
    """Post the failure notice of one run through the team's notifier (its template, escaping and redaction; one
    key per run); return the deliveries."""
    logger = get_logger("ceremonies.failure")
    repo = parameters.get("repo")
    local = repo if isinstance(repo, str) else None
    message = failure_message(flow_name, run_name, run_id, parameters, reason, local)
    deliveries: list[Any] = list(_make_notifier(settings_for(local), logger).send([message]))
    for delivery in deliveries:
        logger.info("Failure notice for %s: %s", run_name, delivery.describe())
    return deliveries


def post_notice(text: str, key: str, repo: str | None = None) -> list[Any]:
    """Post ``text`` (redacted) through the team's notifier under ``key``; return the deliveries."""
    logger = get_logger("ceremonies.failure")
    deliveries: list[Any] = list(_make_notifier(settings_for(repo), logger).send([Message(text=redact(text), key=key)]))
    return deliveries


def notify_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_failure`` hook of runs started without a deployment (a script, a test): post the failed run's
    name, parameters (no secrets) and UI link. Deployment runs are announced by the failure Automation instead
    (the ``notify-failure`` deployment's triggers: Failed, Crashed, TimedOut), so a notice is posted once.

    Never raises: a broken notifier is logged, the run's own failure stays what the UI shows.
    """
    logger = get_logger("ceremonies.failure")
    if getattr(flow_run, "deployment_id", None) is not None:
        logger.info("Deployment run %s failed: the failure Automation posts the notice", getattr(flow_run, "name", "?"))
        return
    try:
        parameters = dict(getattr(flow_run, "parameters", {}) or {})
        post_failure_notice(
            getattr(flow, "name", "flow"),
            getattr(flow_run, "name", "?"),
            str(getattr(flow_run, "id", "?")),
            parameters,
            str(getattr(state, "message", "") or ""),
        )
    except Exception as exc:  # a hook must never mask the run's failure
        logger.error("Could not post the failure notice: %s", redact(str(exc)))
