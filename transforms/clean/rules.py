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
SCOPES = frozenset({"line", "head", "tail", "edge", "inline"})
YIELDS = frozenset({"publisher", "origin_agency", "license", "syndicated", "tags", "credited", "holder"})
_ID = re.compile(r"^[a-z0-9_.:\-]+$")
_RULE_KEYS = frozenset({"id", "family", "kind", "pattern", "scope", "yields", "reason", "case_sensitive"})
BUILTIN_RULES = "builtin.yaml"


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
        """The pattern for a full-match set: flags, no anchors (the set anchors both ends)."""
        return f"{'' if self.case_sensitive else '(?i)'}(?:{self.pattern})"

    @property
    def regex_source(self) -> str:
        flags = "" if self.case_sensitive else "(?i)"
        if self.scope == "inline":
            return f"{flags}(?:{self.pattern})"
        return f"{flags}^(?:{self.pattern})$"


@dataclass
class RuleSet:
    """Rules compiled for matching: one RE2 set per scope group finds candidate rules in one pass."""

    rules: list[Rule]
    version: str

    def __post_init__(self) -> None:
        self.line_rules = [r for r in self.rules if r.scope != "inline"]
        self.inline_rules = [r for r in self.rules if r.scope == "inline"]
        # Compiled on first use: Beam unpickles a copy of the rules for every DoFn instance, and
        # most never match a line (the driver's, the learned pass's); a rule's own program is only
        # needed once the set says it matched.
        self._line_set = self._inline_set = None
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
        if self._line_set is None:
            self._line_set = _compile_set(self.line_rules)
        hits = sorted(self._line_set.Match(line) or ())
        out = []
        for i in hits:
            m = self._regex(self._line_regex, self.line_rules, i).search(line)
            if m is not None:
                out.append((self.line_rules[i], {k: v for k, v in m.groupdict().items() if v}))
        return out

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


def _compile_set(rules: list[Rule]) -> Any:
    opts = _re2_options()
    # Whole-line rules go in a full-match set (anchored at both ends by RE2 itself: about twice as
    # fast as searching for ^...$); inline rules in a search set.
    whole = bool(rules) and rules[0].scope != "inline"
    rset = re2.Set.FullMatchSet(opts) if whole else re2.Set.SearchSet(opts)
    for r in rules:
        rset.Add(r.set_source if whole else r.regex_source)
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
