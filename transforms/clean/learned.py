"""Corpus-learned boilerplate: lines no rule knows (a site's tagline, newsletter prompt, share
widget) that repeat across many *stories* of one publisher in a run.

Pass 1 counts, per group (the publisher the rules found, else the input's publisher field, else
the file's folder: one scraped site per folder is how dumps are laid out), the normalised line
hashes of every short line each rule-cleaned article kept, with its support counted in distinct
stories. Pass 2 re-cleans the articles of groups that have learned lines; a learned line is only
stripped inside the leading or trailing boilerplate run (like head/tail rules), never in the
middle of a story, and is recorded as `learned:<hash>`.

What stands in for "story" (clusters do not exist yet at this stage): the last 20 words of the
article's first paragraph of at least 12 words, other than the line being counted. Syndicated
copies of one story are trimmed at the end and re-headlined, but keep the first paragraph; its
end is also clear of the dateline that copies print differently. So a quoted sentence recurring
in twenty copies of one story has support 1 and stays body.

Thresholds (defaults; see --learned-min-support):
- MIN_SUPPORT = 5 distinct stories: a template line is on every post of a site; five unrelated
  stories sharing one exact short line is not chance for body text.
- MIN_SHARE = 0.05 of the group's stories as well: in a big dump a stock closing sentence ("No
  one was injured.") can end five stories of one site; a template line is on far more than one
  post in twenty.
- MAX_LINE_CHARS = 200: taglines, prompts and widgets are short; a longer line is prose.
- MAX_TRACKED_STORIES = 1000 per line: bounds the combiner's state; support is reported as
  at least that many.

Learned lines are written with the run (OUT/learned/ingest_date=D/part-*.jsonl: group, hash,
support, example) and `--learned-lines GLOB` feeds them to a later run, where they apply even
when that batch alone has too little support: an article's clean text then depends on the
site's history, not on what else happened to be in its batch.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import apache_beam as beam
import xxhash
from wirestrip.transforms.record_types import CleanArticle

MIN_SUPPORT = 5
MIN_SHARE = 0.05
MAX_LINE_CHARS = 200
MAX_TRACKED_STORIES = 1000
_STORY_MIN_WORDS = 12
_STORY_WORDS = 20
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def line_key(line: str) -> str:
    """Hash of a line's normalised form: case, digits (counts, dates), punctuation and spacing ignored."""
    norm = _NON_WORD.sub(" ", _DIGITS.sub("0", line.casefold())).strip()
    return xxhash.xxh3_64_hexdigest(norm.encode())


def group_of(clean: CleanArticle) -> str:
    """The learning group of an article: the publisher found, else its folder in the input."""
    if clean.publisher:
        return "publisher:" + clean.publisher.casefold()
    rel = clean.parsed.record.rel_path
    return "folder:" + (rel.rsplit("/", 1)[0] if "/" in rel else "")


def _story_key(paragraphs: list[str], skip: int) -> str:
    for i, p in enumerate(paragraphs):
        if i == skip:
            continue
        words = _NON_WORD.sub(" ", p.casefold()).split()
        if len(words) >= _STORY_MIN_WORDS:
            return xxhash.xxh3_64_hexdigest(" ".join(words[-_STORY_WORDS:]).encode())
    return "none:" + line_key(" ".join(paragraphs))  # no long paragraph: the whole text stands for the story


def story_of(clean: CleanArticle) -> str:
    """The story key of a whole article (what its syndicated copies share)."""
    return _story_key(clean.paragraphs, -1)


def needed_support(group_stories: int, min_support: int = MIN_SUPPORT, min_share: float = MIN_SHARE) -> int:
    """Distinct stories a line needs in a group of `group_stories` stories to count as boilerplate."""
    return max(min_support, math.ceil(min_share * group_stories))


