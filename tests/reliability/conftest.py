"""Fixtures of the reliability suite and its session summary (the campaign counts ``make test-reliability`` prints).

``CEREMONIES_RELIABILITY_FULL=1`` (set by ``make test-reliability``) makes the property tests and races run at full
size; tests marked ``reliability_full`` are the long campaign.
"""

from __future__ import annotations

from typing import Any

from reliability_support import CAMPAIGN_LINES, COUNTS, SUMMARY_KEYS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the campaign counters when any reliability test recorded some."""
    if not COUNTS:
        return
    terminalreporter.section("reliability summary")
    for line in CAMPAIGN_LINES:
        terminalreporter.write_line(line)
    for key in SUMMARY_KEYS:
        terminalreporter.write_line(f"{key:>22}: {COUNTS.get(key, 0)}")
