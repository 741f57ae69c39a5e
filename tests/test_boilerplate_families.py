"""The rule registry on real boilerplate families with their variations, and the body lines it must keep."""

import pytest
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.read.post_text import parse_post

from tests.helpers import record

BODY = "Officials said the harbour would reopen on Monday after repairs to the main quay were finished."


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def clean(text: str, rules):
    return clean_article(parse_post(record(text)), rules)


@pytest.mark.parametrize(
    "line,rule_id",
    [
        # copyright footers: any year, "written" typo, missing / doubled spaces, tracking hash, ™ & ©
        (
            "Copyright 2031 The Associated Press. All rights reserved. This material may not be published, broadcast, written or redistributed.",
            "copyright.may_not_be_published",
        ),
        (
            "© Copyright 1999 The Associated Press.  All rights reserved.This material may not be published, broadcast, rewritten or redistributed.",
            "copyright.may_not_be_published",
        ),
        ("™ & © 2031 Cable News Network, Inc., a Warner Bros. Discovery Company. All rights reserved.", "copyright.may_not_be_published"),
        (
            "Copyright ©2019 Dow Jones & Company, Inc. All Rights Reserved. 0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "copyright.may_not_be_published",
        ),
        ("©2030 Example Daily Ledger, Distributed by Tribune Content Agency, LLC.", "copyright.distributed_by"),
        # syndication disclaimers with another site's name in the slot, parentheses dropped
        (
            "Except for the headline, this story has not been edited by Example Post staff and is published from a syndicated feed.",
            "disclaimer.staff_not_edited",
        ),
        (
            "(Only the headline and picture of this report may have been reworked by the Example Herald staff; the rest of the content is auto-generated from a syndicated feed.)",
            "disclaimer.headline_reworked",
        ),
        ("(with inputs from PTI)", "disclaimer.with_inputs_from"),
        # credits and sign-offs
        ("(Reporting by Ana Lima in Lisbon; Editing by Tom Reed)", "credit.reporting_by"),
        ("Additional reporting by Ana Lima; Writing by Jo Park; Editing by Sam Cole", "credit.reporting_by"),
        ("--IANS", "credit.agency_signoff"),
        ("PTI KJ RS", "credit.agency_signoff"),
        ("Associated Press writers Ana Lima and Jo Park in Rome contributed to this report.", "credit.agency_contributors"),
        # republish notes
        (
            "This article is republished from The Conversation under a Creative Commons license. Read the original article.",
            "republish.creative_commons",
        ),
        (
            "This story was originally published on Example Dive. To receive daily news and insights, subscribe to our free daily Example Dive newsletter.",
            "republish.originally_appeared",
        ),
        ("Originally published March 3, 2031 at 4:10 pm", "republish.first_published_date"),
        # scraper junk
        ("Like this:Like Loading...", "junk.loading"),
        ("Click to share on Facebook (Opens in new window)", "junk.click_to_share"),
        ("READ MORE »", "junk.read_more"),
        ("Advertisement - Scroll to Continue", "junk.advertisement"),
        ("Sign up for our weekly newsletter and get the best stories in your inbox.", "junk.newsletter_signup"),
    ],
)
def test_family_variations_are_stripped_at_the_tail(rules, line, rule_id):
    c = clean(f"T\n\n{BODY}\n\n{line}", rules)
    assert c.paragraphs == [BODY]
    assert [r.rule_id for r in c.removed] == [rule_id]


@pytest.mark.parametrize(
    "sentence",
    [
        'The agency said every advert carried the line "All rights reserved" even where the photos were licensed.',
        "A spokesman for the Associated Press (AP) said the agency would appeal against the ruling.",
        "Reuters reported on Tuesday that the talks had stalled.",
        "Read more widely than your rivals, the coach told the players.",
        "Advertisement spending on television fell by a fifth last year.",
        "Advertisement",  # alone in the middle it is an ad slot: removed (see the next test)
    ][:-1],
)
def test_hard_negatives_in_the_middle_survive(rules, sentence):
    c = clean(f"T\n\n{BODY}\n\n{sentence}\n\n{BODY} Again.", rules)
    assert sentence in c.paragraphs and c.removed == []
    assert c.origin_agency is None


