"""The text a document is compared by: its story, not the page around it. Pure, no Beam.

The cleaner's `text` can still hold a page's chrome when no rule or model removed it: menus,
section links, share widgets, blogrolls, archive lists, one short line each. Two pages of one
site then share most of their 3-grams whatever their stories (measured on the real pairs,
bench/eval/labels/real_pairs.jsonl: 29 of 52 shared-chrome pairs merged, Jaccard 0.33-0.96), and
one agency story on two sites' pages differs by the chrome around it (6 of 8 missed).

A paragraph is **prose** when it has at least `PROSE_MIN_WORDS` words and a sentence end; chrome
lines are short and unpunctuated. Then:

- `story`: prose is most of the text's words, or it has at least `MIN_STORY_WORDS` words of prose
  among at least `LIST_PAGE_LINES` other lines (a page): the first block of prose paragraphs that
  looks like a story is the story (subheads, credit lines and stray short lines go with the chrome;
  both copies lose the same ones; a sidebar of prose further than `MAX_BREAK` lines away is left
  out). A block looks like a story when it has at least `PAGE_STORY_PARAGRAPHS` paragraphs and
  `PAGE_STORY_WORDS` words, or one long text of `PAGE_STORY_LONG_WORDS`, and does not repeat its own
  5-grams like a list (`repeated_share`: recent comments "<name> on <post title>", teasers). First,
  not largest: the story comes before the sidebars, which can be longer. With no such block, the
  largest block is the story of a text that is not a page; on a page, one or two short paragraphs
  in chrome are the site's blurb, licence or comment guidelines (the post itself being a photo or a
  line): a `list`;
- `list`: less prose than that but at least `LIST_PAGE_LINES` other lines: a list of headlines or
  links (section front, aggregator, a near-empty post in its blog's chrome), not a story: nothing is
  compared (it still joins an exact copy of itself by content hash);
- `whole`: otherwise (a brief or results table, even with a sentence of notes; a short item): the
  whole text, as before.

**Site chrome written as prose** (a blog's "about" blurb, comment guidelines, a licence notice, ad
copy) passes the prose test and can be a page's largest prose block when its own story is a line or
two. No single page tells it from a story; the batch does: the Beam composite counts, per site, the
documents holding each prose paragraph (`prose_keys`) and passes the paragraphs held by at least
`SITE_REPEATED_DOCS` documents of the site to `without_site_chrome`, which leaves them out when
the page keeps prose of its own (a page with none, such as the same page crawled three times, is
compared as before).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import xxhash
from wirestrip.transforms.dedup.fingerprint import word_hashes
from wirestrip.transforms.dedup.fingerprint import words as fingerprint_words  # `words` names word counts below

PROSE_MIN_WORDS = 8  # the shortest sentence-like paragraph ("He said the talks would resume on Monday.")
MIN_STORY_WORDS = 30  # a story's prose; below it a text is a brief or a list (a one-sentence teaser is ~30 words)
MAX_BREAK = 3  # short lines inside a story (a subhead, a caption, a pull quote, "Advertisement"); a page's sidebar is further away
SITE_REPEATED_DOCS = (
    3  # chrome is on every page of a site; one story's own versions on one site in a batch are mostly one or two (original, update)
)
PAGE_STORY_PARAGRAPHS = 3  # a story on a page of chrome: the real copies' blocks have >= 5; a blog's blurb or licence is 1-2
PAGE_STORY_WORDS = 80  # ... and words: the real copies' blocks have >= 119; blocks of 3 short chrome lines measured 59-67
PAGE_STORY_LONG_WORDS = 250  # one paragraph this long is a story dumped without breaks (a real copy: 391 words), not a blurb
LIST_REPEAT_SHARE = 0.4  # a block repeating more than this share of its 5-grams is a list: 2 of 1,262 real body blocks are (repeated_share)
REPEAT_GRAM = 5  # words: longer than a stock phrase ("said in a statement"), shorter than a repeated post title
LIST_PAGE_LINES = 20  # lines that are not prose: a wire brief or results table has at most ~12, a section front dozens
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?:\s|$)")  # a literal first: the scan stays fast (a lookbehind made it 3x slower)
_ASCII_LETTERS = frozenset(string.ascii_letters)
_PARAGRAPHS = re.compile(r"\n\s*\n")
_KEY_SEED = 0x5EED_C40E
_GRAM_MUL = np.uint64(0x9E3779B97F4A7C15)  # odd: x -> x * mul + next is a bijection of the running key


def is_prose(paragraph: str) -> bool:
    """At least PROSE_MIN_WORDS words and a sentence end."""
    return _is_prose(paragraph, _n_words(paragraph))


def _n_words(paragraph: str) -> int:
    """Whitespace-separated words: a count, not the fingerprint's tokens (a third of the cost of \\w+)."""
    return paragraph.count(" ") + 1


