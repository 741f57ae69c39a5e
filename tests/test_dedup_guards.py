"""Issue 18's guards against false copies, pure: the story a page is compared by (story.py), the fact
mismatch of short templated texts (facts.py), and the lead rule of containment edges (fingerprint.py).
All texts are our own words."""

from __future__ import annotations

from wirestrip.transforms.dedup.candidates import verify
from wirestrip.transforms.dedup.documents import doc_fp
from wirestrip.transforms.dedup.facts import FACT_MAX_WORDS, fact_mismatch, fact_tokens
from wirestrip.transforms.dedup.fingerprint import (
    DedupParams,
    fingerprint,
    fingerprint_of_word_hashes,
    is_edge,
    rejection,
    word_hashes,
    words,
)
from wirestrip.transforms.dedup.story import LIST_PAGE_LINES, LIST_REPEAT_SHARE, is_prose, repeated_share, story_of, story_text

P = DedupParams()

MENU = ["Home", "News", "Sport", "Weather", "Business", "Opinion", "Contact us", "Sign in", "Most read", "Video"]
FOOTER = ["Terms of use", "Privacy", "Advertise with us", "Site map", "RSS feeds", "Jobs"]

FERRY = [
    "Ferry crews in Marseille stopped work on Friday over what their union called unsafe rosters, stranding travellers bound for Corsica.",
    "The operator said it had offered talks and accused the union of breaking an agreement signed in March.",
    "Port officials said three crossings were cancelled and two more delayed into the night, while queues of cars grew.",
    "The regional council urged both sides to meet before Monday, when the summer timetable begins and bookings double.",
    "A union spokesman said crews would return once the rosters were rewritten with two more deck hands per crossing.",
]
ORCHARD = [
    "A late frost across the Loire valley has destroyed about a third of this year's apple blossom, growers said on Tuesday.",
    "Farmers lit candles and ran wind machines through the night but temperatures fell to minus four degrees before dawn.",
    "The growers' association said it would ask the ministry for emergency support before the harvest estimates are due.",
    "Cider makers warned that prices could rise in the autumn if the damage is confirmed in the coming weeks.",
    "Insurers said most orchards carried frost cover but payouts would depend on inspections starting next week.",
]


def page(site_menu: list[str], story: list[str], footer: list[str]) -> str:
    return "\n\n".join([*site_menu, *story, *footer])


def fp(text: str, doc: str = "d"):
    return doc_fp({"doc_id": doc, "text": text, "content_hash": doc}, P, "2026-01-01")


def overlap(a: str, b: str):
    return verify(fp(a, "a").pair_fp(P), fp(b, "b").pair_fp(P), P)


# ---------------------------------------------------------------- the story a page is compared by


def test_a_page_is_compared_by_its_story_not_its_chrome():
    text, how = story_text(page(MENU, FERRY, FOOTER))
    assert how == "story"
    assert text == "\n\n".join(FERRY)


def test_a_plain_article_is_its_own_story_and_a_brief_stays_whole():
    article = "\n\n".join(FERRY)
    assert story_text(article) == (article, "story")
    brief = "Qtly div 12 cts vs 12 cts prior\n\nPay June 2\n\nRecord May 15"
    assert story_text(brief) == (brief, "whole")


def test_a_list_of_headlines_is_not_compared():
    headlines = [f"Council approves budget item {n}" for n in range(LIST_PAGE_LINES)]
    assert story_text(page(MENU, headlines, FOOTER)) == ("", "list")
    assert fp(page(MENU, headlines, FOOTER)).size == 0  # below min_shingles: kept out of LSH


def test_a_sidebar_of_prose_far_from_the_story_is_left_out():
    sidebar = ["Our newsletter brings the best stories of the week to your inbox every Friday morning."]
    text, how = story_text(page([*MENU, *sidebar, *MENU], FERRY, FOOTER))
    assert how == "story" and sidebar[0] not in text


