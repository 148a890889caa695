"""What every job's recipe starts from and hands out: the opened repo (:func:`opened`) and the side effects
(:class:`Effects`).

A job is one function, ``run_<job>(request, effects=DIRECT)``, that both the CLI and the Prefect flow call::

    with opened(request.repo, request.branch, job=FLOW_NAME, dry_run=request.dry_run) as repo:
        ...  load → compute → write → commit (plain calls)
        effects.push(repo.docs, to, mine)                  # a Prefect task in a flow (retried on network errors)
        effects.send(repo.notifier, messages)              # a Prefect task in a flow (the SDK retries Slack)

:func:`opened` is the one place that locks the work tree, clones or pulls, reads ``ceremonies.toml`` and builds the
notifier (:func:`team_notifier`, the one notifier factory: built after the settings are read, so a URL repo's
configured channel is used). No Prefect here: :mod:`ceremonies.tasks.effects` wraps the same functions as tasks.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from ceremonies.adapters.git import DocsRepo, PushOutcome
from ceremonies.adapters.notify import ConsoleNotifier, Delivery, Notifier, cache_channels
from ceremonies.config import Settings, load_config
from ceremonies.domain.messages import Message
from ceremonies.jobs.branch import open_docs

TOKEN_ENV = "SLACK_BOT_TOKEN"
"""The environment variable holding the Slack bot token (a flow also looks in the Prefect Secret block)."""

Log = logging.Logger | logging.LoggerAdapter[logging.Logger]
Mine = tuple[str, str | None]
"""``(trailer, value)`` naming the bot's own commits a push may rebase (see :meth:`DocsRepo.push`)."""


# ------------------------------------------------------------------------------------------------ the effects


def push_directly(docs: DocsRepo, to: str | None, mine: Mine) -> PushOutcome:
    """Push the docs branch (to ``to`` when set); the adapter fetches, rebases and retries a rejected push."""
    return docs.push(to=to, mine=mine)


def send_directly(notifier: Notifier, messages: Sequence[Message]) -> list[Delivery]:
    """Post or schedule ``messages`` (none: no call); return one Delivery each."""
    return notifier.send(list(messages)) if messages else []


def withdraw_directly(notifier: Notifier, keys: Sequence[str], channel: str | None) -> list[Delivery]:
    """Delete the pending scheduled messages of ``keys`` (a notifier that schedules nothing: none); return a
    ``withdrawn`` Delivery each."""
    withdraw = getattr(notifier, "withdraw", None)
    if not keys or not callable(withdraw):
        return []
    withdrawn: list[Delivery] = withdraw(list(keys), channel)
    return withdrawn


def _no_artifact(key: str, markdown: str, title: str) -> None:
    """The direct path keeps no artifacts (the CLI prints its result)."""


def _no_event(repo: str, branch: str, sprint: str) -> None:
    """The direct path emits no events."""


def _env_token() -> str | None:
    """Return ``SLACK_BOT_TOKEN`` (None when unset or empty)."""
    return os.environ.get(TOKEN_ENV) or None


def new_run_id() -> str:
    """Return a run id for direct-path (CLI) runs: ``cli-<12 hex>`` (a flow uses its flow run id)."""
    return f"cli-{uuid.uuid4().hex[:12]}"


def _no_log() -> Log | None:
    """The direct path prints messages instead of logging them."""
    return None


@dataclass(frozen=True)
class Effects:
    """The side-effecting steps a recipe hands out, and where its notifier's token and log come from.

    The CLI uses :data:`DIRECT` (plain calls); a flow passes :func:`ceremonies.tasks.effects.prefect_effects`: push,
    send and withdraw as Prefect tasks, artifacts and events, the token of the Secret block, the run's logger.
    ``notifier`` replaces the team's notifier when set (tests hand in an emulator-backed or quiet one).
    """

    push: Callable[[DocsRepo, str | None, Mine], PushOutcome] = push_directly
    send: Callable[[Notifier, Sequence[Message]], list[Delivery]] = send_directly
    withdraw: Callable[[Notifier, Sequence[str], str | None], list[Delivery]] = withdraw_directly
    publish: Callable[[str, str, str], None] = _no_artifact
    """``publish(key, markdown, title)``: a flow attaches a markdown artifact to its run."""
    sprint_planned: Callable[[str, str, str], None] = _no_event
    """``sprint_planned(repo, branch, sprint)``: a flow emits ``ceremonies.sprint.planned`` after the push."""
    token: Callable[[], str | None] = _env_token
    log: Callable[[], Log | None] = _no_log
    run_id: Callable[[], str] = new_run_id
    """The id a commit's ``Ceremonies-Run`` trailer names: ``cli-<hex>``, or the flow run's id."""
    notifier: Notifier | None = None


