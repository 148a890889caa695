"""Fixtures of the reliability suite and its session summary (the campaign counts ``make test-reliability`` prints).

``CEREMONIES_RELIABILITY_FULL=1`` (set by ``make test-reliability``) makes the property tests and races run at full
size; tests marked ``reliability_full`` are the long campaign.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from reliability_support import CAMPAIGN_LINES, COUNTS, SUMMARY_KEYS


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """Run the flow tests of the session against Prefect's temporary test server (one start per session)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the campaign counters when any reliability test recorded some."""
    if not COUNTS:
        return
    terminalreporter.section("reliability summary")
    for line in CAMPAIGN_LINES:
        terminalreporter.write_line(line)
    for key in SUMMARY_KEYS:
        terminalreporter.write_line(f"{key:>22}: {COUNTS.get(key, 0)}")
