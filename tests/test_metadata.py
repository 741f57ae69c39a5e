"""Metadata from real-page shapes: person names out of bylines, the article's own title and date,
the publisher's display name, and the language of short briefs (issue: right metadata)."""

from __future__ import annotations

import json

import lxml.html
import pytest
from wirestrip.transforms.clean.cleaner import headline_at_top
from wirestrip.transforms.read.authors import person_names
from wirestrip.transforms.read.html_meta import choose_title, cut_title, page_meta
from wirestrip.transforms.read.language import detect_language
from wirestrip.transforms.read.publishers import publisher_name


@pytest.mark.parametrize(
    ("credit", "names"),
    [
        # Forms seen on real pages, each with what a researcher filtering on authors expects.
        ("By Joshua Sokol May 20, 2019", ["Joshua Sokol"]),
        ("By GILLIAN MOHNEY\n March 11, 2015 3:46 PM", ["GILLIAN MOHNEY"]),
        ("Nathan Willis March", ["Nathan Willis"]),  # an extractor cut the day off the date
        ("Aleš Vávra před 3 hodinami", ["Aleš Vávra"]),
        ("Brenda Goodman, MA", ["Brenda Goodman"]),
        ("Ben Silverman, Games Editor", ["Ben Silverman"]),
        ("By Daniel Kahn Gillmor, Senior Staff Technologist, ACLU Speech, Privacy", ["Daniel Kahn Gillmor"]),
        ("Par Sébastien Farcis", ["Sébastien Farcis"]),
        ("Tech Industry by Steven Musil January 18, 2017 11:00 PM PST @stevenmusil", ["Steven Musil"]),
        ("By Jane Doe July 3 at 7:44 AM Email the author Follow @jdoe", ["Jane Doe"]),
        ("Jane Doe and John Roe, Associated Press", ["Jane Doe", "John Roe"]),
        ("Erin Cunningham; Steven Mufson", ["Erin Cunningham", "Steven Mufson"]),
        ("Alissa Wilkinson@alissamarie /* <![CDATA[ function", ["Alissa Wilkinson"]),
        ("Nelson D. Schwartz", ["Nelson D. Schwartz"]),
        ("Theresa May", ["Theresa May"]),  # a surname that is a month stays
        ("Leonardo da Vinci", ["Leonardo da Vinci"]),
        # Not people: placeholders, agencies, organisations, widgets, dates, a sign-off.
        ("Username", []),
        ("By The Associated Press", []),
        ("Posted 6:08 am, July 3, 2023, by CNN Wire", []),
        ("BBC News", []),
        ("Mac & i", []),
        ("Staff Writer", []),
        ("Last Updated: January 7, 2025", []),
        ("Love always", []),
        ("J J", []),
        ("", []),
    ],
)
def test_person_names_from_real_bylines(credit, names):
    assert person_names(credit) == names


def test_person_names_caseless_scripts_only_from_author_fields():
    assert person_names("肖春芳") == ["肖春芳"]
    assert person_names("人氣", caseless=False) == []  # from page text, a caseless word is not known to be a name


def test_person_names_bounded_on_hostile_input():
    assert person_names("Jane Doe " + "a" * 100_000) == []  # cut to MAX_CHARS before any regex runs


def _tree(head: str, body: str = ""):
    return lxml.html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


def test_title_cut_like_readability():
    assert (
        cut_title("Get your Frontend JavaScript Code Covered | Code | Nicolas Perriault")[0]
        == "Get your Frontend JavaScript Code Covered | Code"
    )
    assert cut_title("Mozilla - Wikipedia")[0] == "Mozilla - Wikipedia"  # too short once cut: kept whole
    assert cut_title("Storm hits the coast as thousands flee - BBC News")[0] == "Storm hits the coast as thousands flee"


def test_title_metadata_beats_a_section_heading_and_site_suffix_is_cut():
    # webmd: the page's only <h1> is its section; the document title is the article's
    assert choose_title([], "Babies Who Eat Peanuts Early May Avoid Allergy", ["Allergies Health Center"], None) == (
        "Babies Who Eat Peanuts Early May Avoid Allergy"
    )
    assert choose_title(["Snopes fact-checker speaks - Breitbart"], None, [], "Breitbart") == "Snopes fact-checker speaks"
    assert choose_title(["Una solución no violenta - 07.12.2017"], None, [], None) == "Una solución no violenta"
    # the cut the page's own heading confirms wins over Readability's keep-whole rule
    assert choose_title([], "Mozilla - Wikipedia", ["Mozilla"], None) == "Mozilla"


