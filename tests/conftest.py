"""Suite-wide test settings and fixtures.

"Now" is pinned (``now``/``today`` fixtures, see pinned_clock.py): no test reads the machine's clock to build data.

Hypothesis runs derandomized by default, so `make test` (and CI) sees the same examples on every run and a red build
is reproducible; `HYPOTHESIS_PROFILE=explore` draws fresh random examples (and more of them) to hunt for new cases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from hypothesis import settings

from pinned_clock import pinned_now, pinned_today

settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """Run the flow tests of the session against Prefect's temporary test server (one start for the whole run)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def now() -> datetime:
    """Return the suite's pinned instant (aware, UTC; ``CEREMONIES_TEST_NOW`` moves it, see pinned_clock.py)."""
    return pinned_now()


@pytest.fixture(scope="session")
def today() -> date:
    """Return the pinned instant's date in the synthetic teams' zone (Europe/Berlin)."""
    return pinned_today()
