"""The worker path of docs/operations.md against a server started by `ceremonies server`.

`ceremonies server --port X` (temp PREFECT_HOME; its UI must call port X, not 4200) → `ceremonies setup` (work pool,
Variables, repo lock) → `prefect --no-prompt deploy --all` from the checkout → `prefect worker start --pool
ceremonies-pool` → a run triggered like the UI's Run button. Checks what the server stored for each deployment
(schedule, time zone, parameters and their form, pool, pull step) and the run's effect on the remote.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from e2e_support import (
    CEREMONIES,
    ROOT,
    all_specs,
    api,
    artifacts_of,
    assert_completed,
    landed_deployments,
    read_deployment,
    remote_files_of_last_commit,
    remote_log,
    team_files,
    trigger,
    wait_for_deployments,
)
from test_prefect_yaml import SCHEDULE_SNAPSHOT

from support.gitrepo import make_team_repo
from support.prefect_server import (
    PrefectServer,
    free_port,
    prefect_executable,
    server_settings,
    stop_process_group,
    wait_healthy,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ceremonies_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """Yield a server started with `ceremonies server` (scheduler off: the test sees only the runs it triggers)."""
    home = tmp_path_factory.mktemp("workers") / "prefect-home"
    port = free_port()
    outer = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "SLACK_BOT_TOKEN"}
    env = {**outer, "PREFECT_HOME": str(home), "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"}
    log_path = home.parent / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [CEREMONIES, "server", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        client_env = {**outer, **server_settings(port, home)}
        wait_healthy(client_env["PREFECT_API_URL"], 180, process)
        yield PrefectServer(
            client_env["PREFECT_API_URL"], client_env["PREFECT_UI_URL"], home, client_env, process, log_path
        )
    finally:
        stop_process_group(process)


def test_ceremonies_server_ui_calls_its_own_port(ceremonies_server: PrefectServer) -> None:
    """The trap: `prefect server start --port X` serves a UI that calls port 4200; `ceremonies server` does not."""
    with urllib.request.urlopen(f"{ceremonies_server.ui_url}/ui-settings", timeout=10) as response:
        settings = json.loads(response.read())
    assert settings["api_url"] == ceremonies_server.api_url
    assert (ceremonies_server.home / "prefect.db").is_file(), "the server does not keep its SQLite db in PREFECT_HOME"


WORK_POOL_ARGS = ("--work-pool", "ceremonies-pool")
"""Workers need the process work pool; setup makes it only when asked (serve needs none)."""


def test_prefect_deploy_all_and_a_process_worker_run(
    ceremonies_server: PrefectServer, tmp_path: Path, today: date
) -> None:
    server = ceremonies_server
    team = make_team_repo(tmp_path / "team", team_files(today))
    env = {**server.env, "CEREMONIES_PROJECT_DIR": str(ROOT)}
    setup = subprocess.run(
        [CEREMONIES, "setup", "--repo", str(team.work), "--timezone", "Europe/Berlin", *WORK_POOL_ARGS],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert setup.returncode == 0, setup.stderr
    landed = landed_deployments()
    # `--all` once every flow of prefect.yaml exists; until then only the landed ones (by name)
    which = ["--all"] if len(landed) == len(all_specs()) else [arg for name in landed for arg in ("--name", name)]
    deploy = subprocess.run(
        [prefect_executable(), "--no-prompt", "deploy", *which],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert deploy.returncode == 0, f"prefect deploy failed:\n{deploy.stdout[-3000:]}\n{deploy.stderr[-3000:]}"

    with api(server):
        ids = wait_for_deployments(landed, timeout=30)
        for name in [name for name in landed if name in SCHEDULE_SNAPSHOT]:  # notify-failure: triggers, no schedule
            entrypoint, cron, timezone = SCHEDULE_SNAPSHOT[name]
            stored = read_deployment(ids[name])
            assert stored.entrypoint == entrypoint
            assert stored.work_pool_name == "ceremonies-pool"
            assert stored.parameters["repo"] == str(team.work), "repo did not come from the Variable"
            (schedule,) = stored.schedules
            assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (cron, timezone, True)
            assert stored.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}]
            form = stored.parameter_openapi_schema["properties"]
            assert all(field.get("description") for field in form.values()), f"{name}: form fields lack help"

        worker_log = tmp_path / "worker.log"
        with worker_log.open("wb") as log:
            worker = subprocess.Popen(
                [prefect_executable(), "worker", "start", "--pool", "ceremonies-pool", "--type", "process"],
                env={**env, "PREFECT_WORKER_QUERY_SECONDS": "1"},
                cwd=tmp_path,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            before = remote_log(team)
            (run,) = trigger(ids["refresh-kb"], [{"full": True}])  # repo: the deployment's default
            assert_completed([run], worker_log)
            assert artifacts_of(run.id)
            # the command line of docs/operations.md: flow name/deployment name, JSON-parsed -p values
            by_cli = subprocess.run(
                [prefect_executable(), "deployment", "run", "refresh-kb/refresh-kb", "-p", "dry_run=true", "--watch"],
                env=env,
                capture_output=True,
                text=True,
                timeout=240,
            )
            assert by_cli.returncode == 0, f"{by_cli.stdout[-2000:]}\n{by_cli.stderr[-2000:]}"
            assert "COMPLETED" in by_cli.stdout.upper()
        finally:
            stop_process_group(worker)
    assert len(remote_log(team)) == len(before) + 1, "the dry run (or a second run) pushed a commit"
    assert all(f.startswith(".ai/knowledgebase/") for f in remote_files_of_last_commit(team))