def test_the_articles_own_date_beats_a_sidebar_videos_and_placeholders_are_skipped():
    video = {"@context": "https://schema.org", "@type": "VideoObject", "datePublished": "2019-01-01T00:00:00Z"}
    article = {
        "@type": "NewsArticle",
        "headline": "Rates rise",
        "url": "https://example.org/rates",
        "datePublished": "2024-03-02T05:06:07Z",
        "author": [{"@type": "Person", "name": "Jane Doe"}],
        "publisher": {"@type": "Organization", "name": "Example Daily"},
    }
    other = dict(article, headline="Another story", url="https://example.org/other", datePublished="2020-01-01T00:00:00Z")
    scripts = "".join(f'<script type="application/ld+json"><![CDATA[{json.dumps(o)}]]></script>' for o in (video, other, article))
    tree = _tree(f'<link rel="canonical" href="https://www.example.org/rates/">{scripts}', "<article><h1>Rates rise</h1></article>")
    meta, dates = page_meta(tree)
    assert dates[0] == "2024-03-02T05:06:07Z"
    assert (meta.title, meta.authors, meta.site_name) == ("Rates rise", ["Jane Doe"], "Example Daily")


def test_placeholder_date_falls_through_to_the_next_candidate():
    from wirestrip.transforms.read.html_page import article_from_page, extract_page
    from wirestrip.transforms.record_types import RawRecord

    body = "<article><h1>Rates rise</h1>" + "<p>The central bank raised its main rate by a quarter point on Tuesday.</p>" * 5 + "</article>"
    html = (
        '<html lang="en"><head><title>Rates rise</title><meta itemprop="datePublished" content="0001-01-01T00:00:00Z">'
        '<meta property="article:published_time" content="0001-01-01T00:00:00Z"></head>'
        f'<body>{body}<time itemprop="datePublished" datetime="2024-05-01T10:00:00+02:00">May 1</time></body></html>'
    )
    record = RawRecord("p.html", "p.html", "page=0", "html", html.encode(), "x", "d")
    counts = []
    article = article_from_page(record, extract_page(html), "UTC", count=lambda name, n=1: counts.append(name))
    assert article.published_at.isoformat() == "2024-05-01T08:00:00+00:00"
    assert "html.date_candidate_skipped" in counts


@pytest.mark.parametrize(
    ("name", "url", "expected"),
    [
        ("U.S.", "https://www.reuters.com/article/x", "Reuters"),
        ("Hosted", "https://hosted.ap.org/story", "The Associated Press"),
        ("Copyright 2014", None, None),
        ("@politifact", "https://www.politifact.com/x", "PolitiFact"),
        ("https://www.hawaiinewsnow.com", None, "hawaiinewsnow.com"),
        ("Example Daily", "https://example.org", "Example Daily"),
        ("The Jerusalem Post | JPost.com", None, "The Jerusalem Post"),  # a tagline or domain after the name
        (None, None, None),
    ],
)
def test_publisher_is_never_a_section_handle_copyright_or_url(name, url, expected):
    assert publisher_name(name, url) == expected


def test_language_of_a_brief_of_figures_is_the_declared_or_none():
    brief = ["Shr 45 cts vs 58 cts", "Net 1.1 mln vs 829,000", "Sales 7.9 mln vs 9.4 mln", "Avg shrs 2,332,397 vs 1,428,000"]
    assert detect_language(brief) is None  # not a rare code (pcm, zxx, vo)
    assert detect_language(brief, "en") == "en"
    lorem = ["Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua."]
    assert detect_language(lorem, "en") == "en"  # placeholder Latin never outranks the page's language
    prose = ["The central bank raised its main interest rate on Tuesday, saying inflation was still too high."]
    assert detect_language(prose, "fr") == "en"


@pytest.mark.parametrize(
    ("paras", "is_headline"),
    [
        (
            [
                "Council backs new bike lanes",
                "The city council voted on Tuesday to build twelve kilometres of protected lanes by next spring.",
            ],
            True,
        ),
        (["Rates rise again", "Short line", "Rates rise again"], True),  # printed again later
        (["Shr 45 cts vs 58 cts", "Net 1.1 mln vs 829,000", "Sales 7.9 mln vs 9.4 mln"], False),  # a figures row
        (["The council met on Tuesday.", "It voted to build twelve kilometres of protected lanes by next spring, officials said."], False),
        (["Council backs new bike lanes"], False),  # a lone paragraph is the text
        (
            [
                "PARIS, March 3 (Reuters) - The council voted",
                "More text follows here that is long enough to be a story paragraph of prose.",
            ],
            False,
        ),
        (["Business", "The city council voted on Tuesday to build twelve kilometres of protected lanes by next spring."], False),
    ],
)
def test_headline_at_top_of_a_dump_without_a_title(paras, is_headline):
    assert headline_at_top(paras) is is_headline


