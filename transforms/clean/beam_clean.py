"""The clean stages in Beam: rule cleaning, learning the lines a publisher repeats across stories,
and the second pass with the lines learned (the pure logic: cleaner.py, learned.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import apache_beam as beam
from wirestrip.transforms.beam_safe import SafeDoFn, count, left_in_input
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.learned import (
    MAX_TRACKED_STORIES,
    MIN_SHARE,
    MIN_SUPPORT,
    candidate_lines,
    group_of,
    learned_record,
    line_key,
    needed_support,
    story_of,
)
from wirestrip.transforms.clean.rules import RuleSet
from wirestrip.transforms.clean.segment_model import SegmentModel
from wirestrip.transforms.record_types import CleanArticle, ParsedArticle, RecordError

NO_TEXT = "no_article_text"  # a record with no body paragraph left is a reject, never an empty article


class _WithSegmentModel(SafeDoFn):
    """A clean stage holding the segment classifier: the model file's text travels with the DoFn
    (so remote workers need no path of the driver's), the booster is built once per worker;
    `model_on` says which records it looks at (cleaner.MODEL_ON)."""

    def __init__(self, model_json: str | None, model_on: str = "pages"):
        self.model_json, self.model_on = model_json, model_on
        self.model: SegmentModel | None = None

    def setup(self) -> None:
        self.model = SegmentModel.from_json(self.model_json) if self.model_json else None


class CleanArticles(_WithSegmentModel):
    """ParsedArticle -> CleanArticle: strips boilerplate by the rule registry and the segment
    classifier, records provenance. The article's record leaves its raw bytes in the input
    (beam_safe.left_in_input); its raw_sha, locator and doc_id travel on."""

    stage = "clean"

    def __init__(self, rules: RuleSet, redact: bool = False, model_json: str | None = None, model_on: str = "pages"):
        super().__init__(model_json, model_on)
        self.rules = rules  # pickles as data; RE2 programs are rebuilt on the worker
        self.redact = redact

    def process_one(self, parsed: ParsedArticle) -> Iterable[CleanArticle]:
        clean = clean_article(parsed, self.rules, redact=self.redact, model=self.model, count=count, model_on=self.model_on)
        for r in clean.removed:
            count(f"removed.{r.rule_id}")
        if not clean.paragraphs:
            raise RecordError(NO_TEXT, f"no body paragraph left: every one was boilerplate ({len(clean.removed)} removed)")
        # The raw bytes stay in the input (~2.6 of a cleaned article's ~6.4 KB): the local runner holds
        # every cleaned article until the learned-line pass has run, and copies a stage's input 3-4
        # times (docs/runners.md). A reject of a later stage reads them again (beam_safe.reject_of).
        yield dataclasses.replace(clean, parsed=dataclasses.replace(clean.parsed, record=left_in_input(clean.parsed.record)))


class ApplyLearned(_WithSegmentModel):
    """Second cleaning pass: re-clean the articles that hold a line learned for their group
    (side input {(group, hash): support}); the others pass through unchanged."""

    stage = "clean_learned"

    def __init__(self, rules: RuleSet, redact: bool = False, model_json: str | None = None, model_on: str = "pages"):
        super().__init__(model_json, model_on)
        self.rules, self.redact = rules, redact
        self._learned: dict = {}
        self._groups: set = set()
        self._groups_of: dict | None = None

    def process(self, element, learned):  # type: ignore[override]
        self._learned = learned
        yield from super().process(element)

    def _learned_groups(self) -> set:
        """The groups that learned a line (computed once per side-input object)."""
        if self._groups_of is not self._learned:
            self._groups, self._groups_of = {g for g, _ in self._learned}, self._learned
        return self._groups

    def process_one(self, clean: CleanArticle) -> Iterable[CleanArticle]:
        group, learned = group_of(clean), self._learned
        # Most batches learn nothing, or nothing for most groups: then no line needs hashing.
        if group not in self._learned_groups() or not any((group, line_key(p)) in learned for p in clean.parsed.paragraphs):
            yield clean
            return

        def lookup(line: str) -> str | None:
            key = line_key(line)
            return f"learned:{key}" if (group, key) in learned else None

        again = clean_article(clean.parsed, self.rules, learned=lookup, redact=self.redact, model=self.model, model_on=self.model_on)
        for r in again.removed:
            if r.kind == "learned":
                count("removed.learned")
        if not again.paragraphs:
            raise RecordError(
                NO_TEXT, f"no body paragraph left: every one was boilerplate ({len(again.removed)} removed, learned lines included)"
            )
        yield again


class _StoriesCombine(beam.CombineFn):
    """Distinct story keys (capped) and the smallest example line, per (group, hash)."""

    def create_accumulator(self):
        return (set(), None)

    def add_input(self, acc, value):
        stories, example = acc
        story, text = value
        if len(stories) < MAX_TRACKED_STORIES:
            stories.add(story)
        return stories, text if example is None or text < example else example

    def merge_accumulators(self, accs):
        stories, example = set(), None
        for s, e in accs:
            stories |= s
            if e is not None and (example is None or e < example):
                example = e
        if len(stories) > MAX_TRACKED_STORIES:
            stories = set(sorted(stories)[:MAX_TRACKED_STORIES])
        return stories, example

    def extract_output(self, acc):
        return len(acc[0]), acc[1] or ""


class LearnBoilerplate(beam.PTransform):
    """Rule-cleaned articles -> learned-line records {group, hash, rule_id, support, example}:
    lines with support >= min_support in this batch, merged with `prior` records from earlier runs."""

    def __init__(self, min_support: int = MIN_SUPPORT, prior: list[dict] | None = None, min_share: float = MIN_SHARE):
        super().__init__()
        self.min_support, self.prior, self.min_share = min_support, list(prior or []), min_share

    def expand(self, articles):
        min_support = self.min_support
        if min_support <= 0:  # learning off for this batch: only the prior runs' lines apply
            counted = articles.pipeline | "NothingLearned" >> beam.Create([])
        else:
            counted = self._count(articles, min_support, self.min_share)
        prior = articles.pipeline | "PriorLearned" >> beam.Create(self.prior)
        return (
            (counted, prior)
            | "AllLearned" >> beam.Flatten()
            | "ByLine" >> beam.Map(lambda r: ((r["group"], r["hash"]), r))
            | "BestSupport" >> beam.CombinePerKey(lambda rs: max(rs, key=lambda r: (r["support"], r["example"])))
            | "Values" >> beam.Values()
        )

    @staticmethod
    def _count(articles, min_support: int, min_share: float):
        def keyed(clean: CleanArticle):
            for group, key, story, text in candidate_lines(clean):
                yield (group, key), (story, text)

        group_totals = (
            articles
            | "GroupStory" >> beam.Map(lambda c: (group_of(c), story_of(c)))
            | "DistinctStories" >> beam.Distinct()
            | "GroupOfStory" >> beam.Map(lambda gs: gs[0])
            | "StoriesPerGroup" >> beam.combiners.Count.PerElement()
        )

        def enough(kv, totals) -> bool:
            return kv[1][0] >= needed_support(totals.get(kv[0][0], 0), min_support, min_share)

        return (
            articles
            | "Candidates" >> beam.FlatMap(keyed)
            | "StoriesPerLine" >> beam.CombinePerKey(_StoriesCombine())
            | "EnoughSupport" >> beam.Filter(enough, totals=beam.pvalue.AsDict(group_totals))
            | "Record" >> beam.Map(lambda kv: learned_record(kv[0][0], kv[0][1], kv[1][0], kv[1][1]))
        )
