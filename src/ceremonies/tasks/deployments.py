"""The deployments of ``prefect.yaml`` as objects: read them, serve them, and prepare a Prefect server for them.

``prefect.yaml`` is the one source of truth: ``prefect deploy --all`` reads it for workers, and
:func:`serve_all` (``ceremonies serve``) reads the same file and serves every deployment from one process.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ceremonies.errors import ConfigError, Problem, UsageError
from ceremonies.resources import shipped_dir
from ceremonies.tasks.common import (
    CHANNEL_VARIABLE,
    DOCS_REPO_VARIABLE,
    SLACK_TOKEN_BLOCK,
    TIMEZONE_VARIABLE,
    WORK_POOL,
    redact,
)
from ceremonies.tasks.repo_limit import ensure_repo_limit, repo_lock_name

DEFAULT_TIMEZONE = "Europe/Berlin"

logger = logging.getLogger("ceremonies.deployments")


@dataclass(frozen=True)
class ScheduleSpec:
    """One cron schedule of a deployment, with its IANA time zone."""

    cron: str
    timezone: str
    active: bool = True


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment of ``prefect.yaml``: name, ``path.py:function`` entrypoint, parameters, schedules, tags."""

    name: str
    entrypoint: str
    description: str = ""
    tags: tuple[str, ...] = ()
    version: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    schedules: tuple[ScheduleSpec, ...] = ()
    work_pool: str = WORK_POOL

    @property
    def flow_path(self) -> str:
        """Return the file part of the entrypoint (``flows/next_sprint.py``)."""
        return self.entrypoint.rsplit(":", 1)[0]

    @property
    def flow_name(self) -> str:
        """Return the function part of the entrypoint (``next_sprint``)."""
        return self.entrypoint.rsplit(":", 1)[1]


def project_root() -> Path:
    """Return the folder holding ``prefect.yaml`` and ``flows/``: CEREMONIES_PROJECT_DIR when set, else a checkout
    of ceremonies the working directory is in, else the copy shipped inside the installed package."""
    configured = os.environ.get("CEREMONIES_PROJECT_DIR")
    if configured:
        return Path(configured).resolve()
    for candidate in [Path.cwd(), *Path.cwd().parents]:
        if (candidate / "prefect.yaml").is_file() and (candidate / "flows").is_dir():
            return candidate
    shipped = shipped_dir()
    if (shipped / "prefect.yaml").is_file() and (shipped / "flows").is_dir():
        return shipped
    raise UsageError(f"cannot find prefect.yaml and flows/ (not in {shipped}); set CEREMONIES_PROJECT_DIR")


def load_specs(path: Path) -> list[DeploymentSpec]:
    """Return the deployments declared in the ``prefect.yaml`` at ``path``; raise ConfigError naming bad entries."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(path, [Problem("(file)", f"cannot read: {exc}")]) from exc
    problems: list[Problem] = []
    specs: list[DeploymentSpec] = []
    for index, entry in enumerate(raw.get("deployments") or []):
        where = f"deployments[{index}]"
        if not isinstance(entry, dict) or not entry.get("name") or ":" not in str(entry.get("entrypoint", "")):
            problems.append(Problem(where, "needs a name and an entrypoint 'path.py:function'"))
            continue
        schedules = []
        for schedule in entry.get("schedules") or []:
            if not isinstance(schedule, dict) or "cron" not in schedule:
                problems.append(Problem(f"{where}.schedules", f"only cron schedules are supported, got {schedule!r}"))
                continue
            timezone = str(schedule.get("timezone") or "UTC")
            schedules.append(ScheduleSpec(str(schedule["cron"]), timezone, bool(schedule.get("active", True))))
        pool = entry.get("work_pool") or {}
        specs.append(
            DeploymentSpec(
                name=str(entry["name"]),
                entrypoint=str(entry["entrypoint"]),
                description=str(entry.get("description") or ""),
                tags=tuple(str(tag) for tag in entry.get("tags") or ()),
                version=str(entry["version"]) if entry.get("version") is not None else None,
                parameters=dict(entry.get("parameters") or {}),
                schedules=tuple(schedules),
                work_pool=str(pool.get("name") or WORK_POOL) if isinstance(pool, dict) else WORK_POOL,
            )
        )
    if problems:
        raise ConfigError(path, problems)
    return specs


def read_variable(name: str) -> Any:
    """Return the value of the Prefect Variable ``name`` from the configured API, or None."""
    from prefect.variables import Variable

    try:
        return Variable.get(name, default=None, _sync=True)  # type: ignore[call-overload]
    except Exception as exc:  # no server / no permission: treat as unset
        logger.warning("cannot read Prefect Variable %s: %s", name, exc)
        return None


def deploy_configs(path: Path) -> list[dict[str, Any]]:
    """Return the deployments of the ``prefect.yaml`` at ``path`` exactly as ``prefect deploy`` reads them (its
    pydantic model of the file, anchors expanded, its defaults merged in); placeholders are not filled yet."""
    from prefect.cli.deploy._config import _load_deploy_configs_and_actions, _merge_with_default_deploy_config
    from rich.console import Console

    configs, _ = _load_deploy_configs_and_actions(path, console=Console(stderr=True))
    return [_merge_with_default_deploy_config(config) for config in configs]


async def resolve_config(config: Mapping[str, Any], env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return ``config`` with blocks, ``prefect.variables`` and ``$ENV`` placeholders filled in by the functions
    ``prefect deploy`` uses; ``triggers`` are kept as written (their ``{{ event.* }}`` templates render per event)."""
    from prefect.utilities.templating import apply_values, resolve_block_document_references, resolve_variables

    resolved = dict(config)
    triggers = resolved.pop("triggers", None) or []
    resolved = await resolve_block_document_references(resolved)
    resolved = await resolve_variables(resolved)
    filled: dict[str, Any] = apply_values(  # type: ignore[assignment]  # a dict in, a dict out
        resolved, dict(os.environ if env is None else env), remove_notset=False
    )
    filled["triggers"] = triggers
    return filled


