"""The segment classifier: its model file is checked before use, its removals carry their evidence
(rule id, score), the dateline paragraph is never its to remove, and the shipped model tells page
chrome from story paragraphs on a page written here."""

from __future__ import annotations

import json

import numpy as np
import pytest
from wirestrip.transforms.clean.cleaner import MODEL_RULE_ID, clean_article, story_block
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.clean.segment_features import FEATURES_VERSION, N_FEATURES, NAMES, page_features, pages_features
from wirestrip.transforms.clean.segment_model import MODEL_FORMAT, ModelError, SegmentModel
from wirestrip.transforms.record_types import ParsedArticle

from tests.helpers import read_table, record, run_cli

RULES = load_rules()

STORY = [
    "LISBON, March 3 (Reuters) - Dock workers at the port of Lisbon walked out on Monday over a pay offer "
    "that their union called an insult, leaving container ships waiting in the estuary for a second day.",
    "The port authority said about forty vessels were anchored offshore and that perishable cargo had been "
    "diverted to Sines, a deep-water terminal two hours to the south, while talks continued in the city.",
    "Union leaders said the strike would last until the operators improved an offer that would raise wages "
    "by less than the rate of inflation for the third year running, and called for a meeting with the minister.",
    "Shipping agents warned that delays could spread to supermarkets within a week if the dispute dragged on, "
    "since most of the fresh food sold in the capital arrives by sea from the Atlantic islands.",
]
CHROME = [
    "Home",
    "Markets data",
    "Crossword",
    "Sign in",
    "Subscribe",
    "Share this article",
    "Print",
    "Email",
]  # no run of 3 menu labels: the rules leave the model some
FOOTER = ["Related stories", "Terms of use", "Privacy policy", "Contact us", "© 2025 Example Media Group"]


class _Fixed:
    """A stand-in booster giving fixed scores, to test the cleaner's use of them."""

    def __init__(self, scores: list[float]):
        self.values = np.array(scores)

    def predict(self, features, num_threads=1):
        assert features.shape == (len(self.values), N_FEATURES)
        return self.values


class _FixedLabels:
    """A stand-in labeller giving fixed class probabilities, one row per segment it is asked about."""

    def __init__(self, probabilities: list[list[float]]):
        self.values = np.array(probabilities)
        self.rows = 0

    def predict(self, features, num_threads=1):
        assert features.shape == (len(self.values), N_FEATURES)
        self.rows += len(features)
        return self.values


def _shipped_text() -> str:
    from wirestrip.transforms.clean.segment_model import shipped_model_text

    return shipped_model_text()


def _parsed(paragraphs: list[str]) -> ParsedArticle:
    return ParsedArticle(record=record("\n\n".join(["Title", *paragraphs])), title="Title", paragraphs=list(paragraphs))


def test_features_are_the_same_one_page_at_a_time_or_in_a_batch():
    pages = [CHROME + STORY + FOOTER, STORY, ["one line"], []]
    batch = pages_features(pages)
    assert [b.shape for b in batch] == [(len(p), N_FEATURES) for p in pages]
    for page, got in zip(pages, batch, strict=True):
        assert np.array_equal(page_features(page), got)
    assert len(NAMES) == N_FEATURES
    # An empty segment, last on its page or not, is a row like any other (it once indexed past the page).
    assert page_features([""]).shape == (1, N_FEATURES)
    assert np.array_equal(pages_features([["a", ""], ["b"]])[0], page_features(["a", ""]))


def test_a_model_file_is_checked_before_use(tmp_path):
    good = {"format": MODEL_FORMAT, "version": "t", "features_version": FEATURES_VERSION, "feature_names": NAMES, "threshold": 0.9}
    with pytest.raises(ModelError, match="not a JSON model file"):
        SegmentModel.from_json("{", "m.json")
    with pytest.raises(ModelError, match="not a wirestrip-segment-model/1 file"):
        SegmentModel.from_json(json.dumps({**good, "format": "other"}))
    with pytest.raises(ModelError, match="fitted on features 'old'"):
        SegmentModel.from_json(json.dumps({**good, "features_version": "old"}))
    with pytest.raises(ModelError, match="threshold must be a number"):
        SegmentModel.from_json(json.dumps({**good, "threshold": 1.5}))
    with pytest.raises(ModelError, match="cannot read segment model"):
        SegmentModel.load(str(tmp_path / "missing.json"))
    shipped = json.loads(_shipped_text())
    three = shipped["labels"]
    with pytest.raises(ModelError, match=r"labels\.lightgbm"):
        SegmentModel.from_json(json.dumps({**shipped, "labels": {"names": three["names"]}}))
    for names in (["chrome"], ["chrome", "chrome", "comment"], ["chrome", "Comment", "x"], ["chrome", "comment"]):
        with pytest.raises(ModelError, match=r"labels\.names|classes"):
            SegmentModel.from_json(json.dumps({**shipped, "labels": {**three, "names": names}}))


