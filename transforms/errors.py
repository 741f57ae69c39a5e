"""Error messages that fit in a rejects row: bounded, with a short traceback."""

from __future__ import annotations

import traceback

_TRACEBACK_FRAMES = 4  # enough to locate the failing line without bloating the rejects table
_MAX_MESSAGE_CHARS = 2000  # an exception may quote its input (a whole 8 MB line); the raw bytes are in the row already


def bounded(text: str, limit: int = _MAX_MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters, saying how much was cut."""
    return text if len(text) <= limit else f"{text[:limit]}… [{len(text) - limit} more characters]"


def short_traceback(exc: BaseException) -> str:
    """repr of the exception plus its last frames: exception objects themselves may not pickle."""
    try:
        head = bounded(repr(exc))
    except Exception:  # noqa: BLE001 - a broken __repr__ must not turn one reject into a lost bundle
        head = f"<{type(exc).__name__} whose repr() failed>"
    frames = traceback.format_tb(exc.__traceback__)[-_TRACEBACK_FRAMES:]
    return f"{head}\n{''.join(frames)}".strip()
