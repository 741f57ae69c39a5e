"""The RE2 sets only propose rules; each rule's own exact regex decides (transforms/clean/rules.py).

The sets hold relaxed patterns (long counted repeats made open-ended, relax_repeats), and the
whole-line rules are split over two sets (SECOND_SET_RULES), because one set of the exact patterns
cost 77-103 us per line (docs/boilerplate.md). That is only safe if the sets never miss a line a rule matches: the tests
here check RuleSet.match_line / find_inline against an oracle that runs each rule's exact regex
alone, with no set, on the rules' own example lines (string literals of the family tests), on the
reference lines and real page segments of ../shared when present, on random lines built around the
repeat bounds and on any text. Random lines rarely land exactly on a bound, so the relaxation is
also pinned structurally: a set pattern differs from its rule's only in the upper bounds it drops.
"""

from __future__ import annotations

import ast
import gzip
import json
import random
import re
from typing import Any

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wirestrip.transforms.clean import rules as rules_module
from wirestrip.transforms.clean.cleaner import MAX_RULE_LINE_CHARS, _probe
from wirestrip.transforms.clean.rules import (
    RELAX_REPEATS_ABOVE,
    SECOND_SET_RULES,
    RuleSet,
    _re2_options,
    load_rules,
    parse_rules,
    relax_repeats,
)

from tests.helpers import ROOT, SHARED

RULES = load_rules()
FAST = settings(deadline=None, max_examples=300, database=None, suppress_health_check=[HealthCheck.too_slow])
_EXACT: dict[str, Any] = {}


def _exact(rule) -> Any:
    rx = _EXACT.get(rule.id + rule.pattern)
    if rx is None:
        rx = _EXACT[rule.id + rule.pattern] = re2.compile(rule.regex_source, _re2_options())
    return rx


def oracle_line(rules: RuleSet, line: str) -> list[tuple[str, dict]]:
    """Every whole-line rule whose exact regex matches, in registry order: no set involved."""
    out = []
    for r in rules.line_rules:
        m = _exact(r).search(line)
        if m is not None:
            out.append((r.id, {k: v for k, v in m.groupdict().items() if v}))
    return out


def oracle_inline(rules: RuleSet, line: str) -> list[tuple[str, int, int, dict]]:
    """find_inline's spans with every inline rule tried (no set), then the same overlap resolution."""
    spans = []
    for r in rules.inline_rules:
        for m in _exact(r).finditer(line):
            if m.end() > m.start():
                spans.append((r.id, m.start(), m.end(), {k: v for k, v in m.groupdict().items() if v}))
    spans.sort(key=lambda s: (s[1], -s[2]))
    kept, last_end = [], -1
    for span in spans:
        if span[1] >= last_end:
            kept.append(span)
            last_end = span[2]
    return kept


def assert_same_as_oracle(rules: RuleSet, line: str) -> None:
    got = [(r.id, g) for r, g in rules.match_line(line)]
    want = oracle_line(rules, line)
    assert got == want, f"line rules on {line!r}: set path {[i for i, _ in got]}, exact regexes {[i for i, _ in want]}"
    got_inline = [(r.id, s, e, g) for r, s, e, g in rules.find_inline(line)]
    assert got_inline == oracle_inline(rules, line), f"inline rules on {line!r}"


