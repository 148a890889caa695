"""Shared pieces of the reliability suite: our own team docs, the nasty-file corpus, git helpers and the campaign
counters the session summary prints (see conftest.py)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from support.gitrepo import git

HERE = Path(__file__).resolve().parent
KB = ".ai/knowledgebase"
SPRINTS = ".ai/sprint"
FAKE_TOKEN = "xoxb-FAKE-0000-reliability-7f3a9c1e5b"
"""A recognizable fake Slack token: the secrets tests search every output for it (and for its distinctive tail)."""
TOKEN_TAIL = "7f3a9c1e5b"

COUNTS: Counter[str] = Counter()
"""Campaign counters printed at the end of the session: faults injected, reminders due, delivered once,
duplicated, lost, human bytes changed, secret leaks (the last four must stay 0)."""
CAMPAIGN_LINES: list[str] = []
"""One line per Slack fault campaign, printed in the session summary."""
SUMMARY_KEYS = (
    "faults injected",
    "reminders due",
    "delivered once",
    "duplicated",
    "lost",
    "human bytes changed",
    "secret leaks",
)

CONFIG = '[sprint]\ntimezone = "Europe/Berlin"\n\n[slack]\nchannel = "#sprint"\n'

PLAN_301 = """---
docid: SPR-301
title: Sprint 2026-21 Planning - Search
owner: "@Lead"
status: Active
---

# SPR-301: Sprint 2026-21 Planning - Search

## Sprint Overview
- **Sprint Number:** 2026-21
- **Start Date:** 2026-05-18
- **End Date:** 2026-05-29
- **Planned Story Points:** 13

## Goals
- Faster search results

## Scope (Planned Items)
- [x] SRC-1: Index warm-up — @Ana — 5 SP
- [ ] SRC-2: Typo tolerance — @Bo — 8 SP
"""

RETRO_301 = """# SPR-301: Sprint 2026-21 Retrospective

## What went well
- Pairing on the index

