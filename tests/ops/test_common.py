"""ceremonies.tasks.common: redaction, artifact keys, repo lock names, the repo lock and the failure hook."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.concurrency._asyncio import ConcurrencySlotAcquisitionError
from prefect.logging import get_logger

from ceremonies.tasks import common, failure, repo_limit
from polling import poll_until
from support.gitrepo import git

TOKEN = "xoxb-1234567890-abcdefABCDEF"


def test_redact_masks_slack_tokens_env_token_and_url_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "plain-secret-value-42")
    text = f"token {TOKEN} env plain-secret-value-42 url https://bot:hunter2@git.example.com/team/docs.git"
    cleaned = common.redact(text)
    assert TOKEN not in cleaned
    assert "plain-secret-value-42" not in cleaned
    assert "hunter2" not in cleaned
    assert "https://***@git.example.com/team/docs.git" in cleaned


def test_redact_parameters_masks_secret_keys_and_values() -> None:
    params = {"repo": "https://x:y@host/r.git", "slack_token": "abc", "nested": {"api_key": "k", "n": 1}, "dry": False}
    cleaned = common.redact_parameters(params)
    assert cleaned == {
        "repo": "https://***@host/r.git",
        "slack_token": "***",
        "nested": {"api_key": "***", "n": 1},
        "dry": False,
    }


def test_redacting_filter_rewrites_messages_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(common.RedactingFilter())
    logger = logging.getLogger("ceremonies.test.redaction")
    logger.addHandler(handler)
    try:
        logger.warning("posting with %s", TOKEN)
        try:
            raise RuntimeError(f"bad auth {TOKEN}")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert TOKEN not in output
    assert output.count(common.REDACTED) >= 2


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("SPR-013 plan", "spr-013-plan"),
        ("kb/changes", "kb-changes"),
        ("__", "ceremonies"),
        ("Reminders_SPR_9", "reminders-spr-9"),
    ],
)
def test_artifact_key_is_lowercase_digits_dashes(key: str, expected: str) -> None:
    assert common.artifact_key(key) == expected


def test_repo_lock_name_is_stable_across_spellings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "Team Docs"
    repo.mkdir()
    monkeypatch.chdir(tmp_path)
    name_of = repo_limit.repo_lock_name
    local = {name_of(str(repo)), name_of("Team Docs"), name_of(f"{repo}/")}
    assert len(local) == 1
    name = local.pop()
    assert name.startswith("ceremonies-repo-team-docs-")
    urls = {
        repo_limit.repo_lock_name("https://github.com/acme/docs.git"),
        repo_limit.repo_lock_name("https://bot:tok@GitHub.com/acme/docs/"),
        repo_limit.repo_lock_name("https://github.com/acme/docs"),
    }
    assert len(urls) == 1
    assert repo_limit.repo_lock_name("https://github.com/other/docs") not in urls


def test_failure_message_names_run_masks_secrets_and_links_ui(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_UI_URL, temporary_settings

    with temporary_settings({PREFECT_UI_URL: "http://127.0.0.1:4999"}):
        message = failure.failure_message(
            "next-sprint", "brave-otter", "abc-123", {"repo": "https://u:p@h/r", "token": TOKEN}, f"<!here> {TOKEN}"
        )
    text = message.text + json.dumps(message.blocks)
    assert "brave-otter" in text and "next-sprint" in text
    [button] = message.blocks[-2]["elements"]
    assert button["url"] == "http://127.0.0.1:4999/runs/flow-run/abc-123"
    assert TOKEN not in text and ":p@" not in text
    assert "<!here>" not in text and "&lt;!here&gt;" in text


# --- against Prefect's test server -----------------------------------------------------------------------------


def _poll_logs(run_id: str, needle: str) -> list[str]:
    """Return the stored log messages of the flow run once one contains ``needle``.

    The API log handler sends batches from a background thread on a timer; each look first drains what is queued
    (``APILogWorker.drain_all``: under faketime or on a busy machine that timer is no clock to rely on), then reads.
    """
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    async def read_logs() -> list[str]:
        async with get_client() as client:
            logs = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
            return [log.message for log in logs]

    def drain_and_read() -> list[str]:
        APILogWorker.drain_all(timeout=10)
        return asyncio.run(read_logs())

    return poll_until(
        drain_and_read,
        lambda messages: any(needle in m for m in messages),
        timeout=60,
        interval=0.2,
        what=f"a log line with {needle!r} of flow run {run_id}",
    )


@pytest.mark.usefixtures("prefect_harness")
def test_repo_lock_serialises_two_runs_on_one_repo(tmp_path: Path) -> None:
    repo = str(git_repo(tmp_path / "docs"))
    spans: list[tuple[float, float]] = []

    @flow(name="lock-probe")
    async def probe() -> None:
        async with repo_limit.arepo_lock(repo):
            start = time.monotonic()
            await asyncio.sleep(0.5)
            spans.append((start, time.monotonic()))

    async def both() -> None:
        await asyncio.gather(probe(), probe())

    asyncio.run(both())
    (_, first_end), (second_start, _) = sorted(spans)
    assert second_start >= first_end, "the second run entered the repo lock before the first left it"


@pytest.mark.usefixtures("prefect_harness")
def test_repo_lock_creates_limit_and_missing_limit_is_strict(tmp_path: Path) -> None:
    repo = str(git_repo(tmp_path / "docs"))

    async def hold() -> str:
        async with repo_limit.arepo_lock(repo) as name:
            return name

    name = asyncio.run(hold())
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(name).limit == 1

    async def hold_missing() -> None:
        async with repo_limit.arepo_lock(str(git_repo(tmp_path / "never")), create=False):
            pass

    with pytest.raises(ConcurrencySlotAcquisitionError):
        asyncio.run(hold_missing())


@pytest.mark.usefixtures("prefect_harness")
def test_flow_run_logs_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)

    @flow(name="leaky", log_prints=True)
    async def leaky() -> str:
        from prefect.logging import get_run_logger

        get_run_logger().info("using token %s", TOKEN)
        print(f"printed {TOKEN}")
        from prefect.context import get_run_context

        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]

    run_id = asyncio.run(leaky())

    messages = _poll_logs(run_id, "using token")
    assert any("using token" in m for m in messages)
    assert all(TOKEN not in m for m in messages)


@pytest.mark.usefixtures("prefect_harness")
def test_adapter_logs_reach_the_flow_run_logs_redacted_and_are_quiet_outside_runs() -> None:
    git_log = logging.getLogger("ceremonies.adapters.git")

    @flow(name="adapter-logs")
    async def commits() -> str:
        git_log.info("committed abc123 as bot: .ai/sprint/SPR-002.md (token %s)", TOKEN)
        from prefect.context import get_run_context

        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]

    run_id = asyncio.run(commits())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Prefect's API handler would warn "without a flow run id"
        git_log.info("outside any run")

    messages = _poll_logs(run_id, "committed abc123")
    committed = [m for m in messages if "committed abc123" in m]
    assert len(committed) == 1, messages
    assert TOKEN not in committed[0]
    assert not any("outside any run" in m for m in messages)


@pytest.mark.usefixtures("prefect_harness")
def test_notify_failure_hook_reports_failed_run() -> None:
    seen: list[Any] = []
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    def hook(flow_: Any, flow_run: Any, state: Any) -> None:
        seen.append(flow_run.name)
        failure.notify_failure(flow_, flow_run, state)

    @flow(name="doomed", on_failure=[hook])
    async def doomed(repo: str = "https://bot:pw@example.invalid/docs.git") -> None:
        raise RuntimeError("it broke")

    failure_log = get_logger("ceremonies.failure")
    keep = Keep()
    failure_log.addHandler(keep)  # type: ignore[union-attr]
    try:
        asyncio.run(doomed(return_state=True))
    finally:
        failure_log.removeHandler(keep)  # type: ignore[union-attr]
    out = "\n".join(records)
    assert seen and seen[0] in out
    assert "Flow run *" + seen[0] + "* of `doomed` failed." in out, "the notice as a reader sees it"
    assert "doomed" in out and "it broke" in out and f"{seen[0]}: " in out and "Delivery(" not in out
    assert ":pw@" not in out


@pytest.mark.usefixtures("prefect_harness")
def test_publish_markdown_attaches_redacted_artifact_from_sync_and_async_flows() -> None:
    @flow(name="artifact-sync")
    def sync_flow() -> str:
        common.publish_markdown("SPR_013 Plan", f"# Plan\n\ntoken {TOKEN}", "the plan")
        from prefect.context import get_run_context

        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]

    @flow(name="artifact-async")
    async def async_flow() -> str:
        await common.apublish_markdown("kb/changes", "- page A", None)
        from prefect.context import get_run_context

        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]

    sync_id = sync_flow()
    async_id = asyncio.run(async_flow())

    async def read(run_id: str) -> list[Any]:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

        async with get_client() as client:
            only = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
            return list(await client.read_artifacts(artifact_filter=only))

    (plan,) = asyncio.run(read(sync_id))
    assert plan.key == "spr-013-plan" and plan.type == "markdown"
    assert TOKEN not in str(plan.data) and common.REDACTED in str(plan.data)
    (changes,) = asyncio.run(read(async_id))
    assert changes.key == "kb-changes"


def git_repo(path: Path) -> Path:
    """Return ``path`` made an empty git work tree (the repo lock checks that the repo exists before locking)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    return path