def load_flow(root: Path, spec: DeploymentSpec) -> Any:
    """Return the flow object of ``spec`` loaded from its file under ``root`` (by path, like a worker does)."""
    from prefect.flows import load_flow_from_entrypoint

    path = root / spec.flow_path
    if not path.is_file():
        raise UsageError(f"flow file {spec.flow_path!r} of deployment {spec.name!r} does not exist under {root}")
    return load_flow_from_entrypoint(f"{path}:{spec.flow_name}")


def runner_deployment(
    root: Path,
    config: Mapping[str, Any],
    timezone: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    concurrency_limit: int | None = None,
) -> Any:
    """Return the RunnerDeployment (for ``prefect.serve``) of one resolved deployment config: the schedules, triggers
    and concurrency limit built by ``prefect deploy``'s own helpers, so they mean the same under serve and deploy.

    ``timezone`` replaces every schedule's time zone, ``parameters`` are merged over the file's, and
    ``concurrency_limit`` (0 = none) replaces the file's limit but keeps its collision strategy.
    """
    from prefect.cli.deploy._schedules import _schedule_config_to_deployment_schedule
    from prefect.cli.deploy._triggers import _initialize_deployment_triggers
    from prefect.client.schemas.objects import ConcurrencyLimitConfig

    spec = _spec_of(config)
    flow = load_flow(root, spec)
    schedules = [
        _schedule_config_to_deployment_schedule({**schedule, **({"timezone": timezone} if timezone else {})})
        for schedule in config.get("schedules") or []
    ]
    triggers = _initialize_deployment_triggers(spec.name, copy.deepcopy(list(config.get("triggers") or [])))
    limit: Any = config.get("concurrency_limit")
    if concurrency_limit is not None:
        limit = {**limit, "limit": concurrency_limit} if isinstance(limit, dict) else concurrency_limit
    if isinstance(limit, dict):
        limit = ConcurrencyLimitConfig(**limit) if limit.get("limit") else None
    merged = {**dict(config.get("parameters") or {}), **dict(parameters or {})}
    return flow.to_deployment(
        name=spec.name,
        schedules=schedules,
        triggers=triggers,
        concurrency_limit=limit or None,
        parameters={key: value for key, value in merged.items() if value != ""},
        description=spec.description or None,
        tags=list(spec.tags),
        version=spec.version,
    )


def _spec_of(config: Mapping[str, Any]) -> DeploymentSpec:
    """Return the DeploymentSpec view of one deployment config (name, entrypoint, tags, ...)."""
    if not config.get("name") or ":" not in str(config.get("entrypoint") or ""):
        raise UsageError(f"prefect.yaml: deployment {config.get('name')!r} needs a name and an entrypoint")
    return DeploymentSpec(
        name=str(config["name"]),
        entrypoint=str(config["entrypoint"]),
        description=str(config.get("description") or ""),
        tags=tuple(str(tag) for tag in config.get("tags") or ()),
        version=str(config["version"]) if config.get("version") is not None else None,
        parameters=dict(config.get("parameters") or {}),
    )


async def _resolved_configs(root: Path, only: list[str] | None) -> list[dict[str, Any]]:
    """Return the resolved deployment configs of ``prefect.yaml`` under ``root`` (those in ``only`` when given)."""
    configs = deploy_configs(root / "prefect.yaml")
    names = [str(config.get("name")) for config in configs]
    unknown = sorted(set(only or []) - set(names))
    if unknown:
        raise UsageError(f"unknown deployment(s) {', '.join(unknown)}; prefect.yaml has {names}")
    chosen = [config for config in configs if not only or config.get("name") in only]
    return [await resolve_config(config) for config in chosen]


