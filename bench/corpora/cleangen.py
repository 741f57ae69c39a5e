"""A labelled boilerplate corpus, generated deterministically (fixed seed) at eval time from
../shared/corpora/bbc (real article bodies) and ../shared/reference (real boilerplate lines).

Nothing here is copied into the project: the generator reads ../shared when it runs. Each
generated post is a scraped-post text with every line labelled:

- body lines (the BBC paragraphs, a real agency dateline glued to the first one, hard negatives:
  body sentences that quote "All rights reserved", "(AP)", "Reuters reported", "Read more",
  "Advertisement"..., short subheads and one-sentence paragraphs);
- boilerplate lines (kind, family) at the head, at the tail and between paragraphs, with the
  real variations (any year, "written" for "rewritten", em dash or hyphen, doubled or missing
  spaces, upper case, trailing tracking hashes, parentheses dropped);
- inline boilerplate spans (a byline glued to the dateline, "Share this article:" before it);

and every article with its true publisher and origin agency *where the text states them*.
Syndicated copies of a quarter of the stories are made at other outlets: trimmed,
re-headlined, with the same quoted sentences (which must stay body).

A quarter of the reference families (chosen by a salted hash, `holdout_families`) is held out:
their lines are in the corpus like the others and are scored separately.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import xxhash
from wirestrip.transforms.clean.agencies import canonical_agency

SEED = 20261126
HOLDOUT_SALT = "holdout-v1:"
HOLDOUT_SHARE = 4  # one family in four

# Our own words: body sentences that quote boilerplate phrases inside real prose.
HARD_NEGATIVES = (
    'The agency said every advert in the campaign carried the line "All rights reserved" even where the photos were licensed.',
    "A spokesman for the Associated Press (AP) said the agency would appeal against the ruling.",
    "Reuters reported on Tuesday that the talks had stalled over the price of gas.",
    "Read more widely than your rivals, the coach told the young players before the final.",
    "Advertisement spending on television fell by a fifth last year, the industry body said.",
    "The Advertisement Standards Authority upheld two of the complaints about the poster.",
    "Copyright law protects a work for 70 years after the death of its author.",
    "The museum said the photographs, all rights reserved by the family, would go on show in May.",
    "Editors said the story was first published in a small weekly paper in 1922.",
    "Share prices rose sharply after the announcement, traders said.",
    "The newsletter, which has 40,000 readers, was sold to a rival publisher last month.",
    "Sign language interpreters will be present at every session, the council said.",
    "Related charges were dropped against two other men, prosecutors confirmed.",
    "The (AP) logo was removed from the building after the bureau closed.",
    "Source material for the film came from letters the soldier wrote home.",
    "Like the previous owners, the new board has promised to keep the club in the city.",
    "Loading the lorries took most of the night, one driver said.",
    "Click-through rates on the adverts were lower than expected.",
    "Photo booths at the station will be replaced by automatic kiosks.",
    "The material may not be enough to convince the judges, lawyers warned.",
    "Tweets from the minister's account were later deleted.",
    "Recommended by a panel of experts, the plan was approved on Monday.",
    "Published by a small press in Dublin, the novel sold only 500 copies.",
    "Reporting by local journalists exposed the scheme, the inquiry heard.",
    "Follow-up tests showed the water was safe to drink.",
)
SUBHEADS = ("Rising costs", "What happens next", "Background", "A long wait", "Next steps", "The reaction", "Key figures", "Reaction")

# The reference's abbreviations in its provenance column, spelt out as texts print them.
LABEL_NAMES = {"NYT": "The New York Times", "LA Times": "Los Angeles Times", "AJC": "The Atlanta Journal-Constitution"}
WIRE_AGENCIES = ("PTI", "IANS", "ANI", "AP", "Reuters", "AFP")
KIND_BY_JUNK_FAMILY = {"newsletter": "newsletter", "social": "social", "ads": "ad", "read more": "related_links"}
# Widgets that really appear between paragraphs (ad slots, read-more links, newsletter and share prompts).
MID_JUNK = {"ads", "read more", "newsletter", "social", "CTA", "app/CTA", "Reuters chrome"}
# Image credits sit where the picture was: between paragraphs.
MID_DISCLAIMER = ("photo", "image")


@dataclass
class RefLine:
    """One real boilerplate line (template) with what it reveals."""

    family: str
    text: str
    kind: str
    agency: str | None = None
    publisher: str | None = None
    role: str = "line"  # line | dateline
    holdout: bool = False
    junk_file: bool = False
    original: bool = False  # the source it reveals is the original outlet ("original=" in the reference), not an agency


@dataclass
class Line:
    """One generated line with its label."""

    text: str
    label: str  # body | boilerplate
    kind: str = "body"
    family: str = ""
    holdout: bool = False
    spans: list[tuple[str, str, str, bool]] = field(default_factory=list)  # inline boilerplate: (text, kind, family, holdout)


@dataclass
class Article:
    """One generated post: its text, labelled lines, and the provenance its text states."""

    doc: str
    outlet: str
    story: str
    lines: list[Line]
    title: str
    publisher: str | None = None
    agency: str | None = None
    agency_family: str | None = None
    holdout_provenance: bool = False
    republished_from: str | None = None  # the outlet a republish note names, when it is no news agency

    def text(self) -> str:
        return "\n\n".join([self.title, "2005-03-01 10:00:00", *(ln.text for ln in self.lines)]) + "\n"


def holdout_families(families: list[str]) -> set[str]:
    """A quarter of the families, chosen by a salted hash of their names (not by how hard they are)."""
    ordered = sorted(families, key=lambda f: xxhash.xxh3_64_intdigest((HOLDOUT_SALT + f).encode()))
    return set(ordered[: len(ordered) // HOLDOUT_SHARE])


def _kind_of(family: str, text: str, junk: bool) -> str:
    f = family.casefold()
    if junk:
        return KIND_BY_JUNK_FAMILY.get(family, "junk")
    if "rights reserved" in text.casefold() or re.match(r"^(?:©|copyright\b)", text, re.IGNORECASE):
        return "copyright"
    if "photo" in f or "image" in f:
        return "photo_credit"
    if (
        "copyright" in f
        or "tribune" in f
        or "city news" in f
        or "stpns" in f
        or "creators" in f
        or "nexstar" in f
        or "sunbeam" in f
        or "digital first" in f
        or "msn" in f
    ):
        return "copyright"
    if any(w in f for w in ("sign-off", "contributor", "contact", "slug", "initials", "trust line", "desk byline", "tickers")):
        return "reporting_credit"
    if "credit" in f or "tag" in f:
        return "agency_credit"
    if any(w in f for w in ("syndication", "disclaimer", "auto", "feed", "desk")):
        return "disclaimer"
    return "republish_note"


def _provenance(revealed: str, text: str) -> tuple[str | None, str | None]:
    """(agency, publisher) the reference says a line reveals; the publisher only when the line names it."""
    fields = {}
    for part in revealed.split(";"):
        key, eq, value = part.strip().partition("=")
        if eq:
            fields[key.strip()] = re.split(r"\s+[+(]", value.strip())[0].strip()
    agency = fields.get("agency") or fields.get("original agency") or fields.get("original") or fields.get("source")
    publisher = None
    for key in ("republisher", "publisher", "owner", "aggregator"):
        value = fields.get(key)
        if value and value.casefold() in text.casefold():
            publisher = value
            break
    if publisher and publisher.casefold() in ("reuters",):  # reuters.com's own footer: the agency itself
        agency, publisher = agency or publisher, None
    return agency, publisher


def load_reference(ref: Path) -> list[RefLine]:
    """Every reference line as a template, with its kind, what it reveals, and its hold-out flag."""
    rows = []
    for name, junk in (("disclaimers.tsv", False), ("junk_lines.tsv", True)):
        with open(ref / name, encoding="utf-8") as f:
            rows += [(r, junk) for r in csv.DictReader(f, delimiter="\t")]
    held = holdout_families(sorted({r["family"] for r, _ in rows}))
    out = []
    for r, junk in rows:
        family, text = r["family"], r["exact_text"]
        text = re.sub(r"\s*\(regex '[^']*'\)", "", text)
        agency, publisher = (None, None) if junk else _provenance(r.get("provenance_revealed", ""), text)
        role = "dateline" if "dateline" in family.casefold() or family in ("Reuters via Google News", "Reuters on NYT") else "line"
        if family in ("Fox+AP contributor line", "AP photo/credit", "photo agency credit", "BBC image credit", "AP photo credit"):
            agency = None  # partial or image credits: they do not say who wrote the text
        agency = LABEL_NAMES.get(agency, agency) if agency else None
        original = not junk and re.search(r"(?:^|;)\s*original\s*=", r.get("provenance_revealed", "")) is not None
        out.append(RefLine(family, text, _kind_of(family, text, junk), agency, publisher, role, family in held, junk, original))
    return out


def _vary(rng: random.Random, text: str) -> str:
    """The variations real copies show."""
    text = re.sub(r"\b(?:19|20)\d\d\b", lambda _: str(rng.randint(1998, 2026)), text)
    text = text.replace("<year>", str(rng.randint(1998, 2026)))
    if rng.random() < 0.25:
        text = text.replace("rewritten", "written")
    if rng.random() < 0.3:
        text = text.replace(" — ", " - ") if " — " in text else text.replace(" - ", " — ")
    if rng.random() < 0.15:
        text = text.replace(". ", ".  ", 1)
    elif rng.random() < 0.15:
        text = text.replace(". ", ".", 1)
    if rng.random() < 0.15 and text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return text


def _fill(rng: random.Random, text: str) -> str:
    text = text.replace("<AGENCY>", rng.choice(("PTI", "IANS", "ANI")))
    text = text.replace("<EDITOR INITIALS>", " ".join(rng.choice(("AB", "RS", "KJ", "NSD", "GH")) for _ in range(rng.randint(1, 3))))
    text = text.replace("${source}", rng.choice(("Kathmandu Post", "Republica", "Himalayan Times")))
    text = text.replace("{source_url}", f"https://example.com/news/{rng.randint(1000, 9999)}")
    return text


def _expand_junk(rng: random.Random, ref: RefLine) -> list[str]:
    """A reference junk entry can hold several lines ('A / B'); '...' stands for a post title."""
    parts = [p.strip() for p in ref.text.split(" / ")] if " / " in ref.text else [ref.text]
    out = []
    for p in parts:
        p = (
            p.replace("...", f": {rng.choice(('Port talks resume', 'Storm hits coast', 'New budget rules'))}")
            if p.endswith("...") and "Post" in p
            else p
        )
        if rng.random() < 0.1 and len(p) < 40:
            p = p.upper()
        out.append(_fill(rng, p))
    return out


def load_bbc(root: Path, limit: int, rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """(story id, title, paragraphs) of `limit` BBC stories, a fixed sample."""
    files = sorted(root.glob("*/*.txt"))
    picked = sorted(rng.sample(files, min(limit, len(files))))
    out = []
    for f in picked:
        lines = f.read_bytes().decode("latin-1").splitlines()
        paras = [ln.strip() for ln in lines[1:] if ln.strip()]
        if len(paras) >= 3:
            out.append((f"{f.parent.name}/{f.stem}", lines[0].strip(), paras))
    return out


def _dateline_parts(rng: random.Random, ref: RefLine) -> tuple[str, str | None, str]:
    """(dateline text kept in the body, inline boilerplate prefix or None, kind of the prefix)."""
    text = _fill(rng, ref.text)
    if "###" in text:  # "By Reuters ### July 15, 2018 ### TURNBERRY/GLASGOW, Scotland — U.S."
        parts = [p.strip() for p in text.split("###")]
        return parts[-1].split(" — ")[0] + " — ", None, ""
    m = re.search(r"\((?:AP|Reuters|AFP|PTI|ANI|PRWEB)\)\s*(?:[-—–:]\s*)?", text)
    if m is None:
        return "", None, ""
    head = text[: m.end()]
    prefix = None
    if head.startswith("Share this article: "):
        prefix, head = "Share this article: ", head[len("Share this article: ") :]
    elif head.startswith("By "):
        dm = re.search(r"(?:\. |\s)(?=(?:[A-Z]{2,}|Kathmandu)[\w ]*(?:,|\s\())", head)
        cut = re.search(r"(?:[a-z]\. )|(?<=PARWANI )|(?<=Pradhan )", head)
        if cut:
            prefix, head = head[: cut.end()], head[cut.end() :]
        elif dm:
            prefix, head = head[: dm.end()], head[dm.end() :]
    return head, prefix, "byline" if prefix and prefix.startswith("By ") else "social"


def generate(shared: Path, n_stories: int = 900, seed: int = SEED) -> tuple[list[Article], list[RefLine]]:
    """The labelled corpus: posts at outlets, syndicated copies, hard negatives. Deterministic."""
    rng = random.Random(seed)
    refs = load_reference(shared / "reference")
    stories = load_bbc(shared / "corpora" / "bbc", n_stories, rng)
    datelines = [r for r in refs if r.role == "dateline"]
    by_agency: dict[str, list[RefLine]] = {}
    for r in refs:
        if r.agency and r.role == "line" and not r.publisher:
            by_agency.setdefault(r.agency, []).append(r)
    publisher_lines = [r for r in refs if r.publisher and r.role == "line" and r.kind in ("disclaimer", "copyright", "republish_note")]
    plain_lines = [r for r in refs if not r.publisher and not r.agency and r.role == "line" and not r.junk_file and r.kind != "copyright"]
    junk = [r for r in refs if r.kind in ("junk", "newsletter", "social", "ad", "related_links")]
    # Outlets: a publisher's own footer line (or none, for blogs) and the widgets its template prints.
    outlets = []
    for i, pl in enumerate([*publisher_lines, None, None, None]):
        outlets.append((f"outlet{i:02d}", pl, rng.sample(junk, 4)))

    original_of_family = {r.family: r.original for r in refs}
    articles: list[Article] = []
    for sid, title, paras in stories:
        agency_key = rng.choice([*sorted(by_agency), None, None])
        n_copies = rng.choice((0, 0, 0, 1, 2, 3))
        story_negs = [rng.choice(HARD_NEGATIVES)] if rng.random() < 0.35 else []
        for copy in range(1 + n_copies):
            outlet, pub_line, outlet_junk = rng.choice(outlets)
            while pub_line is not None and (
                ("<AGENCY>" in pub_line.text and agency_key not in (None, *WIRE_AGENCIES)) or (pub_line.agency and agency_key)
            ):  # one article states one origin: ThePrint's slot names wire agencies only, a PR wire note no other agency
                outlet, pub_line, outlet_junk = rng.choice(outlets)  # ThePrint's slot names wire agencies only
            body_paras = list(paras) if copy == 0 else paras[: max(3, len(paras) - rng.randint(0, 3))]
            art_title = (
                title if copy == 0 else rng.choice(("", "Update: ", "Watch: ")) + title + rng.choice(("", " - report", " as talks go on"))
            )
            lines: list[Line] = [Line(p, "body") for p in body_paras]
            for neg in story_negs:  # the same quoted sentence in every copy: body, never learned
                lines.insert(rng.randint(1, len(lines) - 1), Line(neg, "body", "hard_negative"))
            if rng.random() < 0.25:
                lines.insert(rng.randint(1, len(lines) - 1), Line(rng.choice(SUBHEADS), "body", "subhead"))
            if rng.random() < 0.2:
                lines.insert(rng.randint(1, len(lines) - 1), Line(rng.choice(HARD_NEGATIVES), "body", "hard_negative"))
            art = Article(f"{outlet}/{sid.replace('/', '_')}_{copy}", outlet, sid, lines, art_title)
            # The agency's marks: a dateline on the first paragraph, and/or its credit lines at the tail.
            tail: list[Line] = []
            head: list[Line] = []
            if agency_key:
                agency_datelines = [d for d in datelines if d.agency == agency_key]
                if agency_datelines and rng.random() < 0.8:
                    d = rng.choice(agency_datelines)
                    dl, prefix, pkind = _dateline_parts(rng, d)
                    if "###" in d.text:  # "By Reuters ### date ### DATELINE": the byline is its own line
                        head.append(Line(d.text.split("###")[0].strip(), "boilerplate", "byline", d.family, d.holdout))
                    if dl:
                        first = lines[0]
                        first.text = dl + first.text
                        first.kind = "dateline"
                        if prefix:
                            first.spans.append((prefix.strip(), pkind, d.family, d.holdout))
                            first.text = prefix + first.text
                        art.agency, art.agency_family = agency_key, d.family
                        art.holdout_provenance |= d.holdout
                if by_agency.get(agency_key) and (art.agency is None or rng.random() < 0.5):
                    r = rng.choice(by_agency[agency_key])
                    tail.append(Line(_vary(rng, _fill(rng, r.text)), "boilerplate", r.kind, r.family, r.holdout))
                    if art.agency is None:
                        art.agency, art.agency_family = agency_key, r.family
                        art.holdout_provenance |= r.holdout
            if pub_line is not None:
                filled = _fill(rng, pub_line.text.replace("<AGENCY>", art.agency) if art.agency in WIRE_AGENCIES else pub_line.text)
                named = re.search(r"from (PTI|IANS|ANI) news service", filled) if "<AGENCY>" in pub_line.text else None
                if named and art.agency is None:
                    art.agency, art.agency_family = named.group(1), pub_line.family
                for part in filled.split("\\n"):
                    tail.append(Line(_vary(rng, part), "boilerplate", pub_line.kind, pub_line.family, pub_line.holdout))
                art.publisher = pub_line.publisher
                if pub_line.agency and art.agency is None and "agency" not in pub_line.family.casefold():
                    art.agency, art.agency_family = pub_line.agency, pub_line.family
                    art.holdout_provenance |= pub_line.holdout
            if rng.random() < 0.3:
                r = rng.choice(plain_lines)
                spot = head if rng.random() < 0.2 else tail
                spot.append(Line(_vary(rng, _fill(rng, r.text)), "boilerplate", r.kind, r.family, r.holdout))
            for r in rng.sample(outlet_junk, rng.randint(0, 3)):
                texts = _expand_junk(rng, r)
                where = rng.random()
                if r.family in MID_JUNK and where < 0.4 and len(lines) > 2:
                    at = rng.randint(1, len(lines) - 1)
                    for t in reversed(texts):
                        lines.insert(at, Line(t, "boilerplate", r.kind, r.family, r.holdout))
                elif where < 0.6:
                    head += [Line(t, "boilerplate", r.kind, r.family, r.holdout) for t in texts]
                else:
                    tail += [Line(t, "boilerplate", r.kind, r.family, r.holdout) for t in texts]
            if rng.random() < 0.5:  # the autoblog template: tag line, source link, loading widget
                tail += [Line("Economy, Business, " + sid.split("/")[0].title(), "boilerplate", "tag_line", "autoblog tag line")]
                tail += [
                    Line("Source link", "boilerplate", "junk", "autoblog template"),
                    Line("Loading", "boilerplate", "junk", "WordPress/Jetpack"),
                ]
            art.lines = head + lines + tail
            # an agency without a printed mark is not stated: leave it unknown
            if art.agency and original_of_family.get(art.agency_family) and canonical_agency(art.agency) is None:
                # "Originally appeared in The New York Times": an outlet (not a news agency by the
                # product's list, agencies.py) goes to republished_from, never origin_agency.
                art.republished_from, art.agency = art.agency, None
            articles.append(art)
    return articles, refs
