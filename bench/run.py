"""Run the benchmarks: every measurement in a fresh subprocess, each next to a floor measured in the same run.

The parent (:func:`run_all`) prepares repos (clones of the cached generated repo, extra merged commits) and starts
one worker per measurement: ``python -m bench.run --op NAME --args JSON``. A worker imports what it measures, times
only the measured call, and prints one ``@@BENCH {json}`` line with the seconds, what the call produced and its peak
memory (VmHWM of the worker, and the largest child process it waited for, e.g. git).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import importlib.util
import io
import itertools
import json
import os
import pstats
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench import generate

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PROFILE_DIR = generate.CACHE_DIR / "profiles"
MARK = "@@BENCH "
BENCHMARKS = ("startup", "parse", "next_sprint", "kb", "reminders", "prefect")
WORKER_TIMEOUT = 1800
EPHEMERAL_TIMEOUT = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}  # a busy 2-core box needs > 20 s


# ---------------------------------------------------------------------------------------------------- results


@dataclass
class Row:
    """One line of the results table: ``seconds`` of the measured thing against ``floor_seconds``.

    ``ratio`` is seconds / floor_seconds (1.0 = as fast as the floor); ``target`` says what the issue asks for.
    """

    benchmark: str
    seconds: float | None
    floor_seconds: float | None = None
    ratio: float | None = None
    target: str = ""
    rss_mb: float | None = None
    floor_rss_mb: float | None = None
    detail: str = ""
    status: str = "ok"
    group: str = ""
    own_rss_mb: float | None = None
    """Peak RSS of the measured process alone (VmHWM); ``rss_mb`` also counts its largest child's ``ru_maxrss``,
    which on Linux includes the parent's high-water mark at the fork (it is copied with the address space)."""


@dataclass
class RunResult:
    """Everything one ``python -m bench --size X`` run measured."""

    size: str
    manifest: dict[str, Any]
    generation_seconds: float
    generation_cached: bool
    rows: list[Row] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    started: str = ""
    total_seconds: float = 0.0


# ---------------------------------------------------------------------------------------------------- worker side


def _peak_rss_parts() -> tuple[float, float]:
    """Return (peak RSS of this process, peak RSS of the largest child it waited for) in MB."""
    own = 0.0
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(own, 1), round(children, 1)


def _peak_rss_mb() -> float:
    """Return the peak RSS in MB of this process or of the largest child it waited for, whichever is larger."""
    return max(_peak_rss_parts())


def _git(repo: Path | str, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True)
    return result.stdout


def _jsonable(value: Any) -> Any:
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        value = to_json()
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    try:
        json.dumps(value)
        return value
    except TypeError:
        return repr(value)[:2000]


def _timed(call: Callable[[], Any], profile: str | None) -> tuple[float, Any]:
    """Return (seconds, result) of ``call()``; with ``profile`` set, dump a cProfile excerpt there too."""
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    try:
        result = call()
    finally:
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    if profiler and profile:
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        Path(profile).parent.mkdir(parents=True, exist_ok=True)
        Path(profile).write_text(buffer.getvalue(), encoding="utf-8")
    return seconds, result


def _sprint_docs(work: Path) -> list[Path]:
    return sorted((work / generate.SPRINT_DIR).glob("*.md"))


def op_read_bytes(args: dict[str, Any]) -> dict[str, Any]:
    """Floor of parsing: read and decode every sprint doc (best of ``repeat``)."""
    paths = _sprint_docs(Path(args["work"]))

    def read_all() -> int:
        return sum(len(path.read_bytes().decode("utf-8", errors="replace")) for path in paths)

    best = min(_timed(read_all, None)[0] for _ in range(args.get("repeat", 3)))
    return {"seconds": best, "docs": len(paths), "bytes": sum(path.stat().st_size for path in paths)}


def op_parse(args: dict[str, Any]) -> dict[str, Any]:
    """Read and parse every sprint doc the way the jobs do (``scan_sprint_dir``), ``repeat`` times in one process.

    ``seconds`` is the first pass (what a fresh job process pays: on a fresh clone with no parse cache in its git
    dir, every doc is parsed; a second worker on the same clone reads them from the cache); ``warm_seconds`` the
    last pass (parse cache and in-process caches warm). Also reports ``build_history`` and the parse errors by kind.
    """
    from ceremonies.adapters.files import scan_sprint_dir
    from ceremonies.config import load_config
    from ceremonies.domain.parsing import build_history

    work = Path(args["work"])
    settings = load_config(work)
    times = []
    docs: list[Any] = []
    for attempt in range(args.get("repeat", 3)):
        seconds, docs = _timed(partial(scan_sprint_dir, work, settings), args.get("profile") if attempt == 0 else None)
        times.append(seconds)
    history_seconds, history = _timed(partial(build_history, docs), None)
    kinds: dict[str, int] = {}
    for document in docs:
        kinds[str(document.kind)] = kinds.get(str(document.kind), 0) + 1
    return {
        "seconds": times[0],
        "warm_seconds": times[-1],
        "docs": len(docs),
        "errors": sum(len(document.errors) for document in docs),
        "error_samples": [str(error) for document in docs for error in document.errors][:5],
        "kinds": kinds,
        "history_seconds": history_seconds,
        "plans": len(history.plans),
    }


def op_parse_bound(args: dict[str, Any]) -> dict[str, Any]:
    """What bounds parsing: ``parse_document`` over every sprint doc already in memory (no file I/O, no parse
    cache; the first pass of a fresh process), then markdown-it's block parse of the same bodies alone (what the
    reader builds its outline from), then the frontmatter split alone."""
    from ceremonies.domain.frontmatter import split_frontmatter
    from ceremonies.domain.outline import _markdown
    from ceremonies.domain.parsing import parse_document

    paths = _sprint_docs(Path(args["work"]))
    texts = [(str(path), path.read_text(encoding="utf-8", errors="replace")) for path in paths]
    cpu = [time.process_time()]
    reader, _ = _timed(lambda: [parse_document(text, path) for path, text in texts], args.get("profile"))
    cpu.append(time.process_time())
    split, fronts = _timed(lambda: [split_frontmatter(text, path, strict=False) for path, text in texts], None)
    cpu.append(time.process_time())
    markdown = _markdown()
    block, _ = _timed(lambda: [markdown.parse(front.body) for front in fronts], None)
    cpu.append(time.process_time())
    return {
        "docs": len(texts),
        "seconds": reader,
        "markdown_seconds": block,
        "frontmatter_seconds": split,
        "cpu_seconds": [round(after - before, 4) for before, after in itertools.pairwise(cpu)],
    }