def _string_literals(path) -> list[str]:
    """The string constants of a test module (f-strings' constant parts too): the rules' examples."""
    tree = ast.parse(path.read_text("utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _example_lines() -> list[str]:
    lines: set[str] = set()
    for name in ("test_boilerplate_families.py", "test_cleaner.py", "test_provenance.py", "test_learned.py"):
        for text in _string_literals(ROOT / "tests" / name):
            lines.update(part.strip() for part in text.split("\n") if part.strip())
    for name in ("disclaimers.tsv", "junk_lines.tsv"):  # real published lines, when ../shared is there
        path = SHARED / "reference" / name
        if path.is_file():
            for row in path.read_text("utf-8").splitlines()[1:]:
                lines.update(cell.strip() for cell in row.split("\t") if len(cell.strip()) > 3)
    return sorted(lines)


EXAMPLES = _example_lines()
MATCHED = [line for line in EXAMPLES if oracle_line(RULES, line) or oracle_inline(RULES, line)]


def test_the_examples_exercise_the_rules():
    fired = {i for line in MATCHED for i, *_ in oracle_line(RULES, line) + oracle_inline(RULES, line)}
    relaxed = {r.id for r in RULES.rules if relax_repeats(r.pattern) != r.pattern}
    assert len(EXAMPLES) > 300 and len(MATCHED) > 100  # 367 and 123 without ../shared, 691 and 227 with it
    assert len(fired & relaxed) >= 0.5 * len(relaxed), sorted(relaxed - fired)  # 47 of 72 without ../shared, 66 with it


@pytest.mark.parametrize("line", EXAMPLES)
def test_sets_agree_with_the_exact_regexes_on_every_example(line):
    assert_same_as_oracle(RULES, line)
    assert_same_as_oracle(RULES, _probe(f"{line}\u00a0"))


_FILLER = st.sampled_from(
    "the port said on Monday AP Photo ( ) / . , ; : - — by staff and contributed writers reporters to this report".split()
    + "Copyright © 2031 All rights reserved Reuters é ’ your comment function var window.x".split()
    + ["x" * 40]
)


@st.composite
def near_bound_lines(draw) -> str:
    """An example line with a run of words inserted at a word gap or repeated: long enough, often,
    to cross a rule's repeat bound (a caption's 600, a credit's 200, a slot's 40 characters)."""
    words = draw(st.sampled_from(MATCHED)).split(" ")
    at = draw(st.integers(0, len(words)))
    run = draw(st.lists(_FILLER, max_size=12))
    times = draw(st.sampled_from([1, 2, 5, 20, 60]))
    inserted = " ".join(run * times)[: draw(st.integers(0, 900))]
    line = " ".join([*words[:at], inserted, *words[at:]]) if inserted else " ".join(words)
    if draw(st.booleans()):
        line = line.upper() if draw(st.booleans()) else line.lower()
    return line[:MAX_RULE_LINE_CHARS]


@FAST
@given(near_bound_lines())
def test_sets_agree_with_the_exact_regexes_around_the_bounds(line):
    assert_same_as_oracle(RULES, line)


@FAST
@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300))
def test_sets_agree_with_the_exact_regexes_on_any_text(line):
    assert_same_as_oracle(RULES, line)


def test_a_candidate_past_the_bound_is_rejected_by_the_exact_regex():
    caption = "Dock workers walk past the idle cranes on Tuesday, March 4, 2031. (AP Photo/Ana Lima)"
    assert [r.id for r, _ in RULES.match_line(caption)] == ["credit.caption_with_photo_credit"]
    long_caption = "Dock workers walk past " + "the idle cranes " * 40 + "on Tuesday. (AP Photo/Ana Lima)"  # > 600 chars before the credit
    caption_rule = next(r for r in RULES.line_rules if r.id == "credit.caption_with_photo_credit")
    one = re2.Set.FullMatchSet(_re2_options())
    one.Add(caption_rule.set_source)
    one.Compile()
    assert one.Match(long_caption)  # the relaxed set proposes it...
    assert "credit.caption_with_photo_credit" not in [r.id for r, _ in RULES.match_line(long_caption)]  # ...its bound says no
    assert_same_as_oracle(RULES, long_caption)


def test_real_page_segments_when_shared_is_present():
    paths = [SHARED / "corpora" / "real-pages" / f"{c}.segments.jsonl.gz" for c in ("l3s-gn1", "dragnet")]
    if not all(p.is_file() for p in paths):
        pytest.skip("../shared/corpora/real-pages is absent")
    segments = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            segments += [s["text"] for line in f for s in json.loads(line)["segments"]]
    rng = random.Random(16)
    sample = rng.sample(segments, 2500) + [s for s in segments if 200 <= len(s) <= MAX_RULE_LINE_CHARS][:500]
    for seg in sample:
        assert_same_as_oracle(RULES, _probe(seg))


def test_the_second_set_names_shipped_line_rules():
    assert SECOND_SET_RULES <= {r.id for r in RULES.line_rules}


@pytest.mark.parametrize("second", [frozenset(), "all"])
def test_how_the_line_rules_are_split_over_sets_changes_no_match(monkeypatch, second):
    monkeypatch.setattr(rules_module, "SECOND_SET_RULES", frozenset(r.id for r in RULES.line_rules) if second == "all" else second)
    other = load_rules()
    for line in [*MATCHED, *EXAMPLES[:100]]:
        assert [(r.id, g) for r, g in other.match_line(line)] == [(r.id, g) for r, g in RULES.match_line(line)]


