"""The sprint docs of a small test team (our own text, in the seeds' shapes): SPR-011 done, SPR-012 running.

SPR-012 (Sprint 2026-12, 4.–18. März 2026) has two unchecked items; its retro has actions aimed at Sprint 2026-13
(one a plain bullet, one under a priority heading with an ID), one at 2026-14 and one ongoing.
"""

from __future__ import annotations

from datetime import date

PLAN_011 = """---
docid: SPR-011
title: Sprint 2026-11 Planning - Search Basics
owner: "@ScrumMaster"
status: Done
---

# SPR-011: Sprint 2026-11 Planning - Search Basics

## Sprint Overview
- **Sprint Name:** Sprint 2026-11
- **Sprint Number:** 2026-11
- **Start Date:** 18. Februar 2026
- **End Date:** 4. März 2026
- **Duration (days):** 14

## Scope (Planned Items)
- [x] SRCH-1: Index products nightly — @Backend — 8 SP
- [x] SRCH-2: Search box with suggestions — @Frontend — 5 SP
- [x] SRCH-3: Relevance smoke tests — @QA — 3 SP
"""

SUMMARY_011 = """# SPR-011: Sprint Execution Summary - Search Basics

## Sprint Overview
- **Sprint Number:** 2026-11
- **Start Date:** 18. Februar 2026
- **End Date:** 4. März 2026

## Execution Summary

### Completed Work

#### 1. SRCH-1: Index products nightly - 8 SP ✅
#### 2. SRCH-2: Search box with suggestions - 5 SP ✅
#### 3. SRCH-3: Relevance smoke tests - 3 SP ✅

### Sprint Metrics
- **Story Points Completed:** 16/16 (100%)
"""

RETRO_011 = """---
docid: SPR-011-RETRO
title: Sprint 2026-11 Retrospective
owner: "@ScrumMaster"
status: Done
---

# SPR-011: Sprint 2026-11 Retrospective

## What went well
- Suggestions shipped early

## Action items
- [x] Add search latency to the dashboard — @DevOps — Sprint 2026-12
"""

PLAN_012 = """---
docid: SPR-012
title: Sprint 2026-12 Planning - Search Quality
owner: "@ScrumMaster"
status: In Progress
---

# SPR-012: Sprint 2026-12 Planning - Search Quality

## Sprint Overview
- **Sprint Name:** Sprint 2026-12
- **Sprint Number:** 2026-12
- **Start Date:** 4. März 2026
- **End Date:** 18. März 2026
- **Duration (days):** 14

## Goals
- Better ranking for long queries

## Commitment
- Planned Story Points: 18
- Team Capacity: 16 Story Points

## Scope (Planned Items)
- [x] SRCH-10: Synonym dictionary — @Backend — 5 SP
- [ ] SRCH-11: Typo tolerance for long queries — @Backend/@QA — 8 SP
- [x] SRCH-12: Ranking dashboard — @DevOps — 2 SP
- [ ] SRCH-13: Zero-result report — @Frontend — 3 SP

## Review & Demo
- Demo Owner: @Backend
- Demo Date: 18. März 2026

## Retrospective (End of Sprint)
- What went well:
- What could be improved:
- Action items:
  - [ ] Action 1 — Owner — Due
"""

RETRO_012 = """---
docid: SPR-012-RETRO
title: Sprint 2026-12 Retrospective
owner: "@ScrumMaster"
status: Done
---

# SPR-012: Sprint 2026-12 Retrospective

## What went well
- Synonyms landed in the first week

## What could be improved
- Typo tolerance needed more test data than planned

## Action items
- [ ] Collect a test set of misspelled queries — @QA — Sprint 2026-13
- [ ] Review query logs weekly — @Backend — ongoing
- [ ] Move the search cluster to the new region — @DevOps — Sprint 2026-14

### High Priority (Sprint 2026-13)
1. **SRCH-20: Alert on empty search results**
   - Owner: @DevOps/@Frontend
   - Measure: alert fires within five minutes in staging
   - Story Points: 3
"""

CONFIG = """[slack]
channel = "#search"

[bot]
name = "sprint-bot"
email = "sprint-bot@example.org"
"""

SPRINT_DIR = ".ai/sprint"
PLAN_012_PATH = f"{SPRINT_DIR}/SPR-012-iteration-template.md"
RETRO_012_PATH = f"{SPRINT_DIR}/SPR-012-retrospective.md"
NEW_PLAN_PATH = f"{SPRINT_DIR}/SPR-013-iteration-template.md"

DUE_DAY = date(2026, 3, 17)
"""The day before SPR-012 ends: the next sprint is due."""


def team_files() -> dict[str, str]:
    """Return path → text of the test team's repo (sprint docs, a config and a README)."""
    return {
        "README.md": "# Search team docs\n",
        "ceremonies.toml": CONFIG,
        f"{SPRINT_DIR}/SPR-011-iteration-template.md": PLAN_011,
        f"{SPRINT_DIR}/SPR-011-execution-summary.md": SUMMARY_011,
        f"{SPRINT_DIR}/SPR-011-retrospective.md": RETRO_011,
        PLAN_012_PATH: PLAN_012,
        RETRO_012_PATH: RETRO_012,
    }
