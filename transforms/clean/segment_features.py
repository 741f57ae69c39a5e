"""Shallow features of the segments of one page, for the statistical segment classifier
(transforms/clean/segment_model.py; docs/segment_model.md is its model card).

page (its segments, in order) -> float32 matrix [segments, N_FEATURES]: per segment its length,
punctuation, stop-word, capital, digit and separator shares, date/time/URL/credit cues; its place
on the page (position from top and bottom, inside the densest run of long segments or not, the run
of short segments it belongs to); and the same cues of its neighbours.

Nothing here comes from a data set: the stop words, credit and page-chrome words are small generic
English lists written by hand. Pure numpy: character classes for a whole batch of segments at once
(a code-point lookup table, bit flags, one reduceat); regexes only on short segments with a digit
or a day word. Change FEATURES_VERSION whenever a feature can change value: a model file names the
version it was fitted on and is refused by any other.
"""

from __future__ import annotations

import math
import re
from itertools import repeat as _repeat

import numpy as np

FEATURES_VERSION = "seg1"

# Small generic English function-word list (hand-written; not taken from any corpus).
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me more most
    my no nor not now of off on once only or other our out over own same she should so some such than
    that the their them then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your said says told it's he's
    she's i'm don't didn't can't won't one two new""".split()
)
# Generic page-chrome verbs/nouns (hand-written).
ACTION_WORDS = frozenset(
    """click subscribe sign login log register share email e-mail print comment comments reply posted follow
    read more related advertisement newsletter rss home terms privacy contact next previous search tags
    permalink trackback menu""".split()
)
_ACTION_VARIANTS = frozenset(
    v
    for w in ACTION_WORDS
    for v in (w, w + ":", w + "|", "|" + w, w + ",", w + ".", "(" + w + ")", "[" + w + "]", w + "»", "»" + w, w + ">")
)
_CREDIT_WORDS = (
    "copyright",
    "rights reserved",
    "photo",
    "image",
    "credit",
    "getty",
    "reuters",
    "(c)",
    "associated press",
    "file",
    "courtesy",
    "caption",
)
_CREDIT_CASED = ("AP", "AFP", "©")
_WEB_SUBS = ("@", "http", "www.", ".com")
_DAY_SUBS = ("ago", "day")
_DATE = re.compile(
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,? \d|\d (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\d[/.-]\d{1,2}[/.-]\d"
)
_TIME = re.compile(r"\d:\d\d|\d ?[ap]\.?m\b|\bago\b|yesterday|today")

# code-point class tables for U+0000..U+3000; anything above is clipped to one 'letter' slot
_F_SPACE, _F_DIGIT, _F_UPPER, _F_LOWER, _F_PUNCT, _F_SEP, _F_COMMA, _F_END = 1, 2, 4, 8, 16, 32, 64, 128
_G_FINAL, _G_BULLET, _G_QUOTE = 1, 2, 4
_SEPS = set("|»«›‹•·>/\\–—:")


def _tables():
    t1 = np.zeros(0x3002, dtype=np.uint8)
    t2 = np.zeros(0x3002, dtype=np.uint8)
    t1[0x3001] = _F_LOWER  # every code point above U+3000 (clipped to this slot) counts as a letter
    for cp in range(0x3001):
        ch = chr(cp)
        if ch.isspace():
            f = _F_SPACE
        elif ch.isdigit():
            f = _F_DIGIT
        elif ch.isupper():
            f = _F_UPPER
        elif ch.isalpha():
            f = _F_LOWER
        else:
            f = _F_PUNCT
        f |= (_F_SEP if ch in _SEPS else 0) | (_F_COMMA if ch == "," else 0) | (_F_END if ch in ".!?" else 0)
        t1[cp] = f
        t2[cp] = (_G_FINAL if ch in ".!?\"'”’)" else 0) | (_G_BULLET if ch in "-*•·|>»" else 0) | (_G_QUOTE if ch in '"“' else 0)
    return t1, t2


_TABLE, _TABLE2 = _tables()
_TABLE_MAX = len(_TABLE) - 1
_WORD_CLASS: dict[str, int] = {w: 1 for w in STOP_WORDS}  # bit 0 stop word, bit 1 action word
for _w in _ACTION_VARIANTS:
    _WORD_CLASS[_w] = _WORD_CLASS.get(_w, 0) | 2

# Feature names, in column order (a model file lists them: loading checks they match).
BASE = [
    "log_words",
    "log_chars",
    "mean_word_len",
    "ends_final",
    "ends_colon",
    "sent_ends",
    "stop_share",
    "cap_share",
    "upper_char_share",
    "digit_share",
    "punct_share",
    "sep_share",
    "comma_per_word",
    "has_date",
    "has_time",
    "has_web",
    "has_credit",
    "n_action",
    "title_case",
    "starts_lower",
    "starts_bullet",
    "has_quote",
]
NEIGH_BASE = ["log_words", "ends_final", "stop_share", "cap_share", "title_case", "has_date", "n_action"]
_NB_IDX = [BASE.index(f) for f in NEIGH_BASE]
POSITION = [
    "rel_pos",
    "log_from_top",
    "log_from_bottom",
    "log_n_segments",
    "rel_len_to_max",
    "rel_words_before",
    "in_main_block",
    "dist_block_before",
    "dist_block_after",
    "rel_pos_in_block",
    "block_share_of_page",
    "long_before_rel",
    "long_after_rel",
    "dup_on_page",
    "run_short_len",
]
NEIGH = [f"{o}_{f}" for o in ("p1", "n1", "p2", "n2") for f in NEIGH_BASE]
WINDOW = ["win5_mean_log_words", "win5_final_share"]
NAMES = BASE + POSITION + NEIGH + WINDOW
N_FEATURES = len(NAMES)

_LONG_WORDS = 15  # a "long" segment: prose-like paragraph
_SHORT_REGEX_WORDS = 40  # credit/date/action cues only count in segments up to this many words


def _seg_hits(text: str, subs, starts) -> np.ndarray:
    """Indices of the segments (by start offset) in which any of `subs` occurs."""
    pos = []
    for sub in subs:
        i = text.find(sub)
        while i != -1:
            pos.append(i)
            i = text.find(sub, i + 1)
    if not pos:
        return np.zeros(0, dtype=np.int64)
    return np.searchsorted(starts, np.array(pos), "right") - 1


def _main_block(nwords: list[int]) -> tuple[int, int]:
    """Densest run of long segments: max-sum subarray where a long segment scores its words and
    every other segment costs a little (so a block tolerates a caption or a one-line widget)."""
    best = cur = 0.0
    best_s = best_e = -1
    s = 0
    for i, w in enumerate(nwords):
        gain = float(w) if w >= _LONG_WORDS else -4.0 - 0.5 * w
        if cur <= 0:
            cur, s = gain, i
        else:
            cur += gain
        if cur > best:
            best, best_s, best_e = cur, s, i
    return best_s, best_e


def page_features(segments: list[str]) -> np.ndarray:
    """The feature matrix of one page's segments."""
    return pages_features([segments])[0]


