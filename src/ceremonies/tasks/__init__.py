"""The only package in ``src/`` that imports Prefect: the job steps wrapped as tasks (retries, logging)."""
