"""Parsing publication timestamps as printed in dumps, into UTC. Never guesses a missing date.

Three readers, tried in order, all on at most `_MAX_LEN` characters:

1. the strict forms: ISO 8601 (`datetime.fromisoformat`), RFC 2822 (`email.utils`) on the RFC's
   own shape;
2. a guarded python-dateutil wrapper for every other form ("July 3, 2023 at 7:08 AM", "11:58 pm
   PDT, Sunday, July 15, 2018", Reuters' "26-FEB-1987 15:01:01.79", AP's "Jun-11-1976",
   "3. Juli 2023", "3 de julio de 2023"; month names in any case).
   Bare dateutil guesses, so the wrapper: refuses a text with a word outside its vocabulary
   (prose); never parses `fuzzy`; parses twice with two different default datetimes and refuses
   when they disagree (a missing year, month or day would otherwise be filled from the default);
   reads the second parse day-first, so an ambiguous numeric date (03/04/2024) disagrees too,
   unless the year comes first (2024/03/04 is Y/M/D, never Y/D/M); wants the year
   printed with four digits (a two-digit year's century depends on today's date); reads zone
   names only from `ZONES` below (an unknown name is refused, never dropped); rewrites
   "UTC+3"/"GMT+05:30" to "+03:00" first (dateutil reads "UTC+3" as three hours *west*);
3. relative forms ("19 min ago", "2 hours ago", "yesterday", "today at 7:08 PM", "just now"),
   resolved against `reference` (the crawl or file time) only when one is passed; else None.

A leading "Updated", "Posted", "Published", "Last updated:" (and the like) is dropped first, and a
" / " or " | " between date and time read as a space.

Refused even when read: a placeholder (year before MIN_YEAR or after MAX_YEAR, the Unix epoch
itself) and, with a `reference`, a date more than `FUTURE_SLACK` after it. Counters (through the
injected `count`): `timestamps.placeholder`, `timestamps.future`, `timestamps.unknown_zone`,
`timestamps.relative_without_reference`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from dateutil import parser as du_parser
from wirestrip.transforms.counters import Count, no_count

_UTC_SUFFIX = re.compile(r"\s*(?:UTC|GMT|Z)$", re.IGNORECASE)
_RFC2822 = re.compile(r"^(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}")
# RFC 2822's "-0000": the time is UTC, the sender's own zone unknown (RFC 5322 section 3.3).
_RFC_MINUS_ZERO = re.compile(r"\s-0000$")
# A zone name after an RFC 2822 time that the email module does not know (it drops "IST" silently).
_RFC_ZONE_NAME = re.compile(r"\d\s+[A-Za-z]{1,5}$")
_MAX_LEN = 64  # a timestamp line is short; longer lines are prose
# Before this, a date is a placeholder ("0001-01-01T00:00:00Z" in CMS templates), not a publication:
# no news text in a dump was printed before 1900.
MIN_YEAR = 1900
# After this, a date is a placeholder too ("9999-12-31" is the CMS "never"): no dump holds news from 2101.
MAX_YEAR = 2100
# The Unix epoch itself is what an unset timestamp field prints (0 seconds), never a publication time.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# With a reference time, a date up to this far after it is kept: a page's zone may be a day's
# worth of hours off the crawler's clock; further ahead is an impossible (embargo, typo) date.
FUTURE_SLACK = timedelta(days=1)


def _fixed(hours: float, name: str) -> timezone:
    return timezone(timedelta(hours=hours), name)


# Zone names read in timestamps, explicitly: a name not here is refused, never dropped. Fixed
# offsets where the name itself says standard or daylight time; an IANA zone where the name is
# generic (ET: the date decides EST or EDT). Only names that mean one zone in news copy: IST is
# India Standard Time (not Irish or Israel), BST British Summer Time, CST US Central.
ZONES: dict[str, tzinfo] = {
    "UTC": UTC,
    "UT": UTC,
    "GMT": UTC,
    "Z": UTC,
    "EST": _fixed(-5, "EST"),
    "EDT": _fixed(-4, "EDT"),
    "CST": _fixed(-6, "CST"),
    "CDT": _fixed(-5, "CDT"),
    "MST": _fixed(-7, "MST"),
    "MDT": _fixed(-6, "MDT"),
    "PST": _fixed(-8, "PST"),
    "PDT": _fixed(-7, "PDT"),
    "AKST": _fixed(-9, "AKST"),
    "AKDT": _fixed(-8, "AKDT"),
    "HST": _fixed(-10, "HST"),
    "ET": ZoneInfo("America/New_York"),
    "CT": ZoneInfo("America/Chicago"),
    "MT": ZoneInfo("America/Denver"),
    "PT": ZoneInfo("America/Los_Angeles"),
    "IST": _fixed(5.5, "IST"),
    "BST": _fixed(1, "BST"),
    "WET": _fixed(0, "WET"),
    "WEST": _fixed(1, "WEST"),
    "CET": _fixed(1, "CET"),
    "CEST": _fixed(2, "CEST"),
    "EET": _fixed(2, "EET"),
    "EEST": _fixed(3, "EEST"),
    "SAST": _fixed(2, "SAST"),
    "HKT": _fixed(8, "HKT"),
    "JST": _fixed(9, "JST"),
    "KST": _fixed(9, "KST"),
    "AWST": _fixed(8, "AWST"),
    "ACST": _fixed(9.5, "ACST"),
    "ACDT": _fixed(10.5, "ACDT"),
    "AEST": _fixed(10, "AEST"),
    "AEDT": _fixed(11, "AEDT"),
    "NZST": _fixed(12, "NZST"),
    "NZDT": _fixed(13, "NZDT"),
}
_ZONE_WORD = re.compile(r"\b(" + "|".join(sorted((z for z in ZONES if len(z) > 1), key=len, reverse=True)) + r")\b", re.IGNORECASE)

# "Updated", "Posted 6:08 am, …", "Last updated: …", "Published on …": the label, not the date.
_PREFIX = re.compile(
    r"^(?:last\s+)?(?:updated|posted|published|modified|first\s+published|date)\b(?:\s+(?:on|at))?\s*[:|\-–—]?\s*",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\s+[/|•·]\s+")  # "Jul 3, 2023 / 07:08 AM": a separator between date and time
# "UTC+3", "GMT +05:30": rewritten as a plain offset (dateutil reads "UTC+3" as UTC-3, POSIX style).
_NAMED_OFFSET = re.compile(r"\b(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\b", re.IGNORECASE)
# German "3. Juli 2023": the day's full stop before a month name.
_ORDINAL_DOT = re.compile(r"(?<![\d.:])(\d{1,2})\.\s+(?=[^\W\d_])")
_YEAR4 = re.compile(r"(?<!\d)\d{4}(?!\d)")  # the year must be printed in full (see the module docstring)
# Year first (2024/03/04, 2024.3.4): read as Y/M/D, the ISO order, never Y/D/M.
_YEAR_FIRST = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
# Two different defaults: a field missing from the text shows as a disagreement (see parse_timestamp).
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))

_RELATIVE_AGO = re.compile(
    r"^(?P<n>\d{1,4}|an?|one)\s*"
    r"(?P<unit>s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)\s+ago$",
    re.IGNORECASE,
)
# "yesterday", "today at 7:08 PM", "Yesterday, 19:08 IST": a day word and an optional clock time.
_RELATIVE_DAY = re.compile(
    r"^(?P<day>yesterday|today)(?:\s*(?:,|at)?\s*(?P<h>\d{1,2})[:.](?P<m>\d{2})\s*(?P<ampm>[ap]\.?m\.?)?(?:\s+(?P<zone>[A-Za-z]{1,4}))?)?$",
    re.IGNORECASE,
)
_JUST_NOW = re.compile(r"^just\s+now$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class _NewsParserInfo(du_parser.parserinfo):
    """dateutil's vocabulary plus the French, German, Spanish, Italian and Portuguese month and
    weekday names news dumps print, and the small words between their date parts."""

    JUMP: ClassVar[list[str]] = [
        *du_parser.parserinfo.JUMP,
        # "3 de julio de 2023", "le 3 juillet 2023 à 7h08", "um 15:30 Uhr", "alle ore 7", "1er juillet",
        # Portuguese "segunda-feira": words between date parts that carry no date.
        *("de", "del", "le", "el", "à", "às", "um", "uhr", "alle", "ore", "er", "feira"),
    ]
    WEEKDAYS: ClassVar[list[tuple[str, ...]]] = [
        ("Mon", "Monday", "lundi", "Montag", "lunes", "lunedì", "lunedi", "segunda"),
        ("Tue", "Tuesday", "mardi", "Dienstag", "martes", "martedì", "martedi", "terça", "terca"),
        ("Wed", "Wednesday", "mercredi", "Mittwoch", "miércoles", "miercoles", "mercoledì", "mercoledi", "quarta"),
        ("Thu", "Thursday", "jeudi", "Donnerstag", "jueves", "giovedì", "giovedi", "quinta"),
        ("Fri", "Friday", "vendredi", "Freitag", "viernes", "venerdì", "venerdi", "sexta"),
        ("Sat", "Saturday", "samedi", "Samstag", "Sonnabend", "sábado", "sabado", "sabato"),
        ("Sun", "Sunday", "dimanche", "Sonntag", "domingo", "domenica"),
    ]
    MONTHS: ClassVar[list[tuple[str, ...]]] = [
        ("Jan", "January", "janv", "janvier", "Jän", "Januar", "Jänner", "ene", "enero", "gen", "gennaio", "janeiro"),
        ("Feb", "February", "févr", "fév", "fevr", "février", "fevrier", "Februar", "febrero", "febbraio", "fev", "fevereiro"),
        ("Mar", "March", "mars", "Mär", "März", "Maerz", "marzo", "março", "marco"),
        ("Apr", "April", "avr", "avril", "abr", "abril", "aprile"),
        ("May", "mai", "mayo", "mag", "maggio", "maio"),
        ("Jun", "June", "juin", "Juni", "junio", "giu", "giugno", "junho"),
        ("Jul", "July", "juil", "juillet", "Juli", "julio", "lug", "luglio", "julho"),
        ("Aug", "August", "août", "aout", "ago", "agosto"),
        ("Sep", "Sept", "September", "septembre", "sept", "septiembre", "setiembre", "set", "settembre", "setembro"),
        ("Oct", "October", "oct", "octobre", "Okt", "Oktober", "octubre", "ott", "ottobre", "out", "outubro"),
        ("Nov", "November", "novembre", "noviembre", "novembro"),
        ("Dec", "December", "déc", "dec", "décembre", "decembre", "Dez", "Dezember", "dic", "diciembre", "dicembre", "dezembro"),
    ]


_DATEUTIL = du_parser.parser(_NewsParserInfo())
_WORD = re.compile(r"[^\W\d_]+")
# An upper-case word of 2-5 letters may be a zone name not in ZONES: dateutil sees it, and the
# zone hook refuses (and counts) it rather than the prose filter.
_ZONE_LIKE = re.compile(r"[A-Z]{2,5}")
# Every word dateutil may meet in a date: a text with any other word is prose, refused before
# dateutil runs (non-fuzzy dateutil would refuse it too, ~30x slower).
_VOCABULARY = frozenset(
    w.lower()
    for group in ("JUMP", "WEEKDAYS", "MONTHS", "HMS", "AMPM", "UTCZONE", "PERTAIN")
    for entry in getattr(_NewsParserInfo, group)
    for w in ((entry,) if isinstance(entry, str) else entry)
) | frozenset(z.lower() for z in ZONES)


class _UnknownZone(ValueError):
    """A zone name printed in the text that ZONES does not list."""


def _zone_for(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's tzinfos hook: a printed offset wins, else the name from ZONES, else refuse."""
    if offset is not None:
        return UTC if offset == 0 else timezone(timedelta(seconds=offset))
    if name is None:
        return None
    zone = ZONES.get(name.upper())
    if zone is None:
        raise _UnknownZone(name)
    return zone