def serve_all(
    root: Path | None = None,
    only: list[str] | None = None,
    timezone: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    limit: int | None = None,
    pause_on_shutdown: bool = False,
    poll_seconds: float | None = None,
    concurrency_limit: int | None = None,
) -> None:
    """Serve every deployment of ``prefect.yaml`` (or those named in ``only``) from this process until stopped.

    The file is read and its placeholders filled by ``prefect deploy``'s own code; schedules, event triggers and the
    per-deployment concurrency limit are passed on as they are (``concurrency_limit`` overrides the limit).
    ``pause_on_shutdown`` is off by default: stopping ``serve`` would otherwise pause the schedules, and the
    next start would silently run nothing until someone resumes them in the UI. ``poll_seconds`` is how often
    the process looks for runs to start (Prefect's default 10 s is most of the Run-button latency).
    """
    from prefect.utilities.asyncutils import run_coro_as_sync

    root = root or project_root()
    timezone = timezone or read_variable(TIMEZONE_VARIABLE) or None
    os.chdir(root)  # entrypoints are stored relative to the working directory of the serving process
    os.environ.setdefault("CEREMONIES_PROJECT_DIR", str(root))
    configs: list[dict[str, Any]] = run_coro_as_sync(_resolved_configs(root, only)) or []
    deployments = [runner_deployment(root, config, timezone, parameters, concurrency_limit) for config in configs]
    from prefect import serve

    extra: dict[str, Any] = {"query_seconds": poll_seconds} if poll_seconds else {}
    serve(*deployments, pause_on_shutdown=pause_on_shutdown, limit=limit, **extra)


@dataclass
class SetupReport:
    """What ``ceremonies setup`` created or updated (never the token itself)."""

    work_pool: str = ""
    secret_block: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    concurrency_limits: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data."""
        return {
            "work_pool": self.work_pool,
            "secret_block": self.secret_block,
            "variables": {name: redact(str(value)) for name, value in self.variables.items()},
            "concurrency_limits": self.concurrency_limits,
        }


def _planned_setup(
    repo: str | None, channel: str | None, timezone: str, token: str | None, work_pool: str | None
) -> SetupReport:
    """Return the SetupReport ``setup_server`` would produce, without contacting the server."""
    wanted = {TIMEZONE_VARIABLE: timezone, CHANNEL_VARIABLE: channel, DOCS_REPO_VARIABLE: repo}
    return SetupReport(
        work_pool=work_pool or "",
        secret_block=f"secret/{SLACK_TOKEN_BLOCK}" if token else None,
        variables={name: value for name, value in wanted.items() if value},
        concurrency_limits=[repo_lock_name(repo)] if repo else [],
    )


def setup_server(
    repo: str | None = None,
    channel: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    token: str | None = None,
    work_pool: str | None = None,
    dry_run: bool = False,
) -> SetupReport:
    """Create (idempotently) what the deployments expect on the configured Prefect server; return what was done
    (``dry_run``: what would be created or updated; the server is not contacted).

    The process work pool, the Secret block holding ``token`` (skipped when None), the Variables for docs repo,
    channel and time zone, and the one-slot global concurrency limit of ``repo`` (strict mode needs it to exist).
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"unknown time zone {timezone!r}") from exc
    if dry_run:
        return _planned_setup(repo, channel, timezone, token, work_pool)

    from prefect.blocks.system import Secret
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.variables import Variable
    from pydantic import SecretStr

    report = SetupReport(work_pool=work_pool or "")
    if work_pool:  # only for `prefect deploy` + workers: `serve` needs none (an unused pool shows red in the UI)
        with get_client(sync_client=True) as client, suppress(ObjectAlreadyExists):
            client.create_work_pool(WorkPoolCreate(name=work_pool, type="process"))
    if token:
        Secret(value=SecretStr(token)).save(SLACK_TOKEN_BLOCK, overwrite=True, _sync=True)  # type: ignore[call-arg]
        report.secret_block = f"secret/{SLACK_TOKEN_BLOCK}"
    wanted = {TIMEZONE_VARIABLE: timezone, CHANNEL_VARIABLE: channel, DOCS_REPO_VARIABLE: repo}
    for name, value in wanted.items():
        if value:
            Variable.set(name, value, overwrite=True, _sync=True)  # type: ignore[call-arg]
            report.variables[name] = value
    if repo:
        report.concurrency_limits.append(ensure_repo_limit(repo))
    return report
