"""Fixtures of the real-repo-shape tests: a quiet notifier and a CLI runner."""

from __future__ import annotations

import io

import pytest
from repo_shapes import RunCli

from ceremonies.adapters.notify import ConsoleNotifier
from ceremonies.cli import main


@pytest.fixture()
def quiet() -> ConsoleNotifier:
    """Return a console notifier writing into a throwaway buffer."""
    return ConsoleNotifier("#sprint", io.StringIO())


@pytest.fixture()
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Return a function running ``ceremonies args`` in-process: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
