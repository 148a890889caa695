"""Golden Block Kit JSON of every message kind, validated against Slack's limits and posted to the emulator; and a
property test: doc text with mentions, links and entities never survives unescaped in any message kind.

Regenerate the goldens after a deliberate change of a template or of the Block Kit layout (`make goldens` does this
and tests/goldens):

    UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/slack/test_message_goldens.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from message_kinds import build, contexts

from ceremonies.adapters.slack import make_client
from support.slack import SlackEmulator

GOLDENS = Path(__file__).parent / "goldens"
KINDS = contexts()
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"
OUR_TOKENS = re.compile(
    r"<!date\^\d+\^[^|<>]*\|[^<>]*>"  # Slack dates
    r"|<@U0ANA>|<!subteam\^S0BACKEND>"  # the mentions [slack.people] maps
)


def _as_json(kind: str) -> dict[str, Any]:
    message = build(KINDS[kind])
    return {"text": message.text, "blocks": list(message.blocks)}


def _texts(payload: dict[str, Any]) -> list[str]:
    """Return every text Slack shows of a payload: the fallback and each text/label/url in the blocks."""
    found = [payload["text"]]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "url") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload["blocks"])
    return found


def test_every_kind_is_there() -> None:
    assert set(KINDS) == {"next-sprint", "kb-summary", "failure", "reminder-planning", "reminder-demo",
                          "reminder-retro", "reminder-other"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_block_kit_matches_its_golden_and_slacks_limits(kind: str) -> None:
    payload = _as_json(kind)
    golden = GOLDENS / f"{kind}.json"
    text = json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if UPDATE or not golden.exists():
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"regenerate with UPDATE_GOLDENS=1 if {kind} changed on purpose"
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= 50
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert len(payload["text"]) <= 40_000


def test_every_kind_is_accepted_by_the_slack_emulator() -> None:
    token = "xoxb-goldens"
    with SlackEmulator(token=token, channels={"C0SPRINT": "sprint"}) as slack:
        client = make_client(token, slack.url, timeout=5, backoff=0.01)
        for kind in sorted(KINDS):
            payload = _as_json(kind)
            client.chat_postMessage(channel="C0SPRINT", text=payload["text"], blocks=payload["blocks"])
        assert len(slack.posted) == len(KINDS)


INJECTIONS = ["<!channel>", "<!here>", "<!subteam^S0EVIL>", "<@U0EVIL>", "<http://x|y>", "<!everyone>", "&", ">", "<"]
doc_text = st.lists(
    st.one_of(st.sampled_from(INJECTIONS), st.text(alphabet="ab<>&|!@^ \n*_`", max_size=8)), min_size=1, max_size=6
).map("".join)
STRUCTURAL = {"starts_at", "ends_at", "start_iso", "end_iso", "at", "link_url", "key", "lead", "ceremony"}


def _poison(value: Any, text: str, key: str = "") -> Any:
    """Return ``value`` with every doc string replaced by ``text`` (dates, URLs and keys kept: they are ours)."""
    if isinstance(value, str):
        return value if key in STRUCTURAL else text
    if isinstance(value, dict):
        return {k: _poison(v, text, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, text, key) for v in value]
    return value


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=25, deadline=None)
@given(text=doc_text)
def test_no_mention_link_or_markup_from_doc_text_survives_unescaped(kind: str, text: str) -> None:
    spec = KINDS[kind]
    message = build(spec, _poison(spec["context"], text))
    for shown in _texts({"text": message.text, "blocks": list(message.blocks)}):
        if shown.startswith("http"):
            continue  # a button URL: ours, not doc text
        rest = OUR_TOKENS.sub("", shown)
        assert "<" not in rest and ">" not in rest, f"raw Slack markup in {kind}: {shown!r}"
        assert not re.search(r"&(?!amp;|lt;|gt;)", rest), f"a bare & in {kind}: {shown!r}"
