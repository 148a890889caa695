"""The nine-level YAML alias bomb (~0.5 KB expanding to 387 million values) in a sprint doc and in a KB page:
``check`` and ``refresh-kb`` refuse it with file:line, and the process stays small. Time and peak RSS are measured
in a child process and printed (speed goals live in bench/, so time is reported, not asserted)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_support import CAMPAIGN_LINES, KB, SPRINTS, team_files

from support.gitrepo import make_team_repo

MAX_RSS_MB = 200
CHILD = """
import json, resource, sys, time
started = time.monotonic()
from ceremonies.cli import main
code = main(sys.argv[1:])
elapsed = time.monotonic() - started
status = open("/proc/self/status").read()
hwm = next((int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM:")), 0) // 1024
# VmHWM is this program's own peak (reset at exec); ru_maxrss would include the forking pytest process's peak
rss = hwm or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
sys.stderr.write("MEASURED " + json.dumps({"code": code, "seconds": elapsed, "rss_mb": rss}) + "\\n")
"""


def alias_bomb(docid: str, levels: int = 9) -> str:
    """Return a doc whose frontmatter has ``levels`` levels of nine aliases each (9**levels values expanded)."""
    names = "abcdefghijklmnop"[:levels]
    lines = ["---", f"docid: {docid}", "title: Bomb", "a: &a [" + ", ".join(["lol"] * 9) + "]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    return "\n".join([*lines, "---", f"# {docid}: bomb", ""])


def _run(*argv: str) -> tuple[dict[str, float], str]:
    done = subprocess.run([sys.executable, "-c", CHILD, *argv], capture_output=True, text=True, timeout=600)
    line = next(line for line in done.stderr.splitlines() if line.startswith("MEASURED "))
    return json.loads(line.removeprefix("MEASURED ")), done.stdout + done.stderr


@pytest.mark.parametrize("command", ["check", "refresh-kb"])
def test_the_nine_level_alias_bomb_is_refused_small_and_quick(tmp_path: Path, command: str) -> None:
    bomb = alias_bomb("SPR-301")
    assert len(bomb.encode()) < 700
    files = {**team_files(), f"{SPRINTS}/SPR-301-retrospective.md": bomb, f"{KB}/bomb.md": alias_bomb("KB-666")}
    team = make_team_repo(tmp_path / "team", files, date="2026-05-20T10:00:00+02:00")
    extra = ["--now", "2026-05-27T12:00:00+02:00"] if command == "refresh-kb" else []
    measured, output = _run(command, "--repo", str(team.work), *extra)
    CAMPAIGN_LINES.append(f"alias bomb, {command}: exit {measured['code']}, {measured['seconds']:.2f} s, "
                          f"peak RSS {measured['rss_mb']:.0f} MB")
    print(CAMPAIGN_LINES[-1])
    assert measured["code"] == 1, output
    where = f"{SPRINTS}/SPR-301-retrospective.md:9" if command == "check" else f"{KB}/bomb.md:9"
    assert f"{where}: frontmatter refused: its YAML expands to more than 100,000 values" in output, output
    assert measured["rss_mb"] < MAX_RSS_MB, f"peak RSS {measured['rss_mb']} MB"