def op_next_sprint(args: dict[str, Any]) -> dict[str, Any]:
    """Time ``run_next_sprint`` in process (direct path, commit and push to the local bare remote).

    With ``again`` (a second clone) the job runs once more in the same process: ``warm_seconds`` is what a flow
    that already ran in the process is compared with (in-process caches such as parsed dates are warm).
    """
    from ceremonies.adapters.notify import ConsoleNotifier
    from ceremonies.jobs.next_sprint import NextSprintRequest, run_next_sprint
    from ceremonies.jobs.recipe import Effects

    today = date.fromisoformat(args["today"])
    timings = []
    for attempt, work in enumerate([args["work"], *([args["again"]] if args.get("again") else [])]):
        request = NextSprintRequest(work, today=today)
        effects = Effects(notifier=ConsoleNotifier("#bench", io.StringIO()))
        with contextlib.redirect_stdout(io.StringIO()):
            seconds, result = _timed(
                partial(run_next_sprint, request, effects), args.get("profile") if attempt == 0 else None
            )
        timings.append(seconds)
    return {"seconds": timings[0], "warm_seconds": timings[-1], "result": _jsonable(result)}


def op_next_sprint_cli(args: dict[str, Any]) -> dict[str, Any]:
    """Time the CLI process ``ceremonies next-sprint`` end to end (interpreter start, imports, job)."""
    command = [
        sys.executable,
        "-m",
        "ceremonies.cli",
        "next-sprint",
        "--repo",
        args["work"],
        "--today",
        args["today"],
        "--json",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "cpu_seconds": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
        "exit_code": done.returncode,
        "stdout": done.stdout[-2000:],
        "stderr": done.stderr[-2000:],
    }


def op_floor_next_sprint(args: dict[str, Any]) -> dict[str, Any]:
    """Floor of next-sprint: interpreter start + read the last plan/retro/summary + write one file + commit + push."""
    work = Path(args["work"])
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in _sprint_docs(work)[-3:]]
    target = work / generate.SPRINT_DIR / "BENCH-FLOOR-iteration-template.md"
    target.write_text("".join(texts)[:6000], encoding="utf-8")
    _git(work, "add", str(target))
    _git(work, "-c", "user.name=floor", "-c", "user.email=floor@example.com", "commit", "-q", "-m", "floor")
    _git(work, "push", "-q", "origin", "HEAD")
    return {"seconds": time.perf_counter() - started}


def op_refresh_kb(args: dict[str, Any]) -> dict[str, Any]:
    """Time ``run_refresh_kb`` in process (full or incremental; commit and push to the local bare remote unless
    ``commit`` is False)."""
    from ceremonies.adapters.notify import ConsoleNotifier
    from ceremonies.jobs.recipe import Effects
    from ceremonies.jobs.refresh_kb import RefreshRequest, run_refresh_kb

    work = args["work"]
    now = datetime.fromisoformat(args["now"])
    commit = args.get("commit", True)
    notifier = ConsoleNotifier("#bench", io.StringIO())
    with contextlib.redirect_stdout(io.StringIO()):
        seconds, result = _timed(
            partial(
                run_refresh_kb,
                RefreshRequest(work, full=args["full"], now=now, commit=commit, push=commit),
                Effects(notifier=notifier),
            ),
            args.get("profile"),
        )
    return {"seconds": seconds, "result": _kb_summary(_jsonable(result))}


def _kb_summary(result: Any) -> Any:
    """Return the telling parts of a RefreshResult's JSON (mode, counts), not the whole thing."""
    if not isinstance(result, dict):
        return result
    return {
        "mode": result.get("mode"),
        "new_commits": len(result.get("new_commits") or []),
        "pages_written": len(result.get("pages_written") or []),
        "pages_parsed": result.get("pages_parsed"),
        "needs_review": len(result.get("needs_review") or []),
        "health_total": result.get("health_total"),
        "commit": (result.get("commit") or "")[:10] or None,
        "pushed": result.get("pushed"),
    }


def op_floor_kb(args: dict[str, Any]) -> dict[str, Any]:
    """Floor of a KB refresh: ``git log --name-only`` over ``revs`` + read ``read`` pages + write ``write`` files."""
    work = Path(args["work"])
    out = Path(tempfile.mkdtemp(prefix="kb-floor-"))
    started = time.perf_counter()
    log = _git(work, "log", "--name-only", "--format=%H%x00%an%x00%aI%x00%s", *args["revs"])
    texts = {}
    for rel in args["read"]:
        with contextlib.suppress(OSError):
            texts[rel] = (work / rel).read_text(encoding="utf-8", errors="replace")
    for number, rel in enumerate(args["write"]):
        text = texts.get(rel)
        if text is None:
            with contextlib.suppress(OSError):
                text = (work / rel).read_text(encoding="utf-8", errors="replace")
        target = out / f"{number}.md"
        target.write_text(text or "", encoding="utf-8")
    seconds = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return {"seconds": seconds, "log_bytes": len(log), "read": len(texts), "written": len(args["write"])}


def op_floor_git_sync(args: dict[str, Any]) -> dict[str, Any]:
    """Floor of the git part of a committing job: ``git fetch`` + change ``files`` + add + commit + push (to a side
    branch, so the measured work tree stays untouched)."""
    work = Path(args["work"])
    started = time.perf_counter()
    _git(work, "fetch", "-q", "origin")
    for rel in args["files"]:
        with (work / rel).open("a", encoding="utf-8") as handle:
            handle.write("\nfloor\n")
    _git(work, "add", "--", *args["files"])
    _git(work, "-c", "user.name=floor", "-c", "user.email=floor@example.com", "commit", "-q", "-m", "floor")
    _git(work, "push", "-q", "origin", f"HEAD:refs/heads/{args['branch']}")
    return {"seconds": time.perf_counter() - started}


def op_reminders(args: dict[str, Any]) -> dict[str, Any]:
    """Time the reminders computation for the last ``sprints`` sprints (a year): the ceremony calendar, every
    reminder of it, and each reminder's Slack message rendered from the default templates (Block Kit included).

    The history is loaded before the timing; the result counts events, reminders and messages.
    """
    from ceremonies import reminders as rules
    from ceremonies.adapters.files import load_history
    from ceremonies.adapters.slack_render import SlackRenderer, render_message
    from ceremonies.config import load_config

    work = Path(args["work"])
    settings = load_config(work)
    history = load_history(work, settings)
    plans = [plan for plan in history.plans if plan.start is not None and plan.end is not None][-int(args["sprints"]) :]
    renderer = SlackRenderer.for_settings(work, settings)

    def compute() -> tuple[int, int, int]:
        calendar = rules.ceremony_calendar(plans, settings)
        found = rules.all_reminders(calendar, settings)
        messages = [
            render_message(renderer, rules.template_name(r), rules.message_context(r, history, settings), key=r.key)
            for r in found
        ]
        return len(calendar), len(found), len(messages)

    seconds, (events, found, messages) = _timed(compute, args.get("profile"))
    return {"seconds": seconds, "sprints": len(plans), "events": events, "reminders": found, "messages": messages}


def op_floor_reminders(args: dict[str, Any]) -> dict[str, Any]:
    """Floor of the reminders for a year: read and parse (``parse_document``) the year's sprint docs."""
    from ceremonies.domain.parsing import parse_document

    paths = [Path(path) for path in args["paths"]]
    started = time.perf_counter()
    docs = [parse_document(path.read_bytes().decode("utf-8", errors="replace"), str(path)) for path in paths]
    return {"seconds": time.perf_counter() - started, "docs": len(docs)}


