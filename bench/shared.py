"""Where the licensed inputs live: ../shared beside the project, never copied into the repo."""

import os
from pathlib import Path


def _find_shared() -> Path:
    """../shared beside the project (or $WIRESTRIP_SHARED; a git worktree one level deeper also looks up)."""
    if os.environ.get("WIRESTRIP_SHARED"):
        return Path(os.environ["WIRESTRIP_SHARED"])
    root = Path(__file__).resolve().parents[1]
    for cand in (root.parent / "shared", root.parent.parent / "shared"):
        if cand.is_dir():
            return cand
    return root.parent / "shared"


SHARED = _find_shared()
