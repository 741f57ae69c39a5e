"""Corpus-learned boilerplate: support counts distinct stories, stripping only at the edges, and
the Beam two-pass composite (learned lines written out, prior lines applied)."""

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from wirestrip.transforms.clean.beam_clean import LearnBoilerplate
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.learned import LearnedIndex, group_of, line_key, parse_learned_lines, story_of
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.read.post_text import parse_post

from tests.helpers import CTX, record

RULES = load_rules()
TAGLINE = "Example Gazette: your town, your news"
QUOTE = "“We will not back down,” the union leader said."


WORDS = "roads schools harbour budget trams ferries parks libraries bridges clinics markets tunnels".split()


def story(i: int) -> list[str]:
    w = WORDS[i % len(WORDS)], WORDS[(i * 5 + 1) % len(WORDS)]
    return [
        f"The council voted on the {w[0]} plan for district {i} after a long debate about {w[1]}, schools and the budget for next year.",
        f"Residents said the {w[1]} mattered more than the {w[0]}, officials reported.",
    ]


def post(paragraphs: list[str], title: str = "T") -> str:
    return "\n\n".join([title, *paragraphs])


def cleaned(texts: list[str], folder: str = "gazette"):
    out = []
    for n, t in enumerate(texts):
        rec = record(t, f"post={n}")
        rec.rel_path = f"{folder}/{n}.txt"
        out.append(clean_article(parse_post(rec), RULES))
    return out


def test_line_repeated_across_distinct_stories_is_learned_and_stripped_at_the_tail_only():
    arts = cleaned([post([*story(i), TAGLINE]) for i in range(6)])
    index = LearnedIndex.learn(arts)
    key = line_key(TAGLINE)
    assert index.lines[("folder:gazette", key)][0] == 6
    lookup = index.lookup_for("folder:gazette")
    tail = clean_article(arts[0].parsed, RULES, learned=lookup)
    assert TAGLINE not in tail.paragraphs
    assert [(r.rule_id, r.kind) for r in tail.removed] == [(f"learned:{key}", "learned")]
    # The same line in the middle of a story is body.
    mid = cleaned([post([story(9)[0], TAGLINE, story(9)[1]])])[0]
    again = clean_article(mid.parsed, RULES, learned=lookup)
    assert TAGLINE in again.paragraphs and again.removed == []


def test_syndicated_copies_of_one_story_give_support_one():
    # Twenty copies of one story (re-headlined, trimmed) all quote the same sentence: body, never learned.
    base = story(1)
    copies = [post([base[0], QUOTE, base[1]][: 3 - (n % 2)], title=f"Headline {n}") for n in range(20)]
    arts = cleaned(copies)
    index = LearnedIndex.learn(arts)
    assert ("folder:gazette", line_key(QUOTE)) not in index.lines
    assert len(index) == 0


def test_a_line_whose_numbers_differ_between_stories_is_a_fact_not_a_template():
    # Fifteen earnings briefs end with their own figures: the shape repeats, the numbers do not.
    briefs = [post([*story(i), f"Revs {500 + i}.0 mln vs {770 + 2 * i}.0 mln"]) for i in range(15)]
    arts = cleaned(briefs)
    index = LearnedIndex.learn(arts)
    assert len(index) == 0
    lookup = index.lookup_for("folder:gazette")
    assert all(f"Revs {500 + i}.0 mln" in clean_article(a.parsed, RULES, learned=lookup).paragraphs[-1] for i, a in enumerate(arts))
    # The same line with the same numbers on every story is the site's template.
    same = cleaned([post([*story(i), "Call 555 0100 for the newsroom"]) for i in range(6)], "hotline")
    assert ("folder:hotline", line_key("Call 555 0100 for the newsroom")) in LearnedIndex.learn(same).lines