def op_remind(args: dict[str, Any]) -> dict[str, Any]:
    """Time ``run_remind`` in process (direct path: load, compute, render, print to a console notifier)."""
    from ceremonies.adapters.notify import ConsoleNotifier
    from ceremonies.jobs.recipe import Effects
    from ceremonies.jobs.remind import RemindRequest, run_remind

    work = args["work"]
    now = datetime.fromisoformat(args["now"])
    with contextlib.redirect_stdout(io.StringIO()):
        seconds, result = _timed(
            lambda: run_remind(
                RemindRequest(work, now=now, horizon=args.get("horizon")),
                Effects(notifier=ConsoleNotifier("#b", io.StringIO())),
            ),
            args.get("profile"),
        )
    summary = _jsonable(result)
    if isinstance(summary, dict):
        summary = {key: (len(value) if isinstance(value, list) else value) for key, value in summary.items()}
    return {"seconds": seconds, "result": summary}


def op_prefect(args: dict[str, Any]) -> dict[str, Any]:
    """Run the next-sprint flow twice (cold: first flow run of the process, incl. the ephemeral server start when
    no API URL is set; then warm), then refresh_kb and remind once each, all in one process."""
    import asyncio

    from ceremonies.adapters.notify import ConsoleNotifier  # noqa: F401  (import cost outside the timing)

    out: dict[str, Any] = {}
    next_flow = _load_flow("next_sprint", "next_sprint")
    today = date.fromisoformat(args["today"])
    with contextlib.redirect_stdout(io.StringIO()):
        for label, work in (("next_sprint_cold", args["cold"]), ("next_sprint_warm", args["warm"])):
            seconds, result = _timed(partial(_run_flow, next_flow, repo=work, today=today), None)
            out[label] = {"seconds": seconds, "result": _jsonable(result)}
        if args.get("kb"):
            kb_flow = _load_flow("refresh_kb", "refresh_kb")
            now = datetime.fromisoformat(args["now"])
            seconds, result = _timed(lambda: asyncio.run(kb_flow(repo=args["kb"], now=now)), None)
            out["refresh_kb_warm"] = {"seconds": seconds, "result": _kb_summary(_jsonable(result))}
        if args.get("remind"):
            remind_flow = _load_flow("remind", "remind")
            remind_now = datetime.fromisoformat(args["remind_now"])
            seconds, result = _timed(
                lambda: asyncio.run(remind_flow(repo=args["remind"], now=remind_now, horizon="48h")), None
            )
            out["remind_warm"] = {"seconds": seconds, "result": _jsonable(result)}
    out["seconds"] = out["next_sprint_warm"]["seconds"]
    return out


def op_prefect_probe(args: dict[str, Any]) -> dict[str, Any]:
    """Prefect's own cost per run with a trivial async flow (``bench.prefect_overhead.probe``), fresh process each.

    (The served-deployment latency is left to ``python -m bench.prefect_overhead``: it polls for tens of seconds.)
    """
    from bench import prefect_overhead

    env = prefect_overhead._clean_env(args.get("probe_env") or {})
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "probe.py"
        script.write_text(prefect_overhead.PROBE)
        probed = prefect_overhead.probe("async", env, script)
    cli = prefect_overhead.time_process([str(prefect_overhead.BIN / "ceremonies"), "version"], env)[0]
    return {"seconds": probed["wall"], "probe": probed, "cli_version_wall": cli}


def _run_flow(flow: Any, **parameters: Any) -> Any:
    """Run an async flow to completion; return its result."""
    import asyncio

    return asyncio.run(flow(**parameters))


def _load_flow(module: str, name: str) -> Any:
    path = ROOT / "flows" / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"bench_flows_{module}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return getattr(loaded, name)


def ceremonies_command() -> list[str]:
    """Return the command that starts the installed CLI (the console script next to this interpreter)."""
    script = Path(sys.executable).with_name("ceremonies")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "ceremonies.cli"]


def op_process(args: dict[str, Any]) -> dict[str, Any]:
    """Run ``argv`` as a process ``repeat`` times (``{python}`` = this interpreter, ``{ceremonies}`` = the CLI);
    return the best and the median wall time, the least CPU time (user + sys of the process and its children: what
    a busy machine inflates least), and the last run's exit code and output (raises on a failed run unless
    ``any_exit``)."""
    argv: list[str] = []
    for item in args["argv"]:
        argv += [sys.executable] if item == "{python}" else ceremonies_command() if item == "{ceremonies}" else [item]
    times, cpu = [], []
    done: subprocess.CompletedProcess[str] | None = None
    for _ in range(args.get("repeat", 1)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, cwd=args.get("cwd"), check=False)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0 and not args.get("any_exit"):
            raise RuntimeError(f"{' '.join(argv[:3])}… exit {done.returncode}: {done.stderr.strip()[-500:]}")
    assert done is not None
    return {
        "seconds": min(times),
        "median_seconds": sorted(times)[len(times) // 2],
        "cpu_seconds": min(cpu),
        "runs": len(times),
        "exit_code": done.returncode,
        "stdout": done.stdout[-2000:],
        "stderr": done.stderr[-1000:],
    }


OPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "read_bytes": op_read_bytes,
    "parse": op_parse,
    "parse_bound": op_parse_bound,
    "next_sprint": op_next_sprint,
    "next_sprint_cli": op_next_sprint_cli,
    "floor_next_sprint": op_floor_next_sprint,
    "refresh_kb": op_refresh_kb,
    "floor_kb": op_floor_kb,
    "floor_git_sync": op_floor_git_sync,
    "reminders": op_reminders,
    "floor_reminders": op_floor_reminders,
    "remind": op_remind,
    "prefect": op_prefect,
    "prefect_probe": op_prefect_probe,
    "process": op_process,
}


def worker_main(op: str, raw_args: str) -> int:
    """Run one op and print its ``@@BENCH`` line; return the exit code."""
    try:
        outcome = OPS[op](json.loads(raw_args))
        outcome["ok"] = True
    except Exception as exc:  # report any failure of the measured code as data, not as a crash of the harness
        outcome = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-3000:]}
    outcome["rss_mb"] = _peak_rss_mb()
    outcome["rss_own_mb"], outcome["rss_child_mb"] = _peak_rss_parts()
    print(MARK + json.dumps(outcome, default=str), flush=True)
    return 0 if outcome["ok"] else 1


# ---------------------------------------------------------------------------------------------------- parent side


