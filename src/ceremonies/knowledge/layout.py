"""Where the generated pages go (:class:`Layout`), and how a generated page meets a human page holding its name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ceremonies.domain.managed import GENERATED_MARK, has_block, is_generated
from ceremonies.knowledge.blocks import replace_blocks
from ceremonies.knowledge.pages import HealthIssue

GENERATED_NAMES = {
    "index": "INDEX.md",
    "whats_new": "WHATS-NEW.md",
    "sprint_history": "SPRINT-HISTORY.md",
    "health": "DOC-HEALTH.md",
}
"""Default file names of the generated pages (``[kb] index_page`` ... change them)."""
GENERATED_BLOCKS = {
    "index": "index",
    "whats_new": "whats-new",
    "sprint_history": "sprint-history",
    "health": "doc-health",
}
"""Managed-block name that receives a generated page inside a human page holding the page's name."""
GENERATED_SETTINGS = {
    "index": "index_page",
    "whats_new": "whats_new_page",
    "sprint_history": "sprint_history_page",
    "health": "health_page",
}
"""The ``[kb]`` setting naming each generated page."""


@dataclass(frozen=True)
class Layout:
    """Where things are: the KB dir, the dir of the generated pages, and the generated pages' file names."""

    kb_dir: str
    generated_dir: str
    names: tuple[tuple[str, str], ...] = tuple(GENERATED_NAMES.items())

    @classmethod
    def of(cls, kb_dir: str, generated_sub: str = "", names: Mapping[str, str] | None = None) -> Layout:
        """Return the layout for ``kb_dir`` with generated pages in ``kb_dir/generated_sub``, named by ``names``
        (key of :data:`GENERATED_NAMES` → file name; the defaults for keys not given)."""
        kb = kb_dir.strip("/")
        sub = generated_sub.strip("/")
        chosen = {**GENERATED_NAMES, **(names or {})}
        return cls(kb, f"{kb}/{sub}" if sub else kb, tuple((key, chosen[key]) for key in GENERATED_NAMES))

    def generated(self, name: str) -> str:
        """Return the repo path of the generated page ``name`` (a key of :data:`GENERATED_NAMES`)."""
        return f"{self.generated_dir}/{dict(self.names)[name]}"

    def generated_paths(self) -> set[str]:
        """Return the repo paths of all generated pages."""
        return {self.generated(name) for name in GENERATED_NAMES}

    def is_page(self, path: str) -> bool:
        """Return True when ``path`` may be a human KB page: markdown under the KB dir. A file at a generated page's
        path is one unless it carries the generated mark (the caller looks at its text: :func:`is_generated`)."""
        return path.startswith(self.kb_dir + "/") and path.lower().endswith((".md", ".markdown"))


def name_collision(layout: Layout, name: str) -> HealthIssue:
    """Return the issue for a human page holding the path of generated page ``name`` without a managed block for
    it: what was not written, and the settings that resolve it."""
    path, block = layout.generated(name), GENERATED_BLOCKS[name]
    file = path.rpartition("/")[2]
    what = (
        f"{file} is a page a human wrote (its first line is not the generated mark), so the generated "
        f"{name.replace('_', ' ')} page was not written there. Resolve with one of: [kb] generated_dir = "
        f'"generated" (generated pages in their own folder), [kb] {GENERATED_SETTINGS[name]} = "<another name>" '
        f"in ceremonies.toml, or the markers <!-- ceremonies:begin {block} --> <!-- ceremonies:end {block} --> in "
        "the page (the generated text goes between them)"
    )
    return HealthIssue("name-collision", path, 1, what)


def generated_text(
    layout: Layout, name: str, current: str | None, rendered: str
) -> tuple[str | None, HealthIssue | None]:
    """Return (text to write, collision) for generated page ``name`` whose file now holds ``current``.

    Absent or generated (first line is the mark): the rendered page, whole. A human page with a managed block named
    after the page (:data:`GENERATED_BLOCKS`): the page with only that block's content replaced (the rendered page
    without its mark line). Any other human page: (None, name-collision issue) — nothing is written.
    """
    if current is None or is_generated(current):
        return rendered, None
    block = GENERATED_BLOCKS[name]
    if not has_block(current, block):
        return None, name_collision(layout, name)
    body = rendered.split("\n", 1)[1] if rendered.startswith(GENERATED_MARK) else rendered
    return replace_blocks(current, lambda found, _args: body if found == block else None), None
