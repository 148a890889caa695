"""Compute step of the KB refresh: only the pages merged work touched are parsed again (the rest comes from the
cached state), and the plan holds only the files whose text changes. The same history always gives byte-identical
pages, so a re-run writes nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ceremonies import knowledge as kb
from ceremonies.adapters import history as githistory
from ceremonies.adapters.files import read_doc_text, read_document, scan_sprint_dir
from ceremonies.adapters.kb_render import KbRenderer
from ceremonies.config import Settings
from ceremonies.domain.commits import MergedCommit
from ceremonies.domain.model import Document
from ceremonies.domain.parsing import build_history
from ceremonies.errors import SprintDocError
from ceremonies.jobs.kb_load import KbInput, kb_layout
from ceremonies.jobs.kb_rows import (
    all_issues,
    health_page,
    index_page,
    issue_rows,
    render_key,
    stale_of_rows,
    updated_rows,
)


@dataclass(frozen=True)
class KbPlan:
    """What a refresh computed: the new state, the files to write (path → text), health and review facts."""

    state: kb.KbState
    writes: dict[str, str]
    before: dict[str, str | None]
    issues: tuple[kb.HealthIssue, ...]
    stale: tuple[kb.Stale, ...]
    new_work: tuple[MergedCommit, ...]
    pages_parsed: int
    sprint_docs: dict[str, Document] | None = None



def _read(root: Path, path: str) -> tuple[str | None, kb.HealthIssue | None]:
    """Return the text of a repo file (None when missing) or a health issue when it cannot be read."""
    target = root / path
    if not target.exists():
        return None, None
    if not target.resolve().is_relative_to(root.resolve()):
        return None, kb.HealthIssue("unreadable", path, None, "symlink points outside the repo")
    try:
        return read_doc_text(target), None
    except SprintDocError as error:
        return None, kb.HealthIssue("unreadable", path, error.line, error.what)


def _parse_pages(
    root: Path, paths: Sequence[str], settings: Settings, texts: dict[str, str], pages: MutableMapping[str, kb.KbPage]
) -> int:
    """Parse ``paths`` into ``pages`` (removing the ones that are gone), keeping their texts; return how many."""
    parsed = 0
    for path in paths:
        text, issue = _read(root, path)
        if text is None and issue is None:
            pages.pop(path, None)
            continue
        if text is not None and kb.is_generated(text):
            pages.pop(path, None)
            continue
        parsed += 1
        if text is None:
            pages[path] = kb.KbPage(path=path, issues=(issue,) if issue else ())
            continue
        texts[path] = text
        pages[path] = kb.parse_kb_page(text, path, settings.kb.required_keys)
    return parsed


def _touched(commits: Iterable[MergedCommit]) -> set[str]:
    """Return every path the commits touched."""
    return {path for commit in commits for path in commit.touched_paths()}


def _render_all(
    state: kb.KbState, inp: KbInput, renderer: KbRenderer, which: set[str], issues: Sequence[kb.HealthIssue]
) -> dict[str, str]:
    """Return path → text of the generated pages named in ``which``."""
    layout, zone = inp.layout, inp.zone
    out = {}
    if "index" in which:
        out[layout.generated("index")] = renderer.render_page("index", kb.index_context(state, layout, zone))
    if "whats_new" in which:
        context = kb.whats_new_context(state, layout, zone)
        out[layout.generated("whats_new")] = renderer.render_page("whats-new", context)
    if "sprint_history" in which:
        out[layout.generated("sprint_history")] = renderer.render_page(
            "sprint-history", kb.sprint_history_context(state, layout)
        )
    if "health" in which:
        out[layout.generated("health")] = renderer.render_page("doc-health", kb.health_context(issues, state, layout))
    return out


def _generated_paths(layout: kb.Layout) -> dict[str, str]:
    """Return generated page key → repo path."""
    return {name: layout.generated(name) for name in kb.GENERATED_NAMES}


def name_collisions(root: Path, settings: Settings) -> list[kb.HealthIssue]:
    """Return a ``name-collision`` issue for each generated page whose path a human page holds without a managed
    block for it (what ``check`` reports; a refresh leaves those pages alone)."""
    layout = kb_layout(settings)
    found = []
    for name, path in _generated_paths(layout).items():
        _, issue = kb.generated_text(layout, name, _read(root, path)[0], "")
        if issue is not None:
            found.append(issue)
    return found


def _affected_generated(
    inp: KbInput, reparsed: set[str], history_changed: set[str], sprints_changed: bool, new_work: Sequence[MergedCommit]
) -> set[str]:
    """Return which generated pages an incremental refresh must render (all of them on a full rebuild)."""
    if not inp.incremental:
        return set(kb.GENERATED_NAMES)
    which = set()
    generated = {inp.layout.generated(name): name for name in kb.GENERATED_NAMES}
    for path in _touched(new_work):
        if path in generated:
            which.add(generated[path])  # a human changed a generated page: put it back
    if reparsed or history_changed:
        which |= {"index", "health", "whats_new"}
    if new_work:
        which |= {"whats_new", "health"}
    if sprints_changed:
        which |= {"sprint_history", "whats_new", "health"}
    return which


def _candidates(inp: KbInput, pages: Mapping[str, kb.KbPage]) -> list[str]:
    """Return the pages to parse: every tracked page on a full rebuild; else the pages merged work touched.

    Files only the bot's own KB commits touched are not parsed again: the state already holds them as written.
    """
    layout = inp.layout
    if inp.previous is None:
        return [p for p in githistory.list_files(inp.facts, layout.kb_dir) if layout.is_page(p)]
    human = _touched(c for c in inp.commits if not c.is_kb_sync)
    bot = _touched(c for c in inp.commits if c.is_kb_sync) - human
    wanted = {p for p in human if layout.is_page(p) or p in pages}
    wanted |= {p for p in bot if layout.is_page(p) and p not in pages}
    return sorted(wanted)


def _link_checker(inp: KbInput, base: kb.KbState) -> tuple[dict[str, bool], Callable[[str], bool]]:
    """Return the known link-target existence (kept from the last run except for paths merged work touched)
    and an ``exists(path)`` that fills it from the file system on demand."""
    known = dict(base.link_exists) if inp.previous is not None else {}
    for path in _touched(inp.commits):
        known.pop(path, None)
        known.pop(path.rpartition("/")[0], None)

    def exists(path: str) -> bool:
        found = known.get(path)
        if found is None:
            found = known[path] = (inp.root / path).exists()
        return found

    return known, exists


def _managed_texts(inp: KbInput, state: kb.KbState, paths: Iterable[str], texts: dict[str, str]) -> dict[str, str]:
    """Return path → new text of the pages in ``paths`` with managed blocks (only text between markers changes)."""
    out = {}
    for path in sorted(paths):
        page = state.pages.get(path)
        if page is None or not page.blocks:
            continue
        text = texts.get(path)
        if text is None:
            text, _ = _read(inp.root, path)
        if text is None:
            continue
        texts[path] = text
        history = state.history.get(path, kb.PageHistory())
        out[path] = kb.replace_blocks(text, kb.block_renderer(page, history, inp.zone))
    return out


def _sprint_docs(inp: KbInput, changed: Sequence[str]) -> dict[str, Document]:
    """Return path → parsed sprint doc: the cached docs with only ``changed`` read again (all on a full rebuild)."""
    cached = githistory.load_sprint_docs(inp.facts) if inp.previous is not None else None
    if cached is None or inp.previous is None or cached[0] != inp.previous.sprint_docs_at:
        return {doc.path: doc for doc in scan_sprint_dir(inp.root, inp.settings)}
    docs = dict(cached[1])
    root = inp.root.resolve()
    for path in changed:
        target = root / path
        if target.is_file() and target.suffix.lower() in (".md", ".markdown"):
            docs[path] = read_document(target, root, inp.settings)
        else:
            docs.pop(path, None)
    return docs


def _indexes(inp: KbInput, base: kb.KbState, before: dict[str, kb.KbPage | None], pages: Mapping[str, kb.KbPage]
             ) -> kb.KbIndex:
    """Return the reverse indexes of ``pages``: the cached ones updated for the pages in ``before`` (path → page
    before this refresh), or built from every page on a full rebuild."""
    if inp.previous is None or base.indexes is None:
        return kb.KbIndex.build(pages.values())
    return base.indexes.updated(before, {path: pages.get(path) for path in before})


def _added_or_deleted(commit: MergedCommit) -> set[str]:
    """Return the paths ``commit`` created or removed (a modified file still exists: links to it are unchanged)."""
    return {path for change in commit.files if change.status != "M" for path in (change.path, change.old_path) if path}


def _dirty(inp: KbInput, state: kb.KbState, before: dict[str, kb.KbPage | None], history_changed: set[str]
           ) -> tuple[set[str], set[str]]:
    """Return the pages whose INDEX row and whose DOC-HEALTH rows an incremental refresh renders again: pages
    parsed again or whose history changed; for health also the pages linking to a path (or its folder) that merged
    work created or deleted, and the pages sharing a docid with a changed page (before or after)."""
    changed = set(before)
    index_dirty = changed | history_changed
    appeared_or_gone = {path for commit in inp.commits for path in _added_or_deleted(commit)}
    targets = appeared_or_gone | {path.rpartition("/")[0] for path in appeared_or_gone}
    docids = {page.docid for page in before.values() if page is not None}
    docids |= {page.docid for path in changed if (page := state.pages.get(path)) is not None}
    indexes = state.indexes or kb.KbIndex()
    return index_dirty, index_dirty | indexes.linking_to(targets) | indexes.sharing_docid(docids)


def compute_kb(inp: KbInput, renderer: KbRenderer | None = None) -> KbPlan:
    """Return the refresh plan: the new state and the text of every file that changes (others untouched).

    Incremental: only the pages merged work touched are parsed; the cached state's indexes find the pages whose
    sources, links or docid a change concerns; INDEX.md and DOC-HEALTH.md are put together from cached rows with
    only those pages' rows rendered again (:mod:`ceremonies.jobs.kb_rows`).
    """
    root, settings, layout = inp.root, inp.settings, inp.layout
    renderer = renderer or KbRenderer.for_repo(root, settings.paths.template_dir)
    base = inp.previous or kb.KbState()
    texts: dict[str, str] = {}
    pages = kb.copy_map(base.pages)
    candidates = _candidates(inp, pages)
    before = {path: base.pages.get(path) for path in candidates}
    parsed = _parse_pages(root, candidates, settings, texts, pages)
    sprint_dir = settings.paths.sprint_dir.strip("/") + "/"
    touched = _touched(inp.commits)
    sprints_changed = inp.previous is None or any(path.startswith(sprint_dir) for path in touched)
    sprint_docs = None
    if sprints_changed:
        sprint_docs = _sprint_docs(inp, sorted(p for p in touched if p.startswith(sprint_dir)))
        history = build_history(sprint_docs[path] for path in sorted(sprint_docs))
        base = replace(base, sprints=kb.sprint_facts(history), sprint_docs_at=inp.facts.head)
    indexes = _indexes(inp, base, before, pages)
    state, history_changed = kb.apply_commits(base, inp.commits, pages, inp.facts.head, indexes)
    new_work = tuple(c for c in inp.pending if not c.is_kb_sync)
    # pages with managed blocks: new text, parsed again so the state matches what is written (lines may move)
    blocks = _managed_texts(
        inp, state, state.pages if not inp.incremental else set(candidates) | history_changed, texts
    )
    if blocks:
        pages = kb.copy_map(state.pages)
        rewritten = {path: pages.get(path) for path in blocks}
        for path, text in blocks.items():
            pages[path] = kb.parse_kb_page(text, path, settings.kb.required_keys)
        indexes = indexes.updated(rewritten, {path: pages[path] for path in blocks})
        before = {**{path: page for path, page in rewritten.items() if path not in before}, **before}
        state = replace(state, pages=pages, indexes=indexes)
    which = _affected_generated(inp, set(candidates), history_changed, sprints_changed, new_work)
    known, exists = _link_checker(inp, base)
    occupied = {name: blocks.get(path) or _read(root, path)[0] for name, path in _generated_paths(layout).items()}
    collisions = {
        name: issue
        for name, text in occupied.items()
        if (issue := kb.generated_text(layout, name, text, "")[1]) is not None
    }
    if collisions or _touched(inp.commits) & layout.generated_paths():
        which.add("health")
    key = render_key(renderer, layout, inp.zone)
    if key is None:  # the team's own INDEX / DOC-HEALTH templates: render them whole from every page
        issues = sorted(
            [*kb.health_issues(state, layout, exists), *collisions.values()],
            key=lambda i: (i.kind, i.path, i.line or 0, i.message),
        )
        state = replace(state, link_exists=known, rows=None)
        generated = _render_all(state, inp, renderer, which - set(collisions), issues)
        stale = tuple(kb.stale_pages(state))
    else:
        cache = base.rows if inp.previous is not None and base.rows and base.rows.key == key else None
        dirty = _dirty(inp, state, before, history_changed) if cache is not None else None
        rows = updated_rows(cache, key, state, layout, inp.zone, renderer, exists, dirty)
        extra = issue_rows([*state.sprints.issues, *collisions.values()], layout, renderer)
        ordered = all_issues(rows, extra)
        issues = [kb.HealthIssue(row[0], row[1], row[2], row[3]) for row in ordered]
        state = replace(state, link_exists=known, rows=rows)
        generated = _render_all(state, inp, renderer, which - set(collisions) - {"index", "health"}, issues)
        if "index" in which - set(collisions):
            generated[layout.generated("index")] = index_page(rows, renderer)
        if "health" in which - set(collisions):
            generated[layout.generated("health")] = health_page(rows, ordered, len(state.pages), renderer)
        stale = stale_of_rows(rows)
    rendered = dict(blocks)
    for name, path in _generated_paths(layout).items():
        if path in generated:
            page_text, _ = kb.generated_text(layout, name, occupied[name], generated[path])
            if page_text is not None:
                rendered[path] = page_text
    writes, before_texts = {}, {}
    for path, text in sorted(rendered.items()):
        current = texts.get(path)
        if current is None:
            current, _ = _read(root, path)
        if current != text:
            writes[path] = text
            before_texts[path] = current
    return KbPlan(state, writes, before_texts, tuple(issues), stale, new_work, parsed, sprint_docs)


# ------------------------------------------------------------------------------------------------ write, commit


def diff_of(plan: KbPlan) -> str:
    """Return a unified diff of every file the plan writes."""
    chunks: list[str] = []
    for path, text in plan.writes.items():
        old = plan.before.get(path) or ""
        chunks.extend(
            difflib.unified_diff(
                old.splitlines(keepends=True), text.splitlines(keepends=True), f"a/{path}", f"b/{path}"
            )
        )
    return "".join(chunks)