def test_short_body_lines_survive_but_widget_lines_go(rules):
    c = clean(f"T\n\n{BODY}\n\nWhat happens next\n\nAdvertisement\n\nRelated\n\n{BODY} Again.\n\nRelated", rules)
    assert c.paragraphs == [BODY, "What happens next", "Related", f"{BODY} Again."]  # mid-story "Related" may be a subhead
    assert [r.rule_id for r in c.removed] == ["junk.advertisement", "edge.related_single_word"]


def test_tag_line_needs_short_names_with_letters(rules):
    # The last body line of a match report or an author's bio is comma-separated too: it stays.
    for last in ("78,000", "Jo Park is the editor of the Example Review, which covers the impact of technology on media"):
        c = clean(f"T\n\n{BODY}\n\n{last}", rules)
        assert c.paragraphs == [BODY, last]


def test_edge_rules_need_the_whole_run_to_be_boilerplate(rules):
    # "Provided by X" is a credit at the tail, but a body line in the middle.
    c = clean(f"T\n\n{BODY}\n\nProvided by donors\n\n{BODY} Again.\n\nProvided by The Conversation", rules)
    assert "Provided by donors" in c.paragraphs and c.paragraphs[-1] == f"{BODY} Again."
    assert c.origin_agency == "The Conversation" and c.origin_agency_rule == "republish.provided_by"


def test_every_shipped_rule_says_why(rules):
    assert all(r.reason.strip() and "\n" not in r.reason.strip() and r.family.strip() for r in rules.rules)
    assert len({r.id for r in rules.rules}) == len(rules.rules)


@pytest.mark.parametrize(
    "line,rule_id",
    [
        ("Also Read: Port strike ends after talks", "junk.also_read_link"),
        ("Disclaimer: The views expressed are the author's own.", "disclaimer.labelled"),
        ("Join our WhatsApp channel for the latest news.", "junk.follow_channel"),
        ("Representative image", "credit.representative_image"),
        ("With PTI inputs", "disclaimer.with_inputs_from"),
    ],
)
def test_general_families_beyond_the_reference(rules, line, rule_id):
    c = clean(f"T\n\n{BODY}\n\n{line}\n\n{BODY} Again.", rules)
    assert [r.rule_id for r in c.removed] == [rule_id] and len(c.paragraphs) == 2


def test_edge_only_families_stay_in_the_middle(rules):
    middle = ["Updated figures were published on Monday.", "Print", "Tags: none of them mattered"]
    c = clean(
        "\n\n".join(["T", BODY, *middle, f"{BODY} Again.", "Updated: Mar 5, 2031 10:32 IST", "WhatsApp", "Tags: Port, Strike"]), rules
    )
    assert c.paragraphs == [BODY, *middle, f"{BODY} Again."]
    assert c.tags == ["Port", "Strike"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The film was distributed by Warner Bros.",
        "(c) the defendant must pay the costs of the appeal",
        "Download the NHS app to book appointments, the minister urged.",
    ],
)
def test_one_sentence_paragraphs_that_resemble_footers_survive(rules, sentence):
    c = clean(f"T\n\n{BODY}\n\n{sentence}\n\n{BODY} Again.", rules)
    assert sentence in c.paragraphs and c.removed == []


def test_a_credit_slot_that_is_prose_names_no_origin(rules):
    c = clean(f"T\n\n{BODY}\n\nAdapted from the novel by Jane Austen.", rules)
    assert c.paragraphs == [BODY, "Adapted from the novel by Jane Austen."] and c.origin_agency is None
    c = clean(f"T\n\n{BODY}\n\nReprinted with permission from the author of the blog.", rules)
    assert c.paragraphs == [BODY] and c.origin_agency is None and c.republished_from is None  # "the author ..." is no publication
    c = clean(f"T\n\n{BODY}\n\nAdapted from this Example Weekly article.", rules)
    assert c.paragraphs == [BODY] and c.republished_from == "Example Weekly" and c.origin_agency is None