DIRECT = Effects()
"""The CLI's effects: plain calls, the token from ``SLACK_BOT_TOKEN``, console output on stdout/stderr."""


def say(effects: Effects, level: int, message: str, *args: object) -> None:
    """Log ``message`` (``%``-style ``args``) to the flow run's log (``effects.log()``); nothing on the direct path,
    whose command prints its own summary."""
    logger = effects.log()
    if logger is not None:
        logger.log(level, message, *args)


# ------------------------------------------------------------------------------------------------ the notifier


def team_notifier(
    settings: Settings,
    token: str | None,
    *,
    dry_run: bool = False,
    stream: TextIO | None = None,
    log: Log | None = None,
    now: datetime | None = None,
) -> Notifier:
    """Return the team's notifier — the one place one is built: Slack on ``settings.slack.channel`` with a token
    (its clock ``now`` when given, so ``--now`` runs agree with Slack; API base URL from env ``SLACK_API_URL``),
    else (no token, or a dry run) the console: logged to ``log`` when given (a flow run), else written to
    ``stream`` (default stdout)."""
    if dry_run or not token:
        return ConsoleNotifier(settings.slack.channel, stream, log=log)
    from ceremonies.adapters.slack import SlackNotifier, make_client  # slack_sdk only when Slack is used

    clock = (lambda: now) if now is not None else None
    return SlackNotifier(
        make_client(token), settings.slack.channel, now=clock, lookup_emails=settings.slack.lookup_emails
    )


def in_team_time(moment: datetime | None, settings: Settings) -> datetime | None:
    """Return ``moment`` with the team's time zone attached when it has none (None stays None)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(settings.sprint.timezone))


def with_channel(settings: Settings, channel: str | None) -> Settings:
    """Return ``settings`` with ``slack.channel`` replaced by ``channel`` (unchanged when None or empty)."""
    if not channel:
        return settings
    return settings.model_copy(update={"slack": settings.slack.model_copy(update={"channel": channel})})


# ------------------------------------------------------------------------------------------------ the opened repo


@dataclass
class Opened:
    """What every job starts from: the docs repo (locked, pulled), its settings (``channel`` applied) and the
    notifier built from them."""

    docs: DocsRepo
    settings: Settings
    notifier: Notifier


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (a run allocates many small objects and frees them at the
    end); resume it afterwards when it was on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def opened(
    repo: str,
    branch: str | None,
    *,
    job: str,
    dry_run: bool,
    pull: bool | None = None,
    lock_wait: float | None = None,
    channel: str | None = None,
    to_stderr: bool = False,
    now: datetime | None = None,
    prepare: Callable[[DocsRepo], object] | None = None,
    effects: Effects = DIRECT,
) -> Iterator[Opened]:
    """Open ``repo`` for the job ``job``: clone (a URL or bare path) or open the work tree on its branch, lock it
    (:mod:`ceremonies.adapters.repolock`; a dry run takes no lock), pull (``pull``, default: unless a dry run),
    read its settings, build its notifier (a Slack notifier's clock is ``now`` when given, naive = the team's time
    zone); pause the garbage collector. On the way out, whatever happens: resume the collector, release the lock,
    close the repo. ``prepare(docs)`` runs on the locked repo right before the pull, when pulling (the KB refresh
    puts back what a killed run left uncommitted, which the pull would refuse to overwrite).

    Raises RepoBusyError (exit code 0) when another run keeps the lock longer than ``lock_wait`` seconds, GitError
    when git fails, ConfigError naming every bad field of ``ceremonies.toml``.
    """
    docs = open_docs(repo, branch)
    with docs, contextlib.nullcontext() if dry_run else docs.lock(job, lock_wait), gc_paused():
        pulling = not dry_run if pull is None else pull
        if pulling and prepare is not None:
            prepare(docs)
        if pulling and docs.has_remote():
            docs.pull()
        settings = with_channel(load_config(docs.root), channel)
        notifier = effects.notifier or team_notifier(
            settings,
            effects.token(),
            dry_run=dry_run,
            stream=sys.stderr if to_stderr else None,
            log=effects.log(),
            now=in_team_time(now, settings),
        )
        cache_channels(notifier, docs.git_dir)
        yield Opened(docs, settings, notifier)
