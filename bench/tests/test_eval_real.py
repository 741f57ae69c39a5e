"""`make eval-real` / `make fit-segments` code on tiny hand-written pages (no corpus text): mapping
pipeline output back to segments, the segment metrics, thresholds, site groups and folds, and the
model file fit() writes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from bench.eval import eval_real as er
from bench.eval import real_pages as rp

LONG = "The council voted on Tuesday to approve the new budget for the town, after a long debate in the evening."


def _row(text_paras, removed=(), title=None, standfirst=None):
    return {
        "text": "\n\n".join(text_paras),
        "removed": [{"rule_id": r, "kind": "k", "text": t, "position": p} for r, t, p in removed],
        "title": title,
        "standfirst": standfirst,
    }


# ------------------------------------------------------------------ paragraphs and locators


def test_paragraph_map_follows_the_csv_parser_split():
    segs = ["Home", "  ", "Top  stories ### today", LONG]
    paras, seg_of = er.paragraph_map(segs)
    assert paras == ["Home", "Top stories", "today", LONG]
    assert seg_of == [0, 2, 2, 3]  # the blank segment makes no paragraph; one with `###` makes two


def test_paragraph_map_agrees_with_the_product_parser():
    from wirestrip.transforms.read.formats import split_paragraphs

    segs = ["Menu", "a\u00a0b  c", LONG, "x ### y", "Share"]
    paras, _ = er.paragraph_map(segs)
    assert paras == split_paragraphs(" ### ".join(segs), None)


def test_row_of_reads_the_csv_locator():
    assert er.row_of("row=12;bytes=30-99") == 12
    assert er.row_of("post=3;bytes=1-2") is None
    assert er.row_of("") is None


# ------------------------------------------------------------------ outcomes


def test_whole_removals_map_to_their_segments_after_a_split_and_a_blank():
    segs = ["Home", " ", "Sports ### Weather", LONG, "Share this"]
    # paragraphs: 0 Home, 1 Sports, 2 Weather, 3 LONG, 4 Share this
    row = _row([LONG], removed=[("r1", "Home", 0), ("r2", "Sports", 1), ("model:x", "Weather", 2), ("r3", "Share this", 4)])
    oc = er.segment_outcome(segs, row)
    assert oc.problems == []
    assert oc.removed.tolist() == [True, True, True, False, True]  # the blank one is not in the output either
    assert oc.removed_by[2] == "r2" and oc.removed_by[0] == "r1"
    assert not oc.moved.any() and not oc.partial.any()


def test_a_segment_split_in_two_is_kept_when_one_part_stays():
    segs = ["Sports ### Weather", LONG]
    row = _row(["Weather", LONG], removed=[("r", "Sports", 0)])
    oc = er.segment_outcome(segs, row)
    assert oc.problems == [] and oc.removed.tolist() == [False, False]


def test_inline_cuts_keep_the_segment_unless_they_cover_it():
    segs = [LONG + " Read more", "Click here"]
    row = _row([LONG], removed=[("cut", "Read more", 0), ("cut", "Click", 1), ("cut", "here", 1)])
    oc = er.segment_outcome(segs, row)
    assert oc.problems == []
    assert oc.removed.tolist() == [False, True] and oc.partial.tolist() == [True, False]
    assert er.evidence_of(oc.removed_by[1], None) == "inline"


def test_a_rejected_page_loses_every_segment():
    oc = er.segment_outcome(["a", "b", LONG], None, "no_article_text")
    assert oc.removed.all() and oc.rejected == "no_article_text"
    assert er.evidence_of(None, oc.rejected) == "page rejected"


def test_a_first_segment_moved_to_the_title_is_reported_apart_and_shifts_positions():
    segs = ["Budget approved", "Menu", LONG]
    # the parser took segment 0 as the title: the body's paragraph 0 is "Menu"
    row = _row([LONG], removed=[("r", "Menu", 0)], title="Budget approved")
    oc = er.segment_outcome(segs, row)
    assert oc.problems == []
    assert oc.moved.tolist() == [True, False, False]
    assert oc.removed.tolist() == [False, True, False]


def test_a_title_column_equal_to_the_first_segment_is_not_a_move():
    segs = ["Budget approved", "Menu", LONG]
    row = _row(["Budget approved", LONG], removed=[("r", "Menu", 1)], title="Budget approved")
    oc = er.segment_outcome(segs, row)
    assert oc.problems == [] and not oc.moved.any()
    assert oc.removed.tolist() == [False, True, False]


def test_standfirst_of_two_leading_paragraphs():
    segs = ["Lead one.", "Lead two.", LONG, "Share"]
    row = _row([LONG], removed=[("r", "Share", 1)], standfirst="Lead one. Lead two.")
    oc = er.segment_outcome(segs, row)
    assert oc.problems == [] and oc.moved.tolist() == [True, True, False, False]
    assert oc.removed.tolist() == [False, False, False, True]


def test_disagreements_with_the_text_are_reported():
    segs = ["Home", LONG]
    wrong_text = er.segment_outcome(segs, _row([LONG], removed=[("r", "Not on this page", 0)]))
    assert any("not in that paragraph" in p for p in wrong_text.problems)
    assert any("should be kept" in p for p in wrong_text.problems)
    outside = er.segment_outcome(segs, _row([LONG], removed=[("r", "Home", 5)]))
    assert any("outside the body" in p for p in outside.problems)
    changed = er.segment_outcome(segs, _row(["Home", "something else"]))
    assert any("differs" in p for p in changed.problems)


# ------------------------------------------------------------------ metrics and thresholds


def test_metrics_on_a_hand_counted_example():
    label = ["body", "body", "headline", "boilerplate", "boilerplate", "comments", "related", "supplemental"]
    removed = np.array([True, False, True, True, False, True, False, False])
    m = rp.metrics(removed, label)
    # removed: body, headline, boilerplate, comments -> 2 of 4 positive; positives: 5, 2 removed
    assert m["P"] == pytest.approx(0.5)
    assert m["R"] == pytest.approx(2 / 5)
    assert m["body_lost"] == pytest.approx(0.5)
    assert m["headline_removed"] == pytest.approx(1.0)
    assert m["R_boilerplate"] == pytest.approx(0.5) and m["R_comments"] == 1.0
    assert m["R_related"] == 0.0 and m["R_supplemental"] == 0.0
    assert (m["n"], m["removed"]) == (8, 4)


def test_metrics_without_a_class_or_removals_are_nan():
    m = rp.metrics(np.zeros(2, bool), ["body", "boilerplate"])
    assert math.isnan(m["P"]) and math.isnan(m["headline_removed"]) and math.isnan(m["R_comments"])
    assert m["R"] == 0.0 and m["body_lost"] == 0.0


def test_threshold_is_the_lowest_score_keeping_precision():
    s = np.array([0.9, 0.8, 0.7, 0.6])
    y = np.array([1, 1, 0, 1])
    assert rp.threshold_for_precision(s, y, 0.75) == 0.6  # 3 of 4
    assert rp.threshold_for_precision(s, y, 0.9) == 0.8  # 0.7 gives 2/3, 0.6 gives 3/4
    assert rp.threshold_for_precision(s, np.zeros(4), 0.5) == 1.0


def test_threshold_counts_ties_together():
    s = np.array([0.9, 0.5, 0.5])
    y = np.array([1, 1, 0])
    assert rp.threshold_for_precision(s, y, 0.9) == 0.9  # removing at 0.5 takes both tied segments: 2/3


def test_short_baseline():
    assert er.short_removed(["one two", "a b c d e f g h"]).tolist() == [True, False]


def test_justext_gives_one_decision_per_segment():
    segs = ["Home", "Contact us", LONG + " " + LONG, "Copyright 2020"]
    out = er.justext_removed(segs)
    assert out.dtype == bool and len(out) == 4
    assert out[0] and not out[2]


# ------------------------------------------------------------------ groups and folds


def _page(pid, site, texts, corpus="c"):
    return {"corpus": corpus, "page_id": pid, "site": site, "segments": [{"text": t, "label": "body"} for t in texts]}


def test_registrable_domain():
    assert rp.registrable("www.news.example.co.uk") == "example.co.uk"
    assert rp.registrable("edition.example.com") == "example.com"
    assert rp.registrable(None) is None


def test_site_groups_join_by_domain_template_and_shared_long_texts():
    shared = [f"long shared sentence number {k} " + "word " * 12 for k in range(5)]
    pages = [
        _page("a", "www.alpha.com", ["A top", "a1", "A foot"]),
        _page("b", "news.alpha.com", ["other top", "b1", "other foot"]),  # same registrable domain as a
        _page("c", None, ["C top", "c1", "C foot"]),
        _page("d", None, ["D top", "d1", "C foot"]),  # same footer as c
        _page("e", "e.org", ["E top", *shared, "E foot"]),
        _page("f", "f.org", ["F top", *shared, "F foot"]),  # 5 long texts shared with e
        _page("g", "g.org", ["G top", *shared[:4], "G foot"]),  # only 4 shared: alone
    ]
    assert rp.site_groups(pages) == [0, 0, 2, 2, 4, 4, 6]


def test_group_folds_keep_groups_whole_and_balance_sizes():
    groups = [1, 1, 2, 3, 3, 3, 4]
    sizes = [5, 5, 4, 1, 1, 1, 2]
    folds = rp.group_folds(groups, sizes, k=3)
    # totals: g1 10, g2 4, g3 3, g4 2 -> g1 fold 0, g2 fold 1, g3 fold 2, g4 to the lightest (fold 2)
    assert folds == [0, 0, 1, 2, 2, 2, 2]


# ------------------------------------------------------------------ fit


def _synthetic_pages(n=30):
    """Made-up pages: menu words, then sentences, then footer links (our own words)."""
    pages = []
    for k in range(n):
        segs = [{"text": w, "label": "boilerplate"} for w in ("Home", "World", "Business", f"Section {k}")]
        segs += [
            {"text": f"Sentence {j} of story {k} tells what the council did and why, in plain words.", "label": "body"} for j in range(6)
        ]
        segs += [{"text": w, "label": "boilerplate"} for w in ("Privacy", "Terms", f"Contact {k}", "Share")]
        pages.append({"corpus": "c", "page_id": str(k), "site": f"site{k}.com", "segments": segs, "group": k})
    return pages


def test_fit_writes_a_loadable_deterministic_model_file(tmp_path):
    from wirestrip.transforms.clean.segment_model import SegmentModel

    from bench.eval.fit_segments import fit, write_model

    pages = _synthetic_pages()
    a = fit(pages, threshold=0.9, date="20260101", rounds=20)
    b = fit(pages, threshold=0.9, date="20260101", rounds=20)
    write_model(a, tmp_path / "a.json")
    write_model(b, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert a["version"].startswith("seg1-20260101-") and a["threshold"] == 0.9
    assert "30 pages" in a["trained_on"]
    model = SegmentModel.load(str(tmp_path / "a.json"))
    scores = model.scores(rp.texts(pages[0]))
    labels = np.array(rp.positive(pages[0]), bool)
    assert scores[labels].min() > scores[~labels].max()  # the made-up pages are separable
    assert json.loads((tmp_path / "a.json").read_text())["format"] == "wirestrip-segment-model/1"


def test_fit_chooses_a_threshold_out_of_fold():
    from bench.eval.fit_segments import fit

    model = fit(_synthetic_pages(), date="20260101", rounds=20)
    assert 0.0 < model["threshold"] < 1.0
    assert "out-of-fold" in model["trained_on"]


def test_body_removed_by_family_counts_body_segments_by_the_rule_that_took_them():
    seg = lambda label: {"text": "x", "label": label}  # noqa: E731
    pages = [
        {"corpus": "dragnet", "segments": [seg("body"), seg("body"), seg("body"), seg("boilerplate")]},
        {"corpus": "l3s-gn1", "segments": [seg("body"), seg("boilerplate")]},
    ]
    s = er.Setting("rules", pipeline=True)
    removed = np.array([True, True, False, True])
    s.outcomes[0] = er.PageOutcome(
        removed, np.zeros(4, bool), np.zeros(4, bool), None, [], ["chrome.timestamp", "learned:ab12", None, "junk.x"]
    )
    s.outcomes[1] = er.PageOutcome(np.zeros(2, bool), np.zeros(2, bool), np.zeros(2, bool), None, [], [None, None])
    lines = er.body_removed_by_family(s, pages)
    assert "l3s-gn1: 0 of 1 body segments removed (0.0 %)" in lines[0]
    assert "dragnet: 2 of 3 body segments removed (66.7 %), by rule family: chrome 1, learned 1" in lines[1]


def test_model_labels_say_how_often_the_label_is_the_gold_kind():
    seg = lambda label: {"text": "x", "label": label}  # noqa: E731
    labels = ["comments", "related", "comments", "body", "boilerplate"]
    pages = [{"corpus": "l3s-gn1", "segments": [seg(lab) for lab in labels]}, {"corpus": "dragnet", "segments": [seg("comments")]}]
    s = er.Setting("model", pipeline=True)
    rules = ["model:comment", "model:chrome", "model:chrome", "model:chrome", "junk.x"]
    s.outcomes[0] = er.PageOutcome(np.ones(5, bool), np.zeros(5, bool), np.zeros(5, bool), None, [], rules)
    s.outcomes[1] = er.PageOutcome(np.ones(1, bool), np.zeros(1, bool), np.zeros(1, bool), None, [], ["model:chrome"])  # not L3S
    lines = er.model_labels(s, pages)
    assert lines[1:] == [
        "    model:chrome: 3 removed, label right 0.333 (chrome 1, comment 1, body 1)",  # related links are chrome
        "    model:comment: 1 removed, label right 1.000 (comment 1)",
    ]
    assert er.model_labels(er.Setting("rules", pipeline=True), pages) == []


def test_dragnet_marker_pages_are_the_gold_texts_with_comments(tmp_path):
    (tmp_path / "dragnet").mkdir()
    (tmp_path / "dragnet" / "ground-truth.json").write_text(json.dumps({"1": {"comments": "nice post"}, "2": {"comments": ""}}))
    assert rp.dragnet_marker_pages(tmp_path) == {"1"}
    assert rp.dragnet_marker_pages(tmp_path / "absent") is None


def test_table_splits_dragnet_by_comment_marker_and_counts_rejected_pages_per_row(monkeypatch):
    seg = lambda label: {"text": "a b", "label": label}  # noqa: E731
    pages = [
        {"corpus": "l3s-gn1", "page_id": "u", "segments": [seg("body"), seg("boilerplate")]},
        {"corpus": "dragnet", "page_id": "1", "segments": [seg("body"), seg("comments")]},
        {"corpus": "dragnet", "page_id": "2", "segments": [seg("body"), seg("boilerplate")]},
    ]
    monkeypatch.setattr(rp, "dragnet_marker_pages", lambda: {"1"})
    s = er.Setting("pipeline", pipeline=True)
    for i, rejected in enumerate([None, None, "no_article_text"]):
        removed = np.ones(2, bool) if rejected else np.array([False, True])
        s.outcomes[i] = er.PageOutcome(removed, np.zeros(2, bool), np.zeros(2, bool), rejected, [], [None, None])
    s.removed = [s.outcomes[i].removed for i in range(3)]
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ") for line in er.table([s], pages, [0, 1, 2])[2:]}
    assert set(rows) == {"l3s-gn1", "dragnet", "dragnet, comment marker (1 pages)", "dragnet, no marker (1 pages)", "both"}
    assert rows["dragnet, comment marker (1 pages)"][-1].strip(" |") == "0"
    assert rows["dragnet, no marker (1 pages)"][-1].strip(" |") == "1"
    assert rows["dragnet, no marker (1 pages)"][4] == "100.0 %"  # its one body segment went with the page
    assert rows["both"][-1].strip(" |") == "1"
