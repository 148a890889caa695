"""Golden files: compare a set of generated texts with the files under a golden directory, byte for byte.

A golden directory holds exactly the expected outputs: a missing output, an extra output and a changed byte all fail.
After an intended change of a template or a rule, regenerate and review the diff:

    make goldens   # = UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/goldens tests/slack/test_message_goldens.py
    git diff tests/goldens tests/slack/goldens
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"
HOW_TO_UPDATE = "if the change is intended: make goldens, then review git diff tests/goldens"


def normalise(text: str, *, shas: Iterable[str] = (), paths: Mapping[str, str] | None = None) -> str:
    """Return ``text`` with the machine- and run-specific parts replaced by stable labels: each of ``shas`` (full or
    any prefix of at least 7 hex digits) by ``<sha:N>`` (N = its position in ``shas``), each path of ``paths`` by
    its label. Dates are not touched: the scenarios pin every date they feed in."""
    for path, label in (paths or {}).items():
        text = text.replace(path, label)
    labels = {sha: f"<sha:{number}>" for number, sha in enumerate(shas, start=1)}
    if labels:

        def label_of(match: re.Match[str]) -> str:
            found = match.group(0)
            full = [sha for sha in labels if sha.startswith(found.lower())]
            return labels[full[0]] if len(full) == 1 else found

        text = re.sub(r"(?<![0-9a-fA-F])[0-9a-f]{7,40}(?![0-9a-fA-F])", label_of, text)
    return text


def _diff(name: str, expected: str, actual: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True), actual.splitlines(keepends=True), f"golden/{name}", f"generated/{name}"
    )
    return "".join(lines)


def check_golden_dir(directory: Path, outputs: Mapping[str, str]) -> None:
    """Assert that ``directory`` holds exactly ``outputs`` (relative name → text); with UPDATE_GOLDENS=1 rewrite
    the directory to hold them instead (stale files removed)."""
    if UPDATE:
        for old in sorted(directory.rglob("*"), reverse=True) if directory.exists() else []:
            if old.is_file():
                old.unlink()
            elif old.is_dir() and not any(old.iterdir()):
                old.rmdir()
        for name, text in outputs.items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
    assert directory.is_dir(), f"no golden files in {directory}; {HOW_TO_UPDATE}"
    on_disk = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    missing, extra = sorted(on_disk - set(outputs)), sorted(set(outputs) - on_disk)
    assert not missing, f"{directory.name}: golden files nobody generates any more: {missing}; {HOW_TO_UPDATE}"
    assert not extra, f"{directory.name}: generated outputs without a golden file: {extra}; {HOW_TO_UPDATE}"
    changed = {
        name: _diff(name, (directory / name).read_bytes().decode("utf-8"), text)
        for name, text in sorted(outputs.items())
        if (directory / name).read_bytes() != text.encode("utf-8")
    }
    assert not changed, "\n".join([*changed.values(), HOW_TO_UPDATE])


ZERO_WIDTH_DIGITS = "\u200b\u200c\u200d\u2060"  # the wire format of the idempotency ref (adapters.slack.encode_ref)


def visible_ref(text: str) -> tuple[str, str]:
    """Return (the text the team reads, the invisible idempotency ref at its end decoded, its content hash replaced
    by ``<content-hash>``: the hash covers the text before its shas are normalised)."""
    body, edge, rest = text.partition("\u2063")
    if not edge:
        return text, ""
    digits = [ZERO_WIDTH_DIGITS.index(char) for char in rest.rstrip("\u2063")]
    data = bytes((a << 6) | (b << 4) | (c << 2) | d for a, b, c, d in zip(*[iter(digits)] * 4, strict=True))
    key, _, _content_hash = data.decode("utf-8").removeprefix("(ref: ").removesuffix(")").rpartition(" ")
    return body, f"(ref: {key} <content-hash>)"


def slack_message(message: Mapping[str, Any], zone: tzinfo | None) -> dict[str, Any]:
    """Return what the team sees of a message the Slack emulator holds (posted or scheduled; no ts, no
    scheduled-message id), its invisible idempotency ref decoded into ``ref``, ``post_at`` as ISO time in ``zone``."""
    text, ref = visible_ref(message["text"])
    shown = {"channel": message["channel"], "text": text, "ref": ref, "blocks": message["blocks"]}
    if "post_at" in message:
        shown["post_at"] = datetime.fromtimestamp(message["post_at"], zone).isoformat()
    return shown


def as_json(value: Any) -> str:
    """Return ``value`` as the golden files spell JSON: indented, keys sorted, non-ASCII kept, final newline."""
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
