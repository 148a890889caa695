"""Child process of the work-tree race tests: waits at the start line, then runs ``ceremonies ARGS...`` (the real
CLI, in this process) and exits with its exit code. Env ``RACE_START_FILE`` as in :mod:`crash_child`."""

from __future__ import annotations

import sys

from crash_child import wait_for_start

from ceremonies.cli import main

if __name__ == "__main__":
    wait_for_start()
    sys.exit(main(sys.argv[1:]))
