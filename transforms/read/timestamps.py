"""Parsing publication timestamps as printed in dumps, into UTC. Never guesses a missing date."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

# Formats seen in scraped dumps besides ISO 8601 and RFC 2822. Day-first/month-first numeric
# forms (03/04/2024) are left out on purpose: they are ambiguous, and a wrong date is worse than none.
_FORMATS = (
    "%B %d, %Y %I:%M %p",
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y %H:%M",
    "%b %d, %Y %H:%M",
    "%d %B %Y %H:%M",
    "%d %b %Y %H:%M",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    # Wire archives: Reuters' "26-FEB-1987 15:01:01.79" (centiseconds) and AP/UPI's "Jun-11-1976";
    # the month is a name, so neither is ambiguous (strptime reads month names in any case).
    "%d-%b-%Y %H:%M:%S.%f",
    "%d-%b-%Y %H:%M:%S",
    "%d-%b-%Y",
    "%b-%d-%Y",
)
_UTC_SUFFIX = re.compile(r"\s*(?:UTC|GMT|Z)$", re.IGNORECASE)
_RFC2822 = re.compile(r"^(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}")
_MAX_LEN = 64  # a timestamp line is short; longer lines are prose
# Before this, a date is a placeholder ("0001-01-01T00:00:00Z" in CMS templates), not a publication:
# no news text in a dump was printed before 1900.
MIN_YEAR = 1900


def parse_timestamp(value: str, default_tz: str = "UTC") -> tuple[datetime, bool] | None:
    """Parse a timestamp string; return (UTC datetime, zone_was_assumed) or None if it is not one
    (or is a placeholder date before MIN_YEAR).

    A time without zone is read in `default_tz` and flagged as assumed. A date without time
    is taken as midnight of that day in `default_tz`, also flagged.
    """
    s = value.strip()
    if not s or len(s) > _MAX_LEN or not any(c.isdigit() for c in s):
        return None
    suffix = _UTC_SUFFIX.search(s)
    explicit_utc = suffix is not None
    dt = _parse_naive_or_aware(s[: suffix.start()] if suffix else s)
    if dt is None or dt.year < MIN_YEAR:
        return None
    try:
        if dt.tzinfo is None:
            if explicit_utc:
                return dt.replace(tzinfo=UTC), False
            return dt.replace(tzinfo=ZoneInfo(default_tz)).astimezone(UTC), True
        return dt.astimezone(UTC), False
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it: no UTC instant to store
        return None


def _parse_naive_or_aware(s: str) -> datetime | None:
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    if _RFC2822.match(s):  # the email parser is lenient: only trust it on the RFC's own shape
        try:
            return parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return None
    return None