def test_an_outlet_a_republish_note_names_is_republished_from_never_the_agency(rules):
    # An outlet is where the text was republished from; only a news agency becomes origin_agency.
    c = clean(f"T\n\n{BODY}\n\nThis article originally appeared in The Example Times.", rules)
    assert (c.republished_from, c.origin_agency, c.syndicated) == ("The Example Times", None, True)
    c = clean(f"T\n\n{BODY}\n\nThis story was originally published by Reuters.", rules)
    assert (c.republished_from, c.origin_agency, c.origin_agency_rule) == (None, "Reuters", "republish.originally_appeared")
    # A syndicate's footer names the original publisher: an outlet too.
    c = clean(f"T\n\n{BODY}\n\n© 2030 Example Roll Call, Inc., All Rights Reserved. Distributed by Tribune Content Agency, LLC.", rules)
    assert (c.republished_from, c.origin_agency) == ("Example Roll Call", None)
    # An agency stated elsewhere still decides origin_agency; the outlet stays in its own column.
    c = clean(f"T\n\nLISBON, March 3 (Reuters) - {BODY}\n\nReprinted with permission from Example Weekly.", rules)
    assert (c.republished_from, c.origin_agency, c.origin_agency_rule) == ("Example Weekly", "Reuters", "dateline")


def test_no_break_spaces_do_not_hide_boilerplate(rules):
    line = "Copyright\u00a02030 The Associated Press.\u00a0All rights reserved."
    c = clean(f"T\n\n{BODY}\n\n{line}\n\nShare\u202fthis:", rules)
    assert c.paragraphs == [BODY] and c.removed[0].text == line and c.origin_agency == "AP"


def test_footers_glued_to_the_last_paragraph_are_cut_the_paragraph_kept(rules):
    glued = f"{BODY} (This story has not been edited by NDTV staff and is auto-generated from a syndicated feed.)"
    c = clean(f"T\n\n{glued}", rules)
    assert c.paragraphs == [BODY] and c.publisher == "NDTV" and c.removed[0].rule_id == "inline.syndication_note_at_end"
    glued = f"{BODY} Copyright 2030 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed."
    c = clean(f"T\n\n{glued}", rules)
    assert c.paragraphs == [BODY] and c.origin_agency == "AP" and c.license == "all-rights-reserved"
    quoted = 'The label read "Copyright 2030 Example Ltd. All rights reserved" in small print, the court heard.'
    assert clean(f"T\n\n{quoted}", rules).paragraphs == [quoted]


