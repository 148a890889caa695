"""prefect.yaml: entrypoints import, parameters validate against each flow, schedules match the documented snapshot."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from e2e_support import require_deployment

from ceremonies.tasks.deployments import (
    DeploymentSpec,
    deploy_configs,
    load_flow,
    load_specs,
    resolve_config,
    runner_deployment,
)
from ceremonies.tasks.failure import notify_failure

ROOT = Path(__file__).resolve().parents[2]

# The same table is in docs/operations.md ("Schedules"); change both together.
SCHEDULE_SNAPSHOT = {
    "next-sprint": ("flows/next_sprint.py:next_sprint", "0 6 * * *", "Europe/Berlin"),
    "refresh-kb": ("flows/refresh_kb.py:refresh_kb", "7 * * * *", "Europe/Berlin"),
    "remind": ("flows/remind.py:remind", "17 * * * *", "Europe/Berlin"),
}


@pytest.fixture(scope="module")
def specs() -> list[DeploymentSpec]:
    return load_specs(ROOT / "prefect.yaml")


def test_deployments_schedules_and_time_zones_match_snapshot(specs: list[DeploymentSpec]) -> None:
    found = {
        spec.name: (spec.entrypoint, spec.schedules[0].cron, spec.schedules[0].timezone)
        for spec in specs
        if len(spec.schedules) == 1
    }
    assert found == SCHEDULE_SNAPSHOT
    assert all(schedule.active for spec in specs for schedule in spec.schedules)


def test_every_deployment_runs_on_the_process_pool_with_tags(specs: list[DeploymentSpec]) -> None:
    for spec in specs:
        assert spec.work_pool == "ceremonies-pool"
        assert spec.name in spec.tags
        # notify-failure must not carry the tag its own failure Automation matches (it would trigger itself)
        assert ("ceremonies" in spec.tags) == (spec.name != "notify-failure")
        assert spec.description


def test_operations_doc_states_the_same_schedules() -> None:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for name, (_, cron, timezone) in SCHEDULE_SNAPSHOT.items():
        assert f"| {name} | `{cron}` | {timezone} |" in text, f"docs/operations.md lacks the schedule row of {name}"


@pytest.mark.parametrize("name", sorted(SCHEDULE_SNAPSHOT))
def test_entrypoint_imports_and_parameters_validate(specs: list[DeploymentSpec], name: str, tmp_path: Path) -> None:
    require_deployment(name)
    (spec,) = [s for s in specs if s.name == name]
    spec = replace(spec, parameters={**spec.parameters, "repo": str(tmp_path)})
    flow = load_flow(ROOT, spec)
    assert callable(flow.fn)
    validated = flow.validate_parameters(dict(spec.parameters))
    assert validated["repo"] == str(tmp_path)
    schema = flow.parameters.model_dump()
    assert "repo" in schema["required"] or "repo" in schema["properties"]
    for parameter, description in schema["properties"].items():
        assert (
            description.get("type") or description.get("anyOf") or description.get("$ref") or description.get("allOf")
        ), f"{name}: parameter {parameter!r} has no type for the UI form"
        assert description.get("description"), f"{name}: parameter {parameter!r} has no description for the UI form"


@pytest.mark.parametrize("name", sorted(SCHEDULE_SNAPSHOT))
def test_flow_is_named_like_its_deployment_and_reports_failures(specs: list[DeploymentSpec], name: str) -> None:
    """`prefect deployment run '<name>/<name>'` (docs) needs flow name == deployment name; failures go to Slack."""
    require_deployment(name)
    (spec,) = [s for s in specs if s.name == name]
    flow = load_flow(ROOT, spec)
    assert flow.name == name
    assert notify_failure in flow.on_failure_hooks
    with pytest.raises(Exception, match="repo"):
        flow.validate_parameters({"branch": "main"})  # the docs repo is required: the form marks it so


def configs_by_name() -> dict[str, dict[str, Any]]:
    """Return prefect.yaml's deployment configs as ``prefect deploy`` reads them, by name."""
    return {str(config["name"]): config for config in deploy_configs(ROOT / "prefect.yaml")}


@pytest.mark.usefixtures("prefect_harness")
def test_placeholders_are_filled_by_prefect_deploys_own_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.variables import Variable

    Variable.set("ceremonies_docs_repo", "https://git.example.com/docs.git", overwrite=True, _sync=True)  # type: ignore[call-arg]
    monkeypatch.setenv("HOME_DIR", "/h")
    config = {
        "name": "x",
        "parameters": {"repo": "{{ prefect.variables.ceremonies_docs_repo }}", "dir": "{{ $HOME_DIR }}/x"},
        "triggers": [{"parameters": {"repo": "{{ event.payload.repo }}"}}],
    }
    resolved = asyncio.run(resolve_config(config))
    assert resolved["parameters"] == {"repo": "https://git.example.com/docs.git", "dir": "/h/x"}
    assert resolved["triggers"] == [{"parameters": {"repo": "{{ event.payload.repo }}"}}]  # rendered per event


def test_serve_passes_schedules_triggers_and_concurrency_on_like_deploy() -> None:
    configs = configs_by_name()
    kb = runner_deployment(ROOT, configs["refresh-kb"], timezone="America/New_York", parameters={"repo": "/r"})
    assert kb.concurrency_limit == 1 and kb.concurrency_options.collision_strategy == "CANCEL_NEW"
    assert [s.schedule.timezone for s in kb.schedules] == ["America/New_York"]
    (trigger,) = kb.triggers
    assert trigger.expect == {"ceremonies.docs.pushed"}
    assert trigger.parameters == {"repo": "{{ event.payload.repo }}", "branch": "{{ event.payload.branch }}"}
    assert kb.parameters["repo"] == "/r"
    remind = runner_deployment(ROOT, configs["remind"], concurrency_limit=0)
    assert {e for t in remind.triggers for e in t.expect} == {"ceremonies.sprint.planned"}
    assert not remind.concurrency_limit
