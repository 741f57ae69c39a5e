"""Properties of the pure functions on arbitrary input (hypothesis).

- split_posts, decode_text, parse_post, parse_timestamp and clean_article never raise anything
  but RecordError, whatever the bytes or text;
- nothing is invented and nothing is dropped unrecorded: the parser's parts, read in order, are
  the input's lines; the cleaner's kept paragraphs plus its `removed` spans, put back at their
  positions, give the parser's paragraphs;
- ids and hashes are deterministic, also across processes with different hash seeds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.rules import RuleSet, load_rules, parse_rules
from wirestrip.transforms.hashing import doc_id, raw_sha
from wirestrip.transforms.read.post_text import POST_SEPARATOR, parse_post, split_posts
from wirestrip.transforms.read.text_decode import decode_text
from wirestrip.transforms.read.timestamps import parse_timestamp
from wirestrip.transforms.record_types import ParsedArticle, RecordError
from wirestrip.transforms.write.table_rows import content_hash

from tests.helpers import ROOT, record

# Fast and reproducible: no per-example deadline (the first Beam-free call may be slow on a busy
# machine), a modest number of examples, no database of past failures written into the repo.
FAST = settings(deadline=None, max_examples=150, database=None, suppress_health_check=[HealthCheck.too_slow])
ZONES = ("UTC", "Asia/Kolkata", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12")

# Lines a scraped post is made of, the awkward ones included: boilerplate the rules know, dates
# at the edges of the calendar, datelines, separators, controls, typographic and invisible characters.
LINES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "",
            " ",
            "Harbour Cranes Idle As Dockers Strike “Indefinitely”",
            "Harbour Cranes Idle As Dockers Strike 'Indefinitely'",
            "2024-04-08 22:51:46",
            "0001-01-01 00:00:00",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31 23:59:59",
            "9999-12-31T23:59:59-05:00",
            "Mon, 08 Apr 2024 22:51:46 +0200",
            "March 30, 2025 4:20 PM",
            "2025-01-09 12:00:00 UTC",
            "Rotterdam:",
            "New Delhi:",
            "Paris :",
            "(Except for the headline, this story has not been edited by NDTV staff and is published from a syndicated feed.)",
            "(Only the headline and picture of this report may have been reworked by the Business Standard staff; the rest of the content is auto-generated from a syndicated feed.)",
            "Copyright 2024 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
            "Netherlands,Rotterdam,Port Strike",
            "Source link",
            "Loading",
            "Like this: Like Loading...",
            "Share this:",
            "=====",
            "\f",
            "***",
            "---",
            "\u200b\u202e\u00ad",
            "a\tb  c",
            "x" * 2100,  # over the cleaner's line cap
        ]
    ),
)
POSTS = st.lists(LINES, max_size=14).map("\n".join)
NEWLINES = st.sampled_from(["\n", "\r\n", "\r", "\n\n"])


@st.composite
def post_bytes(draw) -> bytes:
    """Post-shaped bytes: lines joined by mixed newlines, sometimes several posts, sometimes not UTF-8."""
    posts = draw(st.lists(st.lists(LINES, max_size=12), min_size=1, max_size=3))
    nl = draw(NEWLINES)
    text = "\n=====\n".join(nl.join(p) for p in posts)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return text.encode(encoding, "replace")


ANY_BYTES = st.one_of(st.binary(max_size=3000), post_bytes())


def _raises_only_record_error(fn, *args):
    try:
        return fn(*args)
    except RecordError as exc:
        assert exc.error_type and exc.message
        return None


@FAST
@given(ANY_BYTES)
def test_split_posts_ranges_cover_every_content_byte(data):
    ranges = split_posts(data)
    assert ranges and all(0 <= s <= e <= len(data) for s, e in ranges)
    assert all(e1 <= s2 for (_, e1), (s2, _) in pairwise(ranges))  # ordered, disjoint
    # Outside the ranges there are only separator lines and whitespace: no content byte is dropped.
    outside, last = bytearray(), 0
    for s, e in ranges:
        outside += data[last:s]
        last = e
    outside += data[last:]
    assert not POST_SEPARATOR.sub(b"", bytes(outside)).strip()


@FAST
@given(ANY_BYTES)
def test_decode_text_is_utf8_or_a_reason(raw):
    text = _raises_only_record_error(decode_text, raw)
    if text is not None:
        assert "\r" not in text and "\x00" not in text
        assert text == raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


@FAST
@given(st.one_of(LINES, st.text(max_size=70)), st.sampled_from(ZONES))
def test_parse_timestamp_never_raises(value, zone):
    got = parse_timestamp(value, zone)
    if got is not None:
        when, assumed = got
        assert when.tzinfo is UTC or when.utcoffset().total_seconds() == 0
        assert isinstance(assumed, bool)


def _parts_in_order(a: ParsedArticle, lines: list[str]) -> list[str]:
    """The parser's outputs in reading order, with the timestamp line where it stood."""
    parts = [a.title]
    if a.published_at is not None:
        parts.append(lines[1])
    parts += [r.text for r in a.removed if r.position == -1]
    if a.standfirst is not None:
        parts.append(a.standfirst)
    return parts + a.paragraphs


