"""Shape 9: a repo whose docs match no configured layout. next-sprint says what it looked for, what it found
instead and how to configure it (``ceremonies init``), with exit code 1 — never a silent "not due"."""

from __future__ import annotations

import json
from pathlib import Path

from repo_shapes import RunCli, padded_folders

from support.gitrepo import make_team_repo


def test_shape9_unconfigured_layout_explains_and_exits_1(tmp_path: Path, run_cli: RunCli) -> None:
    team = make_team_repo(tmp_path, padded_folders(3, ["Add a smoke test"]))
    code, _, err = run_cli("next-sprint", "--repo", str(team.work), "--today", "2026-03-22")
    assert code == 1
    assert "looked for sprint plans named '{key}-iteration-template.md' under .ai/sprint/" in err
    assert "(that folder does not exist)" in err
    assert "12 markdown file(s) under docs/sprints/ look like sprint docs" in err
    assert "ceremonies init --repo" in err


def test_shape9_json_result_carries_the_explanation(tmp_path: Path, run_cli: RunCli) -> None:
    team = make_team_repo(tmp_path, {"notes/todo.md": "# Todo\n"})
    code, out, _ = run_cli("next-sprint", "--repo", str(team.work), "--json")
    payload = json.loads(out)
    assert code == 1 and payload["status"] == "failed"
    assert "no markdown file in the repo looks like a sprint doc" in payload["errors"][0]


def test_shape9_after_init_the_same_repo_plans(tmp_path: Path, run_cli: RunCli) -> None:
    team = make_team_repo(tmp_path, padded_folders(3, ["Add a smoke test — Sprint 4"]))
    code, out, _ = run_cli("init", "--repo", str(team.work), "--write")
    assert code == 0 and "wrote" in out
    code, out, err = run_cli("next-sprint", "--repo", str(team.work), "--today", "2026-03-22", "--no-commit")
    assert code == 0, err
    assert (team.work / "docs/sprints/sprint-04/plan.md").is_file()
