"""Constants shared by the Slack tests (imported as ``slack_support``; the test dir is on sys.path)."""

from __future__ import annotations

from datetime import UTC, datetime

TOKEN = "xoxb-1111-2222-emulated-secret"
CHANNEL_ID = "C0SPRINT"
OTHER_ID = "C0OUTSIDE"
NOW = datetime(2026, 4, 9, 18, 0, tzinfo=UTC)
