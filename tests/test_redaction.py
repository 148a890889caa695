"""The one redaction: every kind of secret the adapters and the Prefect glue used to mask separately."""

from __future__ import annotations

import pytest

from ceremonies import redaction
from ceremonies.redaction import REDACTED, redact, without_userinfo

TOKEN = "xoxb-1234567890-abcdefABCDEF"


def test_one_call_masks_every_kind_of_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "env-secret-value-42")
    text = (
        f"slack {TOKEN}; env env-secret-value-42; given given-secret-9; "
        "clone 'https://bot:p@ss@git.example.com/docs.git' failed; Authorization: Bearer abc.def"
    )
    cleaned = redact(text, "given-secret-9", None)
    for secret in (TOKEN, "env-secret-value-42", "given-secret-9", "p@ss", "abc.def", "bot:"):
        assert secret not in cleaned
    assert "'https://***@git.example.com/docs.git'" in cleaned
    assert cleaned.count(REDACTED) == 5  # token, env, given, URL userinfo, Authorization value


def test_a_registered_secret_is_masked_from_then_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redaction, "_registered", set())
    assert redact("value block-token-77") == "value block-token-77"
    redaction.register_secret("block-token-77")
    redaction.register_secret("short")  # too short to replace verbatim
    assert redact("value block-token-77, short") == "value ***, short"


def test_text_without_secrets_is_unchanged() -> None:
    text = "see https://example.org/a@b and mail dana@example.com: SPR-013 done"
    assert redact(text) == text
    assert redact("") == ""


def test_without_userinfo_drops_credentials_for_comparison() -> None:
    assert without_userinfo("https://u:t@Host/x.git") == "https://Host/x.git"