def run_worker(op: str, args: dict[str, Any], env: dict[str, str | None] | None = None) -> dict[str, Any]:
    """Run ``op`` in a fresh interpreter; return its outcome (``ok`` False with ``error`` when it failed).

    ``env`` adds variables to the worker's environment; a None value removes that variable.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="bench-args-", delete=False) as handle:
        json.dump(args, handle)  # a file, not argv: the page lists of the large size exceed ARG_MAX
    command = [sys.executable, "-m", "bench.run", "--op", op, "--args", "@" + handle.name]
    full_env = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), str(ROOT / "src"), full_env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, cwd=ROOT, env=full_env, timeout=WORKER_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {WORKER_TIMEOUT} s"}
    finally:
        os.unlink(handle.name)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARK):
            outcome: dict[str, Any] = json.loads(line[len(MARK) :])
            return outcome
    return {"ok": False, "error": f"worker exit {done.returncode}: {done.stderr.strip()[-1500:]}"}


def _fail_row(name: str, outcome: dict[str, Any]) -> Row:
    error = str(outcome.get("error", "failed")).splitlines()[0][:300]
    status = "missing" if "ModuleNotFoundError" in error or "ImportError" in error else "error"
    return Row(name, None, detail=error, status=status)


def _ratio(seconds: float | None, floor: float | None) -> float | None:
    if seconds is None or not floor:
        return None
    return round(seconds / floor, 2)


class Bench:
    """One run at one size: owns the temp dir with the clones and collects the rows."""

    def __init__(
        self, size: str, cached: Path, manifest: generate.Manifest, tmp: Path, profile: bool, log: Callable[[str], None]
    ) -> None:
        self.size = size
        self.cached = cached
        self.manifest = manifest
        self.tmp = tmp
        self.profile = profile
        self.log = log
        self.rows: list[Row] = []
        self.direct: dict[str, float] = {}
        self._clones = 0
        self._kb_synced: tuple[Path, Path] | None = None

    def clone(self) -> tuple[Path, Path]:
        """Return (work tree, bare remote) of a fresh copy of the generated repo."""
        self._clones += 1
        return generate.checkout(self.cached, self.tmp / f"clone{self._clones}")

    def worker(self, op: str, env: dict[str, str | None] | None = None, **args: Any) -> dict[str, Any]:
        """Run ``op`` in a fresh subprocess (profiled into PROFILE_DIR when asked); log and return its outcome."""
        if self.profile and op in {"parse", "next_sprint", "refresh_kb", "reminders"}:
            args["profile"] = str(PROFILE_DIR / f"{self.size}-{op}-{len(self.rows)}.txt")
        started = time.perf_counter()
        outcome = run_worker(op, args, env)
        state = "ok" if outcome.get("ok") else f"FAILED: {str(outcome.get('error'))[:200]}"
        self.log(
            f"  {op}: {outcome.get('seconds', 0):.3f}s rss={outcome.get('rss_mb')}MB "
            f"(wall {time.perf_counter() - started:.1f}s) {state}"
        )
        return outcome

    # -- benchmarks ------------------------------------------------------------------------------------------

    def startup(self) -> None:
        """CLI start-up: ``ceremonies version`` and ``--help`` processes vs ``python -c pass`` (best of 7 each)."""
        floor = self.worker("process", argv=["{python}", "-c", "pass"], repeat=7)
        for name, argv in (
            ("CLI start-up: `ceremonies version` process", ["{ceremonies}", "version"]),
            ("CLI `ceremonies --help` process", ["{ceremonies}", "--help"]),
        ):
            run = self.worker("process", argv=argv, repeat=7)
            if not run.get("ok"):
                self.rows.append(_fail_row(name, run))
                continue
            self.direct["startup" if "version" in name else "help"] = run["seconds"]
            self.rows.append(
                Row(
                    name,
                    run["seconds"],
                    floor.get("seconds"),
                    _ratio(run["seconds"], floor.get("seconds")),
                    "≤ 0.15 s" if "version" in name else "",
                    run["rss_mb"],
                    floor.get("rss_mb"),
                    f"best of {run['runs']} (median {_fmt_ms(run['median_seconds'])}, CPU "
                    f"{_fmt_ms(run.get('cpu_seconds'))}); floor = `python -c pass`, best of 7 (median "
                    f"{_fmt_ms(floor.get('median_seconds'))}, CPU {_fmt_ms(floor.get('cpu_seconds'))})",
                )
            )

    def parse(self) -> None:
        """Parse every sprint doc vs reading the same bytes."""
        work, _ = self.clone()
        floor = self.worker("read_bytes", work=str(work))
        parsed = self.worker("parse", work=str(work))
        if not parsed.get("ok"):
            self.rows.append(_fail_row("parse every sprint doc", parsed))
            return
        docs = parsed["docs"]
        rate = docs / parsed["seconds"] if parsed["seconds"] else 0
        floor_rate = docs / floor["seconds"] if floor.get("seconds") else 0
        self.direct["parse_all"] = parsed["seconds"]
        cached = self.worker("parse", work=str(work))  # a fresh process: the parse cache in .git is now warm
        self.rows.append(
            Row(
                "parse every sprint doc",
                parsed["seconds"],
                floor.get("seconds"),
                _ratio(parsed["seconds"], floor.get("seconds")),
                "docs/s",
                parsed["rss_mb"],
                floor.get("rss_mb"),
                f"{docs} docs, {rate:,.0f} docs/s cold (no parse cache; floor {floor_rate:,.0f} docs/s); "
                f"{parsed.get('errors')} parse errors {parsed.get('kinds')}; build_history "
                f"{parsed.get('history_seconds', 0) * 1000:,.0f} ms",
            )
        )
        self._parse_bound(work)
        if cached.get("ok"):
            self.direct["parse_cached"] = cached["seconds"]
            cached_rate = docs / cached["seconds"] if cached["seconds"] else 0
            self.rows.append(
                Row(
                    "parse every sprint doc, parse cache warm (fresh process)",
                    cached["seconds"],
                    floor.get("seconds"),
                    _ratio(cached["seconds"], floor.get("seconds")),
                    "≈ reading the changed docs",
                    cached["rss_mb"],
                    floor.get("rss_mb"),
                    f"{cached_rate:,.0f} docs/s: every doc unchanged, read from `.git/ceremonies/parse-cache.json` "
                    f"(bytes read and hashed to their blob id, the cached Document decoded); the same process's next "
                    f"pass {cached.get('warm_seconds', 0):,.2f} s",
                )
            )
        else:
            self.rows.append(_fail_row("parse every sprint doc, parse cache warm (fresh process)", cached))

    def _parse_bound(self, work: Path) -> None:
        """The reader alone (docs in memory) vs markdown-it's block parse of the same bodies: the profile that
        bounds the cold parse rate (pure-Python markdown-it is most of it)."""
        name = "parse every sprint doc, reader alone (in process, docs in memory, no cache)"
        bound = self.worker("parse_bound", work=str(work))
        if not bound.get("ok"):
            self.rows.append(_fail_row(name, bound))
            return
        docs, seconds, markdown = bound["docs"], bound["seconds"], bound["markdown_seconds"]
        cpu = bound["cpu_seconds"]
        rest = seconds - markdown - bound["frontmatter_seconds"]
        self.rows.append(
            Row(
                name,
                seconds,
                markdown,
                _ratio(seconds, markdown),
                "≥ 2,000 docs/s",
                bound["rss_mb"],
                None,
                f"{docs / seconds if seconds else 0:,.0f} docs/s; floor = markdown-it's block parse of the same "
                f"bodies alone ({_fmt_ms(markdown)}, {markdown / seconds:.0%} of the reader; "
                f"{docs / markdown if markdown else 0:,.0f} docs/s if nothing else cost), frontmatter split "
                f"{_fmt_ms(bound['frontmatter_seconds'])}, the extractors (fields, identity, scope, dates, retro "
                f"actions) {_fmt_ms(rest)}; CPU: reader {_fmt_ms(cpu[0])} = {docs / cpu[0] if cpu[0] else 0:,.0f} "
                f"docs/s, markdown-it alone {_fmt_ms(cpu[2])} = {docs / cpu[2] if cpu[2] else 0:,.0f} docs/s",
            )
        )

    def next_sprint(self) -> None:
        """Next-sprint end to end on the direct path: in process and as a CLI process, vs a read+write+commit floor."""
        today = self._today()
        work, _ = self.clone()
        again, _ = self.clone()
        direct = self.worker("next_sprint", work=str(work), today=today, again=str(again))
        floor = self.worker("floor_next_sprint", work=str(work))
        if direct.get("ok"):
            self.direct["next_sprint"] = direct["seconds"]
            self.direct["next_sprint_warm"] = direct["warm_seconds"]
            self.rows.append(
                Row(
                    "next-sprint, direct path in process",
                    direct["seconds"],
                    floor.get("seconds"),
                    _ratio(direct["seconds"], floor.get("seconds")),
                    "< 1 s",
                    direct["rss_mb"],
                    floor.get("rss_mb"),
                    _short(direct.get("result")),
                )
            )
            self.rows.append(
                Row(
                    "next-sprint, direct path, 2nd run in the same process",
                    direct["warm_seconds"],
                    floor.get("seconds"),
                    _ratio(direct["warm_seconds"], floor.get("seconds")),
                    "",
                    direct["rss_mb"],
                    floor.get("rss_mb"),
                    "on a second clone; in-process caches (parsed dates, compiled templates) are warm",
                )
            )
        else:
            self.rows.append(_fail_row("next-sprint, direct path in process", direct))
        cli_work, _ = self.clone()
        cli = self.worker("next_sprint_cli", work=str(cli_work), today=today)
        if cli.get("ok") and cli.get("exit_code") == 0:
            self.rows.append(
                Row(
                    "next-sprint, CLI process end to end",
                    cli["seconds"],
                    floor.get("seconds"),
                    _ratio(cli["seconds"], floor.get("seconds")),
                    "< 1 s; ≤ 0.3 s (speed issue)",
                    None,
                    floor.get("rss_mb"),
                    f"CPU {_fmt_ms(cli.get('cpu_seconds'))}; {_short(cli.get('stdout'))}",
                )
            )
        else:
            detail = cli.get("error") or f"exit {cli.get('exit_code')}: {str(cli.get('stderr'))[-300:]}"
            self.rows.append(Row("next-sprint, CLI process end to end", None, detail=str(detail)[:300], status="error"))

    def kb(self) -> None:
        """KB full rebuild, then incremental after 1 and after 20 merged commits, each vs its floor.

        Each incremental refresh is also run on a copy of the work tree (same state cache) with commit and push
        off, which shows what the refresh itself costs apart from the two git writes.
        """
        work, remote = self.clone()
        full = self.worker("refresh_kb", work=str(work), full=True, now=self._now())
        if not full.get("ok"):
            self.rows.append(_fail_row("KB full rebuild", full))
            return
        written = _changed_by_head(work)
        pages = [
            p for p in _git(work, "ls-files", generate.KB_DIR, generate.SPRINT_DIR).splitlines() if p.endswith(".md")
        ]
        floor = self.worker("floor_kb", work=str(work), revs=["HEAD~1"], read=pages, write=written)
        self.direct["kb_full"] = full["seconds"]
        self.rows.append(
            Row(
                "KB full rebuild",
                full["seconds"],
                floor.get("seconds"),
                _ratio(full["seconds"], floor.get("seconds")),
                "≤ 3× floor",
                full["rss_mb"],
                floor.get("rss_mb"),
                f"floor reads {len(pages)} KB pages + sprint docs and writes {len(written)} files; peak RSS "
                f"{full.get('rss_own_mb')} MB the job's process (VmHWM), {full.get('rss_child_mb')} MB its largest "
                f"child's ru_maxrss (which includes the job's own peak at the fork); git alone: the floor's "
                f"`git log --name-only` {floor.get('rss_child_mb')} MB; {_short(full.get('result'), 200)}",
                own_rss_mb=full.get("rss_own_mb"),
            )
        )
        self._kb_full_cli(work, floor, pages)
        for count in (1, 20):
            self._kb_incremental(work, count, full["seconds"])
        self._kb_synced = (work, remote)
        self._kb_incremental_cli()

    def _kb_full_cli(self, work: Path, floor: dict[str, Any], pages: list[str]) -> None:
        """The full rebuild as a CLI process, without and then with the parse cache, and git-cliff on the same
        history (the anchor): all on the work tree the in-process rebuild just synced (so nothing new to commit)."""
        command = ["{ceremonies}", "refresh-kb", "--repo", str(work), "--full", "--now", self._now(), "--json"]
        runs = (("KB full rebuild, CLI process, cold", True), ("KB full rebuild, CLI process, 2nd run", False))
        for name, cold in runs:
            if cold:
                cache = work / ".git" / "ceremonies" / "parse-cache.json"
                cache.unlink(missing_ok=True)
            run = self.worker("process", argv=command, any_exit=True)  # exit 1: a page was unreadable, rest done
            if not run.get("ok") or run.get("exit_code") not in (0, 1):
                self.rows.append(_fail_row(name, run if not run.get("ok") else {"error": run.get("stderr")}))
                continue
            self.direct["kb_full_cli" if cold else "kb_full_cli_2nd"] = run["seconds"]
            self.rows.append(
                Row(
                    name,
                    run["seconds"],
                    floor.get("seconds"),
                    _ratio(run["seconds"], floor.get("seconds")),
                    "≤ 2× floor, faster than git-cliff" if cold else "parse ≈ reading the changed docs",
                    run["rss_mb"],
                    floor.get("rss_mb"),
                    (
                        "no parse cache (as on a fresh clone)"
                        if cold
                        else "parse cache warm (every sprint doc unchanged since the previous rebuild)"
                    )
                    + f"; exit {run.get('exit_code')}; CPU {_fmt_ms(run.get('cpu_seconds'))}; `ceremonies refresh-kb "
                    f"--full` incl. interpreter "
                    f"start, `git pull` and {len(pages)} pages "
                    f"read; nothing new to commit (the in-process rebuild pushed the same pages); "
                    f"{_short(run.get('stdout'), 120)}",
                )
            )
        self._git_cliff(work, floor)

    def _git_cliff(self, work: Path, floor: dict[str, Any]) -> None:
        """git-cliff writing a changelog of the same history (its default configuration), next to the rebuild."""
        name = "git-cliff: changelog of the same history (anchor)"
        cliff = shutil.which("git-cliff") or str(Path(sys.executable).with_name("git-cliff"))
        if not Path(cliff).is_file():
            self.rows.append(
                Row(
                    name,
                    None,
                    detail="git-cliff is not installed (`make bench` installs git-cliff==2.14.2 from "
                    "PyPI; it failed or ran offline)",
                    status="missing",
                )
            )
            return
        out = self.tmp / "cliff"
        out.mkdir(exist_ok=True)
        run = self.worker(
            "process", argv=[cliff, "--repository", str(work), "-o", str(out / "CHANGELOG.md")], cwd=str(out)
        )
        if not run.get("ok"):
            self.rows.append(_fail_row(name, run))
            return
        self.direct["git_cliff"] = run["seconds"]
        full_cli = self.direct.get("kb_full_cli")
        versus = f"the KB full rebuild (CLI, cold) takes {full_cli / run['seconds']:,.2f}× its time" if full_cli else ""
        self.rows.append(
            Row(
                name,
                run["seconds"],
                floor.get("seconds"),
                _ratio(run["seconds"], floor.get("seconds")),
                "",
                run["rss_mb"],
                floor.get("rss_mb"),
                f"`git-cliff --repository WORK -o CHANGELOG.md` (default configuration, every commit), CPU "
                f"{_fmt_ms(run.get('cpu_seconds'))}; {versus}",
            )
        )

    def _kb_incremental_cli(self) -> None:
        """The incremental refresh after one merge as a CLI process end to end (fetch, refresh, commit, push) vs
        raw git doing the same sync of one file (`git fetch` + add + commit + push)."""
        work = self._kb_clone_with_new_merge()
        if work is None:
            return
        name = "KB incremental after 1 merge, CLI process end to end"
        run = self.worker(
            "process",
            argv=["{ceremonies}", "refresh-kb", "--repo", str(work), "--now", self._now(work), "--json"],
            any_exit=True,  # exit 1 when a page could not be read: the refresh is done all the same
        )
        page = next((p for p in _changed_by_head(work) if p.endswith(".md")), None) if run.get("ok") else None
        raw = self.worker("floor_git_sync", work=str(work), files=[page or "README.md"], branch="bench-raw-git")
        if raw.get("ok"):
            self.direct["raw_git"] = raw["seconds"]
            self.rows.append(
                Row(
                    "raw git: `git fetch` + add + commit + push of one file",
                    raw["seconds"],
                    None,
                    None,
                    "",
                    raw["rss_mb"],
                    None,
                    "the git work any committing job does at the least, on the same repo (the floor of the row below)",
                )
            )
        if not run.get("ok"):
            self.rows.append(_fail_row(name, run))
            return
        self.direct["kb_inc_cli"] = run["seconds"]
        self.rows.append(
            Row(
                name,
                run["seconds"],
                raw.get("seconds"),
                _ratio(run["seconds"], raw.get("seconds")),
                "≤ 0.6 s, flat (≤ 1.3× from 1,000 to 10,000 pages)",
                run["rss_mb"],
                raw.get("rss_mb"),
                f"`ceremonies refresh-kb` (exit {run.get('exit_code')}) incl. interpreter start, imports, `git pull`, "
                f"commit and push (CPU "
                f"{_fmt_ms(run.get('cpu_seconds'))}); floor = raw git above; {_short(run.get('stdout'), 140)}",
            )
        )

    def _kb_incremental(self, work: Path, count: int, full_seconds: float) -> None:
        """Merge ``count`` branches into ``work`` and time the incremental refresh (and its no-commit variant)."""
        before = _git(work, "rev-parse", "HEAD").strip()
        touched = add_merged_commits(work, count, seed=count)
        merged = _git(work, "rev-parse", "HEAD").strip()
        now = self._now(work)
        name = f"KB incremental after {count} merge{'s' if count > 1 else ''}"
        copy = self.tmp / f"nocommit-{count}"
        shutil.copytree(work, copy, symlinks=True)
        bare = self.worker("refresh_kb", work=str(copy), full=False, now=now, commit=False)  # before work pushes
        inc = self.worker("refresh_kb", work=str(work), full=False, now=now)
        if not inc.get("ok"):
            shutil.rmtree(copy, ignore_errors=True)
            self.rows.append(_fail_row(name, inc))
            return
        written = _changed_by_head(work) if _git(work, "rev-parse", "HEAD").strip() != merged else []
        both = sorted(set(touched) | set(written))
        floor = self.worker("floor_kb", work=str(work), revs=[f"{before}..{merged}"], read=both, write=both)
        sync = self.worker("floor_git_sync", work=str(copy), files=written or both, branch=f"bench-floor-{count}")
        shutil.rmtree(copy, ignore_errors=True)
        floor_seconds = floor.get("seconds")
        git_floor = floor_seconds + sync["seconds"] if floor_seconds is not None and sync.get("ok") else None
        self.direct[f"kb_inc_{count}"] = inc["seconds"]
        speedup = full_seconds / inc["seconds"] if inc["seconds"] else 0
        self.rows.append(
            Row(
                name,
                inc["seconds"],
                git_floor,
                _ratio(inc["seconds"], git_floor),
                "≤ 2× floor, ≥ 50× faster than full" if count == 1 else "≥ 50× faster than full",
                inc["rss_mb"],
                floor.get("rss_mb"),
                f"**{speedup:,.0f}× faster than the full rebuild**; floor = the issue's floor "
                f"{_fmt_ms(floor_seconds)} + git fetch/add/commit/push {_fmt_ms(sync.get('seconds'))} "
                f"({_ratio(inc['seconds'], floor_seconds)}× the issue's floor alone); {len(written)} files written; "
                f"{_short(inc.get('result'), 160)}",
            )
        )
        if bare.get("ok"):
            self.rows.append(
                Row(
                    f"{name}, no commit/push",
                    bare["seconds"],
                    floor_seconds,
                    _ratio(bare["seconds"], floor_seconds),
                    "",
                    bare["rss_mb"],
                    floor.get("rss_mb"),
                    "the same refresh (incl. its `git pull`) without commit and push, vs the issue's floor: `git log` "
                    f"of the new commits + read and write the touched pages and the job's outputs; "
                    f"{_short(bare.get('result'), 140)}",
                )
            )

    def reminders(self) -> None:
        """Reminders for a year (26 sprints) vs reading and parsing that year's docs; then ``run_remind`` direct."""
        work, _ = self.clone()
        plans = sorted((work / generate.SPRINT_DIR).glob("SPR-*-iteration-template.md"))
        sprints = min(26, len(plans)) or 26
        year = [path for plan in plans[-sprints:] for path in _docs_of_sprint(plan)]
        floor = self.worker("floor_reminders", paths=[str(path) for path in year])
        outcome = self.worker("reminders", work=str(work), sprints=sprints)
        name = "reminders for a year of sprints"
        if not outcome.get("ok"):
            self.rows.append(_fail_row(name, outcome))
        else:
            per = outcome["seconds"] / max(outcome.get("messages") or 1, 1) * 1e6
            self.rows.append(
                Row(
                    name,
                    outcome["seconds"],
                    floor.get("seconds"),
                    _ratio(outcome["seconds"], floor.get("seconds")),
                    "",
                    outcome["rss_mb"],
                    floor.get("rss_mb"),
                    f"{outcome.get('sprints')} sprints, {outcome.get('events')} ceremonies, {outcome.get('reminders')} "
                    f"reminders rendered as Slack messages, {per:,.0f} µs each; floor parses the year's "
                    f"{floor.get('docs')} sprint docs",
                )
            )
        self._remind_direct(work)

    def _remind_direct(self, work: Path) -> None:
        """``run_remind`` on the direct path the evening before the last sprint's demo (48 h horizon)."""
        outcome = self.worker("remind", work=str(work), now=self._remind_now(), horizon="48h")
        name = "remind, direct path in process"
        if not outcome.get("ok"):
            self.rows.append(_fail_row(name, outcome))
            return
        self.direct["remind"] = outcome["seconds"]
        self.rows.append(
            Row(
                name,
                outcome["seconds"],
                None,
                None,
                "",
                outcome["rss_mb"],
                None,
                "reads only the newest `sprint.history_window` sprints (parsing every doc: see the parse row); "
                + _short(outcome.get("result"), 140),
            )
        )

    def prefect(self) -> None:
        """Prefect overhead: the same jobs via their flows minus the direct path; ephemeral API, then a real server.

        Also Prefect's own cost for a trivial async flow in a fresh process (``bench.prefect_overhead``), in both
        modes, and a deployment run through ``serve`` against the server.
        """
        home = self.tmp / "prefect-home"
        home.mkdir(exist_ok=True)
        env: dict[str, str | None] = {"PREFECT_HOME": str(home), "PREFECT_API_URL": None, **EPHEMERAL_TIMEOUT}
        self._prefect_rows("ephemeral", env)
        self._probe_rows("ephemeral", dict(EPHEMERAL_TIMEOUT))
        try:
            server_module = importlib.import_module("tests.support.prefect_server")
        except ImportError:
            return
        try:
            with server_module.running_prefect_server(home=self.tmp / "prefect-server-home") as server:
                self._prefect_rows("server", {**server.env})
                api = {"PREFECT_API_URL": server.api_url, "PREFECT_HOME": str(server.home)}
                self._probe_rows("server", api)
        except Exception as exc:  # a server that cannot start here is reported, not fatal
            self.rows.append(
                Row("Prefect via a running server", None, detail=f"{type(exc).__name__}: {exc}"[:300], status="error")
            )

    def _probe_rows(self, mode: str, env: dict[str, str]) -> None:
        """Add a row for a trivial async flow in a fresh process vs a ``ceremonies version`` process."""
        outcome = self.worker("prefect_probe", probe_env=dict(env))
        name = f"trivial async flow, fresh process, {mode}"
        if not outcome.get("ok"):
            self.rows.append(_fail_row(name, outcome))
            return
        probe, cli = outcome["probe"], outcome["cli_version_wall"]
        self.rows.append(
            Row(
                name,
                probe["wall"],
                cli,
                _ratio(probe["wall"], cli),
                "",
                None,
                None,
                f"floor = `ceremonies version` process; import prefect {probe['import']:.2f} s, 1st run "
                f"{probe['first_run']:.2f} s, 2nd run {probe['second_run']:.2f} s (bench.prefect_overhead)",
            )
        )

    def _prefect_rows(self, mode: str, env: dict[str, str | None]) -> None:
        """Run the flows in one worker against ``env``'s API; add a row per flow run with its overhead."""
        today = self._today()
        cold, _ = self.clone()
        warm, _ = self.clone()
        remind, _ = self.clone()
        kb_work = self._kb_clone_with_new_merge()
        outcome = self.worker(
            "prefect",
            env={**env, "PREFECT_LOGGING_LEVEL": "WARNING"},
            cold=str(cold),
            warm=str(warm),
            today=today,
            kb=str(kb_work) if kb_work else "",
            now=self._now(kb_work) if kb_work else self._now(),
            remind=str(remind) if "remind" in self.direct else "",
            remind_now=self._remind_now(),
        )
        if not outcome.get("ok"):
            self.rows.append(_fail_row(f"Prefect overhead ({mode})", outcome))
            return
        direct = self.direct.get("next_sprint")
        first = "cold, incl. temporary server start" if mode == "ephemeral" else "first run in the process"
        for label, name, base in (
            ("next_sprint_cold", f"next-sprint via flow, {mode}, {first}", direct),
            ("next_sprint_warm", f"next-sprint via flow, {mode}, warm", self.direct.get("next_sprint_warm")),
            ("refresh_kb_warm", f"KB incremental (1 merge) via flow, {mode}, warm", self.direct.get("kb_inc_1")),
            ("remind_warm", f"remind via flow, {mode}, warm", self.direct.get("remind")),
        ):
            if label not in outcome:
                continue
            seconds = outcome[label]["seconds"]
            overhead = f"overhead {seconds - base:+.2f} s over the direct path; " if base is not None else ""
            self.rows.append(
                Row(
                    name,
                    seconds,
                    base,
                    _ratio(seconds, base),
                    "",
                    outcome["rss_mb"],
                    None,
                    overhead + _short(outcome[label].get("result"), 100),
                )
            )

    def _kb_clone_with_new_merge(self) -> Path | None:
        """Return a copy of the KB benchmark's work tree (KB synced, state cache in .git) with its own remote and
        one new merge, or None when the KB benchmark did not run."""
        if self._kb_synced is None:
            return None
        work, remote = self._kb_synced
        self._clones += 1
        dest = self.tmp / f"clone{self._clones}"
        shutil.copytree(remote, dest / "remote.git", symlinks=True)
        shutil.copytree(work, dest / "work", symlinks=True)
        _git(dest / "work", "remote", "set-url", "origin", str(dest / "remote.git"))
        add_merged_commits(dest / "work", 1, seed=100 + self._clones)
        return dest / "work"

    # -- helpers ---------------------------------------------------------------------------------------------

    def _remind_now(self) -> str:
        """Return 17:00 UTC the day before the last generated sprint ends (its demo is within 48 h)."""
        end = self.manifest.last_sprint_end or "2026-03-18"
        return (datetime.fromisoformat(end) - timedelta(days=1)).replace(hour=17, tzinfo=UTC).isoformat()

    def _today(self) -> str:
        end = self.manifest.last_sprint_end
        return (date.fromisoformat(end) - timedelta(days=1)).isoformat() if end else date(2026, 3, 17).isoformat()

    def _now(self, work: Path | None = None) -> str:
        """Return a fixed 'now' one hour after the newest commit (so the SLA is met and runs are reproducible)."""
        source = ["--git-dir", str(self.cached / "repo.git")] if work is None else ["-C", str(work)]
        stamp = subprocess.run(
            ["git", *source, "log", "-1", "--format=%cI", "main" if work is None else "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return (datetime.fromisoformat(stamp) + timedelta(hours=1)).isoformat()


def _fmt_ms(seconds: float | None) -> str:
    return "?" if seconds is None else f"{seconds * 1000:,.1f} ms"


def _short(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = re.sub(r"\s+", " ", text or "")
    return text[:limit] + ("…" if len(text) > limit else "")


def _docs_of_sprint(plan: Path) -> list[Path]:
    """Return the plan and the retro and summary files of its sprint that exist."""
    key = plan.name.split("-iteration-template")[0]
    others = (plan.with_name(f"{key}-retrospective.md"), plan.with_name(f"{key}-execution-summary.md"))
    return [plan, *(path for path in others if path.is_file())]


def _changed_by_head(work: Path) -> list[str]:
    """Return the files the HEAD commit changed (the job's own commit)."""
    return [line for line in _git(work, "show", "--name-only", "--format=", "HEAD").splitlines() if line]


def add_merged_commits(work: Path, count: int, seed: int) -> list[str]:
    """Merge ``count`` feature branches into ``work``'s main (and push): each changes code and edits one KB page.

    Returns the KB pages the new commits touched. Built with fast-import, so the cost does not depend on repo size.
    """
    import random

    rng = random.Random(seed)
    git_dir = work / ".git"
    pages = [p for p in _git(work, "ls-files", generate.KB_DIR).splitlines() if p.endswith(".md")]
    code = [p for p in _git(work, "ls-files", "src").splitlines() if p.endswith(".py")] or ["src/app/main.py"]
    head = _git(work, "rev-parse", "HEAD").strip()
    when = int(_git(work, "log", "-1", "--format=%ct", "HEAD").strip()) + 60
    fast = generate.FastImport(git_dir)
    touched: list[str] = []
    tip: int | str = head
    try:
        for number in range(count):
            page = rng.choice(pages) if pages else f"{generate.KB_DIR}/notes.md"
            source = rng.choice(code)
            page_text = (work / page).read_text(encoding="utf-8", errors="replace") if pages else "# Notes\n"
            marks = {
                source: fast.blob(f'"""bench change {seed}-{number}."""\nVALUE = {rng.randrange(10**6)}\n'),
                page: fast.blob(page_text + f"\nBench edit {seed}-{number}: {generate._sentence(rng, 8)}\n"),
            }
            who = generate.HUMANS[number % len(generate.HUMANS)]
            feature = fast.commit(
                "refs/heads/bench-feature", who, when, f"feat(bench): change {seed}-{number}\n", marks, tip
            )
            tip = fast.commit(
                "refs/heads/main",
                who,
                when + 30,
                f"Merge pull request #{9000 + number} from team/bench-{seed}-{number}\n",
                marks,
                tip,
                merge=feature,
            )
            when += 120
            touched.append(page)
    finally:
        fast.close()
    subprocess.run(
        ["git", "-C", str(work), "update-ref", "-d", "refs/heads/bench-feature"], check=False, capture_output=True
    )
    _git(work, "reset", "-q", "--hard", "main")
    _git(work, "push", "-q", "origin", "main")
    return sorted(set(touched))


def machine_info() -> dict[str, str]:
    """Return the machine facts the report prints: cores, CPU, RAM, python, prefect and git versions."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    try:
        prefect_version = importlib.import_module("importlib.metadata").version("prefect")
    except Exception:
        prefect_version = "not installed"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": sys.version.split()[0],
        "prefect": prefect_version,
        "git": git_version.replace("git version ", ""),
        "load_start": load,
    }


def run_all(
    size: str, only: list[str] | None = None, profile: bool = False, log: Callable[[str], None] = print
) -> RunResult:
    """Run the chosen benchmarks at ``size``; return the results (rows in benchmark order)."""
    started = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    log(f"[bench] size={size}: preparing the repo (cache {generate.CACHE_DIR})")
    gen_started = time.perf_counter()
    existing = generate.load_manifest(generate.CACHE_DIR / f"{size}-v{generate.GENERATOR_VERSION}")
    cached, manifest = generate.ensure_repo(size)
    was_cached = existing is not None and existing.fingerprint == manifest.fingerprint
    gen_seconds = manifest.seconds if not was_cached else time.perf_counter() - gen_started
    log(
        f"[bench] repo: {manifest.commits} commits, {manifest.sprint_docs} sprint docs, {manifest.kb_pages} KB pages "
        f"({'cached' if was_cached else f'generated in {manifest.seconds:.1f} s'})"
    )
    result = RunResult(size, asdict(manifest), round(gen_seconds, 2), was_cached, machine=machine_info(), started=stamp)
    with _tempdir() as tmp:
        bench = Bench(size, cached, manifest, tmp, profile, log)
        for name in only or list(BENCHMARKS):
            log(f"[bench] {name}")
            first = len(bench.rows)
            try:
                getattr(bench, name)()
            except Exception as exc:  # one broken benchmark must not lose the others' numbers
                bench.rows.append(
                    Row(name, None, detail=f"harness error: {type(exc).__name__}: {exc}"[:300], status="error")
                )
                log(traceback.format_exc())
            for row in bench.rows[first:]:
                row.group = name
        result.rows = bench.rows
    result.total_seconds = round(time.perf_counter() - started, 1)
    result.machine["load_end"] = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return result


@contextlib.contextmanager
def _tempdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ceremonies-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def merge_partial(result: RunResult, ran: list[str]) -> RunResult:
    """Return ``result`` plus the saved rows of the benchmarks this (``--only``) run did not run."""
    previous = load(result.size)
    if previous is None:
        return result
    kept = [row for row in previous.rows if row.group not in ran]
    order = {name: index for index, name in enumerate(BENCHMARKS)}
    result.rows = sorted(kept + result.rows, key=lambda row: order.get(row.group, len(order)))
    return result


def save(result: RunResult) -> Path:
    """Write ``result`` to ``bench/results/<size>.json``; return the path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{result.size}.json"
    path.write_text(json.dumps(asdict(result), indent=2, default=str) + "\n", encoding="utf-8")
    return path


def load(size: str) -> RunResult | None:
    """Return the saved result for ``size``, or None."""
    path = RESULTS_DIR / f"{size}.json"
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["rows"] = [Row(**row) for row in raw.get("rows", [])]
    return RunResult(**raw)


def main(argv: list[str] | None = None) -> int:
    """Entry point of a worker: ``python -m bench.run --op NAME --args JSON``."""
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--op", choices=sorted(OPS), required=True)
    parser.add_argument("--args", default="{}", help="JSON, or @FILE holding JSON")
    options = parser.parse_args(argv)
    raw = options.args
    if raw.startswith("@"):
        raw = Path(raw[1:]).read_text(encoding="utf-8")
    return worker_main(options.op, raw)


if __name__ == "__main__":
    sys.exit(main())