def test_two_stories_in_one_sites_chrome_are_not_copies_and_one_story_in_two_sites_chrome_is():
    assert not is_edge(overlap(page(MENU, FERRY, FOOTER), page(MENU, ORCHARD, FOOTER)), P)
    other_site = [m.upper() + " PAGE" for m in MENU]
    o = overlap(page(MENU, FERRY, FOOTER), page(other_site, FERRY, ["About the Gazette", "Letters"]))
    assert o.jaccard == 1.0 and is_edge(o, P)


# ---------------------------------------------------------------- fact mismatch of short templated texts


FUND = "BOSTON, May 4 - Monthly dividend {amount} cts vs {amount} cts prior\n\nPay May 29\n\nRecord May 15\n\nNOTE: Harbour {name} Municipal Income Trust."


def test_templated_briefs_naming_another_fund_or_another_amount_are_not_copies():
    a = FUND.format(amount="6.2", name="Oregon")
    other_name = FUND.format(amount="6.2", name="Vermont")
    other_amount = FUND.format(amount="5.8", name="Oregon")
    for b in (other_name, other_amount):
        assert fact_mismatch(fact_tokens(a), fact_tokens(b))
        assert rejection(overlap(a, b), P) == "fact_mismatch"
    assert not fact_mismatch(fact_tokens(a), fact_tokens(a))


def test_a_corrected_figure_in_a_results_table_is_still_a_copy():
    rows = [
        f"{label} {v} mln vs {v - 1} mln"
        for label, v in zip(("Sales", "Net", "Costs", "Assets", "Debt"), (41, 32, 23, 14, 65), strict=True)
    ]
    table = "\n\n".join(["DENVER, May 4 - Qtr to March 31", *rows, "Shr 41 cts vs 32 cts", "Avg shrs 8,100,000 vs 8,050,000"])
    corrected = table.replace("Net 32 mln", "Net 33 mln")
    assert not fact_mismatch(fact_tokens(table), fact_tokens(corrected))


def test_a_dateline_is_not_a_fact_and_long_texts_carry_no_fact_tokens():
    brief = "Qtly div 12 cts vs 12 cts prior\n\nPay June 2\n\nRecord May 15"
    assert not fact_mismatch(fact_tokens("TULSA, Okla., May 4 - " + brief), fact_tokens("NEW YORK, May 4 - " + brief))
    long_text = " ".join(FERRY + ORCHARD)
    assert len(long_text.split()) > FACT_MAX_WORDS and fact_tokens(long_text) == b""


# ---------------------------------------------------------------- the lead rule of containment edges


FERRY_MORE = [
    "Hauliers said the stoppage had already cost them two days of deliveries to the island's supermarkets.",
    "The transport ministry said it was following the dispute closely but that rosters were a matter for the company.",
]


def test_a_follow_up_reusing_background_paragraphs_is_not_a_copy():
    story = "\n\n".join(FERRY + FERRY_MORE)
    follow_up = "\n\n".join(
        [
            "Ferry services to Corsica resumed on Sunday after the operator agreed to hire extra deck hands for every crossing.",
            "Travellers who had slept in their cars at the harbour were given priority boarding on the first sailings of the day.",
            *FERRY[1:5],
        ]
    )
    o = overlap(story, follow_up)
    assert o.jaccard < P.jaccard_threshold and o.containment >= P.containment_threshold and not o.fact_mismatch
    assert rejection(o, P) == "lead_missing"


def test_a_trim_and_an_updated_top_over_the_old_lead_are_copies():
    story = "\n\n".join(FERRY)
    trim = "\n\n".join(FERRY[:2])
    new_top = "\n\n".join(["Talks between the ferry operator and crews broke down late on Saturday, the union said.", *FERRY[:3]])
    for copy in (trim, new_top):
        assert is_edge(overlap(story, copy), P), copy


