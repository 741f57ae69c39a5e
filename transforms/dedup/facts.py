"""Fact mismatch between two short texts: the guard against templated briefs. Pure, no Beam.

Wire services file briefs from one template that differ only in names and figures: a fund's
monthly payout, a company's dividend, a central bank's market operation. Two such briefs share
most 3-grams (measured on Reuters-21578 in bench/eval/labels/real_pairs.jsonl: Jaccard 0.51-0.66,
containment 0.69-0.81, gap rate 0.05-0.074, under the 0.08 gap rule) and 12 of 74 templated pairs
merged. A re-filed or corrected brief differs too, but in another way: a correction fixes one to
three figures of a table of ten or more (measured 10-21 % of its figures) and keeps every name.

So for two **short** texts (both at most `FACT_MAX_WORDS` words, a leading dateline left out: the
same results are filed from a company's town or from New York), their words are aligned
(difflib on word hashes) and the replaced words are compared position by position:

- a **name** replaced by other names (capitalised words inside a line, not months or weekdays, in
  one replaced stretch, none in common: "Franklin Michigan Insured" / "Franklin Ohio Insured"), or
  a name put into (or taken out of) another name ("Franklin Insured" / "Franklin High-Yield
  Insured": two funds); a company-form word ("Inc", "Corp") counts as no name, since a re-filing may
  add or drop one, or
- at least `MAX_CHANGED_FIGURES` of the shorter text's figures replaced by other figures
  (numbers and number words: "7.7 cts" / "7.3 cts", "six cts" / "4.5 cts")

is a fact mismatch: not a copy, whatever the overlap. Longer texts are stories, not templates: the
guard does not apply (a one-figure edit of a long copy is a copy).

A text's facts travel as `fact_tokens` bytes (uint64 per word: the word's hash with its class in
the two low bits), only for short texts: at most 8 * FACT_MAX_WORDS bytes.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

import numpy as np
import xxhash

FACT_MAX_WORDS = 120  # a brief or results table is under ~100 words; a story is longer (and its one-figure edits are copy edits)
MAX_CHANGED_FIGURES = 0.25  # a correction changes <= 21 % of a table's figures (3 of 14 measured); a template's slots >= 40 % (2 of 5)
_SEED = 0x5EED_FAC7
_OTHER, _NUMBER, _NAME = 0, 1, 2
_TOKEN = re.compile(r"\w+|[.!?:;\n-]")
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand half quarter".split()
)
_DATE_WORDS = frozenset(
    "january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept "
    "oct nov dec monday tuesday wednesday thursday friday saturday sunday".split()
)
_COMPANY_FORMS = frozenset(  # a re-filed brief adds or drops these ("Acme" / "Acme Inc"): the same company
    "inc corp co ltd plc llc lp sa ag nv se spa bv group holdings holding company the".split()
)
_BREAK = frozenset(".!?:;\n-")  # after these a capital starts a line, sentence or field: not evidence of a name
_DATELINE = re.compile(r"^[^\n]{0,80}? -{1,2} ")  # "WILTON, Conn, March 2 - ": where it was filed, not what it states


def fact_tokens(text: str) -> bytes:
    """The words of a short text with their class (figure, name, other), as uint64 bytes; b"" when the
    text has more than FACT_MAX_WORDS words (or none)."""
    # About a space per word: this many spaces (half again spare) is surely a longer text; skip the scan.
    if text.count(" ") > FACT_MAX_WORDS * 3 // 2:
        return b""
    m = _DATELINE.match(text)
    tokens = _TOKEN.findall(text[m.end() :] if m else text)
    n_words = sum(1 for t in tokens if t[0].isalnum() or t[0] == "_")
    if not n_words or n_words > FACT_MAX_WORDS:
        return b""
    out = []
    prev = "\n"
    h = xxhash.xxh3_64_intdigest
    for t in tokens:
        if t in _BREAK:
            prev = t
            continue
        low = t.lower()
        if any(c.isdigit() for c in t) or low in _NUMBER_WORDS:
            cls = _NUMBER
        elif t[0].isupper() and prev not in _BREAK and low not in _DATE_WORDS and low not in _COMPANY_FORMS:
            cls = _NAME
        else:
            cls = _OTHER
        out.append((h(low.encode("utf-8", "surrogatepass"), _SEED) & ~3) | cls)
        prev = t
    return np.asarray(out, dtype="<u8").tobytes()


def _is_name(x: int) -> bool:
    return x & 3 == _NAME


def _name_inside_name(sa: list[int], i1: int, i2: int, sb: list[int], j1: int, j2: int) -> bool:
    """An inserted (or deleted) stretch holding a name, next to a name kept on either side of it."""
    stretch, kept, at = (sb[j1:j2], sa, i1) if i1 == i2 else (sa[i1:i2], sb, j1)
    if not any(_is_name(x) for x in stretch):
        return False
    return (at > 0 and _is_name(kept[at - 1])) or (at < len(kept) and _is_name(kept[at]))


def fact_mismatch(a: bytes, b: bytes) -> bool:
    """Two short texts state different facts: a name replaced by another or put inside one, or at least
    MAX_CHANGED_FIGURES of the shorter text's figures replaced (see the module docstring).
    False when either text is not short (no fact tokens)."""
    if not a or not b:
        return False
    sa, sb = np.frombuffer(a, dtype="<u8").tolist(), np.frombuffer(b, dtype="<u8").tolist()
    figures = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(a=sa, b=sb, autojunk=False).get_opcodes():
        if op in ("insert", "delete"):
            if _name_inside_name(sa, i1, i2, sb, j1, j2):
                return True  # a name put into another name: another fund, company or place
            continue
        if op != "replace":
            continue
        names_a = {x for x in sa[i1:i2] if x & 3 == _NAME}
        names_b = {y for y in sb[j1:j2] if y & 3 == _NAME}
        if names_a and names_b and names_a.isdisjoint(names_b):
            return True  # one name put in another's place
        figures += sum(1 for x, y in zip(sa[i1:i2], sb[j1:j2], strict=False) if x & 3 == y & 3 == _NUMBER)
    shorter = sa if len(sa) <= len(sb) else sb
    total = sum(1 for x in shorter if x & 3 == _NUMBER)
    return bool(total) and figures >= MAX_CHANGED_FIGURES * total
