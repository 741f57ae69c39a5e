"""The boilerplate rule registry: rules are data (YAML), compiled with RE2 so every pattern runs
in time linear in the line, whatever the input. A pattern RE2 cannot compile is an error.

A rule:
    id:       unique, lower-case ([a-z0-9_.:-]+); recorded in `removed` when it fires
    family:   the real-world family it covers (e.g. "NDTV syndication")
    kind:     what the removed text is (see KINDS)
    pattern:  RE2 pattern; case-insensitive unless case_sensitive: true
    scope:    line   - a whole line, anywhere in the body
              head   - a whole line, only in the leading run of boilerplate lines
              tail   - a whole line, only in the trailing run of boilerplate lines
              edge   - a whole line, in the leading or the trailing run (head or tail)
              menu   - a whole line, in a run of MENU_RUN (cleaner.py) consecutive menu lines, or
                       in the leading or trailing run (a site's menu, one label a line)
              inline - a span inside a line (the rest of the line is kept)
    yields:   provenance the match reveals: publisher, origin_agency, license, syndicated, tags,
              credited (names), holder (a copyright holder or source: an agency becomes
              origin_agency, anything else a publisher candidate); values may name the
              pattern's groups as {group}
    reason:   one line: why this is boilerplate and not body
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import re2
import xxhash
import yaml

KINDS = frozenset(
    {
        "disclaimer",
        "copyright",
        "agency_credit",
        "reporting_credit",
        "republish_note",
        "photo_credit",
        "junk",
        "related_links",
        "newsletter",
        "social",
        "ad",
        "tag_line",
        "byline",
        "dateline",
        "repeated_title",
        "learned",
    }
)
SCOPES = frozenset({"line", "head", "tail", "edge", "menu", "inline"})
YIELDS = frozenset({"publisher", "origin_agency", "license", "syndicated", "tags", "credited", "holder"})
_ID = re.compile(r"^[a-z0-9_.:\-]+$")
_RULE_KEYS = frozenset({"id", "family", "kind", "pattern", "scope", "yields", "reason", "case_sensitive"})
BUILTIN_RULES = "builtin.yaml"
# Whole-line rules matched in a second RE2 set, apart from the others. Each can run over a whole line
# of prose before the words it looks for (a leading `.{10,600}?`, `.*`, `[^.()]{2,200}?`, `[^\n]{0,120}`),
# and in one DFA with the other rules their positions multiply its states. Chosen by measurement
# (docs/boilerplate.md): with the repeats relaxed, the one set cost 6.4-7.8 us per line once warm
# (15 in its first 20,000 lines) and its DFA grew to ~60 MiB; the two sets cost 4.5-4.8 us together
# (8 cold), ~28 MiB. No other single rule moved apart gained beyond noise. Which set a rule is in
# never changes what matches: each set reports its own rules, merged back into registry order.
SECOND_SET_RULES = frozenset(
    {
        "credit.caption_with_photo_credit",
        "chrome.script",
        "chrome.comment_form_status",
        "credit.writers_contributed",
        "credit.contributed_to_report",
    }
)


class RuleError(ValueError):
    """A rule file or rule is invalid; the message says which and why."""


@dataclass(frozen=True)
class Rule:
    """One validated rule; `regex` is its compiled RE2 pattern."""

    id: str
    family: str
    kind: str
    pattern: str
    scope: str
    reason: str
    yields: dict[str, Any] = field(default_factory=dict)
    case_sensitive: bool = False

    @property
    def set_source(self) -> str:
        """The pattern's candidate form for a set: flags, no anchors (a full-match set anchors both
        ends; an inline rule's search set finds spans anywhere), long counted repeats open-ended
        (see relax_repeats). It matches every line the rule matches, and maybe a few more: a set
        only proposes rules; each rule's own regex (regex_source) decides."""
        return self.unanchored(relax_repeats(self.pattern))

    def unanchored(self, pattern: str) -> str:
        """`pattern` (this rule's, relaxed or not) with the rule's flags, as a set member: no anchors."""
        flags = "" if self.case_sensitive else "(?i)"
        return f"{flags}(?:{pattern})"

    @property
    def regex_source(self) -> str:
        flags = "" if self.case_sensitive else "(?i)"
        if self.scope == "inline":
            return f"{flags}(?:{self.pattern})"
        return f"{flags}^(?:{self.pattern})$"