def pages_features(pages: list[list[str]]) -> list[np.ndarray]:
    """page_features for many pages at once (same numbers): the per-character and per-token work
    runs once over the whole batch, so numpy's call overhead is paid per batch, not per page."""
    flat = [s for p in pages for s in p]
    if not flat:
        return [np.zeros((0, N_FEATURES), dtype=np.float32) for _ in pages]
    features, tokens, lengths = _segment_features(flat)
    out, start = [], 0
    for page in pages:
        n = len(page)
        block = features[start : start + n]
        if n:
            _page_context(page, block, tokens[start : start + n], lengths[start : start + n])
        out.append(block)
        start += n
    return out


def _segment_features(segments: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The BASE columns (no page context) for a flat list of segments, with each one's word and
    character counts."""
    n = len(segments)
    X = np.zeros((n, N_FEATURES), dtype=np.float32)
    # A trailing separator: an empty last segment still has a character to index (no value changes:
    # the separator is a space, which ends no word and opens none).
    page = "\n".join(segments) + "\n"
    lens = np.fromiter(map(len, segments), dtype=np.int64, count=n)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lens[:-1] + 1, out=starts[1:])
    cps = np.minimum(np.frombuffer(page.encode("utf-32-le", "surrogatepass"), dtype=np.uint32), _TABLE_MAX)
    fl = _TABLE[cps]
    sp = (fl & _F_SPACE).astype(bool)
    g = np.zeros(len(fl), dtype=np.uint8)
    g[0] = not sp[0]
    g[1:] = ~sp[1:] & sp[:-1]
    g |= (g & (fl >> 2)) << 1
    g |= (g & (fl >> 3)) << 2
    end = fl >> 7
    end[:-1] &= sp[1:]
    g |= end << 3
    g |= (_TABLE2[cps] & _G_QUOTE) << 2
    counts = np.add.reduceat(np.unpackbits(np.stack([fl, g], axis=1), axis=1, bitorder="little"), starts, axis=0, dtype=np.int32)
    if not lens.all():
        counts[lens == 0] = 0
    tokens_per_seg = counts[:, 8].astype(np.int64)
    nc = np.maximum(lens, 1).astype(np.float32)
    nw = np.maximum(tokens_per_seg, 1).astype(np.float32)
    tokens = page.lower().split()
    wc = np.zeros(len(tokens) + 1, dtype=np.uint8)
    wc[:-1] = np.fromiter(map(_WORD_CLASS.get, tokens, _repeat(0)), dtype=np.uint8, count=len(tokens))
    tstarts = np.zeros(n, dtype=np.int64)
    np.cumsum(tokens_per_seg[:-1], out=tstarts[1:])
    wcounts = np.add.reduceat(
        np.unpackbits(wc[:, None], axis=1, count=2, bitorder="little"), np.minimum(tstarts, len(tokens)), axis=0, dtype=np.int32
    )
    wcounts[tokens_per_seg == 0] = 0
    stop, act = wcounts[:, 0], wcounts[:, 1]
    cap_words, low_words = counts[:, 9], counts[:, 10]
    short = tokens_per_seg <= _SHORT_REGEX_WORDS
    X[:, 0] = np.log1p(tokens_per_seg)
    X[:, 1] = np.log1p(lens)
    X[:, 2] = (lens - tokens_per_seg + 1) / nw
    lastc = cps[np.maximum(starts + lens - 1, 0)]
    firstc = cps[starts]
    X[:, 3] = _TABLE2[lastc] & _G_FINAL
    X[:, 4] = lastc == 58
    X[:, 5] = counts[:, 11]
    X[:, 6] = stop / nw
    X[:, 7] = cap_words / nw
    X[:, 8] = counts[:, 2] / np.maximum(counts[:, 2] + counts[:, 3], 1)
    X[:, 9] = counts[:, 1] / nc
    X[:, 10] = counts[:, 4] / nc
    X[:, 11] = counts[:, 5] / nc
    X[:, 12] = counts[:, 6] / nw
    low_page = page.lower()
    X[_seg_hits(page, _WEB_SUBS, starts), 15] = 1.0
    credit = np.zeros(n, dtype=bool)
    credit[_seg_hits(low_page, _CREDIT_WORDS, starts)] = True
    credit[_seg_hits(page, _CREDIT_CASED, starts)] = True
    X[:, 16] = credit & short
    X[:, 17] = np.where(short, act, 0)
    X[:, 18] = (low_words <= stop) & (cap_words > 0)
    X[:, 19] = (_TABLE[firstc] & _F_LOWER) != 0
    X[:, 20] = (_TABLE2[firstc] & _G_BULLET) != 0
    X[:, 21] = counts[:, 12] > 0
    digits = counts[:, 1] > 0
    dayhit = np.zeros(n, dtype=bool)
    dayhit[_seg_hits(low_page, _DAY_SUBS, starts)] = True
    for i in np.flatnonzero(short & (digits | dayhit)).tolist():
        low = segments[i].lower()
        if digits[i]:
            X[i, 13] = _DATE.search(low) is not None
        X[i, 14] = _TIME.search(low) is not None
    return X, tokens_per_seg, lens


def _page_context(segments: list[str], X: np.ndarray, tokens_per_seg: np.ndarray, lens: np.ndarray) -> None:
    """Fill the POSITION, NEIGH and WINDOW columns of one page's rows (BASE columns already set)."""
    n = len(segments)
    tw = tokens_per_seg.tolist()
    o = len(BASE)
    idx = np.arange(n, dtype=np.float32)
    X[:, o + 0] = idx / max(n - 1, 1)
    X[:, o + 1] = np.log1p(idx)
    X[:, o + 2] = X[::-1, o + 1]
    X[:, o + 3] = math.log1p(n)
    X[:, o + 4] = lens / max(int(lens.max()), 1)
    tot = max(float(tokens_per_seg.sum()), 1.0)
    csum = np.cumsum(tokens_per_seg)
    X[:, o + 5] = (csum - tokens_per_seg) / tot
    bs, be = _main_block(tw)
    if bs >= 0:
        X[bs : be + 1, o + 6] = 1.0
        X[:bs, o + 7] = np.log1p(bs - idx[:bs])
        X[be + 1 :, o + 8] = np.log1p(idx[be + 1 :] - be)
        X[:, o + 9] = np.clip((idx - bs) / max(be - bs, 1), -1, 2)
        X[:, o + 10] = (csum[be] - csum[bs] + tokens_per_seg[bs]) / tot
    else:
        X[:, o + 7] = X[:, o + 1]
        X[:, o + 8] = X[:, o + 2]
        X[:, o + 9] = -1
    long_ = tokens_per_seg >= _LONG_WORDS
    nlong = max(int(long_.sum()), 1)
    cl = np.cumsum(long_)
    X[:, o + 11] = (cl - long_) / nlong
    X[:, o + 12] = (cl[-1] - cl) / nlong
    if len(set(segments)) < n:
        counts_: dict[str, int] = {}
        for s in segments:
            counts_[s] = counts_.get(s, 0) + 1
        X[:, o + 13] = [min(counts_[s] - 1, 3) for s in segments]
    if not long_.all():
        edges = np.flatnonzero(np.diff(np.concatenate(([0], (~long_).astype(np.int8), [0]))))
        run = np.zeros(n, dtype=np.float32)
        for a, b in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):  # run starts and ends pair up
            run[a:b] = b - a
        X[:, o + 14] = np.log1p(run)
    o += len(POSITION)
    k = len(NEIGH_BASE)
    padded = np.full((n + 4, k), -1.0, dtype=np.float32)
    padded[2 : n + 2] = X[:, _NB_IDX]
    X[:, o : o + k] = padded[1 : n + 1]
    X[:, o + k : o + 2 * k] = padded[3 : n + 3]
    X[:, o + 2 * k : o + 3 * k] = padded[0:n]
    X[:, o + 3 * k : o + 4 * k] = padded[4 : n + 4]
    o += 4 * k
    lo = np.maximum(np.arange(n) - 2, 0)
    hi = np.minimum(np.arange(n) + 2, n - 1)
    cs = np.concatenate([np.zeros((1, 2), np.float32), np.cumsum(X[:, [0, 3]], axis=0)])
    X[:, o : o + 2] = (cs[hi + 1] - cs[lo]) / (hi - lo + 1)[:, None]