def test_removals_are_labelled_by_the_labeller_and_unlabelled_without_one():
    page = ["Cranes idle at the terminal", *STORY, "Great piece, thanks", "Back to top"]
    scores = [0.99] + [0.1] * len(STORY) + [0.99, 0.99]
    # The labeller is asked only about the model's removals: not the story, not "Back to top" (a rule's).
    labeller = _FixedLabels([[0.7, 0.1, 0.2], [0.1, 0.6, 0.3]])
    model = SegmentModel("t", 0.9, _Fixed(scores), labeller, ("supplemental", "comment", "chrome"))
    clean = clean_article(_parsed(page), RULES, model=model, model_on="all")
    assert [(r.rule_id, r.text) for r in clean.removed if r.kind == "model"] == [
        ("model:supplemental", page[0]),
        ("model:comment", "Great piece, thanks"),
    ]
    assert labeller.rows == 2
    unlabelled = SegmentModel("t", 0.9, _Fixed(scores))
    clean = clean_article(_parsed(page), RULES, model=unlabelled, model_on="all")
    assert {r.rule_id for r in clean.removed if r.kind == "model"} == {MODEL_RULE_ID}


def test_removals_carry_rule_id_and_score_and_spare_the_dateline_and_the_story():
    caption = "Cranes idle at the container terminal"
    paragraphs = [*STORY[:2], caption, STORY[2], "Cranes idle", "Tagus estuary"]
    counted: dict[str, int] = {}
    # The dateline paragraph and the mid-story line score high: kept anyway (the model removes only
    # outside the story's first..last long paragraph); 0.6 is under the threshold: kept and counted.
    model = SegmentModel("t", 0.9, _Fixed([0.99, 0.2, 0.97, 0.1, 0.95, 0.6]))

    clean = clean_article(
        _parsed(paragraphs), RULES, model=model, count=lambda n, k=1: counted.__setitem__(n, counted.get(n, 0) + k), model_on="all"
    )

    assert clean.paragraphs == [STORY[0], STORY[1], caption, STORY[2], "Tagus estuary"]
    (gone,) = [r for r in clean.removed if r.rule_id == MODEL_RULE_ID]
    assert (gone.kind, gone.text, gone.position, gone.score) == ("model", "Cranes idle", 4, 0.95)
    assert gone.as_row()["score"] == 0.95
    assert counted == {"segments.uncertain_kept": 1}
    assert clean.dateline_city == "LISBON" and clean.origin_agency == "Reuters"


RESULTS = ["Benfica 2 Porto 1", "Sporting 0 Braga 0", "Guimaraes 3 Boavista 1"]  # short list lines that end a wire story


def test_the_model_looks_only_at_records_that_look_like_a_scraped_page():
    counted: dict[str, int] = {}

    def count(name: str, k: int = 1) -> None:
        counted[name] = counted.get(name, 0) + k

    def model_removed(paragraphs: list[str], **kw) -> list[str]:
        model = SegmentModel("t", 0.9, _Fixed([0.1 if p in STORY else 0.99 for p in paragraphs]))  # sure of every line but the story
        return [r.text for r in clean_article(_parsed(paragraphs), RULES, model=model, count=count, **kw).removed if r.kind == "model"]

    # Wire copy ending in a results list: no page chrome, so the model does not look (its scores are not asked for).
    assert model_removed([*STORY, *RESULTS]) == []
    assert counted == {"segments.model_not_page": 1}
    assert model_removed([*STORY, *RESULTS], model_on="all") == RESULTS
    # One interface line can be a stray label in wire text; two mark a whole scraped page.
    assert model_removed(["Sign in", *STORY, *RESULTS]) == []
    assert model_removed(["Sign in", *STORY, *RESULTS, "Back to top"]) == RESULTS
    # Stamps, gallery counters and separators are printed in wire copy too: no page.
    for line in ("* * *", "UPDATED", "Updated 10:32 a.m. EST", "1 of 2", "Replay"):
        assert model_removed([line, *STORY, *RESULTS, "Back to top"]) == [], line
    with pytest.raises(ValueError, match="model_on"):
        clean_article(_parsed(STORY), RULES, model_on="page")


