"""The boilerplate cleaner: strips what the rule registry (and, optionally, the lines learned from
the corpus) recognises, records every removed span with its rule id, and turns what the removed
text and the dateline reveal into provenance fields.

Whole-line rules of scope `line` fire anywhere; `head`, `tail` and `edge` rules, and learned
lines, fire only inside the leading / trailing run of lines that are all boilerplate (so a
generic pattern, such as a tag line, can never eat a body paragraph in the middle of a story);
`menu` rules (a section label such as "News") fire there too, and in a run of MENU_RUN menu lines
anywhere.
Inline rules cut a span and keep the rest of the line. The dateline stays in the body; a byline
glued in front of it is cut and fills `byline`.

Third evidence, after rules and learned lines: the segment classifier (segment_model.py) scores
every paragraph on the whole page as parsed; a paragraph no rule took is removed when its score
reaches the model's threshold (chosen for precision) and it stands in the page's edges, before the
story's first long paragraph or after its last (never the dateline paragraph); between those, off
the story's main block (`story_block`), only at a near-certain score. Uncertain paragraphs stay and
are counted. Long paragraphs that a rule or the model itself takes (a reader
comment, a legal footer) do not bound the story. With `model_on="pages"` (the default) the model
looks only at a record whose rules found a site's interface on PAGE_CHROME_LINES lines
(`looks_like_page`): a whole scraped page; wire copy and extracted article text keep the rules and
learned lines alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from wirestrip.transforms.clean.agencies import canonical_agency, clean_name, first_agency
from wirestrip.transforms.clean.datelines import parse_dateline
from wirestrip.transforms.clean.redact import redact_text
from wirestrip.transforms.clean.rules import Rule, RuleSet
from wirestrip.transforms.clean.segment_model import UNLABELLED, SegmentModel
from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.read.publishers import site_of
from wirestrip.transforms.record_types import CleanArticle, ParsedArticle, Removed

MAX_RULE_LINE_CHARS = 2000  # the longest real boilerplate line is ~400 chars; longer lines are body
_DATELINE_PARAGRAPHS = 2  # the dateline opens the first or, after a one-line lead, the second paragraph
_LEAD_MAX_CHARS = 200  # a line before the dateline paragraph is a one-line lead or an unknown widget, never longer
_MAX_NAME_WORDS = 6  # publication names are short ("The Atlanta Journal-Constitution"); longer is prose
_UNCERTAIN_SCORE = 0.5  # a kept paragraph scoring this or more is counted as uncertain (monitoring, later labelling)
HEADLINE_RULE_ID = "title.headline_at_top"  # the removal that records a headline moved from text to title
_HEADLINE_MIN_WORDS, _HEADLINE_MAX_WORDS = 2, 20  # one word is a label ("Business"); 20+ words a sentence
_HEADLINE_WORDS_SHARE = 0.7  # most tokens of a headline are words; a figures row ("Net 1.1 mln vs 829,000") is not
_SENTENCE_END = ".!?\"'”’)"  # how a prose paragraph ends
_STORY_WORDS = 15  # a paragraph of 15+ words is story prose: the model's removals stay outside the first..last such
MODEL_RULE_PREFIX = "model:"  # + the labeller's label ("model:comment"), or "boilerplate" for a model file without one
MODEL_RULE_ID = MODEL_RULE_PREFIX + UNLABELLED
# Inside the span of long paragraphs but off the main story block (story_block), the model removes
# only at this score: on held-out real pages L3S-GN1 R 0.741 -> 0.761 at the same body lost, where
# the fold threshold (~0.98) there would cost 1.2% of body (lists under a story). docs/segment_model.md
_BAND_SCORE = 0.998
_BLOCK_MID = 0.9  # a paragraph scoring under this counts for the story block, over it against
MODEL_ON = ("pages", "all")  # where the segment classifier looks: records that look like a scraped page, or every record
# Two lines of a site's interface (a menu run, utility or share labels, a comment box, a blog's
# archive widget, script code) mark a whole scraped page: on the real pages 327 of 399 (L3S-GN1) and
# 901 of 960 (Dragnet) have them, holding 91% and 98% of their boilerplate; none of the 2,225 BBC
# bodies or the 1,697 generated posts of eval-clean has even one. Stamps ("Updated"), gallery
# counters ("1 of 2") and separators ("* * *") are printed in wire copy too: they do not count.
PAGE_CHROME_LINES = 2
PAGE_CHROME_RULES = frozenset(
    {
        "chrome.utility_labels",
        "chrome.section_menu",
        "chrome.comment_widget",
        "chrome.comment_form_status",
        "chrome.blog_archive",
        "chrome.script",
    }
)
# RE2's \s is ASCII: scraped text is full of no-break and thin spaces. Rules match a copy with
# those mapped to ' ' (one character for one, so span offsets hold); the text itself is kept as is.
_ODD_SPACE = re.compile("[\u00a0\u2002\u2003\u2007\u2009\u200a\u202f\u3000\t]")


def _probe(line: str) -> str:
    """`line` with odd spaces as ' ', for matching only (most lines have none: no copy then)."""
    return _ODD_SPACE.sub(" ", line) if _ODD_SPACE.search(line) else line


_TAG_SPLIT = re.compile(r"\s*,\s*")
_SCOPES_AT = {"head": ("head", "edge", "menu"), "tail": ("tail", "edge", "menu")}
MENU_RUN = 3  # a menu label ("News", "Sport") alone can be a story's subhead; three in a row are a menu (real pages: P 1.000 / 0.999)

# origin_agency: the strongest statement wins; ties go to the first in body order.
# A dateline is the agency's own mark on its copy; credits and sign-offs name the agency's staff;
# republish notes name the original; a disclaimer's slot or a copyright holder is the weakest.
_AGENCY_PRIORITY = {"dateline": 0, "agency_credit": 1, "reporting_credit": 1, "byline": 1, "republish_note": 2, "disclaimer": 3}
_HOLDER_PRIORITY = 4


@dataclass
class _Fire:
    rule_id: str
    kind: str
    rule: Rule | None
    groups: dict[str, str]
    score: float | None = None


# Learned lines: given a paragraph, the rule id ("learned:<hash>") if the corpus learned it, else None.
LearnedLookup = Callable[[str], str | None]


def _classify(line: str, rules: RuleSet) -> dict[str, _Fire]:
    """First matching rule per scope for a whole line: keys 'line', 'head', 'tail', 'edge'."""
    out: dict[str, _Fire] = {}
    if len(line) > MAX_RULE_LINE_CHARS:
        return out
    for rule, groups in rules.match_line(_probe(line)):
        out.setdefault(rule.scope, _Fire(rule.id, rule.kind, rule, groups))
    return out


def _strip_menus(fires: list[dict[str, _Fire]], strip: dict[int, _Fire]) -> None:
    """Mark every run of MENU_RUN or more consecutive lines that a `menu` rule matches (a site's
    section menu printed one label a line), wherever it stands."""
    start = None
    for i, f in enumerate([*fires, {}]):
        if "menu" in f:
            start = i if start is None else start
            continue
        if start is not None and i - start >= MENU_RUN:
            for k in range(start, i):
                strip.setdefault(k, fires[k]["menu"])
        start = None


def _expand(value: object, groups: dict[str, str]) -> object:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: groups.get(m.group(1), ""), value).strip()
    return value


def clean_article(
    parsed: ParsedArticle,
    rules: RuleSet,
    learned: LearnedLookup | None = None,
    redact: bool = False,
    model: SegmentModel | None = None,
    count: Count = no_count,
    model_on: str = "pages",
) -> CleanArticle:
    """Strip boilerplate from a parsed article's paragraphs; return kept text, removed spans and provenance.

    `learned` recognises corpus-learned boilerplate lines (edge runs only); `redact` masks e-mail
    addresses and phone numbers in the removed texts; `model` is the segment classifier (None: rules
    and learned lines only), applied to the records that look like a scraped page (`model_on`
    "pages") or to every record ("all").
    """
    if model_on not in MODEL_ON:
        raise ValueError(f"model_on must be one of {MODEL_ON}, not {model_on!r}")
    paras = parsed.paragraphs
    fires = [_classify(p, rules) for p in paras]
    strip: dict[int, _Fire] = {i: f["line"] for i, f in enumerate(fires) if "line" in f}
    _strip_menus(fires, strip)
    # Leading and trailing boilerplate runs: edge rules and learned lines only fire while every
    # line so far from that edge is boilerplate.
    for order, edge in ((range(len(paras)), "head"), (range(len(paras) - 1, -1, -1), "tail")):
        for i in order:
            if i in strip:
                continue
            fire = next((fires[i][s] for s in _SCOPES_AT[edge] if s in fires[i]), None)
            if fire is None and learned is not None:
                rid = learned(paras[i])
                fire = _Fire(rid, "learned", None, {}) if rid else None
            if fire is None:
                break
            strip[i] = fire
    if model is not None and paras:
        if model_on == "all" or looks_like_page(strip):
            _classify_segments(paras, model, strip, count)
        else:
            count("segments.model_not_page")  # no page chrome: wire copy or extracted text, rules only

    removed = list(parsed.removed)
    kept: list[str] = []
    kept_pos: list[int] = []
    fired: list[tuple[_Fire, int]] = []
    for i, para in enumerate(paras):
        if i in strip:
            fire = strip[i]
            removed.append(Removed(fire.rule_id, fire.kind, para, i, fire.score))
            fired.append((fire, i))
            continue
        spans = rules.find_inline(_probe(para)) if len(para) <= MAX_RULE_LINE_CHARS * 4 else []
        if spans:
            pieces, last = [], 0
            for rule, start, end, groups in spans:
                pieces.append(para[last:start])
                removed.append(Removed(rule.id, rule.kind, para[start:end], i))
                fired.append((_Fire(rule.id, rule.kind, rule, groups), i))
                last = end
            pieces.append(para[last:])
            para = re.sub(r"[ \t]{2,}", " ", "".join(pieces)).strip()
            if not para:
                continue
        kept.append(para)
        kept_pos.append(i)

    title = parsed.title
    if title is None and headline_at_top(kept):
        removed.append(Removed(HEADLINE_RULE_ID, "title", kept[0], kept_pos[0]))
        count("clean.headline_to_title")
        title, kept, kept_pos = kept[0], kept[1:], kept_pos[1:]
    clean = CleanArticle(parsed=parsed, paragraphs=kept, removed=removed, tags=list(parsed.tags), title=title)
    clean.byline = list(parsed.byline)
    clean.dateline_city = parsed.dateline_city
    agency_candidates: list[tuple[int, int, str, str]] = []  # (priority, position, agency, rule id)
    for k in range(min(_DATELINE_PARAGRAPHS, len(kept))):
        if k and len(kept[k - 1]) > _LEAD_MAX_CHARS:
            break  # the first paragraph is a story paragraph: a later "(AP)" is in the story, not a dateline
        dl = parse_dateline(kept[k])
        if dl is None:
            continue
        if dl.cut:
            removed.append(Removed("dateline.glued_byline", "byline", kept[k][: dl.cut].strip(), kept_pos[k]))
            kept[k] = kept[k][dl.cut :]
        clean.dateline_city = clean.dateline_city or dl.city
        for name in dl.byline:
            if name not in clean.byline:
                clean.byline.append(name)
        if dl.agency:
            agency_candidates.append((_AGENCY_PRIORITY["dateline"], kept_pos[k], dl.agency, "dateline"))
        break
    _resolve_provenance(clean, parsed, fired, agency_candidates)
    model_removed = [(r.position, r.text) for r in removed if r.kind == "model"]
    if model_removed:  # what dedup compares (never written): the model's removals back in their places
        clean.text_before_model = "\n\n".join(t for _, t in sorted([*zip(kept_pos, kept, strict=True), *model_removed]))
    if redact:
        clean.removed = [Removed(r.rule_id, r.kind, redact_text(r.text), r.position, r.score) for r in clean.removed]
    return clean


def headline_at_top(paras: list[str]) -> bool:
    """Whether the first paragraph of a text with no title is its headline: short (2-20 words), mostly
    words (not a table row such as "Shr 45 cts vs 58 cts"), no closing full stop, and either printed
    again later or followed by a paragraph of prose. A dump without a title column keeps it there."""
    if len(paras) < 2:
        return False  # a lone paragraph is the text, whatever it looks like
    first = paras[0].strip()
    words = first.split()
    if not _HEADLINE_MIN_WORDS <= len(words) <= _HEADLINE_MAX_WORDS or first[-1] in ".,;:…":
        return False
    if sum(any(c.isalpha() for c in w) and not any(c.isdigit() for c in w) for w in words) < _HEADLINE_WORDS_SHARE * len(words):
        return False
    if parse_dateline(first) is not None:
        return False
    folded = first.casefold()
    if any(p.strip().casefold() == folded for p in paras[1:]):
        return True
    following = paras[1].strip()
    return len(following.split()) >= _STORY_WORDS and following[-1] in _SENTENCE_END


def looks_like_page(strip: dict[int, _Fire]) -> bool:
    """Whether the rules took a site's interface (PAGE_CHROME_RULES) on PAGE_CHROME_LINES or more
    lines: a whole scraped page (menus, widgets around the story), where the segment classifier may look."""
    chrome = 0
    for fire in strip.values():
        rule = fire.rule
        if rule is not None and rule.id in PAGE_CHROME_RULES:
            chrome += 1
            if chrome >= PAGE_CHROME_LINES:
                return True
    return False


def _classify_segments(paras: list[str], model: SegmentModel, strip: dict[int, _Fire], count: Count) -> None:
    """Mark the paragraphs the classifier is sure of (score >= threshold) that no rule took, in the
    page's edges only: before the story's first long paragraph or after its last one, counting only
    long paragraphs that neither a rule nor the model takes, and the dateline paragraph (a long
    comment or legal footer at the bottom would otherwise put the whole page inside the story: on
    held-out real pages recall 0.49 -> 0.74 (L3S-GN1), body lost 0.3% -> 0.6%;
    docs/segment_model.md). Inside the story a short line is as likely a list item, a result or a
    subhead (body) as a caption, and on held-out real pages the model's removals there cost 1.5-7%
    of body segments; rules may fire there, the model only off the story's main block (story_block)
    and at _BAND_SCORE: a teaser or comment run that a stray long paragraph pulled into the span. A
    page with no long paragraph has no story to anchor: left alone."""
    long_at = [i for i, p in enumerate(paras) if len(p.split()) >= _STORY_WORDS and i not in strip]
    if not long_at:
        return
    scores, features = model.page_scores(paras)  # on the page as parsed: the features read neighbours and position
    protected = {k for k in range(min(_DATELINE_PARAGRAPHS, len(paras))) if parse_dateline(paras[k]) is not None}
    # A long paragraph the model is sure of (a comment, a legal footer, a teaser) is no anchor either;
    # the dateline paragraph always is (it opens the story, whatever its score).
    long_at = [i for i in long_at if scores[i] < model.threshold or i in protected]
    if not long_at:
        return
    first, last = long_at[0], long_at[-1]
    main = story_block([len(p.split()) for p in paras], scores.tolist())
    take: list[int] = []
    for i, score in enumerate(scores.tolist()):
        if i in strip or i in protected:
            continue
        if first <= i <= last:
            # Between the outermost long paragraphs but off the story's main block: a teaser,
            # comment or sidebar run that a long paragraph pulled into the span; only near-certain removals.
            if score >= _BAND_SCORE and main is not None and not main[0] <= i <= main[1]:
                take.append(i)
        elif score >= model.threshold:
            take.append(i)
        elif score >= _UNCERTAIN_SCORE:
            count("segments.uncertain_kept")
    for i, label in zip(take, model.labels_of(features[take]), strict=True):
        strip[i] = _Fire(f"{MODEL_RULE_PREFIX}{label}", "model", None, {}, round(float(scores[i]), 4))  # counted as removed.<rule id>


def story_block(words: list[int], scores: list[float]) -> tuple[int, int] | None:
    """The story's main block: the run of paragraphs with the highest sum of words x (_BLOCK_MID -
    score), so long paragraphs the model calls story pull it wide and sure boilerplate pushes it
    back; None when no run sums above zero (Kadane's maximum subarray)."""
    best, best_at = 0.0, None
    run, run_start = 0.0, 0
    for i, (w, s) in enumerate(zip(words, scores, strict=True)):
        gain = w * (_BLOCK_MID - s)
        if run <= 0:
            run, run_start = gain, i
        else:
            run += gain
        if run > best:
            best, best_at = run, (run_start, i)
    return best_at


def _publication_name(value: str) -> str | None:
    """A captured name that reads as a publication ('The Conversation', 'Consortiumnews.com'), else None:
    'the novel by Jane Austen' in "Adapted from the novel by ..." names no publisher."""
    name = clean_name(value)
    if not name or len(name.split()) > _MAX_NAME_WORDS or not (name[0].isupper() or name[0].isdigit()):
        return None
    return name


def _resolve_provenance(
    clean: CleanArticle, parsed: ParsedArticle, fired: list[tuple[_Fire, int]], agency_candidates: list[tuple[int, int, str, str]]
) -> None:
    """publisher, origin_agency (with the deciding rule id), republished_from, license, syndicated, tags, byline.

    publisher: the input's own publisher field, else a disclaimer's name, else the site of the
    article's URL, else a copyright holder. An agency is only ever a name the text states.
    """
    publishers: list[tuple[float, int, str]] = []
    found: dict[str, object] = {}
    for fire, pos in fired:
        if fire.rule is None:
            continue
        kind_rank = _AGENCY_PRIORITY.get(fire.kind, 3)
        for key, template in fire.rule.yields.items():
            value = _expand(template, fire.groups)
            if value in ("", None):
                continue
            if key == "tags":
                clean.tags.extend(t for t in _TAG_SPLIT.split(str(value)) if t and t not in clean.tags)
            elif key == "credited":
                if fire.kind == "byline" and value != "true":
                    for name in re.split(r"\s*(?:,|\band\b)\s*", str(value)):
                        if name and name not in clean.byline and canonical_agency(name) is None:
                            clean.byline.append(name)
                        elif name and canonical_agency(name):
                            agency_candidates.append((1, pos, canonical_agency(name), fire.rule_id))  # "By Reuters"
            elif key == "origin_agency":
                agency = first_agency(str(value))
                if agency is None and fire.kind in ("republish_note", "copyright"):
                    # The original outlet a note or a syndication footer names ("originally appeared in
                    # The New York Times", "© CQ-Roll Call. Distributed by ...") is no agency: its own
                    # column, as printed, never origin_agency.
                    clean.republished_from = clean.republished_from or _publication_name(str(value))  # the first, in body order
                    continue
                if agency:
                    agency_candidates.append((kind_rank, pos, agency, fire.rule_id))
            elif key == "holder":
                agency = canonical_agency(str(value))
                if agency:
                    agency_candidates.append((_HOLDER_PRIORITY, pos, agency, fire.rule_id))
                elif clean_name(str(value)):
                    # A full licence footer names the rights holder; a bare "©" line may be a photo credit,
                    # and a "Source:" line a desk: both weaker.
                    strong = fire.kind == "copyright" and "license" in fire.rule.yields
                    publishers.append((2 if strong else 3, pos, clean_name(str(value))))  # type: ignore[arg-type]
            elif key == "publisher":
                name = clean_name(str(value))
                if name:
                    publishers.append((1, pos, name))
            else:
                found.setdefault(key, value)
    site = site_of(parsed.canonical_url or parsed.url)
    if site:
        publishers.append((1.5, -1, site))  # the site that served this copy: below a disclaimer's name, above a holder
    publishers.sort()
    clean.publisher = parsed.publisher or (publishers[0][2] if publishers else None)
    if agency_candidates:
        _, _, agency, rule_id = min(agency_candidates)
        clean.origin_agency, clean.origin_agency_rule = agency, rule_id
    clean.license = found.get("license")  # type: ignore[assignment]
    clean.syndicated = bool(found.get("syndicated", False)) or clean.origin_agency is not None