def parse_timestamp(
    value: str,
    default_tz: str = "UTC",
    *,
    reference: datetime | None = None,
    count: Count = no_count,
) -> tuple[datetime, bool] | None:
    """Parse a timestamp string; return (UTC datetime, zone_was_assumed) or None if it is not one.

    A time without zone is read in `default_tz` and flagged as assumed. A date without time is
    taken as midnight of that day in `default_tz`, also flagged. A zone printed in the text
    (name from ZONES or numeric offset) means not assumed. `reference` (the crawl or file time;
    naive means UTC) resolves relative forms ("2 hours ago") and refuses dates more than
    FUTURE_SLACK after it; without it a relative form is None. `count` receives the
    `timestamps.*` counters of refusals (module docstring). None, never an exception, for any input.
    """
    s = value.strip()
    if not s or len(s) > _MAX_LEN:
        return None
    s = _PREFIX.sub("", " ".join(s.split()), count=1)
    if not s:
        return None
    if reference is not None and reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    try:
        got = _relative(s, default_tz, reference, count)
        if got is None and any(c.isdigit() for c in s):
            got = _absolute(s, default_tz, count)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it, "9999 weeks ago": no instant
        count("timestamps.placeholder")
        return None
    if got is None:
        return None
    when, assumed = got
    if when.year < MIN_YEAR:  # "9999 weeks ago": as much a placeholder as a printed year 1800
        count("timestamps.placeholder")
        return None
    if reference is not None and when > reference + FUTURE_SLACK:
        count("timestamps.future")
        return None
    return when, assumed


