"""Beam stages from raw records to table rows: parse, clean, fingerprint. Each is a thin SafeDoFn
around a pure function; failures go to the `rejects` tagged output."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import apache_beam as beam
from wirestrip.transforms.beam_safe import REJECTS, SafeDoFn, count
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.learned import MIN_SHARE, MIN_SUPPORT, LearnBoilerplate, group_of, line_key
from wirestrip.transforms.clean.rules import RuleSet
from wirestrip.transforms.read import html_page as htmlpage
from wirestrip.transforms.read import language
from wirestrip.transforms.read.csv_dump import parse_csv_row
from wirestrip.transforms.read.feeds import parse_feed_item
from wirestrip.transforms.read.html_page import parse_html
from wirestrip.transforms.read.json_lines import parse_jsonl
from wirestrip.transforms.read.post_text import parse_post
from wirestrip.transforms.read.warc import parse_warc
from wirestrip.transforms.record_types import CleanArticle, ParsedArticle, RawRecord, RecordError, Reject
from wirestrip.transforms.write.table_rows import RunContext, article_row, reject_row

Parser = Callable[[RawRecord, str], ParsedArticle]
PARSERS: dict[str, Parser] = {"txt": parse_post}
# Formats of issue 4. Their per-thread state (lxml parser, trafilatura config, language model)
# is built by the setup hooks, from ParseRecords.setup().
PARSERS.update({"csv": parse_csv_row, "jsonl": parse_jsonl, "html": parse_html, "warc": parse_warc, "rss": parse_feed_item})
PARSER_SETUP: tuple[Callable[[], None], ...] = (htmlpage.setup, language.setup)


class ParseRecords(SafeDoFn):
    """RawRecord -> ParsedArticle with the parser of its input format."""

    stage = "parse"

    def __init__(self, default_tz: str):
        self.default_tz = default_tz

    def setup(self) -> None:
        for hook in PARSER_SETUP:
            hook()

    def process_one(self, record: RawRecord) -> Iterable[ParsedArticle]:
        parser = PARSERS.get(record.input_format)
        if parser is None:
            raise RecordError("no_parser", f"no parser for input format {record.input_format!r}")
        article = parser(record, self.default_tz)
        # Every format gets a language: from the text, the declared one when the text is too short.
        article.language = language.detect_language(article.paragraphs, article.language)
        yield article


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


class ToArticleRows(SafeDoFn):
    """CleanArticle -> `articles` row, with its content hash."""

    stage = "fingerprint"

    def __init__(self, ctx: RunContext):
        self.ctx = ctx

    def process_one(self, clean: CleanArticle) -> Iterable[dict]:
        count("articles.written")
        yield article_row(clean, self.ctx)


class ProcessRecords(beam.PTransform):
    """Raw records -> article rows, with every failure in the `rejects` output (Reject objects)."""

    def __init__(
        self,
        default_tz: str,
        rules: RuleSet,
        ctx: RunContext,
        learned_min_support: int = MIN_SUPPORT,
        prior_learned: list[dict] | None = None,
        learned_min_share: float = MIN_SHARE,
    ):
        super().__init__()
        self.default_tz, self.rules, self.ctx = default_tz, rules, ctx
        self.learned_min_support, self.prior_learned = learned_min_support, list(prior_learned or [])
        self.learned_min_share = learned_min_share

    def expand(self, records):
        redact = self.ctx.redact_removed
        parsed = records | "Parse" >> beam.ParDo(ParseRecords(self.default_tz)).with_outputs(REJECTS, main="ok")
        cleaned = parsed.ok | "Clean" >> beam.ParDo(CleanArticles(self.rules, redact)).with_outputs(REJECTS, main="ok")
        stage_rejects = [parsed[REJECTS], cleaned[REJECTS]]
        final, learned = cleaned.ok, None
        if self.learned_min_support > 0 or self.prior_learned:
            # Two passes: learn repeated lines per publisher from the rule-cleaned articles, then re-clean.
            learned = cleaned.ok | "LearnBoilerplate" >> LearnBoilerplate(
                self.learned_min_support, self.prior_learned, self.learned_min_share
            )
            side = learned | "LearnedKeys" >> beam.Map(lambda r: ((r["group"], r["hash"]), r["support"]))
            again = cleaned.ok | "CleanLearned" >> beam.ParDo(ApplyLearned(self.rules, redact), beam.pvalue.AsDict(side)).with_outputs(
                REJECTS, main="ok"
            )
            final = again.ok
            stage_rejects.append(again[REJECTS])
        rows = final | "Fingerprint" >> beam.ParDo(ToArticleRows(self.ctx)).with_outputs(REJECTS, main="ok")
        rejects = (*stage_rejects, rows[REJECTS]) | "StageRejects" >> beam.Flatten()
        out = {"rows": rows.ok, REJECTS: rejects}
        if learned is not None:
            out["learned"] = learned
        return out


class ToRejectRows(beam.PTransform):
    """Reject objects -> `rejects` rows."""

    def __init__(self, ctx: RunContext):
        super().__init__()
        self.ctx = ctx

    def expand(self, rejects):
        ctx = self.ctx

        def to_row(rej: Reject) -> dict:
            return reject_row(rej, ctx)

        return rejects | "RejectRow" >> beam.Map(to_row)