@dataclass
class RuleSet:
    """Rules compiled for matching: RE2 sets find the candidate rules of a line in one pass each (the
    whole-line rules in two sets, see SECOND_SET_RULES; the inline rules in one), with relaxed
    patterns that match a superset of each rule's lines (see relax_repeats); each candidate's own
    exact regex then decides whether it matches and gives its groups."""

    rules: list[Rule]
    version: str

    def __post_init__(self) -> None:
        self.line_rules = [r for r in self.rules if r.scope != "inline"]
        self.inline_rules = [r for r in self.rules if r.scope == "inline"]
        # Compiled on first use: Beam unpickles a copy of the rules for every DoFn instance, and
        # most never match a line (the driver's, the learned pass's); a rule's own program is only
        # needed once the set says it matched.
        self._line_sets: list[tuple[Any, list[int]]] | None = None  # (set, its rules' indices in line_rules)
        self._inline_set = None
        self._line_regex: dict[int, Any] = {}
        self._inline_regex: dict[int, Any] = {}

    def __getstate__(self) -> dict:
        # RE2 objects do not pickle; Beam ships the rules as data and recompiles on the worker.
        return {"rules": self.rules, "version": self.version}

    def __setstate__(self, state: dict) -> None:
        self.rules, self.version = state["rules"], state["version"]
        self.__post_init__()

    def _regex(self, cache: dict[int, Any], rules: list[Rule], i: int) -> Any:
        regex = cache.get(i)
        if regex is None:
            regex = cache[i] = re2.compile(rules[i].regex_source, _re2_options())
        return regex

    def match_line(self, line: str) -> list[tuple[Rule, dict[str, str]]]:
        """Whole-line rules matching `line`, in registry order, with their named groups."""
        if not self.line_rules:
            return []
        if self._line_sets is None:
            self._line_sets = self._compile_line_sets()
        hits = sorted(index[j] for rset, index in self._line_sets for j in rset.Match(line) or ())
        out = []
        for i in hits:
            # The set proposes, the exact regex decides: a relaxed repeat may propose a line the rule's bound rejects.
            m = self._regex(self._line_regex, self.line_rules, i).search(line)
            if m is not None:
                out.append((self.line_rules[i], {k: v for k, v in m.groupdict().items() if v}))
        return out

    def _compile_line_sets(self) -> list[tuple[Any, list[int]]]:
        second = [i for i, r in enumerate(self.line_rules) if r.id in SECOND_SET_RULES]
        first = [i for i, r in enumerate(self.line_rules) if r.id not in SECOND_SET_RULES]
        return [(_compile_set([self.line_rules[i] for i in index]), index) for index in (first, second) if index]

    def find_inline(self, line: str) -> list[tuple[Rule, int, int, dict[str, str]]]:
        """Non-overlapping inline spans in `line`: (rule, start, end, groups), left to right."""
        if not self.inline_rules:
            return []
        if self._inline_set is None:
            self._inline_set = _compile_set(self.inline_rules)
        spans = []
        for i in sorted(self._inline_set.Match(line) or ()):
            for m in self._regex(self._inline_regex, self.inline_rules, i).finditer(line):
                if m.end() > m.start():
                    spans.append((self.inline_rules[i], m.start(), m.end(), {k: v for k, v in m.groupdict().items() if v}))
        spans.sort(key=lambda s: (s[1], -s[2]))
        kept, last_end = [], -1
        for span in spans:
            if span[1] >= last_end:
                kept.append(span)
                last_end = span[2]
        return kept