def test_groups_keep_publishers_apart():
    arts = cleaned([post([*story(i), TAGLINE]) for i in range(3)], "a") + cleaned([post([*story(i + 10), TAGLINE]) for i in range(3)], "b")
    index = LearnedIndex.learn(arts)
    assert len(index) == 0  # 3 + 3 stories: below the support of 5 in each group
    assert group_of(arts[0]) == "folder:a"


def test_learned_records_round_trip_and_bad_files_fail_clearly():
    import json

    import pytest

    rec = {"group": "folder:a", "hash": "ab", "support": 7, "example": "x"}
    assert parse_learned_lines(json.dumps(rec) + "\n", "f.jsonl")[0]["rule_id"] == "learned:ab"
    with pytest.raises(ValueError, match=r"f\.jsonl:1"):
        parse_learned_lines("{not json\n", "f.jsonl")


def test_beam_two_passes_strip_learned_lines_and_write_them_out():
    from wirestrip.transforms.beam_articles import ProcessRecords

    recs = []
    for i in range(6):
        r = record(post([*story(i), TAGLINE]), f"post={i}")
        r.rel_path = "gazette/x.txt"
        r.doc_id = f"d{i}"
        recs.append(r)
    with TestPipeline(runner="wirestrip.pipeline.runners.OfflineDirectRunner") as p:
        out = p | beam.Create(recs) | ProcessRecords("UTC", RULES, CTX, learned_min_support=5)
        texts = out["rows"] | beam.Map(lambda r: (r["doc_id"], TAGLINE in r["text"], [x["kind"] for x in r["removed"]]))
        assert_that(texts, equal_to([(f"d{i}", False, ["learned"]) for i in range(6)]))
        learned = out["learned"] | "L" >> beam.Map(lambda r: (r["group"], r["hash"], r["support"], r["example"]))
        assert_that(learned, equal_to([("folder:gazette", line_key(TAGLINE), 6, TAGLINE)]), label="learned")


def test_beam_prior_lines_apply_without_support_in_this_batch():
    prior = [{"group": "folder:gazette", "hash": line_key(TAGLINE), "rule_id": "learned:x", "support": 40, "example": TAGLINE}]
    r = record(post([*story(1), TAGLINE]), "post=0")
    r.rel_path = "gazette/x.txt"
    with TestPipeline(runner="wirestrip.pipeline.runners.OfflineDirectRunner") as p:
        out = p | beam.Create([r]) | ProcessRecords_("UTC", RULES, CTX, learned_min_support=0, prior_learned=prior)
        assert_that(out["rows"] | beam.Map(lambda row: TAGLINE in row["text"]), equal_to([False]))
        assert_that(out["learned"] | "S" >> beam.Map(lambda x: x["support"]), equal_to([40]), label="kept")


def ProcessRecords_(*args, **kwargs):
    from wirestrip.transforms.beam_articles import ProcessRecords

    return ProcessRecords(*args, **kwargs)


def test_learn_boilerplate_combines_across_bundles():
    arts = cleaned([post([*story(i), TAGLINE]) for i in range(7)])
    with TestPipeline(runner="wirestrip.pipeline.runners.OfflineDirectRunner") as p:
        got = p | beam.Create(arts, reshuffle=True) | LearnBoilerplate(min_support=5) | beam.Map(lambda r: r["support"])
        assert_that(got, equal_to([7]))


def test_a_stock_closing_sentence_in_a_few_of_many_stories_is_not_learned():
    closing = "No one was injured."
    texts = [post([*story(i), f"Extra detail number {i} for the record, filed by the desk."]) for i in range(12 * 10)]
    texts = [t + (f"\n\n{closing}" if n % 24 == 0 else "") for n, t in enumerate(texts)]  # 5 of 120 stories
    arts = cleaned(texts)
    index = LearnedIndex.learn(arts)
    assert len({story_of(a) for a in arts}) == 120
    assert ("folder:gazette", line_key(closing)) not in index.lines  # 5 stories, but under 5% of 120
    assert ("folder:gazette", line_key(closing)) in LearnedIndex.learn(arts, min_share=0.0).lines
