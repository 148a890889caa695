"""Test doubles we own and run for real, kept out of the wheel: the Slack Web API emulator (``slack``), a real
``prefect server start`` and PostgreSQL on loopback (``prefect_server``), team repos with bare remotes, human commits
and merges (``gitrepo``, built on the product's ``ceremonies.example``), headless Chromium (``browser``).

The tests import them as ``support.<module>`` (pytest puts ``tests/`` on the path: ``pythonpath`` in
pyproject.toml); from a checkout's root they are ``tests.support.<module>`` (``python -m tests.support.slack``
serves the emulator). Production code (``src/``, ``flows/``) never imports them: ``tests/test_architecture.py``.
"""