def candidate_lines(clean: CleanArticle) -> list[tuple[str, str, str, str]]:
    """(group, line hash, story key, line) for each distinct short line the rules kept."""
    group = group_of(clean)
    seen: set[str] = set()
    out = []
    for i, p in enumerate(clean.paragraphs):
        if len(p) > MAX_LINE_CHARS or not any(c.isalpha() for c in p):
            continue
        key = line_key(p)
        if key in seen:
            continue
        seen.add(key)
        out.append((group, key, _story_key(clean.paragraphs, i), p))
    return out


@dataclass
class LearnedIndex:
    """Learned lines by (group, hash), with their support; in memory for tests and the eval."""

    lines: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    min_support: int = MIN_SUPPORT

    def __post_init__(self) -> None:
        self._groups = {g for g, _ in self.lines}

    def __len__(self) -> int:
        return len(self.lines)

    @classmethod
    def learn(cls, articles: Iterable[CleanArticle], min_support: int = MIN_SUPPORT, min_share: float = MIN_SHARE) -> LearnedIndex:
        """Count distinct stories per (group, hash) over rule-cleaned articles; keep those with enough support."""
        stories: dict[tuple[str, str], set[str]] = {}
        example: dict[tuple[str, str], str] = {}
        group_stories: dict[str, set[str]] = {}
        for clean in articles:
            group_stories.setdefault(group_of(clean), set()).add(story_of(clean))
            for group, key, story, text in candidate_lines(clean):
                stories.setdefault((group, key), set()).add(story)
                example[(group, key)] = min(example.get((group, key), text), text)
        lines = {
            k: (len(s), example[k])
            for k, s in stories.items()
            if len(s) >= needed_support(len(group_stories[k[0]]), min_support, min_share)
        }
        return cls(lines, min_support)

    @classmethod
    def from_records(cls, records: Iterable[dict], min_support: int = MIN_SUPPORT) -> LearnedIndex:
        """From learned-line records (as written to OUT/learned), keeping the highest support per line."""
        lines: dict[tuple[str, str], tuple[int, str]] = {}
        for r in records:
            k = (r["group"], r["hash"])
            if k not in lines or r["support"] > lines[k][0]:
                lines[k] = (int(r["support"]), r.get("example", ""))
        return cls(lines, min_support)

    def has_group(self, group: str) -> bool:
        return group in self._groups

    def lookup_for(self, group: str) -> Callable[[str], str | None]:
        """The cleaner's lookup for one group: a line -> 'learned:<hash>' or None."""
        lines = self.lines

        def lookup(line: str) -> str | None:
            if len(line) > MAX_LINE_CHARS:
                return None
            key = line_key(line)
            return f"learned:{key}" if (group, key) in lines else None

        return lookup

    def records(self) -> list[dict]:
        return [learned_record(g, h, s, e) for (g, h), (s, e) in sorted(self.lines.items())]


def learned_record(group: str, key: str, support: int, example: str) -> dict:
    """One learned line as written to OUT/learned (JSON Lines)."""
    return {"group": group, "hash": key, "rule_id": f"learned:{key}", "support": support, "example": example}


def parse_learned_lines(text: str, source: str) -> list[dict]:
    """Learned-line records from a JSON Lines file written by an earlier run; ValueError names the bad line."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            out.append(learned_record(str(r["group"]), str(r["hash"]), int(r["support"]), str(r.get("example", ""))))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{source}:{n}: not a learned-line record ({exc!r})") from None
    return out


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


def load_learned_files(patterns: list[str] | None) -> list[dict]:
    """Learned-line records from earlier runs' OUT/learned files (globs, any Beam filesystem).

    Raises ValueError naming the file when a pattern matches nothing or a file is not such records.
    """
    from apache_beam.io.filesystems import FileSystems

    records: list[dict] = []
    for pattern in patterns or []:
        matched = FileSystems.match([pattern])[0].metadata_list
        if not matched:
            raise ValueError(f"--learned-lines {pattern}: no file matches")
        for meta in sorted(matched, key=lambda m: m.path):
            with FileSystems.open(meta.path, compression_type="uncompressed") as f:
                records += parse_learned_lines(f.read().decode("utf-8"), meta.path)
    return records