def _relative(s: str, default_tz: str, reference: datetime | None, count: Count) -> tuple[datetime, bool] | None:
    """A relative form resolved against `reference`; None when `s` is not one or there is no reference."""
    ago, day, now = _RELATIVE_AGO.match(s), _RELATIVE_DAY.match(s), _JUST_NOW.match(s)
    if not (ago or day or now):
        return None
    if reference is None:  # "2 hours ago" of when? Without the crawl time there is no date.
        count("timestamps.relative_without_reference")
        return None
    ref = reference.astimezone(UTC)
    if now:
        return ref, False
    if ago:
        n = ago.group("n").lower()
        amount = int(n) if n.isdigit() else 1
        return ref - timedelta(seconds=amount * _UNIT_SECONDS[ago.group("unit")[0].lower()]), False
    zone_name = day.group("zone")
    if zone_name is not None:
        zone = ZONES.get(zone_name.upper())
        if zone is None:
            count("timestamps.unknown_zone")
            return None
    else:
        zone = ZoneInfo(default_tz)
    local_day: date = ref.astimezone(zone).date() - timedelta(days=day.group("day").lower() == "yesterday")
    clock = time(0, 0)
    if day.group("h") is not None:
        hour, minute = int(day.group("h")), int(day.group("m"))
        ampm = (day.group("ampm") or "").lower()[:1]
        if ampm and not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0) if ampm else hour
        if hour > 23 or minute > 59:
            return None
        clock = time(hour, minute)
    return datetime.combine(local_day, clock, tzinfo=zone).astimezone(UTC), zone_name is None


