"""Suite-wide test settings.

Hypothesis runs derandomized by default, so `make test` (and CI) sees the same examples on every run and a red build
is reproducible; `HYPOTHESIS_PROFILE=explore` draws fresh random examples (and more of them) to hunt for new cases.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
