"""A real browser for UI checks: Debian's ``chromium``, headless, driven from the command line.

``--dump-dom`` returns the DOM after the page's scripts ran (``--virtual-time-budget`` lets the single-page app load
its data), ``--screenshot`` writes a PNG. No driver library: two subprocess calls.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

_BUDGET_MS = 15000
_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"]


def chromium() -> str | None:
    """Return the path of the chromium executable, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def dump_dom(url: str, timeout: float = 90.0) -> str:
    """Return the DOM of ``url`` after its scripts ran (serialised HTML)."""
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (Debian package `chromium`)")
    done = subprocess.run(
        [exe, *_FLAGS, f"--virtual-time-budget={_BUDGET_MS}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done.stdout


def screenshot(url: str, path: Path, timeout: float = 90.0) -> Path:
    """Write a PNG screenshot of ``url`` (1400x1000) to ``path``; return it."""
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (Debian package `chromium`)")
    subprocess.run(
        [exe, *_FLAGS, f"--virtual-time-budget={_BUDGET_MS}", "--window-size=1400,1000", f"--screenshot={path}", url],
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return path


@dataclass
class _Texts(HTMLParser):
    """Collects the text of headings and of every element, by tag."""

    headings: list[str] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)
    _stack: list[tuple[str, list[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "input", "meta", "link", "hr"):
            return
        self._stack.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            name, parts = self._stack.pop()
            text = "".join(parts)
            if self._stack:
                self._stack[-1][1].append(text)
            self.blocks.append((name, text))
            if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                self.headings.append(text.strip())
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        if self._stack:
            self._stack[-1][1].append(data)


def headings(dom: str) -> list[str]:
    """Return the text of every h1..h6 element of ``dom``."""
    parser = _Texts()
    parser.feed(dom)
    return parser.headings


def elements_containing(dom: str, needle: str) -> list[tuple[str, str]]:
    """Return (tag, text) of every element of ``dom`` whose text contains ``needle``, innermost first."""
    parser = _Texts()
    parser.feed(dom)
    return [(tag, text) for tag, text in parser.blocks if needle in text]