def test_cleaner_moves_the_headline_to_title_and_records_it():
    from wirestrip.transforms.clean.cleaner import HEADLINE_RULE_ID, clean_article
    from wirestrip.transforms.clean.rules import load_rules
    from wirestrip.transforms.record_types import ParsedArticle, RawRecord

    record = RawRecord("d.jsonl", "d.jsonl", "line=1", "jsonl", b"{}", "x", "d")
    body = "The city council voted on Tuesday to build twelve kilometres of protected lanes by next spring."
    clean = clean_article(ParsedArticle(record=record, paragraphs=["Council backs new bike lanes", body]), load_rules())
    assert (clean.title, clean.paragraphs) == ("Council backs new bike lanes", [body])
    assert [(r.rule_id, r.kind, r.text) for r in clean.removed] == [(HEADLINE_RULE_ID, "title", "Council backs new bike lanes")]
    titled = ParsedArticle(record=record, title="Given", paragraphs=["Council backs new bike lanes", body])
    assert clean_article(titled, load_rules()).paragraphs == ["Council backs new bike lanes", body]  # a title column wins


def test_a_letters_sign_off_is_text_not_tags():
    from wirestrip.transforms.clean.cleaner import clean_article
    from wirestrip.transforms.clean.rules import load_rules
    from wirestrip.transforms.record_types import ParsedArticle, RawRecord

    record = RawRecord("d.txt", "d.txt", "post=0", "txt", b"", "x", "d")
    body = "I have read your column for years and I still disagree with every word of it, as I always will."
    for sign_off in ("Kim Gump, Dallas", "Love always, Mom"):
        clean = clean_article(ParsedArticle(record=record, title="Letters", paragraphs=[body, sign_off]), load_rules())
        assert (clean.paragraphs, clean.tags) == ([body, sign_off], [])
    tagged = clean_article(ParsedArticle(record=record, title="T", paragraphs=[body, "France, Russia, Ukraine War"]), load_rules())
    assert tagged.tags == ["France", "Russia", "Ukraine War"]


@pytest.mark.parametrize(
    ("credit", "names"),
    [
        ("Bruno (Henrique Zecchin) Rodrigues ", ["Bruno (Henrique Zecchin) Rodrigues"]),  # JSON-LD Person name as printed
        ("By Jane Doe (Reuters) -", ["Jane Doe"]),  # the desk in brackets is not part of the name
        ("Jane Doe [AP]", ["Jane Doe"]),
    ],
)
def test_person_names_brackets(credit, names):
    assert person_names(credit) == names


def test_zone_of_a_publisher_or_its_site():
    from wirestrip.transforms.read.zones import zone_for

    assert zone_for("NDTV", None) == "Asia/Kolkata"
    assert zone_for(None, "https://www.business-standard.com/x") == "Asia/Kolkata"
    assert zone_for(None, "https://www.lemonde.fr/a") == "Europe/Paris"  # one civil time in France
    assert zone_for(None, "https://news.example.com.au/a") is None  # Australia has several zones: --default-tz stands
    assert zone_for(None, None) is None


def test_row_reads_a_zoneless_time_in_the_publishers_zone():
    from datetime import UTC, datetime

    from wirestrip.transforms.clean.cleaner import clean_article
    from wirestrip.transforms.clean.rules import load_rules
    from wirestrip.transforms.record_types import ParsedArticle, RawRecord
    from wirestrip.transforms.write.table_rows import RunContext, article_row

    record = RawRecord("d.jsonl", "d.jsonl", "line=1", "jsonl", b"{}", "x", "d")
    ctx = RunContext("r", "0", "t", datetime(2025, 1, 1, tzinfo=UTC), 1 << 20, default_tz="Europe/Berlin")
    body = ["The city council voted on Tuesday to build twelve kilometres of protected lanes by next spring."]
    # 22:51 printed without a zone, read in --default-tz (Berlin, +01:00 in January) by the reader
    read_in_berlin = datetime(2025, 1, 8, 21, 51, tzinfo=UTC)
    indian = ParsedArticle(record, "T", paragraphs=body, published_at=read_in_berlin, published_tz_assumed=True, publisher="NDTV")
    row = article_row(clean_article(indian, load_rules()), ctx)
    assert (row["published_at"], row["published_zone"], row["published_tz_assumed"]) == (
        datetime(2025, 1, 8, 17, 21, tzinfo=UTC),
        "Asia/Kolkata",
        True,
    )
    unknown = ParsedArticle(record, "T", paragraphs=body, published_at=read_in_berlin, published_tz_assumed=True)
    row = article_row(clean_article(unknown, load_rules()), ctx)
    assert (row["published_at"], row["published_zone"]) == (read_in_berlin, "Europe/Berlin")
    printed = ParsedArticle(record, "T", paragraphs=body, published_at=read_in_berlin, published_tz_assumed=False, publisher="NDTV")
    assert article_row(clean_article(printed, load_rules()), ctx)["published_zone"] is None  # the source printed its zone