def test_a_default_run_keeps_a_wire_storys_closing_list_and_cleans_a_page(tmp_path):
    dump = tmp_path / "in"
    dump.mkdir()
    (dump / "wire.txt").write_text("\n\n".join(["Dock strike", *STORY, *RESULTS]))
    (dump / "page.txt").write_text("\n\n".join(["Dock strike", *CHROME, *STORY, *FOOTER]))
    out = tmp_path / "out"
    assert run_cli("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", "2025-08-02") == 0
    rows = {r["source_uri"].rsplit("/", 1)[-1]: r for r in read_table(out, "articles")}
    assert all(p in rows["wire.txt"]["text"] for p in RESULTS)
    assert not [r for r in rows["wire.txt"]["removed"] if r["kind"] == "model"]
    assert [r for r in rows["page.txt"]["removed"] if r["kind"] == "model"]
    assert all("text_before_model" not in r for r in rows.values())  # dedup's input, never a column
    (manifest,) = (out / "_manifests").glob("*.json")
    m = json.loads(manifest.read_text())
    assert m["segment_model_version"] == SegmentModel.load().version and m["segment_model_on"] == "pages"


def test_a_long_paragraph_the_model_takes_does_not_hold_the_story_open():
    comment = (
        "I have been reading this paper for thirty years and I have never seen such a one-sided account of a strike "
        "that everyone in the city could see coming."
    )
    page = [*STORY, "Reply", "Report", "Posted by docker", comment]
    # The long reader comment at the bottom scores as boilerplate: the story ends at its last paragraph,
    # so the short lines before the comment are outside it, and the model may take them.
    model = SegmentModel("t", 0.9, _Fixed([0.1] * len(STORY) + [0.95, 0.95, 0.95, 0.97]))
    removed = [r.text for r in clean_article(_parsed(page), RULES, model=model, model_on="all").removed if r.kind == "model"]
    assert removed == ["Report", "Posted by docker", comment]  # "Reply": the comment-widget rule
    # Scored as story (under the threshold), the same paragraph anchors the story: nothing before it is taken.
    model = SegmentModel("t", 0.9, _Fixed([0.1] * len(STORY) + [0.95, 0.95, 0.95, 0.3]))
    assert not [r for r in clean_article(_parsed(page), RULES, model=model, model_on="all").removed if r.kind == "model"]
    # A long footer a rule takes ends no story either, whatever the model scores it.
    footer = "Copyright 2025 Example Media Group. All rights reserved. This material may not be published, broadcast, rewritten or redistributed."
    page = [*STORY, "Share your photos", footer]
    model = SegmentModel("t", 0.9, _Fixed([0.1] * len(STORY) + [0.95, 0.2]))
    clean = clean_article(_parsed(page), RULES, model=model, model_on="all")
    assert [(r.kind, r.text) for r in clean.removed] == [("model", "Share your photos"), ("copyright", footer)]


def test_off_the_story_block_only_near_certain_removals():
    teaser = (
        "Harbour pilots at three other Atlantic ports have voted to strike next month in a separate dispute "
        "over rotas, their union said, in a statement posted on its website on Sunday evening."
    )
    page = [*STORY, "Pilots vote on new rota", "Port traffic eases", teaser, "Ferry timetable"]
    # The teaser scores under the threshold (0.97), so it is the last long paragraph and the span runs
    # to it; it is no story-like paragraph either (0.95 >= 0.9), so the story's main block ends with
    # STORY. Between the two only a near-certain line (0.999 >= 0.998) goes; after the span, the threshold.
    scores = [0.1] * len(STORY) + [0.999, 0.99, 0.95, 0.98]
    model = SegmentModel("t", 0.97, _Fixed(scores))
    removed = [r.text for r in clean_article(_parsed(page), RULES, model=model, model_on="all").removed if r.kind == "model"]
    assert removed == ["Pilots vote on new rota", "Ferry timetable"]
    assert story_block([len(p.split()) for p in page], scores) == (0, len(STORY) - 1)
    # Scored as story (under 0.9), the teaser joins the block: the lines before it are inside the story.
    scores[len(STORY) + 2] = 0.3
    model = SegmentModel("t", 0.97, _Fixed(scores))
    removed = [r.text for r in clean_article(_parsed(page), RULES, model=model, model_on="all").removed if r.kind == "model"]
    assert removed == ["Ferry timetable"]
    assert story_block([len(p.split()) for p in page], scores) == (0, len(STORY) + 2)


def test_a_page_the_model_calls_all_boilerplate_has_no_story_block():
    assert story_block([30, 5, 2], [0.95, 0.99, 1.0]) is None
    assert story_block([], []) is None
    assert story_block([3, 30, 3], [0.1, 0.2, 0.99]) == (0, 1)


