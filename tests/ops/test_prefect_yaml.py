"""prefect.yaml: entrypoints import, parameters validate against each flow, schedules match the documented snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import require_deployment

from ceremonies.tasks.common import notify_failure
from ceremonies.tasks.deployments import DeploymentSpec, load_flow, load_specs, resolve_specs, substitute

ROOT = Path(__file__).resolve().parents[2]

# The same table is in docs/operations.md ("Schedules"); change both together.
SCHEDULE_SNAPSHOT = {
    "next-sprint": ("flows/next_sprint.py:next_sprint", "0 6 * * *", "Europe/Berlin"),
    "refresh-kb": ("flows/refresh_kb.py:refresh_kb", "*/15 * * * *", "Europe/Berlin"),
    "remind": ("flows/remind.py:remind", "*/30 * * * *", "Europe/Berlin"),
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
    assert all(spec.schedules[0].active for spec in specs)


def test_every_deployment_runs_on_the_process_pool_with_tags(specs: list[DeploymentSpec]) -> None:
    for spec in specs:
        assert spec.work_pool == "ceremonies-pool"
        assert "ceremonies" in spec.tags and spec.name in spec.tags
        assert spec.description


def test_operations_doc_states_the_same_schedules() -> None:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for name, (_, cron, timezone) in SCHEDULE_SNAPSHOT.items():
        assert f"| {name} | `{cron}` | {timezone} |" in text, f"docs/operations.md lacks the schedule row of {name}"


@pytest.mark.parametrize("name", sorted(SCHEDULE_SNAPSHOT))
def test_entrypoint_imports_and_parameters_validate(specs: list[DeploymentSpec], name: str, tmp_path: Path) -> None:
    require_deployment(name)
    variables = {"ceremonies_docs_repo": str(tmp_path)}
    (spec,) = resolve_specs([s for s in specs if s.name == name], variables=variables.get, env={})
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


def test_substitute_fills_variables_and_env_like_prefect_deploy() -> None:
    values = {"ceremonies_docs_repo": "https://git.example.com/docs.git", "n": 3}
    template = {
        "repo": "{{ prefect.variables.ceremonies_docs_repo }}",
        "n": "{{ prefect.variables.n }}",
        "dir": "{{ $HOME_DIR }}/x",
        "missing": "{{ prefect.variables.nope }}",
        "keep": ["a", 1],
    }
    assert substitute(template, values.get, {"HOME_DIR": "/h"}) == {
        "repo": "https://git.example.com/docs.git",
        "n": 3,
        "dir": "/h/x",
        "missing": "",
        "keep": ["a", 1],
    }


def test_resolve_specs_moves_schedules_to_another_time_zone(specs: list[DeploymentSpec]) -> None:
    resolved = resolve_specs(
        specs, variables=lambda _: None, env={}, timezone="America/New_York", parameters={"branch": "trunk"}
    )
    assert {s.timezone for spec in resolved for s in spec.schedules} == {"America/New_York"}
    assert all(spec.parameters["branch"] == "trunk" for spec in resolved)
