"""The boilerplate cleaner: strips what the rule registry recognises, records every removed span
with its rule id, and turns what the removed text reveals into provenance fields.

Whole-line rules of scope `line` fire anywhere; `head` and `tail` rules fire only inside the
leading / trailing run of lines that are all boilerplate (so a generic pattern, such as a tag
line, can never eat a body paragraph in the middle of a story). Inline rules cut a span and
keep the rest of the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from transforms.records import CleanArticle, ParsedArticle, Removed
from transforms.rules import Rule, RuleSet

MAX_RULE_LINE_CHARS = 2000  # the longest real boilerplate line is ~400 chars; longer lines are body
_TAG_SPLIT = re.compile(r"\s*,\s*")


@dataclass
class _Fire:
    rule: Rule
    groups: dict[str, str]


def _classify(line: str, rules: RuleSet) -> dict[str, _Fire]:
    """First matching rule per scope group for a whole line: keys 'line', 'edge'."""
    out: dict[str, _Fire] = {}
    if len(line) > MAX_RULE_LINE_CHARS:
        return out
    for rule, groups in rules.match_line(line):
        key = "line" if rule.scope == "line" else "edge:" + rule.scope
        out.setdefault(key, _Fire(rule, groups))
    return out


def _expand(value: object, groups: dict[str, str]) -> object:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: groups.get(m.group(1), ""), value).strip()
    return value


def clean_article(parsed: ParsedArticle, rules: RuleSet) -> CleanArticle:
    """Strip boilerplate from a parsed article's paragraphs; return kept text, removed spans and provenance."""
    paras = parsed.paragraphs
    fires = [_classify(p, rules) for p in paras]
    strip: dict[int, _Fire] = {i: f["line"] for i, f in enumerate(fires) if "line" in f}
    # Leading and trailing boilerplate runs: edge rules only fire while every line so far is boilerplate.
    for order, scope in ((range(len(paras)), "head"), (range(len(paras) - 1, -1, -1), "tail")):
        for i in order:
            if i in strip:
                continue
            fire = fires[i].get("edge:" + scope)
            if fire is None:
                break
            strip[i] = fire

    removed = list(parsed.removed)
    kept: list[str] = []
    provenance: list[tuple[Rule, dict[str, str]]] = []
    for i, para in enumerate(paras):
        if i in strip:
            fire = strip[i]
            removed.append(Removed(fire.rule.id, fire.rule.kind, para, i))
            provenance.append((fire.rule, fire.groups))
            continue
        spans = rules.find_inline(para) if len(para) <= MAX_RULE_LINE_CHARS * 4 else []
        if spans:
            pieces, last = [], 0
            for rule, start, end, groups in spans:
                pieces.append(para[last:start])
                removed.append(Removed(rule.id, rule.kind, para[start:end], i))
                provenance.append((rule, groups))
                last = end
            pieces.append(para[last:])
            para = re.sub(r"[ \t]{2,}", " ", "".join(pieces)).strip()
            if not para:
                continue
        kept.append(para)

    clean = CleanArticle(parsed=parsed, paragraphs=kept, removed=removed, tags=list(parsed.tags))
    _resolve_provenance(clean, parsed, provenance)
    return clean


def _resolve_provenance(clean: CleanArticle, parsed: ParsedArticle, fired: list[tuple[Rule, dict[str, str]]]) -> None:
    """First value revealed per field, in body order. An input's own publisher field wins over text."""
    found: dict[str, object] = {}
    for rule, groups in fired:
        for key, template in rule.yields.items():
            value = _expand(template, groups)
            if key == "tags":
                clean.tags.extend(t for t in _TAG_SPLIT.split(str(value)) if t and t not in clean.tags)
            elif value not in ("", None):
                found.setdefault(key, value)
    clean.publisher = parsed.publisher or found.get("publisher")  # type: ignore[assignment]
    clean.origin_agency = found.get("origin_agency")  # type: ignore[assignment]
    clean.license = found.get("license")  # type: ignore[assignment]
    clean.syndicated = bool(found.get("syndicated", False))