def _is_prose(paragraph: str, n_words: int) -> bool:
    """n_words >= PROSE_MIN_WORDS and a sentence end: [.!?] (closing quotes or brackets after it)
    before a space or at the very end. The dot of an abbreviation ("p.m.", "U.S.": a dot, a letter,
    a dot) counts only at the very end: a headline list's "3:24 p.m. EST" lines are no prose,
    "... from 4 to 7 p.m." is. (Inlined: it runs on every paragraph of every text.)"""
    if n_words < PROSE_MIN_WORDS:
        return False
    m = _SENTENCE_END.search(paragraph)
    while m is not None:
        i = m.start()
        if i < 2 or paragraph[i - 2] != "." or paragraph[i - 1] not in _ASCII_LETTERS:
            return True
        if m.end() == len(paragraph) and not paragraph[-1].isspace():
            return True
        m = _SENTENCE_END.search(paragraph, m.end())
    return False


def _blocks(paragraphs: list[str], words: list[int], flags: list[bool]) -> list[tuple[list[str], int]]:
    """The blocks of prose in page order, each (its prose paragraphs, their words): prose paragraphs
    with at most MAX_BREAK other lines between consecutive ones."""
    blocks: list[tuple[list[str], int]] = []
    cur: list[str] = []
    cur_words = since = 0
    for p, n, f in zip(paragraphs, words, flags, strict=True):
        if f:
            cur.append(p)
            cur_words += n
            since = 0
        else:
            since += 1
            if since > MAX_BREAK and cur:
                blocks.append((cur, cur_words))
                cur, cur_words = [], 0
    if cur:
        blocks.append((cur, cur_words))
    return blocks


@dataclass(frozen=True)
class Story:
    """What a text is compared by: `text`, how it was chosen (`compared_as`) and, when story_of
    computed them, the fingerprint's word hashes of `text` (reused by documents.text_fp)."""

    text: str
    compared_as: Literal["story", "list", "whole"]
    word_hashes: np.ndarray | None = field(default=None, compare=False, repr=False)


def _story_block(paragraphs: list[str], words: list[int], flags: list[bool]) -> tuple[list[str], np.ndarray | None]:
    """The first block that looks like a story (with its word hashes), else the block with the most
    prose words (the first on ties; no hashes). First, not largest: a page's story comes before its
    sidebars, and a sidebar of recent comments or teasers, or a comment thread, can outgrow a short
    story. A box of prose teasers or a blurb above the story is the case it gets wrong; taking a
    later block three times larger instead fixed one such L3S-GN1 page and lost 19 Dragnet pages
    (`make eval-story`). Identical paragraphs count once (a story printed twice, page and print)."""
    largest: tuple[list[str], int] = ([], 0)
    for block, n in _blocks(paragraphs, words, flags):
        distinct = list(dict.fromkeys(block))
        n = n if len(distinct) == len(block) else sum(_n_words(p) for p in distinct)
        if _has_story_size(distinct, n):
            wh = word_hashes(_words_of(distinct))
            if repeated_share(wh) <= LIST_REPEAT_SHARE:
                return distinct, wh
        if n > largest[1]:
            largest = (distinct, n)
    return largest[0], None


def _words_of(block: list[str]) -> list[str]:
    """The fingerprint's words of a block (its paragraphs joined as in the story text)."""
    return fingerprint_words("\n\n".join(block))


def _has_story_size(block: list[str], block_words: int) -> bool:
    """Several paragraphs and words, or one long text (see PAGE_STORY_*): not a blurb or a licence."""
    return (len(block) >= PAGE_STORY_PARAGRAPHS and block_words >= PAGE_STORY_WORDS) or block_words >= PAGE_STORY_LONG_WORDS