@FAST
@given(ANY_BYTES, st.sampled_from(ZONES))
def test_parse_post_never_invents_or_drops_a_line(raw, zone):
    article = _raises_only_record_error(parse_post, record(raw), zone)
    if article is None:
        return
    lines = [ln.strip() for ln in decode_text(raw).split("\n")]
    lines = [ln for ln in lines if ln]
    # Joined with single spaces, the parts read in order are exactly the input's non-blank lines.
    assert " ".join(_parts_in_order(article, lines)) == " ".join(lines)
    assert article.title and article.paragraphs and all(p.strip() == p and p for p in article.paragraphs)
    assert (article.published_at is None) == (article.published_tz_assumed is None)


# The shipped rules plus an inline rule, so that span cuts (not only whole lines) are exercised.
INLINE_RULES = """version: props
rules:
  - {id: test.inline_credit, family: test, kind: photo_credit, scope: inline, pattern: '\\((?:photo|image): [^)]{1,40}\\)', reason: test}
  - {id: test.inline_read_more, family: test, kind: related_links, scope: inline, pattern: 'read more(?: here)?\\.?', reason: test}
"""
RULES: RuleSet = RuleSet(load_rules().rules + parse_rules(INLINE_RULES, "inline")[0], "props")
PARAGRAPHS = st.lists(
    st.one_of(
        LINES.map(str.strip).filter(bool),
        st.tuples(
            st.text(max_size=30), st.sampled_from(["(Photo: AFP)", "Read more here.", "(image: x)", "read more"]), st.text(max_size=30)
        ).map(lambda t: (t[0] + " " + t[1] + " " + t[2]).strip()),
    ),
    min_size=1,
    max_size=12,
)


def _collapse(s: str) -> str:
    return re.sub(r"[ \t]{2,}", " ", s).strip()


@FAST
@given(PARAGRAPHS)
def test_cleaner_only_removes_and_records_what_it_removes(paragraphs):
    parsed = ParsedArticle(record=record(b"x"), title="T", paragraphs=list(paragraphs))
    clean = clean_article(parsed, RULES)
    inline_ids = {r.id for r in RULES.inline_rules}
    kept = iter(clean.paragraphs)
    for i, para in enumerate(paragraphs):
        here = [r for r in clean.removed if r.position == i]
        whole = [r for r in here if r.rule_id not in inline_ids]
        if whole:  # removed as a whole line: one record holding the full paragraph, no other cut
            assert [r.text for r in here] == [para]
            continue
        if not here:
            assert next(kept) == para  # untouched paragraphs are kept verbatim
            continue
        # Inline cuts: the removed spans are pieces of the paragraph, in order; cut them out and the
        # rest is what was kept (up to the collapsed run of spaces the cut leaves).
        rest, cursor = [], 0
        for r in here:
            at = para.find(r.text, cursor)
            assert at >= 0, (para, r.text)
            rest.append(para[cursor:at])
            cursor = at + len(r.text)
        rest.append(para[cursor:])
        expected = _collapse("".join(rest))
        if expected:
            assert next(kept) == expected
    assert next(kept, None) is None  # no kept paragraph comes from nowhere


@FAST
@given(POSTS, st.sampled_from(ZONES))
def test_whole_text_path_is_total(text, zone):
    """Parse then clean any post: a result or a RecordError, and the removed spans are input text."""
    article = _raises_only_record_error(parse_post, record(text.encode()), zone)
    if article is None:
        return
    clean = clean_article(article, RULES)
    body = "\n".join(article.paragraphs)
    assert all(r.text in body or r.position == -1 for r in clean.removed)
    assert all(p in body for p in clean.paragraphs) or any(r.rule_id.startswith("test.inline") for r in clean.removed)