def _absolute(s: str, default_tz: str, count: Count) -> tuple[datetime, bool] | None:
    """A printed date (strict forms, then the guarded dateutil reader) in UTC, or None."""
    suffix = _UTC_SUFFIX.search(s)
    explicit_utc = suffix is not None
    dt = _parse_strict(s[: suffix.start()] if suffix else s)
    if dt is None:
        explicit_utc = False
        try:
            dt = _parse_dateutil(s)
        except _UnknownZone:
            count("timestamps.unknown_zone")
            return None
    if dt is None:
        return None
    if not MIN_YEAR <= dt.year <= MAX_YEAR or dt.replace(tzinfo=None) == _EPOCH.replace(tzinfo=None):
        count("timestamps.placeholder")
        return None
    if dt.tzinfo is None:
        if explicit_utc:
            return dt.replace(tzinfo=UTC), False
        return dt.replace(tzinfo=ZoneInfo(default_tz)).astimezone(UTC), True
    when = dt.astimezone(UTC)
    if when == _EPOCH:  # the epoch printed in the writer's zone ("1969-12-31T19:00:00-05:00")
        count("timestamps.placeholder")
        return None
    return when, False


def _parse_strict(s: str) -> datetime | None:
    """ISO 8601, or RFC 2822 on the RFC's own shape; None for any other text."""
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        pass
    if _RFC2822.match(s):  # the email parser is lenient: only trust it on the RFC's own shape
        try:
            dt = parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            return None
        if dt.tzinfo is None:
            if _RFC_MINUS_ZERO.search(s):
                return dt.replace(tzinfo=UTC)
            if _RFC_ZONE_NAME.search(s):  # a zone name the email module dropped: the zone table decides
                return None
        return dt
    return None


def _parse_dateutil(s: str) -> datetime | None:
    """The guarded dateutil reader (module docstring); raises _UnknownZone for an unlisted zone name."""
    if any(w.lower() not in _VOCABULARY and not _ZONE_LIKE.fullmatch(w) for w in _WORD.findall(s)):
        return None
    s = _BETWEEN.sub(" ", s)
    s = _NAMED_OFFSET.sub(lambda m: f"{m.group(1)}{int(m.group(2)):02d}:{m.group(3) or '00'}", s)
    s = _ORDINAL_DOT.sub(r"\1 ", s)
    s = _ZONE_WORD.sub(lambda m: m.group(1).upper(), s)  # dateutil takes only upper-case zone names
    years = {int(y) for y in _YEAR4.findall(s)}
    if not years:
        return None
    year_first = _YEAR_FIRST.match(s)
    # Two parses, two different defaults: a field missing from the text comes out different. The
    # second also reads day-first, so 03/04/2024 comes out different too (a year-first date is Y/M/D).
    # (The defaults differ in year, month and day, so the two checks cannot cancel each other out.)
    results = []
    for default, dayfirst in ((_DEFAULTS[0], False), (_DEFAULTS[1], not year_first)):
        try:
            dt = _DATEUTIL.parse(s, default=default, dayfirst=dayfirst, yearfirst=bool(year_first), fuzzy=False, tzinfos=_zone_for)
        except _UnknownZone:
            raise
        except (ValueError, OverflowError, TypeError, IndexError, AttributeError):  # not a date dateutil can read
            return None
        results.append((dt, dt.utcoffset()))
    if any(r != results[0] for r in results[1:]):  # a field came from a default, or day/month is ambiguous
        return None
    dt = results[0][0]
    if dt.year not in years:  # the year was a two-digit guess (or a number that is not the year)
        return None
    if year_first and (dt.month, dt.day) != (int(year_first.group(2)), int(year_first.group(3))):
        return None  # dateutil swapped 2024/13/04 into Y/D/M: not the ISO order
    return dt
