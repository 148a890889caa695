"""`ceremonies serve/server/setup`: usage errors are exit code 2 with a message, before touching any server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ceremonies.cli import main
from ceremonies.cli.ops import _parse_parameters
from ceremonies.errors import UsageError
from ceremonies.tasks.repo_limit import repo_lock_name


def test_param_values_parse_as_json_or_text() -> None:
    assert _parse_parameters(["full=true", "branch=main", "n=3", 'tags=["a"]']) == {
        "full": True,
        "branch": "main",
        "n": 3,
        "tags": ["a"],
    }
    with pytest.raises(UsageError, match="KEY=VALUE"):
        _parse_parameters(["oops"])


def test_serve_unknown_deployment_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "-d", "no-such-deployment"]) == 2
    assert "no-such-deployment" in capsys.readouterr().err


def test_setup_rejects_unknown_time_zone(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "--timezone", "Mars/Olympus_Mons"]) == 2
    assert "Mars/Olympus_Mons" in capsys.readouterr().err


def test_setup_dry_run_reports_the_plan_without_a_server(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens there: must not be contacted
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-DRYRUN-secret-value")
    args = ["setup", "--dry-run", "--json", "--repo", "https://bot:pw@git.example.org/team/docs.git", "--channel", "C1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    payload = json.loads(out)
    assert payload["dry_run"] is True and payload["work_pool"] == ""  # serve needs no work pool
    assert payload["secret_block"] == "secret/ceremonies-slack-token"
    assert payload["variables"]["ceremonies_slack_channel"] == "C1"
    assert payload["concurrency_limits"] == [repo_lock_name("https://git.example.org/team/docs")]
    assert "xoxb-DRYRUN" not in out and "pw@" not in out


def test_unknown_flag_prints_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--no-such-flag"]) == 2
    assert "Usage" in capsys.readouterr().err


def test_direct_path_never_imports_prefect() -> None:
    """The CLI and the jobs it runs stay Prefect-free (fast start); only flows and ceremonies.tasks import Prefect."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "import ceremonies.cli, ceremonies.jobs.next_sprint, ceremonies.jobs.refresh_kb, ceremonies.jobs.remind\n"
        "print(sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_hook_install_writes_a_post_receive_hook_and_never_replaces_a_foreign_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ceremonies.tasks.events import DOCS_PUSHED, repo_resource_id
    from support.gitrepo import git

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # written into the hook, not contacted
    bare = tmp_path / "docs.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    url = "https://git.example.org/team/docs.git"
    assert main(["hook", "install", "--repo", str(bare), "--as", url, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    hook = bare / "hooks" / "post-receive"
    text = hook.read_text(encoding="utf-8")
    assert payload["resource_id"] == repo_resource_id(url) and payload["event"] == DOCS_PUSHED
    assert hook.stat().st_mode & 0o111 and DOCS_PUSHED in text and repo_resource_id(url) in text
    assert "http://127.0.0.1:9/api" in text and '"repo": "https://git.example.org/team/docs.git"' in text
    assert main(["hook", "install", "--repo", str(bare), "--as", url]) == 0  # ours: replaced

    hook.write_text("#!/bin/sh\necho the team's own hook\n", encoding="utf-8")
    assert main(["hook", "install", "--repo", str(bare)]) == 2
    assert "was not written by ceremonies" in capsys.readouterr().err
    assert hook.read_text(encoding="utf-8") == "#!/bin/sh\necho the team's own hook\n"
