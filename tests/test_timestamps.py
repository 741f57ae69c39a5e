"""parse_timestamp on the forms real dumps print: each form and its UTC instant, and the forms
that must give None (ambiguous, prose, placeholders, too long, future, relative without a reference)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from wirestrip.transforms.read.timestamps import parse_timestamp


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (printed form, expected UTC instant, zone assumed) with default_tz UTC and no reference.
READ = [
    # ISO 8601 and RFC 2822
    ("2024-04-08T22:51:46Z", utc(2024, 4, 8, 22, 51, 46), False),
    ("2024-04-08T22:51:46+05:30", utc(2024, 4, 8, 17, 21, 46), False),
    ("2024-04-08 22:51:46", utc(2024, 4, 8, 22, 51, 46), True),
    ("2024-04-08", utc(2024, 4, 8), True),
    ("2025-01-09 12:00:00 UTC", utc(2025, 1, 9, 12), False),
    ("Mon, 08 Apr 2024 22:51:46 +0200", utc(2024, 4, 8, 20, 51, 46), False),
    ("Mon, 08 Apr 2024 22:51:46 GMT", utc(2024, 4, 8, 22, 51, 46), False),
    ("Mon, 08 Apr 2024 22:51:46 PDT", utc(2024, 4, 9, 5, 51, 46), False),
    ("Mon, 08 Apr 2024 22:51:46 IST", utc(2024, 4, 8, 17, 21, 46), False),  # the email module drops IST; the table reads it
    ("Mon, 08 Apr 2024 22:51:46 -0000", utc(2024, 4, 8, 22, 51, 46), False),  # RFC 5322: UTC, sender's zone unknown
    # Wire archives
    ("26-FEB-1987 15:01:01.79", utc(1987, 2, 26, 15, 1, 1, 790000), True),  # Reuters-21578
    ("Jun-11-1976", utc(1976, 6, 11), True),  # AP/UPI
    ("11-JUN-1976", utc(1976, 6, 11), True),
    # Month names and abbreviations in any case
    ("March 30, 2025 4:20 PM", utc(2025, 3, 30, 16, 20), True),
    ("JULY 3, 2023", utc(2023, 7, 3), True),
    ("july 3, 2023", utc(2023, 7, 3), True),
    ("3 Jul 2023 07:08", utc(2023, 7, 3, 7, 8), True),
    ("Sept. 4, 2023", utc(2023, 9, 4), True),
    # News pages' free forms
    ("July 3, 2023 at 7:08 AM", utc(2023, 7, 3, 7, 8), True),
    ("July 3, 2023, 7:08 p.m.", utc(2023, 7, 3, 19, 8), True),
    ("11:58 pm PDT, Sunday, July 15, 2018", utc(2018, 7, 16, 6, 58), False),
    ("Posted 6:08 am, July 3, 2023", utc(2023, 7, 3, 6, 8), True),
    ("Updated: Jul 3, 2023 / 07:08 AM IST", utc(2023, 7, 3, 1, 38), False),
    ("Last updated: 3 July 2023 10:00 BST", utc(2023, 7, 3, 9), False),
    ("Published on July 3, 2023 | 7:08 AM EDT", utc(2023, 7, 3, 11, 8), False),
    ("Jan. 5, 2024 9:15 AM EST", utc(2024, 1, 5, 14, 15), False),
    ("July 3, 2023 7:08 a.m. ET", utc(2023, 7, 3, 11, 8), False),  # ET in July is EDT
    ("January 3, 2023 7:08 a.m. ET", utc(2023, 1, 3, 12, 8), False),  # and EST in January
    ("3 July 2023 16:30 CEST", utc(2023, 7, 3, 14, 30), False),
    ("3 July 2023 16:30 JST", utc(2023, 7, 3, 7, 30), False),
    ("3 July 2023 16:30 AEST", utc(2023, 7, 3, 6, 30), False),
    ("3 July 2023 16:30 akst", utc(2023, 7, 4, 1, 30), False),  # a zone name in lower case
    ("12:00 UTC+3, July 3, 2023", utc(2023, 7, 3, 9), False),  # not dateutil's POSIX-style UTC-3
    ("July 3, 2023 12:00 GMT+05:30", utc(2023, 7, 3, 6, 30), False),
    # Year first: Y/M/D, never ambiguous
    ("2024/03/04", utc(2024, 3, 4), True),
    ("2024/03/04 10:00", utc(2024, 3, 4, 10), True),
    ("2024.3.4", utc(2024, 3, 4), True),
    # Day-month-year that only one reading allows
    ("13/04/2024", utc(2024, 4, 13), True),
    # French, German, Spanish, Italian, Portuguese
    ("lundi 3 juillet 2023 à 7h08", utc(2023, 7, 3, 7, 8), True),
    ("3 févr. 2024", utc(2024, 2, 3), True),
    ("1er août 2023", utc(2023, 8, 1), True),
    ("Montag, 3. Juli 2023, 15:30 Uhr", utc(2023, 7, 3, 15, 30), True),
    ("3. März 2024", utc(2024, 3, 3), True),
    ("3 de julio de 2023", utc(2023, 7, 3), True),
    ("3 luglio 2023 alle ore 7:08", utc(2023, 7, 3, 7, 8), True),
    ("3 de julho de 2023", utc(2023, 7, 3), True),
]


@pytest.mark.parametrize("value,expected,assumed", READ)
def test_reads_real_forms(value, expected, assumed):
    assert parse_timestamp(value) == (expected, assumed)


REFUSED = [
    "",
    "Police said 12 people were hurt",  # prose
    "Room 101",  # a number in prose is not a date (bare dateutil's fuzzy reads it as one)
    "03/04/2024",  # day-first or month-first: refused rather than guessed
    "03/04/2024 10:00",
    "03-04-2024",
    "3.4.2024",
    "2024/13/04",  # year first means Y/M/D: not month 13
    "Jul 3, 23",  # two-digit year: its century would depend on today's date
    "May 2024",  # no day
    "July 3",  # no year
    "7:08 AM",  # no date at all
    "2024",
    "1987",
    "July 3, 2023 7:08 XYZ",  # a zone name not in the table: refused, never dropped
    "July 32, 2023",
    "February 30, 2024",
    "0001-01-01T00:00:00Z",  # CMS placeholder
    "1899-12-31 23:59:59",
    "9999-12-31",  # CMS "never"
    "1970-01-01T00:00:00Z",  # an unset Unix timestamp
    "1969-12-31T19:00:00-05:00",  # the same, printed in New York
    "July 3, 2023 " + "x" * 60,  # longer than a timestamp line
    "Updated",
    "19 min ago",  # relative, but no reference time passed
    "yesterday",
]


@pytest.mark.parametrize("value", REFUSED)
def test_refuses(value):
    assert parse_timestamp(value) is None


def test_positional_default_tz_is_unchanged():
    # Existing callers pass (value, default_tz): a printed time without zone is read in it, assumed.
    assert parse_timestamp("July 3, 2023 at 7:08 AM", "Asia/Kolkata") == (utc(2023, 7, 3, 1, 38), True)
    assert parse_timestamp("July 3, 2023 at 7:08 AM EDT", "Asia/Kolkata") == (utc(2023, 7, 3, 11, 8), False)


REF = utc(2023, 7, 3, 12, 0)


@pytest.mark.parametrize(
    "value,expected,assumed",
    [
        ("19 min ago", utc(2023, 7, 3, 11, 41), False),
        ("2 hours ago", utc(2023, 7, 3, 10), False),
        ("an hour ago", utc(2023, 7, 3, 11), False),
        ("3 days ago", utc(2023, 6, 30, 12), False),
        ("Updated 5m ago", utc(2023, 7, 3, 11, 55), False),
        ("just now", REF, False),
        ("yesterday", utc(2023, 7, 2), True),  # a day without time: midnight in default_tz, assumed
        ("Yesterday at 7:08 PM", utc(2023, 7, 2, 19, 8), True),
        ("today, 10:15 IST", utc(2023, 7, 3, 4, 45), False),
        ("July 4, 2023 11:00", utc(2023, 7, 4, 11), True),  # within a day after the reference
    ],
)
def test_relative_forms_need_a_reference(value, expected, assumed):
    assert parse_timestamp(value, reference=REF) == (expected, assumed)


def test_relative_day_is_the_reference_day_in_default_tz():
    # 12:00 UTC on 3 July is already 4 July in Auckland: "yesterday" there is 3 July, midnight NZST.
    assert parse_timestamp("yesterday", "Pacific/Auckland", reference=utc(2023, 7, 3, 20)) == (utc(2023, 7, 2, 12), True)


def test_naive_reference_is_utc():
    assert parse_timestamp("2 hours ago", reference=datetime(2023, 7, 3, 12)) == (utc(2023, 7, 3, 10), False)


def test_counters():
    seen: Counter[str] = Counter()

    def count(name: str, n: int = 1) -> None:
        seen[name] += n

    assert parse_timestamp("0001-01-01T00:00:00Z", count=count) is None
    assert parse_timestamp("9999-12-31", count=count) is None
    assert parse_timestamp("July 5, 2023", reference=REF, count=count) is None  # two days after the crawl
    assert parse_timestamp("2 hours ago", count=count) is None
    assert parse_timestamp("July 3, 2023 7:08 XYZ", count=count) is None
    assert parse_timestamp("03/04/2024", count=count) is None  # ambiguous: refused, not counted as a placeholder
    assert parse_timestamp("9999 weeks ago", reference=REF, count=count) is None  # before 1900
    assert seen == {
        "timestamps.placeholder": 3,
        "timestamps.future": 1,
        "timestamps.relative_without_reference": 1,
        "timestamps.unknown_zone": 1,
    }


@pytest.mark.parametrize(
    "value",
    ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "99999 weeks ago", "12:00 GMT+99 July 3 2023", "\x00" * 10, "Z" * 64],
)
def test_edges_never_raise(value):
    parse_timestamp(value, "Pacific/Kiritimati", reference=REF)