def test_task_run_noise_is_dropped_and_failures_stay() -> None:
    quiet = common.QuietTaskRuns()

    def record(level: int, msg: str) -> logging.LogRecord:
        return logging.LogRecord("prefect.task_runs", level, __file__, 1, msg, None, None)

    assert not quiet.filter(record(logging.INFO, "Finished in state Completed()"))
    assert quiet.filter(record(logging.ERROR, "Finished in state Failed('Task run encountered an exception')"))
    assert quiet.filter(record(logging.INFO, "Sprint history: 12 plan(s)"))
    assert any(isinstance(f, common.QuietTaskRuns) for f in logging.getLogger("prefect.task_runs").filters)


def test_log_lines_show_team_time_to_the_minute() -> None:
    from datetime import UTC, datetime

    from ceremonies.config import Settings

    shown = common.team_time(datetime(2026, 11, 28, 15, 28, 46, 772315, tzinfo=UTC), Settings())
    assert shown == "2026-11-28 16:28 CET"


def test_our_errors_are_logged_without_a_traceback_others_keep_theirs() -> None:
    from ceremonies.errors import GitError

    strip = common.NoTracebackForOurErrors()
    for error, kept in ((GitError("no such repository path", path="/x"), False), (ValueError("bug"), True)):
        try:
            raise error
        except Exception:
            import sys

            record = logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
        assert strip.filter(record)
        assert (record.exc_info is not None) == kept
