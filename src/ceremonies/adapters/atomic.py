"""The one atomic file writer (temp file in the same directory, fsync, rename): a reader sees the old bytes or the
new ones, never half of them. Its own module so the state store and the parse cache can use it without importing
the sprint-doc reader (:mod:`ceremonies.adapters.files` re-exports it)."""

from __future__ import annotations

import glob
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same dir, fsync, rename); return the path.

    Text is written as UTF-8 exactly as given (no newline translation), so callers control CRLF vs LF.
    """
    return write_atomic_parts(path, [data])


def write_atomic_parts(path: str | Path, parts: Iterable[str | bytes]) -> Path:
    """Write the concatenation of ``parts`` to ``path`` atomically, like :func:`write_atomic`; return the path.

    Each part is encoded (UTF-8) and written as it comes, so a large text made in parts (the KB state of 10,000
    pages is ~27 MB of JSON) is never held whole, nor twice (as text and as bytes).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            for part in parts:
                handle.write(part.encode("utf-8") if isinstance(part, str) else part)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(tmp_name, target.stat().st_mode & 0o777)
        else:
            os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def discard_temps(path: str | Path) -> list[Path]:
    """Remove the temp files a killed :func:`write_atomic` of ``path`` left next to it; return the removed paths.

    Only names this writer makes for ``path`` (``.<name>.<8 mkstemp characters>.tmp``) are touched, so a run after a
    crash leaves no litter without ever deleting a file somebody else wrote.
    """
    target = Path(path)
    ours = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.tmp")
    if not target.parent.is_dir():
        return []
    removed = []
    for temp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        if ours.fullmatch(temp.name) and temp.is_file() and not temp.is_symlink():
            temp.unlink(missing_ok=True)
            removed.append(temp)
    return removed