# --- page chrome anywhere in a scraped page (issue 13): each family with a body near miss ---------
MIDDLE_FAMILIES = [
    # photo credits and captions ending in their credit
    ("(AP Photo/Ana Lima)", "credit.photo_agency_line"),
    ("| AP Photo/Uncredited |", "credit.photo_agency_line"),
    ("Jo Park/AP", "credit.photo_agency_line"),
    ("REUTERS/Tom Reed", "credit.photo_agency_line"),
    ("Getty Images", "credit.photo_agency_line"),
    ("Dock workers walk past the idle cranes on Tuesday, March 4, 2031. (AP Photo/Ana Lima)", "credit.caption_with_photo_credit"),
    # gallery and player chrome
    ("Image 4 of 15", "chrome.gallery_player"),
    ("4 / 15", "chrome.gallery_player"),
    ("Back to Gallery", "chrome.gallery_player"),
    ("Now Playing", "chrome.gallery_player"),
    ("Fullscreen", "chrome.gallery_player"),
    ("Replay", "chrome.gallery_player"),
    ("__", "chrome.no_text"),
    # widgets, scripts, sign-in boxes
    ("window._taboola = window._taboola || [];", "chrome.script"),
    ("You are signed in as portwatcher", "social.follow_prompt"),
    ("Contact Us | Site Map | RSS", "chrome.utility_labels"),
    ("► May (14)", "chrome.blog_archive"),
    ("|", "chrome.no_text"),
    # timestamps
    ("Updated", "chrome.timestamp"),
    ("25 min ago", "chrome.timestamp"),
    ("Posted 9:12 pm, March 4, 2031, by Example Wire", "chrome.timestamp"),
    ("March 4, 2031 at 9:12 pm | Permalink", "chrome.timestamp"),
    # bylines and reporting credits
    ("By The Associated Press", "byline.agency_only"),
    ("Associated Press", "byline.agency_only"),
    ("Ana Lima and Jo Park, Associated Press", "byline.agency_only"),
    ("Lima reported from Lisbon.", "credit.reported_from"),
    ("Associated Press writers Jo Park in Rome and Tom Reed in Oslo contributed.", "credit.writers_contributed"),
    ("(Additional reporting by Jo Park; Editing by Tom Reed)", "credit.reporting_by"),
    # social embeds and prompts
    ("— Ana Lima (@analima) March 4, 2031", "social.tweet_embed_signature"),
    ("Follow Ana Lima on Facebook", "social.follow_prompt"),
    # comment prompts, related links, ads, copyright, paywalls
    ("View Comments", "chrome.comment_widget"),
    ("Reply", "chrome.comment_widget"),
    ("Your comment could not be posted. Error type:", "chrome.comment_form_status"),
    ("Comments are moderated and will not appear until the editor has approved them.", "chrome.comment_form_status"),
    ("To post, please enter the letters and numbers you see in the picture below.", "chrome.comment_form_status"),
    ("Having trouble reading this image? View an alternate.", "chrome.comment_form_status"),
    ("Read more: Port strike ends after talks", "related.labelled_link"),
    ("Related: Port strike ends after talks", "related.labelled_link"),
    ("Most Popular", "chrome.utility_labels"),
    ("DON'T MISS", "related.labelled_link"),
    ("Recommended Video", "related.labelled_link"),
    ("Sponsored Links", "chrome.utility_labels"),
    ("Copyright", "copyright.line_anywhere"),
    ("Subscribe to continue reading this story.", "junk.paywall_notice"),
]


@pytest.mark.parametrize("line,rule_id", MIDDLE_FAMILIES)
def test_page_chrome_families_go_anywhere_in_the_story(rules, line, rule_id):
    c = clean(f"T\n\n{BODY}\n\n{line}\n\n{BODY} Again.", rules)
    assert c.paragraphs == [BODY, f"{BODY} Again."]
    assert [r.rule_id for r in c.removed] == [rule_id]


@pytest.mark.parametrize(
    "sentence",
    [
        "The photo agency AP Photo said the picture was genuine.",  # credits: a sentence about a credit
        "The ship's master reported from the bridge that the cargo had shifted.",
        "Lima reported from the port that the cranes were idle",  # no full stop: a fragment of the story, not a credit
        "Two days ago the cranes stopped.",  # timestamps: an age inside a sentence
        "Published figures for March 4, 2031 showed a fall.",
        "March 4, 2031",  # a date alone can be story text (a diary entry, a timeline)
        "Weak dollar hits Reuters",  # a headline ending in an agency's name is not its byline
        "Related figures were released on Monday.",
        "Read more: the port reopened on Monday after repairs, officials said.",  # a paragraph after a bare label
        "Follow the money, the inspector told the court.",
        "Print",  # alone, a one-word label may be a subhead ("Print", "Digital"): edge-only
        "Facebook",
        "Help",
        "Watch the cranes, the foreman said.",
        "Close to 4,000 workers joined the strike.",
        "The 4/15 vote was the closest in years.",
        "Copyright lawyers said the case would take years.",
        "Reply to the union's letter is due on Friday, the minister said.",
        "Your comment could change the vote, the mayor told residents.",
        "...",
        "Jo Park contributed two goals in the final.",
    ],
)
def test_page_chrome_near_misses_stay(rules, sentence):
    c = clean(f"T\n\n{BODY}\n\n{sentence}\n\n{BODY} Again.", rules)
    assert sentence in c.paragraphs and c.removed == []


