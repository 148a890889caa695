"""Helpers shared by the end-to-end tests against a real Prefect server (tests/ops/test_e2e_*.py).

Everything here talks to a real server through Prefect's own client: runs are created with
``create_flow_run_from_deployment(id, parameters=...)`` — the call behind the UI's Run → Custom run form — and
checked by their stored state, logs and artifacts.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import sys
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ceremonies.tasks.deployments import DeploymentSpec, load_specs
from support.gitrepo import TeamRepo, git
from support.prefect_server import PrefectServer

ROOT = Path(__file__).resolve().parents[2]
CEREMONIES = str(Path(sys.executable).with_name("ceremonies"))
CHANNEL = "#team-e2e"
RUN_TIMEOUT = 240.0


def all_specs() -> list[DeploymentSpec]:
    """Return every deployment of prefect.yaml."""
    return load_specs(ROOT / "prefect.yaml")


def landed_deployments() -> list[str]:
    """Return the names of the deployments of prefect.yaml whose flow file exists in this checkout."""
    return [spec.name for spec in all_specs() if (ROOT / spec.flow_path).is_file()]


def require_deployment(name: str) -> None:
    """Skip the calling test while the flow file of deployment ``name`` has not landed yet."""
    if name not in landed_deployments():
        (spec,) = [s for s in all_specs() if s.name == name]
        pytest.skip(f"deployment {name!r}: {spec.flow_path} has not landed in this checkout yet")


def slack_emulator_available() -> bool:
    """Return True when the project's Slack Web API emulator (tests/support/slack.py) is importable."""
    return importlib.util.find_spec("support.slack") is not None


def require_slack_emulator() -> None:
    """Skip the calling test while support.slack.SlackEmulator has not landed yet."""
    if not slack_emulator_available():
        pytest.skip("support.slack (Slack Web API emulator) has not landed in this checkout yet")


def team_files(today: date, ends_in_days: int = 1) -> dict[str, str]:
    """Return our own small team docs repo built around ``today``: a sprint ending ``ends_in_days`` later (tomorrow:
    next-sprint is due), its retro, settings and one KB page.

    A sprint ending a week later has its review and retro ahead of ``today`` whatever day that is (weekends and
    holidays move them to the working day before, and no week in Germany is all days off).
    """
    start, end = today - timedelta(days=12), today + timedelta(days=ends_in_days)
    return {
        "ceremonies.toml": (
            '[sprint]\ncadence_days = 14\ntimezone = "Europe/Berlin"\ndue_within_days = 3\n\n'
            f'[slack]\nchannel = "{CHANNEL}"\n\n[reminders]\nhorizon_hours = 480\n'
        ),
        ".ai/sprint/SPR-001-iteration-template.md": (
            "---\ndocid: SPR-001\ntitle: Sprint 1\nowner: '@lead'\nstatus: active\n---\n"
            "# SPR-001: Sprint 1 Planning\n\n"
            f"Start Date: {start.isoformat()}\nEnd Date: {end.isoformat()}\n\n"
            "## Sprint Goals\n- Ship the login page\n\n"
            "## Scope\n"
            "- [x] WEB-1: Login form — @ana — 5 SP\n"
            "- [ ] WEB-2: Password reset mail — @ben — 3 SP\n"
            "- [x] WEB-3: Session timeout — @ana — 2 SP\n\n"
            "Planned Story Points: 10\n"
        ),
        ".ai/sprint/SPR-001-retrospective.md": (
            "---\ndocid: SPR-001-retro\ntitle: Sprint 1 retrospective\nowner: '@lead'\nstatus: done\n---\n"
            "# SPR-001 Retrospective\n\n## What went well\n- Pairing on the login form\n\n"
            "## What could be improved\n- Flaky end-to-end tests\n\n"
            "## Action items\n- [ ] Quarantine flaky tests — @qa — next sprint\n"
        ),
        ".ai/knowledgebase/onboarding.md": (
            "---\ndocid: KB-001\ntitle: Onboarding\nowner: '@lead'\nstatus: current\n---\n"
            "# Onboarding\n\nRead the sprint docs in `.ai/sprint/` first.\n"
        ),
    }


