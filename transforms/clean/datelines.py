"""Datelines and bylines at the start of a story.

    TORONTO (AP) — ...                     city, agency
    AUSTIN, Texas (AP) — ...               city, region, agency
    New Delhi [India], Mar 5 (ANI): ...    city, country, date, agency
    PARIS, Jan 1 (AFP) - ...               city, date, agency
    By Jeff Mason. ABOARD AIR FORCE ONE (Reuters) - ...       byline glued to the dateline
    By Shirish B Pradhan Kathmandu, Oct 17 (PTI) ...          byline glued, no separator
    TURNBERRY/GLASGOW, Scotland — ...      city only (no agency printed: origin_agency stays null)
    SALVADOR, Feb 26 - ...                 city, date (Reuters' 1980s wire: the agency signs off at the end)
    (Reuters) - Shares of ...              agency only (no place)

The dateline is part of the story and stays in the body; only a byline glued in front of it is
cut (it fills `byline`). The agency comes only from a known agency token in the parentheses, so
a sentence that merely mentions "(AP)" is never read as a dateline: everything before the tag
must look like a place (capitalised words, a region, a date), not prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import re2
from wirestrip.transforms.clean.agencies import DATELINE_TAGS, canonical_agency

MAX_HEAD_CHARS = 160  # the longest real byline + dateline prefix is ~110 chars; beyond is prose
_TAG = re2.compile(r"\(\s*(" + "|".join(re.escape(t) for t in DATELINE_TAGS) + r")\s*\)")
_AFTER_TAG = re.compile(r"^\s*(?:[-–—:]+\s*)?")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(rf"(?:,\s*|\s+){_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?\s*$")
_COUNTRY = re.compile(r"\s*\[[^\]\[]{2,40}\]\s*$")
_CAP_WORD = r"(?:[A-Z][\w.'’-]*|[A-Z]\.|de|la|el|al|of|on|upon|du|der|van|von|y|da|do|dos|das)"
_PLACE = re.compile(rf"^{_CAP_WORD}(?:[ /-]{_CAP_WORD}){{0,5}}$")
_REGION = re.compile(rf"^{_CAP_WORD}(?:[ .]{{1,2}}{_CAP_WORD}){{0,3}}\.?$")
_NO_AGENCY = re.compile(
    r"^(?P<city>[A-Z][A-Z.'’-]+(?:[ /-][A-Z][A-Z.'’-]+){0,4})(?:,\s*(?P<region>[A-Z][\w.'’ ]{1,30}?))?\s+(?:—|–|--)\s+\S"
)
# "SALVADOR, Feb 26 - Showers ..." (Reuters' own wire, which signs off "Reuter" at the end instead of
# tagging the dateline): an upper-case place, a date and a hyphen; the date makes a single hyphen specific.
_CITY_DATE = re.compile(
    rf"^(?P<city>[A-Z][A-Z.'’-]+(?:[ /-][A-Z][A-Z.'’-]+){{0,4}})(?:,\s*(?P<region>[A-Z][\w.'’ ]{{1,30}}?))?,\s*(?P<date>{_MONTH}\s+\d{{1,2}})\s+(?:-{{1,2}}|—|–)\s+\S"
)
# "NEW DELHI: The government ..." (Indian papers): an upper-case place and a colon, no agency.
_CAPS_COLON = re.compile(r"^(?P<city>[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3}):\s+\S")
# Words of labels that also come in capitals before a colon ("READ MORE:", "WATCH:"): never a place.
_NOT_PLACES = frozenset(
    "update updated breaking watch read more also read exclusive opinion analysis editorial photos video live note "
    "correction clarification warning disclaimer source sources advertisement related tags".split()
)
_CITY_PREFIX = frozenset(
    "new san santa los las el la le hong kuala abu buenos rio sao são st st. saint tel port cape ho kansas salt "
    "mexico panama guatemala costa sri addis dar east west north south fort grand palm baton".split()
)
# Words that open sentences, never a dateline's place (except a few places named "The ...").
_SENTENCE_STARTS = frozenset(
    "the a an this that these those it he she they we i you in on at but and or as for his her their our its "
    "mr mrs ms dr one two some many most all after before when while if".split()
)
_THE_PLACES = frozenset({"the hague", "the bronx", "the valley", "the woodlands", "the dalles"})
_NAME_SPLIT = re.compile(r"\s*(?:,|\band\b|&)\s*")


@dataclass
class Dateline:
    """What a story's opening dateline says; `cut` is the glued byline prefix to remove (0 if none)."""

    city: str | None
    agency: str | None = None
    region: str | None = None
    date: str | None = None
    byline: list[str] = field(default_factory=list)
    cut: int = 0


