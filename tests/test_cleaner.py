"""The first cleaner: rules as data, removed spans with rule ids, provenance from what it removed."""

import pytest
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.rules import RuleError, load_rules, parse_rules
from wirestrip.transforms.read.post_text import parse_post

from tests.helpers import SEED_LAYOUT, record


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def test_seed_layout_cleaned(rules):
    clean = clean_article(parse_post(record(SEED_LAYOUT)), rules)
    assert clean.paragraphs == [
        "Rotterdam: Dockers at the main container terminal walked out on Monday, union officials said.",
        "“We will stay out until the talks restart,” one organiser said.",
    ]
    by_rule = {r.rule_id: r for r in clean.removed}
    assert set(by_rule) == {
        "layout.repeated_title",
        "disclaimer.ndtv.syndicated_feed",
        "tail.tag_line",
        "junk.source_link",
        "junk.loading",
    }
    assert by_rule["junk.loading"].position == 5
    assert clean.publisher == "NDTV" and clean.syndicated is True
    assert clean.tags == ["Netherlands", "Rotterdam", "Port Strike"]
    assert clean.origin_agency is None  # the disclaimer names no agency: never invented


def test_text_joins_paragraphs_with_blank_line(rules):
    clean = clean_article(parse_post(record(SEED_LAYOUT)), rules)
    assert clean.text == "\n\n".join(clean.paragraphs)


def test_tag_like_line_in_the_middle_is_body(rules):
    # A comma list inside the story is not in the trailing boilerplate run: it must stay.
    text = "T\n\nIntro sentence.\n\nApples, pears, plums\n\nLast sentence of the story.\n\nSource link"
    clean = clean_article(parse_post(record(text)), rules)
    assert "Apples, pears, plums" in clean.paragraphs
    assert [r.rule_id for r in clean.removed] == ["junk.source_link"]


def test_body_sentence_quoting_boilerplate_words_is_kept(rules):
    text = "T\n\nThe site said the story was published from a syndicated feed, and readers complained.\n\nLoading the ferry took hours."
    clean = clean_article(parse_post(record(text)), rules)
    assert clean.removed == [] and len(clean.paragraphs) == 2


def test_copyright_footer_yields_license(rules):
    text = "T\n\nBody.\n\nCopyright 2025 The Associated Press. All rights reserved. This material may not be published, broadcast, written or redistributed."
    clean = clean_article(parse_post(record(text)), rules)
    assert clean.paragraphs == ["Body."]
    assert clean.license == "all-rights-reserved"


def test_input_publisher_field_wins(rules):
    parsed = parse_post(record(SEED_LAYOUT))
    parsed.publisher = "Example Times"
    assert clean_article(parsed, rules).publisher == "Example Times"


def test_user_rule_file_extends_registry():
    extra = """
version: "site-1"
rules:
  - id: site.newsletter_prompt
    family: Example newsletter
    kind: newsletter
    scope: line
    pattern: 'get our morning briefing in your inbox'
    reason: Newsletter prompt printed under every story on this site.
"""
    rules = load_rules([("site.yaml", extra)])
    assert rules.version.startswith(load_rules().version + "+")
    clean = clean_article(parse_post(record("T\n\nBody.\n\nGet our morning briefing in your inbox")), rules)
    assert [r.rule_id for r in clean.removed] == ["site.newsletter_prompt"]


@pytest.mark.parametrize(
    "rule,message",
    [
        ("  - {id: x.bad, family: f, kind: junk, scope: line, pattern: '(a)\\1', reason: r}", "RE2 cannot compile"),
        ("  - {id: x.bad, family: f, kind: junk, scope: line, pattern: '(?=a)b', reason: r}", "RE2 cannot compile"),
        ("  - {id: x.bad, family: f, kind: nonsense, scope: line, pattern: 'a', reason: r}", "kind 'nonsense'"),
        ("  - {id: x.bad, family: f, kind: junk, scope: everywhere, pattern: 'a', reason: r}", "scope 'everywhere'"),
        ("  - {id: x.bad, family: f, kind: junk, scope: line, pattern: 'a'}", "'reason' is required"),
        ("  - {id: x.bad, family: f, kind: junk, scope: line, pattern: 'a', reason: r, yields: {publisher: '{nope}'}}", "group {nope}"),
    ],
)
def test_bad_rules_are_rejected_with_a_clear_error(rule, message):
    with pytest.raises(RuleError, match=message.replace("{", r"\{").replace("(", r"\(")):
        parse_rules("rules:\n" + rule + "\n", "user.yaml")


def test_duplicate_rule_id_is_an_error():
    dup = "rules:\n  - {id: junk.loading, family: f, kind: junk, scope: line, pattern: 'x', reason: r}\n"
    with pytest.raises(RuleError, match="defined twice"):
        load_rules([("dup.yaml", dup)])


def test_rules_survive_pickling_for_beam_workers(rules):
    import pickle

    again = pickle.loads(pickle.dumps(rules))
    assert [r.id for r, _ in again.match_line("Source link")] == ["junk.source_link"]