def test_agency_byline_line_anywhere_gives_provenance(rules):
    c = clean(f"T\n\n{BODY}\n\nAna Lima and Jo Park, Associated Press\n\n{BODY} Again.", rules)
    assert c.origin_agency == "AP" and "Ana Lima" in c.byline and "Jo Park" in c.byline


@pytest.mark.parametrize(
    "page",
    [
        "HTTP Error 403: Forbidden\n\nYou don't have permission to access this page.",
        "404 Not Found\n\nSorry, the page you requested could not be found.",
        "Subscribe to continue reading.\n\nAlready a subscriber? Log in",
        "Subscribe to continue reading. Already a subscriber? Log in.",  # one paragraph, two sentences
        "We welcome comments that advance the story. Please keep comments civil and on topic. "
        "Comments that violate our guidelines will be removed.",
    ],
)
def test_a_record_that_is_only_junk_has_no_article_text(rules, page):
    c = clean(f"T\n\n{page}", rules)
    assert c.paragraphs == [] and c.removed  # beam_clean turns this into a no_article_text reject


def test_a_comment_policy_goes_at_the_edge_and_news_about_comments_stays(rules):
    policy = "Please keep your comments civil. Comments that break our rules are removed."
    c = clean(f"T\n\n{BODY}\n\n{policy}", rules)
    assert c.paragraphs == [BODY] and [r.rule_id for r in c.removed] == ["edge.comment_policy"]
    # In the middle of a story, or as reported speech at its end, it is story text.
    c = clean(f"T\n\n{BODY}\n\n{policy}\n\n{BODY} Again.", rules)
    assert policy in c.paragraphs
    for last in (
        "Facebook said it removed comments that violated its rules.",
        "The minister's comments drew criticism. His comments were later retracted.",
        "The council will welcome comments from residents until March 3.",
    ):
        assert clean(f"T\n\n{BODY}\n\n{last}", rules).paragraphs == [BODY, last], last


def test_an_embedded_post_keeps_its_words_and_loses_its_signature(rules):
    post = "Ships are queuing again tonight, and the port says nothing"
    c = clean(f"T\n\n{BODY}\n\n{post} pic.twitter.com/Ab12Cd — Ana Lima (@analima) March 4, 2031\n\n{BODY} Again.", rules)
    assert c.paragraphs == [BODY, post, f"{BODY} Again."]
    assert [r.rule_id for r in c.removed] == ["social.tweet_embed_signature"]


def test_a_section_menu_goes_anywhere_but_a_lone_section_subhead_stays(rules):
    menu = ["News", "Business", "Sport", "Weather", "Real Estate"]
    c = clean("T\n\n" + "\n\n".join([BODY, *menu, f"{BODY} Again."]), rules)
    assert c.paragraphs == [BODY, f"{BODY} Again."]
    assert [r.rule_id for r in c.removed] == ["chrome.section_menu"] * len(menu)
    # two labels in a row inside the story are subheads (a roundup's "Weather", "Sport"): they stay
    for middle in (["Weather"], ["Weather", "Sport"], ["Sport", BODY.replace("harbour", "stadium"), "Weather"]):
        text = "T\n\n" + "\n\n".join([BODY, *middle, f"{BODY} Again."])
        c = clean(text, rules)
        assert all(m in c.paragraphs for m in middle) and c.removed == [], middle
    # a share bar (one label a line) is a menu too; lines that are not all labels break a run
    c = clean("T\n\n" + "\n\n".join([BODY, "Twitter", "Facebook", "Email", f"{BODY} Again."]), rules)
    assert c.paragraphs == [BODY, f"{BODY} Again."]
    assert clean(f"T\n\n{BODY}\n\nThe news\n\nWorld business\n\nSport and weather today\n\n{BODY} Again.", rules).removed == []


def test_a_section_label_at_the_page_edge_goes(rules):
    c = clean(f"T\n\n{BODY}\n\n{BODY} Again.\n\nNews", rules)
    assert c.paragraphs == [BODY, f"{BODY} Again."] and [r.rule_id for r in c.removed] == ["chrome.section_menu"]
