"""The one place secrets are taken out of text: logs, error messages, artifacts, Slack notices, run parameters.

One pattern set, used by the adapters (git errors, Slack errors) and the Prefect glue (run logs, artifacts,
failure notices) alike: Slack tokens (``xoxb-…``), credentials in URLs (``https://user:token@host`` →
``https://***@host``), ``Authorization:`` header values, the ``SLACK_BOT_TOKEN`` in the environment, and any value
registered with :func:`register_secret` (e.g. a token read from a Prefect Secret block). No Prefect import: the
adapters may use it (``tasks.common`` only attaches :class:`RedactingFilter` to Prefect's loggers).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any

REDACTED = "***"
"""What a secret is replaced by."""

_SLACK_TOKEN = re.compile(r"xox[abposr]-[A-Za-z0-9-]+")
_URL_USERINFO = re.compile(r"(?i)(?P<scheme>\b[a-z][a-z0-9+.\-]*://)[^\s/'\"<>]*@")
_AUTH_HEADER = re.compile(r"(?i)(authorization:\s*)(basic|bearer|token)?\s*[^\s'\"]+")
_SECRET_KEY = re.compile(r"token|secret|password|passwd|credential|api[_-]?key|auth", re.IGNORECASE)
_MIN_SECRET = 6
"""Shorter values are not replaced verbatim (they would mask ordinary words)."""
_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Mask ``value`` (e.g. a token loaded from a Secret block) in everything redacted from now on."""
    if value and len(value) >= _MIN_SECRET:
        _registered.add(value)


def redact(text: str, *secrets: str | None) -> str:
    """Return ``text`` with secrets replaced by ``***``: ``secrets`` given here, registered ones, the
    ``SLACK_BOT_TOKEN`` in the environment, anything Slack-token-shaped, URL credentials and Authorization values."""
    if not text:
        return text
    known = {
        secret for secret in (*secrets, os.environ.get("SLACK_BOT_TOKEN")) if secret and len(secret) >= _MIN_SECRET
    }
    for secret in sorted(known | _registered, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _SLACK_TOKEN.sub(REDACTED, text)
    text = _URL_USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", text)
    return _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


def without_userinfo(text: str) -> str:
    """Return ``text`` with the ``user:password@`` part of every URL dropped (not masked): for comparing URLs."""
    return _URL_USERINFO.sub(lambda m: m.group("scheme"), text)


def redact_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of flow-run ``parameters`` safe to show: secret-named keys masked, string values redacted."""

    def clean(key: str, value: Any) -> Any:
        if _SECRET_KEY.search(key) and value not in (None, "", False):
            return REDACTED
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, Mapping):
            return {str(k): clean(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(key, v) for v in value]
        return value

    return {key: clean(key, value) for key, value in parameters.items()}


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) through :func:`redact`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's formatted message by its redacted form; return True (keep the record)."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
