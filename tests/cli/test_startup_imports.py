"""CLI start-up imports only what a command uses: ``version`` and ``--help`` load no job, no git, no parser.

Not timed (speed lives in bench/ + BENCHMARKS.md): this asserts *which* packages a fresh process has imported
after running a command, so a module-level import of a heavy package in the CLI's import chain shows up here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What a `version` or `--help` process must not load: each is needed by some commands only, and costs start-up time.
HEAVY = {
    "prefect",  # flows and the ops commands
    "slack_sdk",  # the Slack notifier
    "git",  # GitPython: the jobs
    "dateparser",  # the sprint-doc parser's date fallback
    "holidays",  # working days: planning and reminders
    "frontmatter",  # the sprint-doc reader
    "jinja2",  # rendering
    "icalendar",  # `calendar`
    "yaml",
    "pydantic",  # the config (typer 0.29 would import it for its parameter adapters: pinned below 0.29)
    "markdown_it",  # the outline reader (rich's help rendering imports it too: --help is checked apart)
}
# Our own modules that a command imports when it runs (the jobs, the config, the reader, the rules).
# The domain model too (nine dataclasses and their regexes: ~30 ms of a ~100 ms start-up).
HEAVY_OWN = ("ceremonies.jobs", "ceremonies.tasks", "ceremonies.adapters", "ceremonies.config",
             "ceremonies.domain", "ceremonies.planning", "ceremonies.knowledge", "ceremonies.reminders")

PROBE = """
import json, sys
from ceremonies.cli import main
code = main(sys.argv[1:])
names = sorted(sys.modules)
sys.stderr.write("MODULES " + json.dumps({"code": code, "modules": names}) + "\\n")
"""


def _modules_after(*argv: str) -> set[str]:
    """Run ``ceremonies *argv`` in a fresh interpreter; return the module names it had imported at the end."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120, check=False
    )
    line = next(line for line in done.stderr.splitlines() if line.startswith("MODULES "))
    report = json.loads(line.removeprefix("MODULES "))
    assert report["code"] == 0, done.stderr
    return set(report["modules"])


@pytest.mark.parametrize("argv", [("version",), ("--help",), ("next-sprint", "--help"), ("refresh-kb", "--help")])
def test_startup_imports_no_heavy_package(argv: tuple[str, ...]) -> None:
    modules = _modules_after(*argv)
    allowed = {"markdown_it"} if "--help" in argv else set()  # rich renders the help with it
    heavy = sorted(name for name in modules if name.split(".")[0] in HEAVY - allowed)
    own = sorted(name for name in modules if name.startswith(HEAVY_OWN))
    assert (heavy, own) == ([], [])


def test_a_command_still_imports_what_it_uses() -> None:
    """The probe sees real imports: `parse` of a doc loads the reader (so the test above is not vacuous)."""
    doc = ROOT / "tests" / "fixtures" / "docs" / "good" / ".ai" / "sprint" / "SPR-020-iteration-template.md"
    modules = _modules_after("parse", str(doc), "--json")
    assert {"ceremonies.domain.parsing", "ceremonies.config", "frontmatter"} <= modules
