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

import xxhash
from wirestrip.transforms.record_types import CleanArticle

MIN_SUPPORT = 5
MIN_SHARE = 0.05
MAX_LINE_CHARS = 200
MAX_TRACKED_STORIES = 1000
_STORY_MIN_WORDS = 12
_STORY_WORDS = 20
_NON_WORD = re.compile(r"[\W_]+")


def line_key(line: str) -> str:
    """Hash of a line's normalised form: case, punctuation and spacing ignored, digits kept: a line
    whose numbers differ between stories ("Revs 501.0 mln vs 776.0 mln") is a fact, not a template."""
    norm = _NON_WORD.sub(" ", line.casefold()).strip()
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
