"""Where the files ceremonies ships beside its code are: ``templates/``, ``prefect.yaml`` and ``flows/``.

Their one source is the top level of the source checkout. Building the wheel copies them into the package as
``ceremonies/project/`` (hatchling ``force-include`` in pyproject.toml), so an installed ceremonies (``pip install``,
``pipx install``) finds them with :mod:`importlib.resources` wherever it runs; an editable install or a checkout
reads them at the checkout's top level. :func:`shipped_path` is the one lookup for both.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from ceremonies.errors import CeremoniesError

PACKAGED_DIR = "project"
"""Folder inside the installed package that holds the shipped files (see pyproject.toml's force-include)."""

_CHECKOUT = Path(__file__).resolve().parents[2]  # src/ceremonies/resources.py -> the checkout's top level


def shipped_dir() -> Path:
    """Return the folder holding ceremonies' own ``templates/``, ``prefect.yaml`` and ``flows/``: inside the
    installed package when it came from a wheel, else the source checkout's top level (editable install).

    Raises CeremoniesError naming both places when neither has them (a broken install).
    """
    packaged = files("ceremonies").joinpath(PACKAGED_DIR)
    if packaged.is_dir():
        return Path(str(packaged))
    if (_CHECKOUT / "templates").is_dir() and (_CHECKOUT / "src" / "ceremonies").is_dir():
        return _CHECKOUT
    raise CeremoniesError(
        f"ceremonies' own templates and flows are missing: neither the package ({packaged}) nor a source checkout "
        f"({_CHECKOUT}) has them; reinstall ceremonies from its wheel"
    )


def shipped_path(name: str) -> Path:
    """Return the path of ``name`` (``templates``, ``prefect.yaml``, ``flows``, …) among the shipped files."""
    return shipped_dir() / name
