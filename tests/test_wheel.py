"""The wheel is the product: build it, install it into a fresh virtual environment outside the checkout, and run the
CLI there against a copy of the example team repo (dates pinned).

Offline and quick: the wheel is built without build isolation (hatchling is a dev dependency) and installed with
``--no-deps``; the fresh environment borrows the third-party packages of the dev environment through a path entry
(its .pth files, among them the editable install's pointer to ``src/``, are not processed, so the checkout's code is
not importable there). The installed ``ceremonies`` must find its templates, ``prefect.yaml`` and flows in the
package, and give the same answers as the checkout's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.gitrepo import TeamRepo, make_team_repo

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "team-repo"
DUE_DAY = "2026-12-15"  # SPR-024 ends 2026-12-16: the next sprint is due
NOW = "2026-12-15T08:00:00+00:00"  # the morning before SPR-024's review and retro
CHECKOUT_CLI = Path(sys.executable).with_name("ceremonies")


@dataclass(frozen=True)
class Installed:
    """The fresh environment with the wheel installed: its interpreter, its ``ceremonies`` and a clean env."""

    python: Path
    cli: Path
    env: dict[str, str]
    wheel: Path


def _run(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    shown = " ".join(map(str, command))
    assert done.returncode == 0, f"{shown} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
    return done.stdout


def _outside_env(home: Path) -> dict[str, str]:
    """Return this process's environment without anything pointing at the checkout or at Prefect servers."""
    dropped = ("PYTHONPATH", "CEREMONIES_PROJECT_DIR", "VIRTUAL_ENV", "SLACK_BOT_TOKEN", "PREFECT_API_URL")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    return env | {"HOME": str(home), "PREFECT_HOME": str(home / ".prefect"), "PYTHONNOUSERSITE": "1"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, ROOT], cwd=tmp)
    (wheel,) = dist.glob("ceremonies-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel], cwd=tmp)
    target = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp).strip())
    (target / "zz_borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    home = tmp / "home"
    home.mkdir()
    yield Installed(python, venv / "bin" / "ceremonies", _outside_env(home), wheel)


@pytest.fixture()
def example(tmp_path: Path) -> TeamRepo:
    return make_team_repo(tmp_path / "team", EXAMPLE, message="Example team docs", date="2026-12-14T09:00:00+01:00")


def _both(installed: Installed, args: list[str], cwd: Path) -> tuple[dict, dict]:
    """Return the JSON output of ``ceremonies args`` from the installed wheel and from the checkout."""
    from_wheel = json.loads(_run([installed.cli, *args, "--json"], cwd=cwd, env=installed.env))
    from_checkout = json.loads(_run([CHECKOUT_CLI, *args, "--json"], cwd=cwd, env=installed.env))
    return from_wheel, from_checkout


def test_the_wheel_ships_templates_flows_and_prefect_yaml_and_no_caches(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    for source in [*ROOT.glob("templates/**/*.j2"), ROOT / "prefect.yaml", *ROOT.glob("flows/*.py")]:
        assert f"ceremonies/project/{source.relative_to(ROOT)}" in names, f"{source.relative_to(ROOT)} not shipped"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")], "the wheel carries bytecode caches"
    assert any(n.endswith("licenses/LICENSE") for n in names), "the wheel carries no LICENSE"


DOUBLE_MARKERS = ("class SlackEmulator", "def running_prefect_server", "def running_postgres", "def dump_dom",
                  "def commit_as_human", "def hang_remote")
"""Definitions only the test doubles (tests/support) hold: none may ship."""


def test_the_wheel_ships_no_test_doubles(installed: Installed) -> None:
    wheel = zipfile.ZipFile(installed.wheel)
    names = wheel.namelist()
    assert not [n for n in names if n.startswith(("ceremonies/testing/", "support/", "tests/"))], names
    assert "ceremonies/example.py" in names, "the example-repo builder (make demo, tests/support) is product code"
    shipped = {n: wheel.read(n).decode("utf-8") for n in names if n.endswith(".py")}
    offenders = [f"{n}: {marker}" for n, text in shipped.items() for marker in DOUBLE_MARKERS if marker in text]
    assert offenders == [], "test doubles inside the wheel"
    probe = "import importlib.util as u; print([m for m in ('ceremonies.testing', 'support') if u.find_spec(m)])"
    assert _run([installed.python, "-c", probe], cwd=installed.wheel.parent, env=installed.env).strip() == "[]"


def test_installed_package_runs_from_the_fresh_environment_not_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    probe = (
        "import ceremonies, json; from ceremonies.resources import shipped_dir; "
        "from ceremonies.tasks.deployments import project_root, load_specs; root = project_root(); "
        "print(json.dumps({'package': ceremonies.__file__, 'shipped': str(shipped_dir()), 'root': str(root), "
        "'flows': [(root / s.flow_path).is_file() for s in load_specs(root / 'prefect.yaml')]}))"
    )
    seen = json.loads(_run([installed.python, "-c", probe], cwd=tmp_path, env=installed.env))
    venv = installed.python.parents[1]
    assert Path(seen["package"]).is_relative_to(venv), seen
    assert Path(seen["shipped"]).is_relative_to(venv) and seen["root"] == seen["shipped"], seen
    assert seen["flows"] and all(seen["flows"]), f"a flow of prefect.yaml is missing from the package: {seen}"


def test_next_sprint_dry_run_from_the_wheel_renders_the_plan_like_the_checkout(
    installed: Installed, example: TeamRepo, tmp_path: Path
) -> None:
    args = ["next-sprint", "--repo", str(example.work), "--today", DUE_DAY, "--dry-run"]
    from_wheel, from_checkout = _both(installed, args, tmp_path)
    assert from_wheel["sprint"] == "SPR-025" and not from_wheel["committed"], from_wheel
    assert from_wheel == from_checkout
    assert not (example.work / from_wheel["path"]).exists(), "a dry run wrote the plan"


def test_refresh_kb_dry_run_from_the_wheel_plans_the_pages_like_the_checkout(
    installed: Installed, example: TeamRepo, tmp_path: Path
) -> None:
    args = ["refresh-kb", "--repo", str(example.work), "--now", NOW, "--full", "--dry-run"]
    from_wheel, from_checkout = _both(installed, args, tmp_path)
    assert from_wheel == from_checkout
    assert "INDEX.md" in json.dumps(from_wheel), from_wheel


def test_remind_dry_run_from_the_wheel_renders_the_reminders_like_the_checkout(
    installed: Installed, example: TeamRepo, tmp_path: Path
) -> None:
    args = ["remind", "--repo", str(example.work), "--now", NOW, "--dry-run"]
    from_wheel, from_checkout = _both(installed, args, tmp_path)
    assert from_wheel == from_checkout
    assert "SPR-024" in json.dumps(from_wheel), from_wheel


def test_calendar_from_the_wheel_writes_the_sprint_ics(installed: Installed, example: TeamRepo, tmp_path: Path) -> None:
    out = tmp_path / "spr-024.ics"
    args = ["calendar", "--repo", example.work, "--out", out, "--now", NOW]
    _run([installed.cli, *args], cwd=tmp_path, env=installed.env)
    text = out.read_text(encoding="utf-8")
    assert text.count("BEGIN:VEVENT") >= 3 and "SPR-024-retro@ceremonies" in text, text