def _split_byline(head: str) -> tuple[list[str], str] | None:
    """'By A and B CITY' -> (['A', 'B'], 'CITY'), by the separators real bylines use."""
    body = head[3:].strip()
    words = body.split()
    caps = [w.isupper() and len(w) > 1 for w in words]
    named = [c for w, c in zip(words, caps, strict=True) if w.casefold() not in ("and", "&")]
    if named and all(named) and " and " in f" {body.casefold()} ":
        # "JONATHAN J. COOPER and SIMRAN PARWANI NEW YORK": the last name is first + initials + last.
        parts = re.split(r"\s+(?:and|AND|&)\s+", body)
        before, last = " and ".join(parts[:-1]), parts[-1]
        lw = last.split()
        i = 1
        while i < len(lw) - 1 and re.fullmatch(r"[A-Z]\.?", lw[i]):
            i += 1
        i += 1
        if i >= len(lw):
            return None
        return _names(f"{before} and {' '.join(lw[:i])}"), " ".join(lw[i:])
    sep = re.search(r"[a-z]{2}\.\s+(?=[A-Z])", body)
    if sep:  # "By Jeff Mason. ABOARD AIR FORCE ONE": a full stop after a name, not after an initial
        return _names(body[: sep.start() + 2]), body[sep.end() :]
    if not all(caps) and caps and caps[-1]:
        # Mixed-case names, upper-case city: the city is the trailing run of capitals.
        k = len(words)
        while k > 0 and caps[k - 1]:
            k -= 1
        return _names(" ".join(words[:k])), " ".join(words[k:])
    # Mixed case throughout: the city is the last word, with a prefix such as "New" or "San".
    if len(words) < 3:
        return None
    k = len(words) - 1
    while k > 1 and words[k - 1].casefold() in _CITY_PREFIX:
        k -= 1
    return _names(" ".join(words[:k])), " ".join(words[k:])


def _names(text: str) -> list[str]:
    return [n.strip(" .") for n in _NAME_SPLIT.split(text) if n.strip(" .")]


def parse_dateline(paragraph: str) -> Dateline | None:
    """The dateline that opens `paragraph`, or None when it does not open with one."""
    m = _TAG.search(paragraph[: MAX_HEAD_CHARS + 20])
    if m is not None:
        return _with_agency(paragraph, m.start(), m.group(1))
    m1 = _CITY_DATE.match(paragraph[:MAX_HEAD_CHARS])
    if m1 is not None and len(m1.group("city")) >= 3:
        return Dateline(city=m1.group("city"), region=m1.group("region"), date=m1.group("date"))
    m2 = _NO_AGENCY.match(paragraph[:MAX_HEAD_CHARS])
    if m2 is not None and len(m2.group("city")) >= 4:
        return Dateline(city=m2.group("city"), region=m2.group("region"))
    m3 = _CAPS_COLON.match(paragraph[:MAX_HEAD_CHARS])
    if m3 is not None and len(m3.group("city")) >= 3 and not set(m3.group("city").casefold().split()) & _NOT_PLACES:
        return Dateline(city=m3.group("city"))
    return None


def _with_agency(paragraph: str, tag_start: int, tag: str) -> Dateline | None:
    # A scraped table row or caption cell before it ("Photo: ... | LONDON (AP) —"): the cell the tag is in.
    head = paragraph[:tag_start].rsplit("|", 1)[-1].strip()
    if not head:  # "(Reuters) - Shares of ...": the agency's mark without a place
        return Dateline(city=None, agency=canonical_agency(tag))
    if len(head) > MAX_HEAD_CHARS:
        return None
    byline: list[str] = []
    cut = 0
    date = None
    dm = _DATE.search(head)
    if dm:
        date = dm.group(0).strip(" ,")
        head = head[: dm.start()].strip()
    head = _COUNTRY.sub("", head)
    if re.match(r"^(?:By|BY)\s", head):
        split = _split_byline(head)
        if split is None:
            return None
        byline, place_part = split
        cut = max(paragraph.rfind(place_part, 0, tag_start + 1), 0) if place_part else 0
        head = place_part
    city, _, region = head.partition(",")
    city, region = city.strip(), region.strip() or None
    first = city.split()[0].casefold() if city else ""
    if first in _SENTENCE_STARTS and not (city.isupper() and len(city.split()) > 1) and city.casefold() not in _THE_PLACES:
        return None  # "The (AP) logo was removed": a sentence, not a place
    if not city or not _PLACE.match(city) or (region is not None and not _REGION.match(region)):
        return None  # prose before the tag: a sentence that mentions an agency, not a dateline
    return Dateline(city=city, agency=canonical_agency(tag), region=region, date=date, byline=byline, cut=cut)