def _re2_options() -> Any:
    opts = re2.Options()
    opts.log_errors = False  # errors are raised as RuleError with the rule id instead
    opts.max_mem = 64 << 20  # bounds the compiled program; real rules need far less
    return opts


# A counted repeat with a larger upper bound than this is open-ended in the sets (see relax_repeats).
RELAX_REPEATS_ABOVE = 10
_COUNTED = re.compile(r"\{([0-9]+),([0-9]+)\}")  # ASCII digits: RE2 reads no others as a count


def relax_repeats(pattern: str, above: int = RELAX_REPEATS_ABOVE) -> str:
    r"""`pattern` with every counted repeat {m,n} whose n exceeds `above` made open-ended ({m,}).

    Why: RE2 runs a set as one DFA whose states are sets of all its patterns' positions; a bounded
    repeat such as `.{10,600}?` or `[^.()]{2,200}?` has a position per count, so on prose nearly
    every byte makes a new state, the state cache fills and is flushed over and over: the one line
    set of exact patterns cost 77-103 us per line, relaxed 6.5 (docs/boilerplate.md). The relaxed
    pattern matches every string the exact one matches (a larger repeat count only adds matches:
    RE2 has no lookaround, backreference or complement to turn that around) and the bound is
    checked by the rule's own exact regex, which confirms every candidate a set proposes, so
    results do not change.

    A plain scan, not a parse: backslash escapes (with \p{..}, \x{..}) and character classes (with
    [:name:]) are copied unchanged, so a brace in them is never taken for a repeat; a pattern
    quoting with \Q...\E is returned unchanged.
    """
    if "\\Q" in pattern:
        return pattern
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            end = _escape_end(pattern, i)
        elif c == "[":
            end = _class_end(pattern, i)
        elif c == "{" and (m := _COUNTED.match(pattern, i)) and int(m.group(2)) > above:
            out.append(f"{{{m.group(1)},}}")
            i = m.end()
            continue
        else:
            end = i + 1
        if end < 0:
            return pattern  # not a pattern this scan understands (RE2 rejects it anyway): keep it exact
        out.append(pattern[i:end])
        i = end
    return "".join(out)


def _escape_end(pattern: str, i: int) -> int:
    """End of the escape at pattern[i] == '\\' (its braces included), or -1."""
    if i + 1 >= len(pattern):
        return -1
    if pattern[i + 1] in "pPx" and pattern.startswith("{", i + 2):
        close = pattern.find("}", i + 3)
        return close + 1 if close > 0 else -1
    return i + 2


def _class_end(pattern: str, i: int) -> int:
    """End of the character class opening at pattern[i] == '[', or -1 (RE2's class syntax: a ']'
    first, after the optional '^', is a literal; [:name:] and escapes may hold a ']')."""
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):
        j += 1
    while j < len(pattern):
        c = pattern[j]
        if c == "]":
            return j + 1
        if c == "\\":
            j = _escape_end(pattern, j)
            if j < 0:
                return -1
        elif pattern.startswith("[:", j) and (close := pattern.find(":]", j + 2)) > 0:
            j = close + 2
        else:
            j += 1
    return -1


def _compile_set(rules: list[Rule]) -> Any:
    opts = _re2_options()
    # Whole-line rules go in a full-match set (anchored at both ends by RE2 itself: about twice as
    # fast as searching for ^...$); inline rules in a search set. Either proposes candidate rules
    # (relaxed patterns, see relax_repeats); the caller confirms each with the rule's exact regex.
    whole = bool(rules) and rules[0].scope != "inline"
    rset = re2.Set.FullMatchSet(opts) if whole else re2.Set.SearchSet(opts)
    for i, r in enumerate(rules):
        try:
            index = rset.Add(r.set_source)
        except re2.error:  # never seen: the exact pattern compiled, and relaxing only widens repeats
            index = rset.Add(r.unanchored(r.pattern))
        if index != i:
            raise RuleError(f"rule {r.id!r}: the RE2 set numbered it {index}, not {i}")
    rset.Compile()
    return rset


