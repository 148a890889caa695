"""Wait for something asynchronous (logs reaching the API, a message arriving) by polling until a deadline.

Never wait a fixed time for a result: a busy 2-core CI machine does not honour it, and an idle one wastes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(
    fetch: Callable[[], T], done: Callable[[T], bool], *, timeout: float = 30.0, interval: float = 0.1, what: str
) -> T:
    """Return the first value of ``fetch()`` for which ``done(value)`` is true, calling it every ``interval`` seconds.

    Raises AssertionError saying ``what`` was awaited and showing the last value when ``timeout`` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g}s for {what}; last seen: {value!r}")
        time.sleep(interval)
