"""``ceremonies init``: the recognition report, the proposed config, --write/--force/--json, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from repo_shapes import RunCli, padded_folders

from ceremonies.config import load_config
from ceremonies.testing.gitrepo import make_team_repo


def test_init_reports_the_layout_and_writes_the_config_once(tmp_path: Path, run_cli: RunCli) -> None:
    team = make_team_repo(tmp_path, padded_folders(3, ["Add a smoke test — Sprint 4"]))
    code, out, _ = run_cli("init", "--repo", str(team.work))
    assert code == 0 and not (team.work / "ceremonies.toml").exists()  # without --write nothing is written
    assert "Branch: main" in out and "one sprint spelled 'sprint-{n:02}' in paths" in out
    assert "sprint-03: plan docs/sprints/sprint-03/plan.md (2026-03-16 → 2026-03-20" in out
    assert "docs/sprints/templates/plan.md: template" in out
    assert "Cadence: 4 days, start rule next_working_day" in out

    code, out, _ = run_cli("init", "--repo", str(team.work), "--write")
    assert code == 0 and load_config(team.work).paths.sprint_unit == "sprint-{n:02}"

    (team.work / "ceremonies.toml").write_text("# ours\n", encoding="utf-8")
    code, _, err = run_cli("init", "--repo", str(team.work), "--write")
    assert code == 1 and "already exists; not overwritten (use --force" in err
    assert (team.work / "ceremonies.toml").read_text(encoding="utf-8") == "# ours\n"
    code, _, _ = run_cli("init", "--repo", str(team.work), "--write", "--force")
    assert code == 0 and load_config(team.work).paths.plan_style == "team"


def test_init_json_and_a_repo_without_sprint_docs(tmp_path: Path, run_cli: RunCli) -> None:
    team = make_team_repo(tmp_path, padded_folders(2, ["Add a smoke test"]))
    code, out, _ = run_cli("init", "--repo", str(team.work), "--json")
    payload = json.loads(out)
    assert code == 0 and payload["recognised"] and payload["sprint_dir"] == "docs/sprints"
    assert [sprint["key"] for sprint in payload["sprints"]] == ["sprint-01", "sprint-02"]
    assert payload["sprints"][1]["actions"] == 1 and payload["config"].startswith("# Written by `ceremonies init`")

    empty = make_team_repo(tmp_path / "empty", {"README.md": "# Nothing here\n"})
    code, out, _ = run_cli("init", "--repo", str(empty.work), "--write")
    assert code == 1 and "no sprint docs recognised" in out and not (empty.work / "ceremonies.toml").exists()
