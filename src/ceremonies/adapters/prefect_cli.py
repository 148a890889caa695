"""The ``prefect`` command line as an external program: where it is, and the environment of a local server.

No Prefect import: ``ceremonies server`` execs ``prefect server start`` with this environment, the git hook of
``ceremonies.tasks.events`` calls ``prefect event emit``, and the end-to-end tests start servers the same way.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ceremonies.errors import UsageError


def prefect_executable() -> str:
    """Return the ``prefect`` command next to this Python (the venv's), else the one on PATH; UsageError when
    there is none."""
    beside = Path(sys.executable).with_name("prefect")
    if beside.is_file():
        return str(beside)
    found = shutil.which("prefect")
    if not found:
        raise UsageError("cannot find the `prefect` command: install prefect next to ceremonies or put it on PATH")
    return found


def server_settings(port: int, home: Path, database_url: str | None = None, ui: bool = True) -> dict[str, str]:
    """Return the PREFECT_* environment of a local server on loopback ``port`` whose UI calls *this* port's API
    (without PREFECT_UI_API_URL the UI of ``prefect server start --port X`` still calls port 4200), its database
    ``database_url`` or SQLite under ``home``."""
    api = f"http://127.0.0.1:{port}/api"
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api,
        "PREFECT_UI_API_URL": api,
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_API_DATABASE_CONNECTION_URL": database_url or f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "true" if ui else "false",
        "PREFECT_UI_ENABLED": "true" if ui else "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    }