def repeated_share(wh: np.ndarray) -> float:
    """Of a block's word REPEAT_GRAM-grams (from its word hashes, in order), the share that occur
    more than once in it. A story says each thing once; a recent-comments list ("<name> on <post
    title>") or a list of teasers repeats its post titles. On the real pages, once their sites'
    repeated prose is left out (`make eval-story`), 2 of 1,234 story-size blocks that are mostly
    body and 4 of 633 others are above LIST_REPEAT_SHARE (body: median 0, 99th percentile
    0.09-0.12): the boxes it is for are those of sites with fewer than SITE_REPEATED_DOCS pages in
    the batch. A templated prose roundup (ten cities' weather in one sentence shape) is above it too:
    on a page it is then a list, not compared."""
    m = len(wh) - REPEAT_GRAM + 1
    if m < 2:
        return 0.0
    with np.errstate(over="ignore"):  # wrapping uint64: a key per gram, equal for equal grams (only compared)
        grams = wh[:m].copy()
        for j in range(1, REPEAT_GRAM):
            grams = grams * _GRAM_MUL + wh[j : j + m]
    s = np.sort(grams)
    dup = np.zeros(len(s), dtype=bool)
    same = s[1:] == s[:-1]
    dup[1:] |= same
    dup[:-1] |= same
    return float(np.count_nonzero(dup)) / len(s)


def paragraph_key(paragraph: str) -> int:
    """A paragraph's identity across pages: xxh3-64 of its words, lowercased, whitespace collapsed."""
    return xxhash.xxh3_64_intdigest(" ".join(paragraph.lower().split()).encode("utf-8", "surrogatepass"), _KEY_SEED)


def prose_keys(text: str) -> list[int]:
    """The distinct keys of the text's prose paragraphs (what the batch counts per site)."""
    return sorted({paragraph_key(p) for p in _PARAGRAPHS.split(text) if p.strip() and is_prose(p)})


def without_site_chrome(text: str, chrome: frozenset[int] | set[int]) -> tuple[str, int]:
    """(the text without its prose paragraphs whose keys are in `chrome`, how many were left out).
    `chrome`: prose paragraphs repeated across the site's pages in the batch. Nothing is left out
    when the text has no prose of its own (the same page crawled again is still compared)."""
    if not chrome:
        return text, 0
    paragraphs = [p for p in _PARAGRAPHS.split(text) if p.strip()]
    prose = [is_prose(p) for p in paragraphs]
    site = [f and paragraph_key(p) in chrome for p, f in zip(paragraphs, prose, strict=True)]
    if not any(site) or not any(f and not c for f, c in zip(prose, site, strict=True)):
        return text, 0
    return "\n\n".join(p for p, c in zip(paragraphs, site, strict=True) if not c), sum(site)


def split_prose(text: str) -> tuple[list[str], list[int], list[bool]]:
    """The text's paragraphs, their word counts and which are prose: what story_of decides on."""
    paragraphs = [p for p in _PARAGRAPHS.split(text) if p.strip()]
    words = [_n_words(p) for p in paragraphs]
    return paragraphs, words, [_is_prose(p, n) for p, n in zip(paragraphs, words, strict=True)]


def story_of(text: str) -> Story:
    """The text to fingerprint and how it was chosen (see the module's docstring)."""
    paragraphs, words, flags = split_prose(text)
    if all(flags):
        return Story(text, "story" if flags else "whole")
    prose_words = sum(n for n, f in zip(words, flags, strict=True) if f)
    other_lines = len(paragraphs) - sum(flags)
    is_page = other_lines >= LIST_PAGE_LINES
    if prose_words * 2 > sum(words) or (prose_words >= MIN_STORY_WORDS and is_page):
        block, wh = _story_block(paragraphs, words, flags)
        if wh is not None or not is_page:
            return Story("\n\n".join(block), "story", wh)
        return Story("", "list")
    if is_page:
        return Story("", "list")
    return Story(text, "whole")


def story_text(text: str) -> tuple[str, str]:
    """(the text to fingerprint, how it was chosen: 'story' | 'list' | 'whole')."""
    s = story_of(text)
    return s.text, s.compared_as
