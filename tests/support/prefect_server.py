"""A real ``prefect server start`` (and optionally a real PostgreSQL) on loopback, for end-to-end tests.

No Prefect import here: the server runs in its own process group, started with the venv's ``prefect`` CLI,
with a temporary PREFECT_HOME and database; the context managers yield its URLs and an environment for
child processes (``serve``, workers, CLI calls), and kill the whole process group on exit.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ceremonies.adapters.prefect_cli import prefect_executable, server_settings

__all__ = [
    "PostgresUnavailable", "PrefectServer", "ServerStartError", "free_port", "postgres_bin_dir", "prefect_executable",
    "running_postgres", "running_prefect_server", "server_settings", "stop_process_group", "wait_healthy",
]


class ServerStartError(RuntimeError):
    """The Prefect server (or PostgreSQL) did not become healthy; the message carries its log tail."""


class PostgresUnavailable(RuntimeError):
    """PostgreSQL binaries are missing or the cluster cannot start here; tests skip with this message."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrefectServer:
    """A running server: ``api_url``, ``ui_url`` and ``env`` (the full environment for client processes)."""

    api_url: str
    ui_url: str
    home: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def log_tail(self, lines: int = 40) -> str:
        """Return the last ``lines`` lines of the server's log (empty when there is none)."""
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_healthy(api_url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> float:
    """Poll ``{api_url}/health`` until it answers 200; return the seconds waited, raise ServerStartError on timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process is not None and process.poll() is not None:
            raise ServerStartError(f"prefect server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    raise ServerStartError(f"prefect server at {api_url} not healthy after {timeout:.0f}s")


def stop_process_group(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the process group of ``process`` (started with start_new_session), SIGKILL it after ``grace``."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait(timeout=grace)


@contextmanager
def running_prefect_server(
    home: Path | None = None,
    database_url: str | None = None,
    ui: bool = False,
    port: int | None = None,
    timeout: float = 180.0,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[PrefectServer]:
    """Start ``prefect server start`` on a free loopback port and yield it once ``/api/health`` answers.

    ``home`` (a temp dir by default) becomes PREFECT_HOME and holds the SQLite database unless ``database_url``
    points elsewhere. The scheduler service is off (set ``extra_env`` to turn it back on) so tests only see the
    runs they trigger. The server's process group is stopped on exit, also when the body raises.
    """
    owned_home = home is None
    home = Path(tempfile.mkdtemp(prefix="prefect-home-")) if home is None else home
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    settings = server_settings(port, home, database_url, ui)
    env = {**os.environ, **settings, "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"}
    env.update(extra_env or {})
    log_path = home / "server.log"
    server = PrefectServer(settings["PREFECT_API_URL"], settings["PREFECT_UI_URL"], home, env, None, log_path)
    with log_path.open("wb") as log:
        server.process = subprocess.Popen(
            [prefect_executable(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        try:
            wait_healthy(server.api_url, timeout, server.process)
        except ServerStartError as exc:
            raise ServerStartError(f"{exc}\n--- server log ---\n{server.log_tail()}") from None
        yield server
    finally:
        stop_process_group(server.process)
        if owned_home:
            shutil.rmtree(home, ignore_errors=True)


# --- PostgreSQL -----------------------------------------------------------------------------------------------------


def postgres_bin_dir() -> Path | None:
    """Return the directory of Debian's PostgreSQL server binaries (initdb, pg_ctl), newest version first."""
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name, reverse=True)
    for candidate in roots:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


def _as_postgres_user(command: list[str]) -> list[str]:
    """Return ``command`` run as the ``postgres`` user when we are root (initdb refuses to run as root)."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if not runuser:
        raise PostgresUnavailable("running as root and runuser is missing: cannot start PostgreSQL")
    return [runuser, "-u", "postgres", "--", *command]


def _chown_to_postgres(path: Path) -> None:
    """Hand ``path`` to the ``postgres`` user when we are root."""
    if os.geteuid() != 0:
        return
    try:
        shutil.chown(path, user="postgres", group="postgres")
    except (LookupError, PermissionError) as exc:
        raise PostgresUnavailable(f"cannot hand {path} to the postgres user: {exc}") from exc


@contextmanager
def running_postgres(timeout: float = 60.0) -> Iterator[str]:
    """Start a throw-away PostgreSQL cluster on a free loopback port; yield its asyncpg URL for Prefect.

    Raises PostgresUnavailable (tests turn it into a skip) when the binaries are missing or it cannot start.
    """
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable("PostgreSQL server binaries not found (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="ceremonies-pg-"))
    os.chmod(base, 0o755)
    data = base / "data"
    data.mkdir()
    _chown_to_postgres(base)
    _chown_to_postgres(data)
    port = free_port()
    log = base / "postgres.log"
    try:
        init = subprocess.run(
            _as_postgres_user(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", "prefect", "--auth=trust", "-E", "UTF8", "--no-sync"]
            ),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if init.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {init.stderr.strip()[-500:]}")
        options = f"-p {port} -k {base} -h 127.0.0.1 -c fsync=off -c max_connections=200"
        start = subprocess.run(
            _as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if start.returncode != 0:
            tail = log.read_text(errors="replace")[-800:] if log.exists() else start.stderr
            raise PostgresUnavailable(f"pg_ctl start failed: {tail.strip()}")
        createdb = [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "prefect", "prefect"]
        created = subprocess.run(
            _as_postgres_user(createdb),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if created.returncode != 0:
            raise PostgresUnavailable(f"createdb failed: {created.stderr.strip()[-500:]}")
        yield f"postgresql+asyncpg://prefect@127.0.0.1:{port}/prefect"
    finally:
        subprocess.run(
            _as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)
