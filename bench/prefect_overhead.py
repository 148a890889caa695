"""What Prefect costs per run: direct CLI path vs. a flow on an ephemeral server vs. a running server vs. a
deployment run through ``ceremonies serve`` (the UI's Run button).

    .venv/bin/python -m bench.prefect_overhead [--repeat 3] [--json out.json]

Every measurement is a fresh process (what a cron job, a worker or a served run pays). The flow measured is a
trivial one (sync and async) so the numbers are Prefect's overhead alone; the job's own cost is in BENCHMARKS.md.
Writes a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

PROBE = textwrap.dedent(
    """
    import sys, time
    t0 = time.perf_counter()
    from prefect import flow
    t_import = time.perf_counter() - t0

    @flow(name="overhead-probe-sync")
    def probe_sync() -> int:
        return 1

    @flow(name="overhead-probe-async")
    async def probe_async() -> int:
        return 1

    import asyncio
    t1 = time.perf_counter()
    if sys.argv[1] == "sync":
        probe_sync()
    else:
        asyncio.run(probe_async())
    t_first = time.perf_counter() - t1
    t2 = time.perf_counter()
    if sys.argv[1] == "sync":
        probe_sync()
    else:
        asyncio.run(probe_async())
    t_second = time.perf_counter() - t2
    print(f"@@ {t_import:.3f} {t_first:.3f} {t_second:.3f}")
    """
)

SERVE_PROBE = textwrap.dedent(
    """
    import sys
    from prefect import flow, serve

    @flow(name="overhead-served")
    async def served() -> int:
        return 1

    if __name__ == "__main__":
        serve(served.to_deployment(name="overhead"), pause_on_shutdown=False, query_seconds=float(sys.argv[1]))
    """
)


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = tempfile.mkdtemp(prefix="overhead-home-")
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env.update(extra or {})
    return env


def time_process(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run ``args``; return (wall seconds, stdout). Raises when it fails."""
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT, timeout=300)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed: {done.stderr[-1500:]}")
    return wall, done.stdout


def probe(mode: str, env: dict[str, str], script: Path) -> dict[str, float]:
    """Run the probe flow twice in one fresh process; return wall, import, first and second run seconds."""
    wall, out = time_process([sys.executable, str(script), mode], env)
    line = next(line for line in out.splitlines() if line.startswith("@@ "))
    t_import, first, second = (float(x) for x in line[3:].split())
    return {"wall": wall, "import": t_import, "first_run": first, "second_run": second}


async def served_run_latency(api_env: dict[str, str], repeat: int, poll_seconds: float) -> list[float]:
    """Seconds from create_flow_run_from_deployment (the UI's Run button) to a Completed state, via serve."""
    from prefect.client.orchestration import get_client

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "served.py"
        script.write_text(SERVE_PROBE)
        proc = subprocess.Popen(
            [sys.executable, str(script), str(poll_seconds)],
            env=api_env,
            cwd=tmp,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            async with get_client() as client:
                deployment = None
                for _ in range(300):
                    try:
                        deployment = await client.read_deployment_by_name("overhead-served/overhead")
                        break
                    except Exception:
                        await asyncio.sleep(0.2)
                assert deployment is not None, "serve did not register its deployment"
                latencies = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    run = await client.create_flow_run_from_deployment(deployment.id, parameters={})
                    while True:
                        run = await client.read_flow_run(run.id)
                        if run.state and run.state.is_final():
                            break
                        await asyncio.sleep(0.1)
                    assert run.state is not None and run.state.is_completed(), run.state
                    latencies.append(time.perf_counter() - start)
                return latencies
        finally:
            from tests.support.prefect_server import stop_process_group

            stop_process_group(proc)


def median(values: list[float]) -> float:
    """Return the median of ``values`` rounded to 0.01 s."""
    return round(statistics.median(values), 2)


def main(argv: list[str] | None = None) -> int:
    """Measure and print the overhead table; return 0."""
    from tests.support.prefect_server import running_prefect_server

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "probe.py"
        script.write_text(PROBE)

        walls = [time_process([str(BIN / "ceremonies"), "version"], _clean_env())[0] for _ in range(options.repeat)]
        results["cli_version_wall"] = median(walls)

        for mode in ("sync", "async"):
            runs = [probe(mode, _clean_env(), script) for _ in range(options.repeat)]
            results[f"ephemeral_{mode}"] = {k: median([r[k] for r in runs]) for k in runs[0]}

        start = time.perf_counter()
        with running_prefect_server() as server:
            results["server_start_to_healthy"] = round(time.perf_counter() - start, 2)
            api_env = _clean_env({"PREFECT_API_URL": server.api_url, "PREFECT_HOME": str(server.home)})
            for mode in ("sync", "async"):
                runs = [probe(mode, api_env, script) for _ in range(options.repeat)]
                results[f"server_{mode}"] = {k: median([r[k] for r in runs]) for k in runs[0]}
            os.environ["PREFECT_API_URL"] = server.api_url
            for poll in (10.0, 1.0):
                latencies = asyncio.run(served_run_latency(api_env, options.repeat, poll))
                results[f"served_run_latency_poll_{poll:g}"] = median(latencies)

    print(render(results))
    if options.json:
        options.json.write_text(json.dumps(results, indent=2))
    return 0


def render(results: dict[str, Any]) -> str:
    """Return the results as a markdown table."""
    lines = [
        "| what | wall (fresh process) | import prefect | 1st flow run | 2nd flow run, same process |",
        "|---|---|---|---|---|",
        f"| `ceremonies version` (direct CLI, no Prefect) | {results['cli_version_wall']} s | – | – | – |",
    ]
    for key, label in [
        ("ephemeral_sync", "sync flow, ephemeral server (no PREFECT_API_URL)"),
        ("ephemeral_async", "async flow, ephemeral server"),
        ("server_sync", "sync flow, running server (PREFECT_API_URL set)"),
        ("server_async", "async flow, running server"),
    ]:
        r = results[key]
        lines.append(f"| {label} | {r['wall']} s | {r['import']} s | {r['first_run']} s | {r['second_run']} s |")
    for poll in ("10", "1"):
        latency = results[f"served_run_latency_poll_{poll}"]
        label = f"deployment run via `serve`, poll {poll} s (Run button → Completed)"
        lines.append(f"| {label} | {latency} s | – | – | – |")
    lines.append(f"| `prefect server start` → /api/health | {results['server_start_to_healthy']} s | – | – | – |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
