"""The next plan in the team's own shape: their headings in their order, their fields, their date format, scope as
a table when theirs is one. Pure: the outline text (their plan form, else their last plan) and the plan in, markdown
out; no I/O, no clock. Modules: :mod:`.document` (the document), :mod:`.lists` (scope lines in their list
style), :mod:`.text` (parts, frontmatter, dates written their way).

Rules, in the words of the doc they produce:

* the title and the ``Label: value`` lines before the first section keep their order; the sprint number, name
  and key are the new sprint's; a date line (``Timespan: a – b``, ``Dates: Thu a to Wed b. Review: c``) gets the
  new start and end in the same format, later dates on it move by as much as the start did; other values are kept
  from the last plan (empty in a blank form);
* each section keeps its heading; the carry-over section (``Previous Sprint Backlog``, ``Carried over``) gets the
  unfinished items, the first scope section (``Sprint Backlog``, ``Planned Items``, ``Added User Stories``) the
  retro actions aimed at this sprint, each with a link back to its retro; a standing/DoD section the standing
  actions; every other section is left for the team (a blank form's text is kept, a last plan's text is not);
* a plan with no date line gets ``**Dates:** start → end`` under its title (the next run reads its dates back);
  actions aimed later, open follow-ups and the planner's warnings go in sections at the end.
"""

from __future__ import annotations

from ceremonies.team_plan.document import PLACEHOLDER, Identity, TeamOutline, previous_fields, render
from ceremonies.team_plan.lists import Entry, ListStyle, list_style, render_entries, table_columns
from ceremonies.team_plan.text import (
    Part,
    date_writer,
    frontmatter_blocks,
    redate,
    shift_dates,
    split_parts,
    strip_frontmatter,
)

__all__ = [
    "PLACEHOLDER",
    "Entry",
    "Identity",
    "ListStyle",
    "Part",
    "TeamOutline",
    "date_writer",
    "frontmatter_blocks",
    "list_style",
    "previous_fields",
    "redate",
    "render",
    "render_entries",
    "shift_dates",
    "split_parts",
    "strip_frontmatter",
    "table_columns",
]
