"""The scraped-post parser: the seed layout, its variations and its edge cases."""

from datetime import UTC, datetime

import pytest
from wirestrip.transforms.read.post_text import parse_post, split_posts
from wirestrip.transforms.record_types import RecordError

from tests.helpers import SEED_LAYOUT, record


def test_seed_layout_parts():
    a = parse_post(record(SEED_LAYOUT))
    assert a.title == "Harbour Cranes Idle As Dockers Strike “Indefinitely”"
    assert a.published_at == datetime(2024, 4, 8, 22, 51, 46, tzinfo=UTC)
    assert a.published_tz_assumed is True
    assert a.standfirst == "Ships queued outside the port for a third day."
    assert a.dateline_city == "Rotterdam"
    # The dateline stays in front of the first paragraph; the repeated title is recorded as removed.
    assert a.paragraphs[0] == "Rotterdam: Dockers at the main container terminal walked out on Monday, union officials said."
    assert [r.rule_id for r in a.removed] == ["layout.repeated_title"]
    assert a.removed[0].text == "Harbour Cranes Idle As Dockers Strike 'Indefinitely'"
    assert a.paragraphs[-1] == "Loading"  # tail boilerplate is the cleaner's job, not the parser's


def test_default_tz_is_applied_and_flagged():
    a = parse_post(record(SEED_LAYOUT), default_tz="Asia/Kolkata")
    assert a.published_at == datetime(2024, 4, 8, 17, 21, 46, tzinfo=UTC)
    assert a.published_tz_assumed is True


def test_explicit_offset_is_not_assumed():
    a = parse_post(record("T\n\n2025-04-11 21:05:00+05:30\n\nBody line."))
    assert a.published_at == datetime(2025, 4, 11, 15, 35, tzinfo=UTC)
    assert a.published_tz_assumed is False


def test_no_timestamp_means_null_not_invented():
    a = parse_post(record("A title\n\nFirst paragraph.\n\nSecond paragraph."))
    assert a.published_at is None and a.published_tz_assumed is None
    assert a.paragraphs == ["First paragraph.", "Second paragraph."]
    assert a.standfirst is None and a.dateline_city is None


def test_standfirst_only_with_a_dateline():
    # Without the dateline marker the lead stays in the body: guessing would move body text out.
    a = parse_post(record("T\n\n2025-01-01 10:00\n\nT\n\nLead sentence.\n\nBody."))
    assert a.standfirst is None
    assert a.paragraphs == ["Lead sentence.", "Body."]


@pytest.mark.parametrize(
    "raw,reason",
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"Only a title\n", "no_body"),
        (b"Title\n\n2025-08-01 10:00:00\n\nTitle\n", "no_body"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary_content"),
        (b"Caf\xe9 title\n\nbody", "invalid_utf8"),
    ],
)
def test_malformed_records_raise_with_reason(raw, reason):
    with pytest.raises(RecordError) as err:
        parse_post(record(raw))
    assert err.value.error_type == reason


def test_utf8_bom_and_crlf():
    a = parse_post(record("\ufeffTitle\r\n\r\nBody one.\r\n\r\nBody two.\r\n".encode()))
    assert a.title == "Title" and a.paragraphs == ["Body one.", "Body two."]


def test_split_posts_on_separator_lines():
    data = b"A\n\nbody a\n=====\nB\n\nbody b\n\x0c\nC\n\nbody c\n=====\n\n"
    posts = [data[s:e] for s, e in split_posts(data)]
    assert [p.split(b"\n")[0] for p in posts] == [b"A", b"B", b"C"]
    assert split_posts(b"") == [(0, 0)]  # an empty file still surfaces as one (empty) record
    # A line of '=' inside a paragraph shorter than five is text, not a separator.
    assert len(split_posts(b"A\n\n=== not a separator\n")) == 1


@pytest.mark.parametrize(
    "value,expected,assumed",
    [
        ("2024-04-08 22:51:46", datetime(2024, 4, 8, 22, 51, 46, tzinfo=UTC), True),
        ("2024-04-08T22:51:46Z", datetime(2024, 4, 8, 22, 51, 46, tzinfo=UTC), False),
        ("2025-01-09 12:00:00 UTC", datetime(2025, 1, 9, 12, tzinfo=UTC), False),
        ("March 30, 2025 4:20 PM", datetime(2025, 3, 30, 16, 20, tzinfo=UTC), True),
        ("Mon, 08 Apr 2024 22:51:46 +0200", datetime(2024, 4, 8, 20, 51, 46, tzinfo=UTC), False),
        ("Police said 12 people were hurt", None, None),
        ("03/04/2024 10:00", None, None),  # day-first or month-first: refused rather than guessed
        ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC), True),  # Reuters' wire
        ("Jun-11-1976", datetime(1976, 6, 11, tzinfo=UTC), True),  # AP/UPI archive, date only: midnight, assumed
        ("0001-01-01T00:00:00Z", None, None),  # a CMS placeholder, not a publication date
        ("1899-12-31 23:59:59", None, None),
    ],
)
def test_parse_timestamp(value, expected, assumed):
    from wirestrip.transforms.read.timestamps import parse_timestamp

    got = parse_timestamp(value)
    assert (got is None) if expected is None else got == (expected, assumed)