# --- relax_repeats itself -------------------------------------------------------------------------
_BOUND = re.compile(r"\{([0-9]+),([0-9]*)\}")


def test_shipped_set_sources_have_no_long_counted_repeat_and_differ_only_in_bounds():
    for r in RULES.rules:
        relaxed = relax_repeats(r.pattern)
        assert all(not n or int(n) <= RELAX_REPEATS_ABOVE for _, n in _BOUND.findall(relaxed)), r.id  # the set stays fast
        assert _BOUND.sub(r"{\1,}", relaxed) == _BOUND.sub(r"{\1,}", r.pattern), r.id
        assert r.set_source.endswith(f"(?:{relaxed})")


@pytest.mark.parametrize(
    "pattern,relaxed",
    [
        (r".{10,600}?x", r".{10,}?x"),
        (r"a{1,5}b{0,11}c{2,}d{3}", r"a{1,5}b{0,}c{2,}d{3}"),
        (r"[{2,30}]x", r"[{2,30}]x"),  # braces in a class are characters
        (r"[]{1,40}]y[^]{1,40}]", r"[]{1,40}]y[^]{1,40}]"),  # ']' first in a class is a character
        (r"[[:alpha:]{1,40}]{1,40}", r"[[:alpha:]{1,40}]{1,}"),
        (r"\p{Greek}{1,40}\pL{2,20}", r"\p{Greek}{1,}\pL{2,}"),
        (r"\x{7B}{1,40}", r"\x{7B}{1,}"),
        (r"\{1,40}", r"\{1,40}"),  # an escaped brace is a character
        (r"\\{1,40}", r"\\{1,}"),  # an escaped backslash, then a repeat
        (r"\Qa{1,40}\E", r"\Qa{1,40}\E"),  # quoted text: left exact
        ("a{\u0661,\u0662\u0660}", "a{\u0661,\u0662\u0660}"),  # RE2 counts in ASCII digits only
        (r"[a-z", r"[a-z"),  # not a pattern: left as it is
    ],
)
def test_relax_repeats_touches_counted_repeats_only(pattern, relaxed):
    assert relax_repeats(pattern) == relaxed


USER_RULES = """
version: "t1"
rules:
  - {id: u.class_braces, family: t, kind: junk, scope: line, reason: t, pattern: '[{}]{2,40}\\s+(?:x|y){1,3}[\\p{Lu}]{0,30}'}
  - {id: u.unicode, family: t, kind: junk, scope: line, reason: t, pattern: '\\pL{3,12}\\x{2014}\\s*[^.]{2,15}\\.'}
  - {id: u.escaped_brace, family: t, kind: junk, scope: line, reason: t, pattern: 'a\\{2,30\\}b{0,12}'}
  - {id: u.inline, family: t, kind: junk, scope: inline, reason: t, pattern: '\\s*\\[[^\\]]{1,20}\\]'}
"""


@pytest.mark.parametrize(
    "line,fires",
    [
        ("{}{} x", ["u.class_braces"]),
        ("{" * 40 + " yyyAB", ["u.class_braces"]),
        ("{" * 41 + " x", []),  # past the bound: the relaxed set proposes it, the rule says no
        ("Résumé—abc.", ["u.unicode"]),
        ("Résumé—" + "a" * 15 + ".", ["u.unicode"]),
        ("Résumé—" + "a" * 16 + ".", []),
        ("a{2,30}b", ["u.escaped_brace"]),
        ("a{2,30}" + "b" * 13, []),
        ("kept [note] kept", ["u.inline"]),
        ("kept [" + "n" * 21 + "] kept", []),
        ("[a][b]", ["u.inline"]),
    ],
)
def test_user_rules_with_awkward_syntax_match_as_their_exact_regexes(line, fires):
    rules, version = parse_rules(USER_RULES, "user.yaml")
    assert all(relax_repeats(r.pattern) != r.pattern for r in rules)
    rs = RuleSet(rules, version)
    assert sorted({i for i, *_ in oracle_line(rs, line) + oracle_inline(rs, line)}) == fires
    assert_same_as_oracle(rs, line)
