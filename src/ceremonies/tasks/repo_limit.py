"""The per-repo lock of the flows: a one-slot Prefect global concurrency limit per docs repo, so runs on one repo
(any spelling of it, on any worker) take turns; a second run waits at most ``CEREMONIES_LOCK_WAIT_SECONDS``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.asyncio import concurrency as async_concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from ceremonies.adapters.git import check_repo_spec
from ceremonies.adapters.repolock import WAIT_ENV, wait_seconds_default
from ceremonies.errors import LockTimeoutError
from ceremonies.redaction import redact, without_userinfo
from ceremonies.tasks.common import run_logger


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


@asynccontextmanager
async def arepo_lock(repo: str, timeout_seconds: float | None = None, create: bool = True) -> AsyncIterator[str]:
    """Hold the per-repo global concurrency limit (created unless ``create`` is false) for an async flow; yields
    the limit name."""
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
