"""Datelines, bylines and provenance resolution: what the text states, with the deciding rule; never invented."""

import pytest
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.datelines import parse_dateline
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.read.post_text import parse_post

from tests.helpers import record


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def clean(text: str, rules):
    return clean_article(parse_post(record(text)), rules)


@pytest.mark.parametrize(
    "opening,city,agency,byline",
    [
        ("LISBON (AP) — The port", "LISBON", "AP", []),
        ("PORTO, Portugal (Reuters) - The port", "PORTO", "Reuters", []),
        ("Pune, Mar 21 (PTI) The port", "Pune", "PTI", []),
        ("LYON, Jan 1 (AFP) - The port", "LYON", "AFP", []),
        ("New Delhi [India], March 5 (ANI): The port", "New Delhi", "ANI", []),
        ("By Ana B Lima Kathmandu, Oct 17 (PTI) The port", "Kathmandu", "PTI", ["Ana B Lima"]),
        ("By Jo Park. ABOARD THE FERRY (Reuters) - The port", "ABOARD THE FERRY", "Reuters", ["Jo Park"]),
        ("By ANA LIMA, JO PARK and SAM COLE NEW YORK (AP) — The port", "NEW YORK", "AP", ["ANA LIMA", "JO PARK", "SAM COLE"]),
        ("OSLO/BERGEN, Norway — The port", "OSLO/BERGEN", None, []),
        ("(Reuters) - Shares of the port operator fell", None, "Reuters", []),
    ],
)
def test_datelines(opening, city, agency, byline):
    d = parse_dateline(opening)
    assert (d.city, d.agency, d.byline) == (city, agency, byline)


@pytest.mark.parametrize(
    "sentence",
    [
        "A spokesman told the Associated Press (AP) that the port would reopen.",
        "Reuters reported (Reuters) that the port would reopen.",
        "The company said on Monday - as expected - that it would pay.",
    ],
)
def test_sentences_are_not_datelines(sentence):
    assert parse_dateline(sentence) is None


def test_dateline_stays_in_the_body_glued_byline_goes_to_byline(rules):
    c = clean("T\n\nBy Ana Lima Kathmandu, Oct 17 (PTI) The floods killed 40 people.\n\nRescue teams arrived.", rules)
    assert c.paragraphs[0] == "Kathmandu, Oct 17 (PTI) The floods killed 40 people."
    assert (c.dateline_city, c.origin_agency, c.origin_agency_rule, c.byline) == ("Kathmandu", "PTI", "dateline", ["Ana Lima"])
    assert [(r.rule_id, r.kind, r.text) for r in c.removed] == [("dateline.glued_byline", "byline", "By Ana Lima")]
    assert c.syndicated is True


def test_a_dateline_behind_a_table_pipe_counts_and_an_end_byline_fills_byline(rules):
    # A scraped table row or caption cell before the dateline: the cell the agency tag is in.
    c = clean("T\n\nPolice outside the court. | LONDON (AP) — Dockers struck.\n\nRescue teams arrived.", rules)
    assert (c.dateline_city, c.origin_agency, c.origin_agency_rule) == ("LONDON", "AP", "dateline")
    # "By X, The Associated Press" on its own line: the name without its "By", the agency as origin.
    c = clean("T\n\nBy Jane Doe, The Associated Press\n\nDockers struck at dawn on Monday in the port.", rules)
    assert (c.byline, c.origin_agency) == (["Jane Doe"], "AP")


def test_dateline_beats_a_copyright_holder_and_the_rule_is_recorded(rules):
    text = "T\n\nLISBON (Reuters) - Dockers struck.\n\nMore.\n\nCopyright 2030 The Associated Press. All rights reserved."
    c = clean(text, rules)
    assert (c.origin_agency, c.origin_agency_rule) == ("Reuters", "dateline")
    c = clean("T\n\nDockers struck.\n\nMore.\n\nCopyright 2030 The Associated Press. All rights reserved.", rules)
    assert (c.origin_agency, c.origin_agency_rule, c.license) == ("AP", "copyright.may_not_be_published", "all-rights-reserved")


def test_agency_never_invented(rules):
    text = "T\n\nDockers struck.\n\n(With inputs from agencies.)\n\nThis story is auto-generated from a syndicated feed."
    c = clean(text, rules)
    assert c.paragraphs == ["Dockers struck."]
    assert c.origin_agency is None and c.origin_agency_rule is None and c.syndicated is True


