"""A frozen copy of wirestrip's code for the engine comparisons: both runs of a comparison import the same
code even while the working tree is being edited (SDK workers import modules lazily, minutes apart)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOMS = ("pipeline", "schemas", "transforms")  # setup.py's package_dir: wirestrip.<room> is ROOT/<room>


def freeze(into: Path) -> dict[str, str]:
    """Copy the code under `into`/wirestrip/ and return the environment that makes `python` import it first."""
    for room in ROOMS:
        shutil.copytree(ROOT / room, into / "wirestrip" / room, ignore=shutil.ignore_patterns("__pycache__"))
    path = os.pathsep.join(p for p in (str(into), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}
