"""``python -m bench --size small|medium|large [--only NAME] [--profile] [--no-report]``.

Generates (or reuses) the repo for the size, runs the benchmarks, saves ``bench/results/<size>.json`` and rewrites
the tables in ``BENCHMARKS.md``. Exit code 1 when a benchmark failed to run.
"""

from __future__ import annotations

import argparse
import sys

from bench import report
from bench.run import BENCHMARKS, merge_partial, run_all, save


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks as asked on the command line; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmarks of the ceremonies jobs.")
    parser.add_argument("--size", choices=("small", "medium", "large"), default="medium")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run just this benchmark (repeatable)")
    parser.add_argument("--profile", action="store_true", help="write cProfile excerpts to bench/.cache/profiles/")
    parser.add_argument("--no-report", action="store_true", help="print results without touching BENCHMARKS.md")
    options = parser.parse_args(argv)

    result = run_all(options.size, options.only, profile=options.profile)
    print()
    print(report.results_block(result))
    if not options.no_report:
        if options.only:
            result = merge_partial(result, options.only)
        save(result)
        print(f"\n[bench] wrote {report.write_report()} in {result.total_seconds:.0f} s")
    failed = [row for row in result.rows if row.status != "ok"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
