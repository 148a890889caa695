"""`ceremonies serve/server/setup`: usage errors are exit code 2 with a message, before touching any server."""

from __future__ import annotations

import pytest

from ceremonies.cli import main
from ceremonies.cli.ops import _parse_parameters
from ceremonies.errors import UsageError


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