@FAST
@given(st.binary(max_size=500), st.text(max_size=40), st.text(max_size=40))
def test_ids_and_hashes_are_deterministic_and_discriminating(raw, rel, locator):
    sha = raw_sha(raw)
    assert sha == raw_sha(bytes(raw)) and len(sha) == 32
    assert doc_id(rel, locator, sha) == doc_id(rel, locator, sha)
    assert doc_id(rel, locator + "x", sha) != doc_id(rel, locator, sha)
    assert doc_id(rel + "x", locator, sha) != doc_id(rel, locator, sha)


@FAST
@given(st.text(max_size=200))
def test_content_hash_ignores_spacing_only(text):
    assert content_hash(text) == content_hash(text)
    spaced = "  " + text.replace(" ", " \n\t ") + "\n"
    assert content_hash(spaced) == content_hash(text)


_HASH_PROBE = """
import json, sys
from pathlib import Path
from tests.helpers import record
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.read.post_text import parse_post, split_posts
from wirestrip.transforms.write.table_rows import content_hash
from wirestrip.transforms.clean.rules import load_rules
rules, out = load_rules(), []
for path in sorted(Path(sys.argv[1]).rglob("*.txt")):
    data = path.read_bytes()
    for s, e in split_posts(data):
        rec = record(data[s:e], f"{path.name}:{s}-{e}")
        try:
            clean = clean_article(parse_post(rec), rules)
        except ValueError as exc:
            out.append([rec.doc_id, type(exc).__name__])
            continue
        out.append([rec.doc_id, content_hash(clean.text), [r.rule_id for r in clean.removed], clean.tags, clean.publisher])
print(json.dumps(out))
"""


def test_ids_and_hashes_do_not_depend_on_the_process():
    """The same samples give the same doc_ids, hashes, removed rules and tags under different hash seeds."""
    runs = []
    for seed in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-c", _HASH_PROBE, str(ROOT / "samples" / "dumps")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        runs.append(json.loads(proc.stdout))
    assert runs[0] == runs[1] and len(runs[0]) >= 14


MULTI_POST_BYTES = st.lists(st.one_of(st.binary(max_size=300), post_bytes()), min_size=1, max_size=6).flatmap(
    lambda parts: st.sampled_from([b"\n=====\n", b"\n\x0c\n", b"\r\n=======\r\n"]).map(lambda sep: sep.join(parts))
)


@FAST
@given(st.one_of(ANY_BYTES, MULTI_POST_BYTES), st.integers(32, 4000), st.integers(8, 2000))
def test_reader_accounts_for_every_post_of_a_file(data, max_file, max_record):
    """ReadFile on any file: each post is a record or a reject, the file line counts them, bytes are the file's."""
    import tempfile

    from apache_beam.pvalue import TaggedOutput
    from wirestrip.transforms.beam_safe import REJECTS
    from wirestrip.transforms.read.beam_read import FILES, FileToRead, ReadFile
    from wirestrip.transforms.record_types import RawRecord

    with tempfile.NamedTemporaryFile(suffix=".txt") as f:
        f.write(data)
        f.flush()
        outputs = list(ReadFile("txt", max_file, max_record).process(FileToRead(f.name, "x.txt", len(data))))
    records = [o for o in outputs if isinstance(o, RawRecord)]
    rejects = [o.value for o in outputs if isinstance(o, TaggedOutput) and o.tag == REJECTS]
    (info,) = [json.loads(o.value) for o in outputs if isinstance(o, TaggedOutput) and o.tag == FILES]
    assert (info["records"], info["rejected"], info["size"]) == (len(records), len(rejects), len(data))
    if len(data) > max_file:
        assert [r.error_type for r in rejects] == ["file_too_large"] and not records
        assert rejects[0].raw == data[: min(max_record, max_file)] and rejects[0].raw_size == len(data)
        return
    ranges = split_posts(data)
    assert len(records) + len(rejects) == len(ranges)
    for r in records:
        start, end = map(int, r.locator.split("bytes=")[1].split("-"))
        assert r.raw == data[start:end] and len(r.raw) <= max_record and r.raw_sha == raw_sha(r.raw)
    for rej in rejects:
        start, end = map(int, rej.locator.split("bytes=")[1].split("-"))
        assert rej.error_type == "record_too_large" and rej.raw_size == end - start > max_record
        assert rej.raw == data[start : start + max_record] and rej.raw_sha == raw_sha(data[start:end])
    assert len({r.doc_id for r in records} | {r.doc_id for r in rejects}) == len(ranges)