def test_the_dateline_paragraph_opens_the_story_whatever_the_model_scores_it():
    page = [STORY[0], "Talks to resume on Friday", *STORY[1:]]  # a subhead after the dateline paragraph
    model = SegmentModel("t", 0.9, _Fixed([0.99, 0.95] + [0.1] * (len(STORY) - 1)))
    clean = clean_article(_parsed(page), RULES, model=model, model_on="all")
    assert clean.paragraphs == page and clean.dateline_city == "LISBON"


def test_dedup_compares_a_page_with_the_models_removals_put_back():
    from wirestrip.transforms.dedup.documents import compared_text, doc_fp
    from wirestrip.transforms.dedup.fingerprint import DedupParams
    from wirestrip.transforms.write.table_rows import content_hash

    page = ["Sign in", "Back to top", "Markets data", "Weather", *STORY, "Crossword", "Most popular"]
    model = SegmentModel("t", 0.9, _Fixed([0.2, 0.2, 0.99, 0.2] + [0.1] * len(STORY) + [0.99, 0.2]))
    clean = clean_article(_parsed(page), RULES, model=model)
    assert [r.text for r in clean.removed if r.kind == "model"] == ["Markets data", "Crossword"]
    assert clean.paragraphs == ["Weather", *STORY]
    # The kept paragraphs with the model's removals in their places: what the text was before the model.
    assert clean.text_before_model == "\n\n".join(["Markets data", "Weather", *STORY, "Crossword"])
    row = {"doc_id": "d", "text": clean.text, "text_before_model": clean.text_before_model}
    assert compared_text(row) == clean.text_before_model and compared_text({"text": "t"}) == "t"
    d = doc_fp(row, DedupParams(), "2025-08-02")
    # Its exact-copy key is the compared text's; the original rule still weighs the clean text's length.
    assert d.content_hash == content_hash(clean.text_before_model) != content_hash(clean.text)
    assert d.text_chars == len(clean.text)
    # No model removal: nothing to put back.
    story_only = SegmentModel("t", 0.9, _Fixed([0.1] * len(STORY)))
    assert clean_article(_parsed(STORY), RULES, model=story_only, model_on="all").text_before_model is None


def test_the_shipped_model_removes_page_chrome_and_keeps_the_story():
    model = SegmentModel.load()
    page = CHROME + STORY + FOOTER
    scores = model.scores(page)
    story = slice(len(CHROME), len(CHROME) + len(STORY))
    assert scores[story].max() < model.threshold, scores[story]
    clean = clean_article(_parsed(page), RULES, model=model)
    assert [p for p in clean.paragraphs if p in STORY] == STORY  # not one story paragraph lost
    removed_by_model = [r.text for r in clean.removed if r.kind == "model"]
    assert {r.rule_id for r in clean.removed if r.kind == "model"} <= {f"model:{n}" for n in model.label_names}
    # Rules take the chrome they name (menus, "Sign in", "Terms of use"); the model takes what is left of it.
    removed = {r.text for r in clean.removed}
    assert removed_by_model and removed_by_model == [p for p in CHROME + FOOTER if p in removed_by_model], removed_by_model
    assert len(removed & set(CHROME + FOOTER)) >= (len(CHROME) + len(FOOTER)) // 2, removed


def test_a_bad_model_file_stops_the_run_before_it_starts(tmp_path):
    bad = tmp_path / "model.json"
    bad.write_text('{"format": "something else"}')
    dump = tmp_path / "in"
    dump.mkdir()
    (dump / "a.txt").write_text("Title\n\n" + "\n\n".join(STORY))
    code = run_cli("--input", f"{dump}/*.txt", "--output", str(tmp_path / "out"), "--segment-model", str(bad))
    assert code == 2 and not (tmp_path / "out" / "articles").exists()


def test_explain_shows_the_model_removals_with_their_scores(tmp_path, capsys):
    from wirestrip.pipeline.cli import main

    dump = tmp_path / "in"
    dump.mkdir()
    (dump / "page.txt").write_text("\n\n".join(["Dock strike", *CHROME, *STORY, *FOOTER]))
    out = tmp_path / "out"
    assert run_cli("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", "2025-08-02", "--segment-model", "builtin") == 0
    (row,) = read_table(out, "articles")
    model_spans = [r for r in row["removed"] if r["kind"] == "model"]
    labels = {f"model:{n}" for n in SegmentModel.load().label_names}
    assert model_spans and all(r["rule_id"] in labels and r["score"] >= 0.9 for r in model_spans)
    assert all(p in row["text"] for p in STORY)
    capsys.readouterr()
    assert main(["explain", str(out), "--doc-id", row["doc_id"], "--color", "never"]) == 0
    shown = capsys.readouterr().out
    assert f"[{model_spans[0]['rule_id']} (score " in shown