def validate_rule(raw: Any, where: str) -> Rule:
    """Check one rule mapping and compile its pattern with RE2; raise RuleError saying what is wrong."""
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: a rule must be a mapping, got {type(raw).__name__}")
    rid = raw.get("id")
    label = f"{where} rule {rid!r}"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise RuleError(f"{label}: unknown keys {sorted(unknown)} (allowed: {sorted(_RULE_KEYS)})")
    for key in ("id", "family", "kind", "pattern", "scope", "reason"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise RuleError(f"{label}: '{key}' is required and must be a non-empty string")
    if not _ID.match(rid):
        raise RuleError(f"{label}: id must match {_ID.pattern}")
    if raw["kind"] not in KINDS:
        raise RuleError(f"{label}: kind {raw['kind']!r} is not one of {sorted(KINDS)}")
    if raw["scope"] not in SCOPES:
        raise RuleError(f"{label}: scope {raw['scope']!r} is not one of {sorted(SCOPES)}")
    yields = raw.get("yields") or {}
    if not isinstance(yields, dict) or set(yields) - YIELDS:
        raise RuleError(f"{label}: yields must be a mapping with keys among {sorted(YIELDS)}")
    # Scalars only: a nested value could be a YAML alias bomb, which str() would expand to gigabytes.
    if not all(isinstance(v, str | bool | int | float) for v in yields.values()):
        raise RuleError(f"{label}: yields values must be strings or booleans, not lists or mappings")
    rule = Rule(
        id=rid,
        family=raw["family"],
        kind=raw["kind"],
        pattern=raw["pattern"],
        scope=raw["scope"],
        reason=raw["reason"],
        yields=dict(yields),
        case_sensitive=bool(raw.get("case_sensitive", False)),
    )
    try:
        regex = re2.compile(rule.regex_source, _re2_options())
    except re2.error as exc:
        raise RuleError(f"{label}: RE2 cannot compile the pattern ({exc}); lookarounds and backreferences are not allowed") from None
    for value in yields.values():
        for name in re.findall(r"\{(\w+)\}", str(value)):
            if name not in regex.groupindex:
                raise RuleError(f"{label}: yields names group {{{name}}} that the pattern does not define")
    return rule


def parse_rules(text: str, source: str) -> tuple[list[Rule], str]:
    """Parse and validate a rule file's text; return its rules and declared version."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise RuleError(f"{source}: expected a mapping with a 'rules' list")
    if not isinstance(doc.get("version"), str | int | float | None):  # scalar: never str() a nested (alias-bomb) value
        raise RuleError(f"{source}: 'version' must be a string")
    version = str(doc.get("version") or xxhash.xxh3_64_hexdigest(text.encode())[:8])
    rules = [validate_rule(r, source) for r in doc["rules"]]
    return rules, version


def load_rules(extra_files: list[tuple[str, str]] | None = None) -> RuleSet:
    """The shipped registry plus users' rule files given as (name, text); ids must stay unique.

    rules_version is the shipped version, followed by '+<hash>' of each user file's text.
    """
    text = resources.files("wirestrip.transforms.clean.rule_data").joinpath(BUILTIN_RULES).read_text("utf-8")
    rules, version = parse_rules(text, f"shipped {BUILTIN_RULES}")
    for name, extra in extra_files or []:
        more, _ = parse_rules(extra, name)
        rules.extend(more)
        version += "+" + xxhash.xxh3_64_hexdigest(extra.encode())[:8]
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise RuleError(f"rule id {r.id!r} is defined twice")
        seen.add(r.id)
    return RuleSet(rules=rules, version=version)
