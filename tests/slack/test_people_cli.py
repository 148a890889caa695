"""`ceremonies check` lists the handles [slack.people] does not map; `ceremonies init` proposes the table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceremonies.cli import app
from support.gitrepo import make_team_repo

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "team-repo"


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    work = tmp_path / "team"
    shutil.copytree(EXAMPLE, work)
    return work


def test_check_lists_unmapped_handles_and_stops_listing_mapped_ones(repo: Path) -> None:
    runner = CliRunner()
    before = json.loads(runner.invoke(app, ["check", "--repo", str(repo), "--json"]).stdout)
    handles = [entry["handle"] for entry in before["unmapped_people"]]
    assert handles and all(entry["path"] for entry in before["unmapped_people"])
    mapped, kept = handles[0], handles[1:]
    config = repo / "ceremonies.toml"
    config.write_text(config.read_text(encoding="utf-8") + f'\n[slack.people]\n"{mapped}" = "U0MAPPED"\n')
    after = runner.invoke(app, ["check", "--repo", str(repo)])
    assert "slack: not in [slack.people]" in after.stdout
    assert f"{mapped} (" not in after.stdout and all(f"{handle} (" in after.stdout for handle in kept)


def test_init_proposes_the_people_table_with_the_handles_it_found(repo: Path, tmp_path: Path) -> None:
    (repo / "ceremonies.toml").unlink()
    (repo / ".ai").rename(repo / "docs")  # init looks at visible folders
    team = make_team_repo(tmp_path / "git", repo, message="docs")
    result = CliRunner().invoke(app, ["init", "--repo", str(team.work), "--json"])
    report = json.loads(result.stdout)
    assert report["people"], report
    assert "[slack.people]" in report["config"]
    assert all(f'# "{handle}" = ""' in report["config"] for handle in report["people"])
