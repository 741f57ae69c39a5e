"""Person names out of a byline as pages print it: "By Jane Doe May 20, 2019", "Brenda Goodman, MA",
"Ben Silverman Games Editor", "Par Sébastien Farcis", "Username".

`person_names` keeps only what looks like a person's name: the credit's prefix, dates, times,
handles, URLs, degrees and job titles are cut off; placeholders, agencies and sections are not
names. The raw credit stays in `byline`; `authors` holds these names. Pure and bounded: the input
is cut to MAX_CHARS and every regex is linear (no nested quantifiers).
"""

from __future__ import annotations

import html
import re

MAX_CHARS = 300  # a byline is a line; anything longer is prose or a widget, and is cut before parsing
MAX_NAMES = 12  # more credited people than this is a list of contributors, not a byline

_MONTHS = (
    "jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|"
    "oct|october|nov|november|dec|december|"
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
    "januar|februar|märz|juni|juli|oktober|dezember|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri|sat|sun"
# Where the name part of a credit ends: a date ("May 20", "20 May", a weekday), any digit, a time
# word, a relative time in the languages of the pages we see ("před" = Czech "ago"), a separator.
_END = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d|\d|(?:{_WEEKDAYS})\b|updated\b|published\b|posted\b|last\s+updated\b|"
    r"před\b|vor\s|il\s+y\s+a\b|hace\b|email\b|e-mail\b|follow\b|twitter\b|contact\b|"
    r"(?:edited|photos?|illustrations?|video|graphics|translated)\s+by\b)|[|•·—–<{\n]|\s-\s|/[\s*]",
    re.IGNORECASE,
)
_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|reported|story|words|text|photos?|edited|compiled|interview)\s+)?"
    r"(?:by|par|por|von|di|door|av|af|de)\s*:?\s+|^\s*(?:by|author|authors|autor|auteur)\s*:\s*",
    re.IGNORECASE,
)
_NOISE = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+|@\w+|\(\s*\)", re.IGNORECASE)
# Separators between credited people; captured, since a comma may open a job title where "and" never does.
_SPLIT = re.compile(r"\s*(,|;|\band\b|&|\bund\b|\bet\b|\by\b|\be\b|\bwith\b|\bavec\b)\s*", re.IGNORECASE)
# Degrees and post-nominals printed after a name ("Brenda Goodman, MA").
_DEGREES = frozenset("ma md phd ph.d ph.d. mph rn ms msc bsc ba bs do dds mba jd llm frcp mrcp ceo cfa cpa esq esq. rd lcsw mfa".split())
# A job title after the name ("Ben Silverman Games Editor"): the name ends before the beat or role.
_ROLES = frozenset(
    "editor editors reporter reporters correspondent correspondents writer writers columnist contributor contributors "
    "producer analyst critic photographer staff intern journalist journalists chief senior deputy managing "
    "executive associate bureau desk".split()
)
# Credits that are never a person: placeholders of page templates, agencies, sections, the site.
_NOT_PEOPLE = frozenset(
    "username user admin administrator anonymous guest staff editor editors editorial team desk newsroom "
    "fail null none undefined unknown author authors contributor contributors reuters afp ap upi pti ians "
    "bloomberg xinhua dpa ansa efe".split()
)
_ORG_WORDS = frozenset(
    "news press media agency associated service wire wires online network times post daily herald tribune "
    "journal magazine gazette telegraph bbc cnn npr staff team desk projects foundation contributors wikipedia "
    "wikimedia inc ltd llc corp company".split()
)
_PARTICLES = frozenset("de da del della dos das do du van von der den ter ten la le bin bint al el di y e st st. mc mac".split())
_MONTH_NAMES = frozenset(_MONTHS.split("|")) - {"mai", "mar", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "jan", "feb", "apr"}
# A Chinese or Korean personal name is 2-4 characters; an author field may add its desk ("青网校园崔宁宁");
# longer runs are phrases. Only author fields are trusted for these (person_names' `caseless`).
_MAX_CASELESS = 8
_TRAILING_BRACKETS = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
_INNER_BY = re.compile(r"\b(?:by|par|por|von)\s+", re.IGNORECASE)
_INNER_BY_WITHIN = 40  # a kicker before "by" is a few words; further in, "by" belongs to prose
_TOKEN = re.compile(r"^(?:[^\W\d_]\.|[^\W\d_][^\W\d_'’.\-]*(?:['’.\-][^\W\d_]+)*\.?)$")


