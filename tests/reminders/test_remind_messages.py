"""Reminder messages: what planning, demo and retro digests say, escaping, Slack's block limits, team templates."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from remind_support import berlin_files, us_plan

from ceremonies.adapters.slack_blocks import MAX_BLOCKS, MAX_FALLBACK_TEXT, MAX_SECTION_TEXT, section_blocks
from ceremonies.config import parse_config
from ceremonies.domain.messages import blocks_text
from ceremonies.domain.parsing import build_history, parse_document
from ceremonies.jobs.remind import plan_reminders, render_messages
from support.gitrepo import write_files

BERLIN = ZoneInfo("Europe/Berlin")


def rendered(tmp_path: Path, files: dict[str, str], now: datetime, horizon: str = "14d") -> dict[str, str]:
    """Return key → the mrkdwn Slack shows of each reminder due (rendered with the templates of ``tmp_path`` first)."""
    write_files(tmp_path, files)
    settings = parse_config(files["ceremonies.toml"])
    docs = [parse_document(text, path) for path, text in files.items() if path.startswith(".ai/sprint/")]
    history = build_history(docs)
    plan = plan_reminders(history, settings, now, horizon)
    return {m.key or "": blocks_text(m.blocks) for m in render_messages(tmp_path, settings, history, plan.due, None)}


def test_planning_digest_has_link_goal_points_velocity_carry_overs_retro_scope_and_owners(tmp_path: Path) -> None:
    texts = rendered(tmp_path, berlin_files(), datetime(2026, 3, 16, 9, 0, tzinfo=BERLIN))
    text = texts["SPR-013/planning/day-before"]
    assert "*Sprint Planning* tomorrow: <!date^1773824400^{date_short_pretty} {time}|Wed Mar 18, 10:00 CET>" in text
    assert "–<!date^1773829800^{time}|11:30 CET>" in text, "each reader sees the times in their own zone"
    assert "Plan: `.ai/sprint/SPR-013-iteration-template.md`" in text
    assert "Payments retry safely &amp; fast" in text
    assert "13 SP planned vs 12 SP rolling velocity (last 2 sprints)" in text
    assert "• CHK-1 Retry queue (@Ana) · carried ×2" in text
    assert "• RET-2 Pair more &lt;!channel&gt; &amp; review (@Bo) · from SPR-012-RETRO action 2" in text
    assert "*Owners:* @Ana, @Bo, @Cy" in text
    assert "\n\n\n" not in text


def test_demo_digest_lists_completed_with_owners_the_demo_owner_and_what_is_open(tmp_path: Path) -> None:
    texts = rendered(tmp_path, berlin_files(), datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN))
    text = texts["SPR-013/demo/60m"]
    assert "*Demo owner:* @Dee" in text
    completed, still_open = text.split("*Completed*")[1].split("*Still open*")
    assert "PAY-7 Idempotent refunds (@Cy, @Ana) · 5 SP" in completed
    assert "RET-2" in completed and "CHK-1" not in completed
    assert "CHK-1 Retry queue (@Ana)" in still_open


def test_retro_digest_shows_the_last_retros_actions_and_their_status(tmp_path: Path) -> None:
    texts = rendered(tmp_path, berlin_files(), datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN))
    text = texts["SPR-013/retro/day-before"]
    assert "*Actions from SPR-012-RETRO* (0 not done)" in text
    assert "✅ Write down the deploy steps (@Ana) · done" in text
    assert "✅ Pair more &lt;!here&gt; (@Bo) · done" in text, "its scope item RET-2 is checked off"
    files = berlin_files()
    spr13 = ".ai/sprint/SPR-013-iteration-template.md"
    files[spr13] = files[spr13].replace("[x] RET-2", "[ ] RET-2")
    reopened = rendered(tmp_path / "reopened", files, datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN))
    assert "⬜ Pair more &lt;!here&gt; (@Bo) · in scope" in reopened["SPR-013/retro/day-before"]


def test_user_text_never_pings_and_blocks_carry_the_escaped_text(tmp_path: Path) -> None:
    texts = rendered(tmp_path, berlin_files(), datetime(2026, 3, 16, 9, 0, tzinfo=BERLIN))
    for text in texts.values():
        assert "<!channel>" not in text and "<!here>" not in text
    assert "&lt;!channel&gt;" in texts["SPR-013/planning/day-before"]


def test_a_huge_sprint_stays_within_slacks_limits(tmp_path: Path) -> None:
    rows = [(f"BIG-{n}", f"Item {n} " + "with a long explanatory title " * 6, f"Owner{n % 40}", 3) for n in range(700)]
    timetable = ["Mon Apr 13 — 09:30–11:00:** Sprint Planning.", "Fri Apr 24 — 10:00–11:00:** Sprint Review/Demo."]
    files = {
        ".ai/sprint/SPR-009-iteration-template.md": us_plan("Apr 13–Apr 24, 2026", 9, timetable, rows),
        "ceremonies.toml": '[sprint]\ntimezone = "America/Denver"\nholiday_country = "US"\n',
    }
    now = datetime(2026, 4, 23, 8, 0, tzinfo=ZoneInfo("America/Denver"))
    write_files(tmp_path, files)
    settings = parse_config(files["ceremonies.toml"])
    history = build_history([parse_document(files[".ai/sprint/SPR-009-iteration-template.md"], "SPR-009-x.md")])
    plan = plan_reminders(history, settings, now, "3d")
    messages = render_messages(tmp_path, settings, history, plan.due, None)
    demo = next(m for m in messages if m.key == "SPR-009/demo/day-before")
    sections = [block for block in demo.blocks if block["type"] == "section"]
    assert len(demo.blocks) <= MAX_BLOCKS and demo.blocks[0]["type"] == "header"
    assert all(len(block["text"]["text"]) <= MAX_SECTION_TEXT for block in sections)
    assert len(demo.text) <= MAX_FALLBACK_TEXT
    assert "left out" in sections[-1]["text"]["text"], "the reader is told the digest was cut"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20_000))
def test_blocks_respect_limits_for_any_text(text: str) -> None:
    blocks = [block.to_dict() for block in section_blocks(text, max_blocks=10, max_section=500)]
    assert len(blocks) <= 10
    assert all(0 < len(block["text"]["text"]) <= 500 for block in blocks)


def test_a_team_template_overrides_the_default(tmp_path: Path) -> None:
    files = berlin_files()
    files[".ceremonies/templates/slack/planning.md.j2"] = "Planning {{ sprint_key }} at {{ start }} — {{ goals[0] }}\n"
    texts = rendered(tmp_path, files, datetime(2026, 3, 16, 9, 0, tzinfo=BERLIN))
    assert texts["SPR-013/planning/day-before"] == (
        "*Sprint Planning · SPR-013*\n\nPlanning SPR-013 at 10:00 — Payments retry safely &amp; fast"
    ), "a template without blocks is the body; the header is the default"