def api(server: PrefectServer) -> Any:
    """Return a settings context pointing this process's Prefect client at ``server``."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    return temporary_settings({PREFECT_API_URL: server.api_url, PREFECT_UI_URL: server.ui_url})


async def _deployment_ids(names: Iterable[str], timeout: float) -> dict[str, UUID]:
    from prefect.client.orchestration import get_client

    wanted = set(names)
    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while time.monotonic() < deadline:
            found = {d.name: d.id for d in await client.read_deployments() if d.name in wanted}
            if set(found) == wanted:
                return found
            await asyncio.sleep(0.5)
    raise AssertionError(f"the server has not got the deployments {sorted(wanted)} after {timeout:.0f}s")


def wait_for_deployments(names: Iterable[str], timeout: float = 120.0) -> dict[str, UUID]:
    """Return ``{name: id}`` of the deployments once the server has all of them."""
    return asyncio.run(_deployment_ids(names, timeout))


def read_deployment(deployment_id: UUID) -> Any:
    """Return the deployment as the server stores it."""
    from prefect.client.orchestration import get_client

    async def read() -> Any:
        async with get_client() as client:
            return await client.read_deployment(deployment_id)

    return asyncio.run(read())


def form_parameters(deployment_id: UUID, **values: Any) -> dict[str, Any]:
    """Return ``values`` restricted to the fields of the deployment's parameter form (its OpenAPI schema).

    Fails when a value the test relies on (``repo``) is not in the form.
    """
    schema = read_deployment(deployment_id).parameter_openapi_schema or {}
    fields = set(schema.get("properties", {}))
    assert "repo" in fields, f"the Run form has no 'repo' field: {sorted(fields)}"
    return {key: value for key, value in values.items() if key in fields}


async def trigger_and_wait(deployment_id: UUID, parameter_sets: list[dict[str, Any]]) -> list[Any]:
    """Create one run per parameter set at once (Run button), wait until all are final; return the final runs."""
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        runs = await asyncio.gather(
            *(client.create_flow_run_from_deployment(deployment_id, parameters=p) for p in parameter_sets)
        )
        deadline = time.monotonic() + RUN_TIMEOUT
        final: dict[UUID, Any] = {}
        while len(final) < len(runs):
            assert time.monotonic() < deadline, f"runs not finished after {RUN_TIMEOUT:.0f}s"
            for run in runs:
                if run.id not in final:
                    current = await client.read_flow_run(run.id)
                    if current.state is not None and current.state.is_final():
                        final[run.id] = current
            await asyncio.sleep(0.5)
        return [final[run.id] for run in runs]


def trigger(deployment_id: UUID, parameter_sets: list[dict[str, Any]]) -> list[Any]:
    """Trigger the deployment once per parameter set, like the UI; return the finished flow runs."""
    return asyncio.run(trigger_and_wait(deployment_id, parameter_sets))


def artifacts_of(run_id: UUID) -> list[Any]:
    """Return the artifacts attached to the flow run (and its task runs)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async def read() -> list[Any]:
        async with get_client() as client:
            only_run = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
            return list(await client.read_artifacts(artifact_filter=only_run))

    return asyncio.run(read())


def logs_of(run_id: UUID) -> list[Any]:
    """Return the stored log lines of the flow run (and its task runs), oldest first."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    async def read() -> list[Any]:
        async with get_client() as client:
            return list(await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))))

    return asyncio.run(read())


def remote_log(team: TeamRepo) -> list[str]:
    """Return ``sha subject`` of every commit on the remote's main, newest first."""
    return git(team.remote, "log", "--format=%H %s", "main").splitlines()


def remote_files_of_last_commit(team: TeamRepo) -> list[str]:
    """Return the paths the newest commit on the remote's main touched."""
    return git(team.remote, "show", "--name-only", "--format=", "main").split()


def assert_completed(runs: list[Any], log_path: Path) -> None:
    """Fail with the run's state message and the executing process's log tail unless every run Completed."""
    for run in runs:
        assert run.state.is_completed(), (
            f"{run.name}: {run.state.type} {run.state.message}\n--- process log ---\n"
            + log_path.read_text(errors="replace")[-4000:]
        )


def completed_or_cancelled(runs: list[Any], log_path: Path) -> list[Any]:
    """Return the Completed runs of runs started at once on a deployment limited to one run (CANCEL_NEW): at least
    one Completed, the others Completed (they started after it) or Cancelled; fail otherwise."""
    done = [run for run in runs if run.state.is_completed()]
    assert done, "no run Completed"
    others = [run for run in runs if not run.state.is_completed()]
    shown = [f"{run.name}: {run.state.type} {run.state.message}" for run in others]
    assert all(run.state.is_cancelled() for run in others), shown
    assert_completed(done, log_path)
    return done


def lock_spans(run_id: UUID, lock: str) -> tuple[datetime, datetime]:
    """Return when the run started and stopped holding the repo lock ``lock``, from its stored logs.

    Both lines are logged while the run holds the lock, so spans of runs that took turns never overlap.
    """
    held = released = None
    for line in logs_of(run_id):
        if f"Holding repo lock {lock}" in line.message:
            held = line.timestamp
        if f"Releasing repo lock {lock}" in line.message:  # logged while still holding it
            released = line.timestamp
    assert held and released, f"run {run_id} has no repo lock log lines"
    return held, released


def assert_never_held_together(run_ids: list[UUID], lock: str) -> None:
    """Fail when two of the runs held the repo lock ``lock`` at overlapping times."""
    spans = sorted(lock_spans(run_id, lock) for run_id in run_ids)
    for (_, released), (held, _) in itertools.pairwise(spans):
        assert held >= released, f"two runs held {lock} at the same time: {spans}"
