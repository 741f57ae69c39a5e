"""Site chrome written as prose (counted per site over the batch), the gap rule for two short texts
that passed the fact check, and the trimmed-copy rule of issue 18. All texts are our own words."""

from __future__ import annotations

from datetime import UTC, datetime

from wirestrip.transforms.dedup.candidates import verify
from wirestrip.transforms.dedup.documents import doc_fp, site_of
from wirestrip.transforms.dedup.fingerprint import DedupParams, Overlap, is_edge, rejection
from wirestrip.transforms.dedup.story import paragraph_key, prose_keys, without_site_chrome

from tests.test_dedup import clusters, row, run_dedup

P = DedupParams()
ABOUT = (
    "Harbour Notes is written by a retired ferry captain who has spent forty years watching the boats come and go from "
    "the old quay. He posts photographs, tide tables and the occasional complaint about the new marina, and he answers "
    "every letter that arrives by post before the end of the month."
)
RULES = "Comments are read before they appear. Please stay on the topic of the post and keep your remarks civil to other readers."
POSTS = [
    "The morning ferry left ten minutes late today because of fog over the outer harbour.",
    "A seal slept on the slipway for most of the afternoon and nobody had the heart to move it.",
    "The harbour master says the new pontoon will be finished before the spring tides.",
]


def blog_page(post: str) -> str:
    return "\n\n".join(["Home", "Archive", post, "Share", ABOUT, RULES, "Older posts"])


def test_a_sites_repeated_prose_is_left_out_when_the_page_has_prose_of_its_own():
    chrome = frozenset({paragraph_key(ABOUT), paragraph_key(RULES)})
    text, dropped = without_site_chrome(blog_page(POSTS[0]), chrome)
    assert dropped == 2 and ABOUT not in text and POSTS[0] in text
    # A page with no prose of its own (the same page crawled again) is compared as before.
    bare = "\n\n".join(["Home", ABOUT, RULES])
    assert without_site_chrome(bare, chrome) == (bare, 0)
    assert set(prose_keys(blog_page(POSTS[1]))) == {paragraph_key(POSTS[1]), *chrome}


def test_site_is_the_publisher_else_the_url_host():
    assert site_of({"publisher": " Harbour Notes ", "url": "https://a.example/x"}) == "harbour notes"
    assert site_of({"url": "https://www.Harbour.example:8080/2026/post"}) == "harbour.example"
    assert site_of({"text": "x"}) is None


def test_three_posts_of_one_site_sharing_an_about_blurb_are_not_copies(tmp_path):
    when = datetime(2026, 1, 5, tzinfo=UTC)
    rows = [row(f"p{n}", blog_page(post).split("\n\n"), when, publisher="Harbour Notes") for n, post in enumerate(POSTS)]
    # The same blurb on another site's page is counted for that site only: one page is not chrome.
    rows.append(
        row("q", blog_page("A different blog quotes the captain's letter in full today.").split("\n\n"), when, publisher="Quay Life")
    )
    got = run_dedup(rows, tmp_path)
    assert clusters(got) == {frozenset({"p0"}), frozenset({"p1"}), frozenset({"p2"}), frozenset({"q"})}
    # Without the batch (each page alone) the blurb is the largest prose block: they would merge.
    a, b = doc_fp(rows[0], P, "2026-01-05"), doc_fp(rows[1], P, "2026-01-05")
    assert is_edge(verify(a.pair_fp(P), b.pair_fp(P), P), P)


def test_two_short_texts_that_pass_the_fact_check_skip_the_gap_rule():
    spread = Overlap(0.45, 0.65, 30, "exact", gap_rate=0.081, lead_shared=0.8)
    assert rejection(spread, P) == "template"
    assert rejection(Overlap(0.45, 0.65, 30, "exact", gap_rate=0.081, lead_shared=0.8, facts_checked=True), P) is None
    # A corrected results table: a line renamed, one line dropped, one figure fixed; same company, same other figures.
    a = "Shr 41 cts vs 38 cts\n\nShr diluted 40 cts vs 37 cts\n\nNet 2,210,000 vs 1,980,000\n\nSales 48.2 mln vs 44.0 mln\n\nNOTE: Quarter includes the Alder Pumps unit bought in June."
    b = "Shr 41 cts vs 38 cts\n\nNet 2,210,000 vs 1,980,000\n\nRevs 48.3 mln vs 44.0 mln\n\nNote: Quarter includes operations of Alder Pumps, acquired June."
    fa, fb = doc_fp({"doc_id": "a", "text": a}, P, "2026-01-05"), doc_fp({"doc_id": "b", "text": b}, P, "2026-01-05")
    o = verify(fa.pair_fp(P), fb.pair_fp(P), P)
    assert o.facts_checked and not o.fact_mismatch


def test_a_copy_that_is_the_first_paragraphs_of_the_original_joins_it():
    original = [
        "The river authority opened the old lock at Wenford on Saturday after eleven months of repairs to its gates and walls.",
        "Boat owners had waited since last spring, when a cracked sill flooded the lower basin and stranded a dozen narrowboats upstream.",
        "Engineers replaced both pairs of oak gates and relined the chamber with brick recovered from the original quarry near the town.",
        "The authority said the work cost more than planned because the foundations were found to be resting on timber piles.",
        "Local traders said the closure had cost them most of last summer's visitors and hoped the reopening would bring them back.",
    ]
    assert len(" ".join(original[:4]).split()) >= 80
    fa = doc_fp({"doc_id": "a", "text": "\n\n".join(original)}, P, "2026-01-05")
    fb = doc_fp({"doc_id": "b", "text": "\n\n".join(original[:2])}, P, "2026-01-05")
    longer = doc_fp({"doc_id": "c", "text": "\n\n".join(original[:4])}, P, "2026-01-05")
    assert is_edge(verify(longer.pair_fp(P), fa.pair_fp(P), P), P)  # the first 4 paragraphs, 80+ words
    assert is_edge(verify(fb.pair_fp(P), fa.pair_fp(P), P), P)  # and the first 2 (a teaser)