def _caseless_name(tokens: list[str]) -> bool:
    """A name in a script without letter case (Chinese, Japanese, Korean, Thai...): one short word."""
    return (
        len(tokens) == 1
        and 2 <= len(tokens[0]) <= _MAX_CASELESS
        and all(c.isalpha() and not (c.isupper() or c.islower()) for c in tokens[0])
    )


def _has_role(part: str) -> bool:
    return any(t.casefold().strip(",.") in _ROLES for t in part.split())


def _clean_part(part: str, caseless: bool) -> str | None:
    """One credited person's name, or None when the part is not a person's name."""
    part = _TRAILING_BRACKETS.sub("", part.strip(" .:;,-'\""))  # "Jane Doe (AP)", "Jane Doe [Reuters]": the desk, not the name
    part = _PREFIX.sub("", part.strip(" .:;,-'\"[]"))
    if part.count("(") != part.count(")"):
        part = part.replace("(", " ").replace(")", " ")
    tokens = part.split()
    if _caseless_name(tokens):
        return tokens[0] if caseless else None
    for i, tok in enumerate(tokens):  # cut at a role word once a name stands before it
        if i == 0 and tok.casefold() in _ROLES:
            return None  # a role with no name before it ("Senior Editor", "Staff Writer")
        if i >= 2 and tok.casefold() in _ROLES:
            # The words between a name and its role are a beat ("Games Editor"): two-word names are the rule,
            # three only with a middle initial ("Nelson D. Schwartz").
            middle_initial = i >= 3 and len(tokens[1].rstrip(".")) == 1
            tokens = tokens[:3] if middle_initial else tokens[: min(i, 2)]
            break
    while tokens and tokens[-1].casefold().strip(",.") in _DEGREES:
        tokens = tokens[:-1]
    if len(tokens) >= 3 and tokens[-1].casefold() in _MONTH_NAMES:
        tokens = tokens[:-1]  # "Nathan Willis March": a date whose day an extractor cut off ("Theresa May" has 2 words)
    if not 2 <= len(tokens) <= 5:
        return None  # a single word is a handle, a site or a placeholder; six are a sentence
    folded = [t.casefold().strip(".") for t in tokens]
    if any(t in _ORG_WORDS for t in folded) or " ".join(folded) in _NOT_PEOPLE or folded[0] in _NOT_PEOPLE:
        return None
    for tok, low in zip(tokens, folded, strict=True):
        tok = tok.strip("()")  # a name printed with parts in brackets: "Bruno (Henrique Zecchin) Rodrigues"
        if not tok or not _TOKEN.match(tok):
            return None
        if not tok[0].isupper() and low not in _PARTICLES:
            return None  # names are capitalised; a lower-case word makes it a phrase ("meet our team")
        if len(tok) == 1 and low not in _PARTICLES:
            return None  # a bare letter without its dot is a widget's residue ("J J"), not an initial
    if not tokens[0].lstrip("(")[:1].isupper() or not tokens[-1].lstrip("(")[:1].isupper():
        return None
    return " ".join(tokens)


def person_names(credit: str | None, caseless: bool = True) -> list[str]:
    """The people a credit names, in order, without duplicates (empty when it names none).

    `caseless=False` refuses names in scripts without letter case: with no capitals to tell a
    name from a word, only a field that holds names (an author field) is trusted for them."""
    if not credit:
        return []
    text = html.unescape(credit[:MAX_CHARS]).replace("\xa0", " ")
    text = _NOISE.sub(" ", text)
    stripped = _PREFIX.sub("", text.strip())
    inner = _INNER_BY.search(stripped[:_INNER_BY_WITHIN]) if stripped == text.strip() else None
    text = stripped
    if inner is not None:  # "Tech Industry by Steven Musil": a section or kicker stands before the credit
        text = text[inner.end() :]
    cut = _END.search(text)
    if cut is not None:
        text = text[: cut.start()]
    names: list[str] = []
    pieces = _SPLIT.split(text)
    for i in range(0, len(pieces), 2):
        part = pieces[i]
        if i and pieces[i - 1] in ",;" and _has_role(part):
            break  # a title after a comma, then the affiliation ("Jane Doe, Senior Technologist, ACLU ...")
        name = _clean_part(part, caseless)
        if name and name not in names:
            names.append(name)
    return names[:MAX_NAMES]


def authors_from(credits: list[str]) -> list[str]:
    """Person names from several credit strings (each a byline or an author field), in order."""
    out: list[str] = []
    for credit in credits:
        for name in person_names(credit):
            if name not in out:
                out.append(name)
    return out[:MAX_NAMES]
