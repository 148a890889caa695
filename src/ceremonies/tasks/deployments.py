"""The deployments of ``prefect.yaml`` as objects: read them, serve them, and prepare a Prefect server for them.

``prefect.yaml`` is the one source of truth: ``prefect deploy --all`` reads it for workers, and
:func:`serve_all` (``ceremonies serve``) reads the same file and serves every deployment from one process.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ceremonies.errors import ConfigError, Problem, UsageError
from ceremonies.resources import shipped_dir
from ceremonies.tasks.common import (
    CHANNEL_VARIABLE,
    SLACK_TOKEN_BLOCK,
    TIMEZONE_VARIABLE,
    WORK_POOL,
    ensure_repo_limit,
    redact,
    repo_lock_name,
)

DOCS_REPO_VARIABLE = "ceremonies_docs_repo"
DEFAULT_TIMEZONE = "Europe/Berlin"
_VARIABLE = re.compile(r"\{\{\s*prefect\.variables\.([\w-]+)\s*\}\}")
_ENV = re.compile(r"\{\{\s*\$(\w+)\s*\}\}")

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


def substitute(value: Any, variables: Callable[[str], Any], env: Mapping[str, str]) -> Any:
    """Return ``value`` with ``{{ prefect.variables.x }}`` and ``{{ $ENV }}`` placeholders filled in (recursively).

    A string that is exactly one variable placeholder takes the variable's value (any JSON type); a missing
    variable or environment variable becomes ``""``, as ``prefect deploy`` does.
    """
    if isinstance(value, dict):
        return {key: substitute(item, variables, env) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, variables, env) for item in value]
    if not isinstance(value, str):
        return value
    whole = _VARIABLE.fullmatch(value.strip())
    if whole:
        found = variables(whole.group(1))
        return "" if found is None else found
    value = _VARIABLE.sub(lambda m: str(variables(m.group(1)) or ""), value)
    return _ENV.sub(lambda m: env.get(m.group(1), ""), value)


def read_variable(name: str) -> Any:
    """Return the value of the Prefect Variable ``name`` from the configured API, or None."""
    from prefect.variables import Variable

    try:
        return Variable.get(name, default=None, _sync=True)  # type: ignore[call-overload]
    except Exception as exc:  # no server / no permission: treat as unset
        logger.warning("cannot read Prefect Variable %s: %s", name, exc)
        return None


def resolve_specs(
    specs: list[DeploymentSpec],
    variables: Callable[[str], Any] = read_variable,
    env: Mapping[str, str] | None = None,
    timezone: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> list[DeploymentSpec]:
    """Return ``specs`` with placeholders filled, schedules moved to ``timezone`` when given, ``parameters`` merged."""
    env = os.environ if env is None else env
    resolved = []
    for spec in specs:
        params = dict(substitute(dict(spec.parameters), variables, env))
        params.update(parameters or {})
        schedules = tuple(replace(schedule, timezone=timezone) if timezone else schedule for schedule in spec.schedules)
        resolved.append(replace(spec, parameters=params, schedules=schedules))
    return resolved


def load_flow(root: Path, spec: DeploymentSpec) -> Any:
    """Return the flow object of ``spec`` loaded from its file under ``root`` (by path, like a worker does)."""
    from prefect.flows import load_flow_from_entrypoint

    path = root / spec.flow_path
    if not path.is_file():
        raise UsageError(f"flow file {spec.flow_path!r} of deployment {spec.name!r} does not exist under {root}")
    return load_flow_from_entrypoint(f"{path}:{spec.flow_name}")


def to_runner_deployment(root: Path, spec: DeploymentSpec) -> Any:
    """Return the RunnerDeployment of ``spec`` (for ``prefect.serve``): same name, schedules, parameters, tags."""
    from prefect.schedules import Cron

    flow = load_flow(root, spec)
    parameters = {key: value for key, value in spec.parameters.items() if value != ""}
    return flow.to_deployment(
        name=spec.name,
        schedules=[Cron(s.cron, timezone=s.timezone, active=s.active) for s in spec.schedules],
        parameters=parameters,
        description=spec.description or None,
        tags=list(spec.tags),
        version=spec.version,
    )


def serve_all(
    root: Path | None = None,
    only: list[str] | None = None,
    timezone: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    limit: int | None = None,
    pause_on_shutdown: bool = False,
    poll_seconds: float | None = None,
) -> None:
    """Serve every deployment of ``prefect.yaml`` (or those named in ``only``) from this process until stopped.

    ``pause_on_shutdown`` is off by default: stopping ``serve`` would otherwise pause the schedules, and the
    next start would silently run nothing until someone resumes them in the UI. ``poll_seconds`` is how often
    the process looks for runs to start (Prefect's default 10 s is most of the Run-button latency).
    """
    root = root or project_root()
    specs = load_specs(root / "prefect.yaml")
    if only:
        unknown = sorted(set(only) - {spec.name for spec in specs})
        if unknown:
            raise UsageError(f"unknown deployment(s) {', '.join(unknown)}; prefect.yaml has {[s.name for s in specs]}")
        specs = [spec for spec in specs if spec.name in only]
    timezone = timezone or read_variable(TIMEZONE_VARIABLE) or None
    resolved = resolve_specs(specs, timezone=timezone, parameters=parameters)
    os.chdir(root)  # entrypoints are stored relative to the working directory of the serving process
    os.environ.setdefault("CEREMONIES_PROJECT_DIR", str(root))
    deployments = [to_runner_deployment(root, spec) for spec in resolved]
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
    repo: str | None, channel: str | None, timezone: str, token: str | None, work_pool: str
) -> SetupReport:
    """Return the SetupReport ``setup_server`` would produce, without contacting the server."""
    wanted = {TIMEZONE_VARIABLE: timezone, CHANNEL_VARIABLE: channel, DOCS_REPO_VARIABLE: repo}
    return SetupReport(
        work_pool=work_pool,
        secret_block=f"secret/{SLACK_TOKEN_BLOCK}" if token else None,
        variables={name: value for name, value in wanted.items() if value},
        concurrency_limits=[repo_lock_name(repo)] if repo else [],
    )


def setup_server(
    repo: str | None = None,
    channel: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    token: str | None = None,
    work_pool: str = WORK_POOL,
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

    report = SetupReport(work_pool=work_pool)
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
