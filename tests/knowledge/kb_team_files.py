"""Our own small team docs repo for the KB tests: sprint docs in the seeds' formats and KB pages."""

from __future__ import annotations

PLAN_101 = """---
docid: SPR-101
title: Sprint 2026-05 Planning - Checkout
owner: "@ScrumMaster"
status: Done
---

# SPR-101: Sprint 2026-05 Planning - Checkout

## Sprint Overview
- **Sprint Name:** Sprint 2026-05
- **Sprint Number:** 2026-05
- **Start Date:** 2. März 2026
- **End Date:** 16. März 2026
- **Duration (days):** 14

## Goals
- Ship the new checkout flow
- Cut the product page load time

## Commitment
- Planned Story Points: 21
- Team Capacity: 24 Story Points

## Scope (Planned Items)
- [x] CHK-001: New checkout flow — @Backend — 8 SP
- [x] CHK-002: Payment retries — @Backend — 5 SP
- [ ] PERF-010: Lazy-load product images — @Frontend — 8 SP
"""

RETRO_101 = """---
docid: SPR-101-RETRO
title: Sprint 2026-05 Retrospective
owner: "@ScrumMaster"
status: Done
---

# SPR-101: Sprint 2026-05 Retrospective

## What went well
- Checkout shipped a day early

## What could be improved
- Release notes were written in a hurry

## Action items
- [ ] Add smoke tests to the release checklist — @QA — Sprint 2026-06
- [ ] Rotate the demo host every sprint — @ScrumMaster — Sprint 2026-06
"""

SUMMARY_101 = """# SPR-101: Sprint Execution Summary - Checkout

## Sprint Overview
- **Sprint Name:** Sprint 2026-05
- **Sprint Number:** 2026-05
- **Start Date:** 2. März 2026
- **End Date:** 16. März 2026

## Execution Summary

### Completed Work

#### 1. New checkout flow - 8 SP ✅
- Rebuilt the checkout on the new payment API

#### 2. Payment retries - 5 SP ✅
- Retries with backoff for soft declines

## Metrics
- **Velocity:** 13 Story Points
"""

PLAN_102 = """---
docid: SPR-102
title: Sprint 2026-06 Planning - Reliability
owner: "@ScrumMaster"
status: Active
---

# SPR-102: Sprint 2026-06 Planning - Reliability

## Sprint Overview
- **Sprint Name:** Sprint 2026-06
- **Sprint Number:** 2026-06
- **Start Date:** 16. März 2026
- **End Date:** 30. März 2026
- **Duration (days):** 14

## Goals
- Make releases boring

## Commitment
- Planned Story Points: 18

## Scope (Planned Items)
- [ ] PERF-010: Lazy-load product images — @Frontend — 8 SP
- [x] REL-001: Add smoke tests to the release checklist — @QA — 5 SP
- [ ] REL-002: Canary deploys — @DevOps — 5 SP
"""

PAYMENTS_PAGE = """---
docid: KB-030
title: Payments service
owner: "@Backend"
status: Active
sources:
  - src/payments/**
---

# Payments service

How the payments service talks to the provider. See the [checkout guide](../guides/checkout.md).

## Recent changes

<!-- ceremonies:begin recent-changes -->
(filled in by ceremonies)
<!-- ceremonies:end recent-changes -->

Text after the block that a human wrote.
"""

CHECKOUT_PAGE = """---
docid: KB-031
title: Checkout guide
owner: "@Frontend"
status: Draft
sources: [src/checkout/*.py]
---

# Checkout guide

Start with [payments](../services/payments.md) and the [missing page](../nowhere.md).
"""

NO_FRONTMATTER = """# Loose notes

Nothing official here.
"""

BROKEN_YAML = """---
docid: KB-040
title: [unclosed
owner: "@Nobody"
---

# Broken page

Body still here.
"""

DUPLICATE = """---
docid: KB-031
title: Another checkout page
owner: "@Frontend"
status: Active
---

# Another checkout page
"""


def team_files() -> dict[str, str]:
    """Return path → text of the team repo used by the KB tests."""
    return {
        "ceremonies.toml": '[slack]\nchannel = "#team-kb"\n',
        ".ai/sprint/SPR-101-iteration-template.md": PLAN_101,
        ".ai/sprint/SPR-101-retrospective.md": RETRO_101,
        ".ai/sprint/SPR-101-execution-summary.md": SUMMARY_101,
        ".ai/sprint/SPR-102-iteration-template.md": PLAN_102,
        ".ai/knowledgebase/services/payments.md": PAYMENTS_PAGE,
        ".ai/knowledgebase/guides/checkout.md": CHECKOUT_PAGE,
        ".ai/knowledgebase/notes.md": NO_FRONTMATTER,
        "src/payments/api.py": "VALUE = 1\n",
        "src/checkout/flow.py": "STEP = 1\n",
    }