def test_shared_paragraphs_in_another_order_are_not_a_copy_but_a_trim_keeps_its_order():
    story = "\n\n".join(FERRY + FERRY_MORE + ORCHARD)
    reordered = "\n\n".join([FERRY[0], FERRY_MORE[1], FERRY[3], FERRY_MORE[0], FERRY[2]])
    o = overlap(story, reordered)
    assert o.jaccard < P.jaccard_threshold and o.containment >= P.containment_threshold and o.lead_shared >= 0.5
    assert o.order < 0.85 and rejection(o, P) == "out_of_order"
    trim = "\n\n".join(FERRY + FERRY_MORE[:1])
    assert overlap(story, trim).order == 1.0 and is_edge(overlap(story, trim), P)


# ---------------------------------------------------------------- a page whose prose is only its site's blurb

BLURB = (
    "The Harbour Notebook is written by two former dock workers who photograph ships, cranes and the people "
    "who work them, every week since 2009; all pictures are ours unless marked otherwise."
)


def test_a_page_whose_only_prose_is_the_sites_blurb_is_not_compared_as_a_story():
    menu = [f"Tag {n}" for n in range(LIST_PAGE_LINES)]
    monday = page(["Monday at the quay", "Posted by Ana"], [], [*menu, BLURB])
    friday = page(["Friday night shift", "Posted by Jo"], [], [*menu, BLURB])
    assert story_text(monday) == ("", "list")
    assert not is_edge(overlap(monday, friday), P)
    # the same menu and blurb around a real story: the story is compared
    text, how = story_text(page(["Monday at the quay"], FERRY, [*menu, BLURB]))
    assert how == "story" and text == "\n\n".join(FERRY)


def test_a_name_put_inside_the_funds_name_is_another_fund_but_a_company_form_is_not():
    a = FUND.format(amount="6.2", name="Oregon")
    inserted = a.replace("Harbour Oregon", "Harbour Coastal Oregon")
    assert fact_mismatch(fact_tokens(a), fact_tokens(inserted))
    with_form = a.replace("Municipal Income Trust.", "Municipal Income Trust Inc.")
    assert not fact_mismatch(fact_tokens(a), fact_tokens(with_form))


def test_a_follow_up_whose_lead_reuses_only_a_clause_of_the_others_lead_is_not_a_copy():
    preview = "\n\n".join(
        [
            "Two of the harbour's oldest cranes, the red giants at pier four, go under the hammer on Sunday at an auction in Marseille.",
            *FERRY[1:5],
        ]
    )
    result = "\n\n".join(
        [
            "A diver's brass helmet sold for 9,000 euros at the harbour sale in Marseille on Sunday, the auction house said.",
            "But two of the harbour's oldest cranes, the red giants at pier four, found no buyer at the two-day sale.",
            *FERRY[1:5],
            "The auction raised 310,000 euros in all, about half of what the port authority had hoped for.",
            "A ship's bell from a wartime minesweeper went to a collector from Genoa after a long duel of telephone bids.",
            "The port authority said the unsold cranes would stay where they are until a museum or a city buys them.",
        ]
    )
    o = overlap(preview, result)
    assert o.jaccard < P.jaccard_threshold and o.containment >= P.containment_threshold
    assert 0.5 <= o.lead_shared < 0.6  # the reused clause fills half the lead
    assert rejection(o, P) == "lead_missing"


# ---------------------------------------------------------------- which prose block of a page is its story

COMMENTS = [  # a blog's "recent comments" box: "<name> on <post title>", the same posts again and again
    "Marta on Why the night ferry to Bastia is always late, and what do the crews say?",
    "Jo Bell on Why the night ferry to Bastia is always late, and what do the crews say?",
    "Pieter on The cranes of pier four: a history of the harbour in twelve photographs.",
    "Anna K on Why the night ferry to Bastia is always late, and what do the crews say?",
    "Sam on The cranes of pier four: a history of the harbour in twelve photographs.",
    "Lou on Why the night ferry to Bastia is always late, and what do the crews say?",
    "Ahmed on The cranes of pier four: a history of the harbour in twelve photographs.",
    "Rita on Where to eat near the old port when the last boat has gone, a reader's guide.",
]
TAGS = [f"Tag {n}" for n in range(LIST_PAGE_LINES)]


