"""Benchmarks of ceremonies: synthetic docs repos (``bench.generate``), runs against floors (``bench.run``) and the
``BENCHMARKS.md`` report (``bench.report``). Run with ``python -m bench --size small|medium|large``."""
