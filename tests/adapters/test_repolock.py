"""The repo lock: one run per work tree, bounded wait, released when the holder dies (even by SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ceremonies.adapters.repolock import current_holder, lock_path, repo_lock
from ceremonies.errors import RepoBusyError

HOLD = """
import sys, time
from pathlib import Path
from ceremonies.adapters.repolock import repo_lock
with repo_lock(sys.argv[1], job="refresh-kb", wait_seconds=0):
    Path(sys.argv[2]).touch()
    time.sleep(600)
"""


def _holder_process(git_dir: Path, ready: Path) -> subprocess.Popen[bytes]:
    """Start a process that takes the lock, touches ``ready`` and sleeps; return it once it holds the lock."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(git_dir), str(ready)])
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert proc.poll() is None, "the holder process died"
        assert time.monotonic() < deadline, "the holder never took the lock"
        time.sleep(0.02)
    return proc


def test_a_second_run_waits_bounded_then_names_the_holder(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    proc = _holder_process(git_dir, tmp_path / "ready")
    try:
        holder = current_holder(git_dir)
        assert holder is not None and holder.job == "refresh-kb" and holder.pid == proc.pid
        with pytest.raises(RepoBusyError) as caught, repo_lock(git_dir, job="next-sprint", wait_seconds=0.3,
                                                               repo="/docs"):
            pass
        error = caught.value
        assert error.exit_code == 0
        assert error.waited >= 0.3
        assert str(error).startswith("another run is in progress: refresh-kb (pid ")
        assert f"holds /docs since {holder.since_text()}" in str(error)
    finally:
        proc.kill()
        proc.wait()


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    proc = _holder_process(git_dir, tmp_path / "ready")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with repo_lock(git_dir, job="next-sprint", wait_seconds=30) as me:
        assert me.job == "next-sprint" and me.pid == os.getpid()
        assert current_holder(git_dir) == me
    assert current_holder(git_dir) is None
    assert lock_path(git_dir).read_bytes() == b"", "the released lock still names a holder"


def test_a_waiting_run_gets_the_lock_when_the_holder_finishes(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    proc = _holder_process(git_dir, tmp_path / "ready")
    killer = subprocess.Popen([sys.executable, "-c", f"import os,time,signal; time.sleep(0.3); "
                                                     f"os.kill({proc.pid}, signal.SIGTERM)"])
    try:
        with repo_lock(git_dir, job="remind", wait_seconds=60) as me:
            assert me.job == "remind"
    finally:
        killer.wait()
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("command", [["refresh-kb", "--now", "2026-05-27T12:00:00+02:00"],
                                     ["next-sprint", "--today", "2026-05-27"],
                                     ["remind", "--now", "2026-05-27T12:00:00+02:00"]])
def test_a_writing_command_that_cannot_get_the_lock_exits_0_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    from ceremonies.cli import main
    from support.gitrepo import make_team_repo

    team = make_team_repo(tmp_path / "team", {"README.md": "# docs\n"}, date="2026-05-20T10:00:00+02:00")
    proc = _holder_process(team.work / ".git", tmp_path / "ready")
    try:
        code = main([*command, "--repo", str(team.work), "--lock-wait", "0.2", "--json"])
    finally:
        proc.kill()
        proc.wait()
    out = capsys.readouterr().out
    assert code == 0, out
    payload = json.loads(out)
    assert payload["status"] == "busy" and payload["committed"] is False
    assert payload["message"].startswith("another run is in progress: refresh-kb (pid ")
    assert payload["holder"]["pid"] == proc.pid