def test_publisher_from_disclaimer_beats_copyright_holder(rules):
    text = (
        "T\n\nDockers struck.\n\n©2030 FOX News Network, LLC. All rights reserved.\n\n"
        "(This story has not been edited by Example Post staff and is auto-generated from a syndicated feed.)"
    )
    c = clean(text, rules)
    assert c.publisher == "Example Post"
    c = clean("T\n\nDockers struck.\n\n©2030 FOX News Network, LLC. All rights reserved.", rules)
    assert c.publisher == "FOX News Network" and c.origin_agency is None


def test_reuters_signoff_and_redaction(rules):
    text = "T\n\nDockers struck.\n\n((ana.lima@example.com; +44 20 7542 9406; Messaging: ana.lima@example.net))"
    plain = clean(text, rules)
    assert plain.origin_agency == "Reuters" and "ana.lima@example.com" in plain.removed[0].text
    masked = clean_article(parse_post(record(text)), rules, redact=True)
    assert "example.com" not in masked.removed[0].text and "9406" not in masked.removed[0].text
    assert len(masked.removed[0].text) == len(plain.removed[0].text)
    assert masked.paragraphs == ["Dockers struck."]


def test_capitals_and_colon_dateline_without_agency(rules):
    c = clean("T\n\nNEW DELHI: The government raised rice prices.\n\nMore.", rules)
    assert (c.dateline_city, c.origin_agency) == ("NEW DELHI", None)
    assert parse_dateline("READ MORE: the full list") is None and parse_dateline("BREAKING: fire at port") is None


def test_desk_credit_names_no_agency_but_reuters_signoff_does(rules):
    assert clean("T\n\nDockers struck.\n\n(Edited by Jo Park)", rules).origin_agency is None
    c = clean("T\n\nDockers struck.\n\n(Reporting by Ana Lima; Editing by Jo Park)", rules)
    assert (c.origin_agency, c.origin_agency_rule) == ("Reuters", "credit.reporting_by")


def test_publisher_from_the_site_when_no_disclaimer_names_one(rules):
    parsed = parse_post(record("T\n\nDockers struck.\n\n©2030 FOX News Network, LLC. All rights reserved."))
    parsed.url = "https://www.example-news.com/2030/01/dockers"
    assert clean_article(parsed, rules).publisher == "example-news.com"
    parsed = parse_post(
        record(
            "T\n\nDockers struck.\n\n(This story has not been edited by Example Post staff and is auto-generated from a syndicated feed.)"
        )
    )
    parsed.url = "https://www.example-news.com/x"
    assert clean_article(parsed, rules).publisher == "Example Post"


def test_source_lines_name_a_publisher_or_a_known_agency_only(rules):
    c = clean("T\n\nDockers struck.\n\nSource: Office for National Statistics", rules)
    assert c.paragraphs == ["Dockers struck."] and c.publisher is None and c.origin_agency is None
    c = clean("T\n\nDockers struck.\n\nSource: Reuters", rules)
    assert (c.origin_agency, c.origin_agency_rule) == ("Reuters", "republish.source_line")
    c = clean("T\n\nDockers struck.\n\nSOURCE: EXAMPLE NEWS AND NEWS AGENCIES", rules)
    assert c.publisher == "EXAMPLE NEWS" and c.origin_agency is None


def test_reuters_own_wire_city_date_dateline_and_reuter_signoff():
    """Reuters' 1980s wire: "CITY, Feb 26 - " opens the story (no agency tag) and the bare word
    "Reuter" signs it off, glued after the last sentence or on its own line."""
    from wirestrip.transforms.clean.cleaner import clean_article
    from wirestrip.transforms.clean.rules import load_rules
    from wirestrip.transforms.record_types import ParsedArticle

    from tests.helpers import record

    rules = load_rules()
    first = "LISBON, Feb 26 - Dock workers walked out on Monday over a pay offer, the union said on Tuesday."
    said = "The port said forty ships were waiting offshore."
    # the wire printed the sign-off both ways ("Reuter", "REUTER"), glued or on its own line
    for paragraphs in ([first, f"{said} Reuter"], [first, said, "Reuter"], [first, f"{said} REUTER"], [first, said, "REUTER"]):
        clean = clean_article(ParsedArticle(record=record("x"), paragraphs=paragraphs), rules)
        assert clean.dateline_city == "LISBON" and clean.paragraphs[0] == first  # the dateline stays in the body
        assert clean.origin_agency == "Reuters"
        assert clean.paragraphs[-1] == "The port said forty ships were waiting offshore."
    # A story that merely ends with the name is not signed off, and no sign-off means no agency.
    prose = clean_article(ParsedArticle(record=record("x"), paragraphs=[first, "The prize went to Paul Reuter."]), rules)
    assert prose.origin_agency is None and prose.paragraphs[-1] == "The prize went to Paul Reuter."