## Action items
- [ ] Write the search runbook — @Bo — Sprint 2026-22
"""

GUIDE_PAGE = """---
docid: KB-901
title: Search guide
owner: "@Ana"
status: Active
sources:
  - src/search/**
---

# Search guide

Hand-written intro that must survive every run.

<!-- ceremonies:begin recent-changes -->
(filled in by ceremonies)
<!-- ceremonies:end recent-changes -->

Hand-written outro.
"""


def team_files() -> dict[str, str | bytes | None]:
    """Return path → text of a small team repo: config, one plan with its retro, one KB page, some code."""
    return {
        "ceremonies.toml": CONFIG,
        f"{SPRINTS}/SPR-301-iteration-template.md": PLAN_301,
        f"{SPRINTS}/SPR-301-retrospective.md": RETRO_301,
        f"{KB}/search/guide.md": GUIDE_PAGE,
        "src/search/index.py": "WARM = True\n",
    }


# ------------------------------------------------------------------------------------------------ nasty files


def _yaml_bomb() -> bytes:
    lines = [b"---", b"docid: SPR-311", b"a: &a [x, x, x, x, x, x, x, x, x]"]
    names = "abcdefg"
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]".encode())
    return b"\n".join([*lines, b"---", b"# SPR-311: bomb", b""])


def nasty_files() -> dict[str, tuple[bytes, int | None, str | None]]:
    """Return file name → (bytes, expected error line or None, expected error text or None) of the corpus.

    An expected text means the file must be reported with that text (and the line when given); None means the file
    must be handled safely (parsed, no crash, nothing leaked), an error being allowed but not required.
    """
    nested = b"".join(b"  " * i + b"- item\n" for i in range(1200))
    return {
        "SPR-401-iteration-template.md": (
            b"---\ndocid: SPR-401\ntitle: [unclosed\n---\n# SPR-401: x\n",
            3,
            "invalid YAML",
        ),
        "SPR-402-iteration-template.md": (
            b"---\ndocid: SPR-402\n---\n---\ntitle: two\n---\n# SPR-402: Plan\n",
            None,
            None,
        ),
        "SPR-403-iteration-template.md": (
            b"---\ndocid: SPR-403\n---\n---\ntitle: two\n---\n---\nowner: x\n---\n# SPR-403: three blocks\n",
            None,
            None,
        ),
        "SPR-404-iteration-template.md": (
            "\ufeff---\r\ndocid: SPR-404\r\ntitle: bom\r\n---\r\n# SPR-404: BOM\r\n"
            "- **Start Date:** 2026-06-01\r\n- **End Date:** 2026-06-12\r\n".encode(),
            None,
            None,
        ),
        "SPR-405-iteration-template.md": (b"---\ndocid: SPR-405\n---\n# x\nab\x00cd\n", 5, "NUL byte"),
        "SPR-406-iteration-template.md": (
            b"---\ndocid: SPR-406\n---\n# x\n" + b"a" * (20 * 1024 * 1024),
            None,
            "too large",
        ),
        "SPR-407-iteration-template.md": (
            b"---\ndocid: SPR-407\ndeep: " + b"[" * 5000 + b"]" * 5000 + b"\n---\n# x\n",
            2,
            "nested too deeply",
        ),
        "SPR-408-iteration-template.md": (b"---\ndocid: SPR-408\n---\n# SPR-408: lists\n" + nested, None, None),
        "SPR-409-iteration-template.md": (b"---\ndocid: SPR-409\ntitle: caf\xe9\n---\n# x\n", 3, "not UTF-8"),
        "SPR-410-iteration-template.md": (
            b"---\ndocid: ../../etc/passwd\n---\n# ../../etc/passwd: escape\n",
            None,
            None,
        ),
        "SPR-411-iteration-template.md": (
            b"---\ndocid: SPR-411\ntitle: '{{ 7*191 }} {% for x in range(3) %}XYZ"
            b"{% endfor %}'\n---\n# SPR-411: {{ 7*191 }} {% include '/etc/passwd' %}\n"
            b"- [ ] T-1: {{ cycler.__init__.__globals__ }} \xe2\x80\x94 @Ana \xe2\x80\x94"
            b" 3 SP\n",
            None,
            None,
        ),
        "SPR-412-iteration-template.md": (
            b"---\ndocid: SPR-412\ntitle: 'Alert <!channel> <!here> <@U123>'\n---\n# SPR-412: <!channel> ping\n",
            None,
            None,
        ),
        "SPR-413-iteration-template.md": (
            b"---\ndocid: SPR-413\nx: !!python/object/apply:os.system ['echo PWNED']\n---\n# x\n",
            3,
            "invalid YAML",
        ),
        "SPR-414-iteration-template.md": (_yaml_bomb(), None, None),
        "SPR-415-iteration-template.md": (b"---\ndocid: SPR-415\n---\n# SPR-415: cr only\r- a\r- b\r", None, None),
        "SPR-416-iteration-template.md": (
            b"\xff\xfe" + "# SPR-416: utf16\n".encode("utf-16-le") + b"\x00\xd8",
            None,
            None,
        ),
        "SPR-417-iteration-template.md": (b"", None, None),
        "SPR-418-iteration-template.md": (b"---\n" * 3000, None, None),
    }


TEMPLATE_PROBES = ("1337", "XYZXYZ", "root:x:0")
"""What template syntax in docs would produce if it were evaluated (7*191, a loop, /etc/passwd)."""


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Return relative path → bytes of every file below ``root`` (symlinks recorded by target, not followed)."""
    snap: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            snap[rel] = b"->" + os.readlink(path).encode()
        elif path.is_file():
            snap[rel] = path.read_bytes()
    return snap


def history_of(repo: Path, ref: str = "main") -> list[str]:
    """Return ``sha subject`` of every commit reachable from ``ref`` in ``repo`` (newest first)."""
    return git(repo, "log", "--format=%H %s", ref).splitlines()


def bot_commits(repo: Path, ref: str = "main") -> list[str]:
    """Return the subjects of the bot's commits reachable from ``ref``."""
    out = git(repo, "log", "--format=%an|%s", ref).splitlines()
    return [line.split("|", 1)[1] for line in out if line.startswith("ceremonies-bot|")]


def run_child(
    script: str, *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run ``tests/reliability/<script>`` with this interpreter; return the finished process (output captured)."""
    return subprocess.run(
        [sys.executable, str(HERE / script), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


# ------------------------------------------------------------------------------------------------ reminders team

SLACK_CHANNEL = "C0SPRINT"
REMIND_CONFIG = f"""[sprint]
timezone = "Europe/Berlin"
holiday_country = "DE"

[reminders]
lead_minutes = [60, 15]
ceremonies = ["planning", "demo", "retro", "refinement"]

[slack]
channel = "{SLACK_CHANNEL}"
"""


def remind_plan(key: str, number: str, start: str, end: str, title: str) -> str:
    """Return a plan with frontmatter and overview dates (our own text); ``title`` may carry Slack markup."""
    return f"""---
docid: {key}
title: "Sprint {number} Plan - {title}"
owner: "@Lead"
status: Active
---

# {key}: Sprint {number} Plan - {title}

## Sprint Overview
- **Sprint Number:** {number}
- **Start Date:** {start}
- **End Date:** {end}
- **Demo Owner:** @Ana

## Goals
- Ship {title}

## Scope (Planned Items)
- [ ] RM-1: {title} — @Bo — 5 SP
"""


def remind_files() -> dict[str, str | bytes | None]:
    """Return a Berlin team with three consecutive sprints (June 2026) whose ceremonies need reminders."""
    sprints = [
        ("SPR-501", "2026-23", "2026-06-01", "2026-06-12", "Alerts <!channel> & <!here>"),
        ("SPR-502", "2026-25", "2026-06-15", "2026-06-26", "Search {{ 7*191 }}"),
        ("SPR-503", "2026-27", "2026-06-29", "2026-07-10", "Billing"),
    ]
    files: dict[str, str | bytes | None] = {"ceremonies.toml": REMIND_CONFIG}
    for key, number, start, end, title in sprints:
        files[f"{SPRINTS}/{key}-iteration-template.md"] = remind_plan(key, number, start, end, title)
    files[f"{SPRINTS}/SPR-503-retrospective.md"] = RETRO_503
    return files


RETRO_503 = """# SPR-503: Sprint 2026-27 Retrospective

## What went well
- Billing shipped

## Action items
- [ ] Tell <!channel> about {{ 7*191 }} and {% include '/etc/passwd' %} — @Bo — Sprint 2026-29
"""