def test_a_pages_story_is_its_first_story_like_block_not_a_longer_sidebar():
    sidebar = [*ORCHARD, *FERRY_MORE]  # seven paragraphs of prose further down: more words than the story's five
    text, how = story_text(page(MENU, FERRY, [*TAGS[:5], *sidebar, *FOOTER]))
    assert how == "story" and text == "\n\n".join(FERRY)


def test_a_list_of_recent_comments_is_not_a_story():
    monday = page(["Monday at the quay", "Posted by Ana"], [], [*TAGS, *COMMENTS])
    friday = page(["Friday night shift", "Posted by Jo"], [], [*TAGS, *COMMENTS])
    assert story_text(monday) == ("", "list")
    assert not is_edge(overlap(monday, friday), P)
    # a post of its own before the same box: the post is the story, the box is not
    text, how = story_text(page(["Monday at the quay"], FERRY, [*TAGS, *COMMENTS]))
    assert how == "story" and text == "\n\n".join(FERRY)


def test_a_story_printed_twice_on_its_page_is_still_its_story():
    text, how = story_text(page(MENU, [*FERRY, *FERRY], FOOTER))
    assert how == "story" and text == "\n\n".join(FERRY)


def test_a_time_abbreviation_ends_no_sentence():
    assert not is_prose("Congress presses league chiefs on doping in baseball 1/15/2008, 3:24 p.m. EST")
    assert is_prose("The talks ended at 3 p.m. on Monday. Both sides said they would meet again.")


def test_a_time_abbreviation_at_the_end_of_a_paragraph_still_ends_its_sentence():
    assert is_prose("The crossing was moved to Monday and will now leave from 4 to 7 p.m.")
    assert is_prose("The ferry operator said its new ships would be built in the U.S.")


def test_the_reused_word_hashes_give_the_fingerprint_of_the_story_text():
    menu = [f"Tag {n}" for n in range(LIST_PAGE_LINES)]
    for text in (
        page(menu, [*FERRY, *FERRY], FOOTER),  # the block's repeated paragraphs are dropped before hashing
        page(menu, [s.replace("Marseille", "Marseille-Fos, Sète") + " Ça coûte 5 €." for s in FERRY], FOOTER),
    ):
        story = story_of(text)
        assert story.compared_as == "story" and story.word_hashes is not None
        reused, fresh = fingerprint_of_word_hashes(story.word_hashes, P), fingerprint(story.text, P)
        assert reused.sequence.tolist() == fresh.sequence.tolist() and reused.signature.tolist() == fresh.signature.tolist()
        assert (reused.simhash, reused.size, reused.lead_keys) == (fresh.simhash, fresh.size, fresh.lead_keys)


def test_repeated_share_of_short_blocks_and_at_the_threshold():
    def share(text: str) -> float:
        return repeated_share(word_hashes(words(text)))

    assert share("one two three four") == 0.0  # fewer than five words: one gram
    assert share("one two three four five six") == 0.0
    assert share("a b c d e f a b c d e g") == 0.25  # 8 grams, "a b c d e" twice
    assert share("a b c d e f x1 x2 a b c d e f") == 0.4  # 10 grams, 2 x 2 repeated: at the threshold, still a story
    assert LIST_REPEAT_SHARE == 0.4


def test_a_text_that_is_not_a_page_falls_back_to_its_largest_block():
    short = ["The ferry left at dawn with nine cars on board today.", "It came back empty at noon, the crew said."]
    text = "\n\n".join([*short, "Photo", "Map", "Video", "Share", "Print", *FERRY[:2]])
    assert story_text(text) == ("\n\n".join(FERRY[:2]), "story")  # neither block has a story's size: the larger
