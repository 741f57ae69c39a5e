"""The clean stages in Beam: rule cleaning, and the second pass with the lines learned from the batch."""

from __future__ import annotations

from collections.abc import Iterable

from wirestrip.transforms.beam_safe import SafeDoFn, count
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.learned import group_of, line_key
from wirestrip.transforms.clean.rules import RuleSet
from wirestrip.transforms.record_types import CleanArticle, ParsedArticle, RecordError


class CleanArticles(SafeDoFn):
    """ParsedArticle -> CleanArticle: strips boilerplate by the rule registry, records provenance."""

    stage = "clean"

    def __init__(self, rules: RuleSet, redact: bool = False):
        self.rules = rules  # pickles as data; RE2 programs are rebuilt on the worker
        self.redact = redact

    def process_one(self, parsed: ParsedArticle) -> Iterable[CleanArticle]:
        clean = clean_article(parsed, self.rules, redact=self.redact)
        for r in clean.removed:
            count(f"removed.{r.rule_id}")
        if not clean.paragraphs:
            raise RecordError("only_boilerplate", f"every body line was boilerplate ({len(clean.removed)} removed)")
        yield clean


class ApplyLearned(SafeDoFn):
    """Second cleaning pass: re-clean the articles that hold a line learned for their group
    (side input {(group, hash): support}); the others pass through unchanged."""

    stage = "clean_learned"

    def __init__(self, rules: RuleSet, redact: bool = False):
        self.rules, self.redact = rules, redact
        self._learned: dict = {}

    def process(self, element, learned):  # type: ignore[override]
        self._learned = learned
        yield from super().process(element)

    def process_one(self, clean: CleanArticle) -> Iterable[CleanArticle]:
        group, learned = group_of(clean), self._learned
        if not any((group, line_key(p)) in learned for p in clean.parsed.paragraphs):
            yield clean
            return

        def lookup(line: str) -> str | None:
            key = line_key(line)
            return f"learned:{key}" if (group, key) in learned else None

        again = clean_article(clean.parsed, self.rules, learned=lookup, redact=self.redact)
        for r in again.removed:
            if r.kind == "learned":
                count("removed.learned")
        if not again.paragraphs:
            raise RecordError("only_boilerplate", f"every body line was boilerplate ({len(again.removed)} removed, learned lines included)")
        yield again
