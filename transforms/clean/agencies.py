"""News agencies and how texts name them: canonical names for origin_agency, and cleaning of the
names that rules capture (copyright holders, "Provided by" slots, publisher slots).

Only names in AGENCY_ALIASES become an agency from a copyright holder or a credit slot: a name we
do not know is never promoted to an agency (origin_agency is never invented).
"""

from __future__ import annotations

import re

# canonical name -> the ways texts print it (compared after `name_key`)
_AGENCIES: dict[str, tuple[str, ...]] = {
    "AP": ("AP", "Associated Press", "The Associated Press", "AP Photo"),
    "Reuters": ("Reuters", "Reuter", "Thomson Reuters", "Thomson/Reuters", "Reuters Health"),  # "Reuter": its old sign-off
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse", "Agence France-Presse (AFP)"),
    "PTI": ("PTI", "Press Trust of India"),
    "IANS": ("IANS", "Indo-Asian News Service"),
    "ANI": ("ANI", "Asian News International"),
    "UNI": ("UNI", "United News of India"),
    "dpa": ("dpa", "DPA", "Deutsche Presse-Agentur", "Deutsche Presse Agentur"),
    "Xinhua": ("Xinhua", "Xinhua News Agency"),
    "EFE": ("EFE", "Agencia EFE"),
    "ANSA": ("ANSA",),
    "AAP": ("AAP", "Australian Associated Press"),
    "PA": ("PA", "PA Media", "Press Association"),
    "CP": ("CP", "The Canadian Press", "Canadian Press"),
    "Kyodo": ("Kyodo", "Kyodo News"),
    "Yonhap": ("Yonhap", "Yonhap News Agency"),
    "Bernama": ("Bernama",),
    "Bloomberg": ("Bloomberg", "Bloomberg News", "Bloomberg L.P"),
    "UPI": ("UPI", "United Press International"),
    "TASS": ("TASS",),
    "Anadolu": ("Anadolu", "Anadolu Agency"),
    "City News Service": ("City News Service",),
    "PR Newswire": ("PR Newswire", "Cision PR Newswire", "Cision PR Newswire India", "PRNewswire"),
    "PRWeb": ("PRWeb", "PRWEB"),
    "Business Wire": ("Business Wire", "BusinessWire"),
    "The Conversation": ("The Conversation",),
}
_NOISE = re.compile(r"\([^)]*\)|\b(?:inc|llc|ltd|gmbh|corp|co|l\.p|lp|plc|s\.a)\b\.?", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def name_key(name: str) -> str:
    """Comparison key of an organisation name: legal suffixes, parentheses, 'the' and punctuation dropped."""
    key = _NON_ALNUM.sub(" ", _NOISE.sub(" ", name).casefold()).strip()
    return key[4:] if key.startswith("the ") else key


AGENCY_ALIASES: dict[str, str] = {name_key(alias): canon for canon, aliases in _AGENCIES.items() for alias in aliases}
# The tokens that may stand in a dateline's parentheses: "(AP)", "(Reuters)", "(PTI)", ...
DATELINE_TAGS = sorted(
    {a for aliases in _AGENCIES.values() for a in aliases if len(a) <= 12 and " " not in a} | {"PRWEB"}, key=len, reverse=True
)


def canonical_agency(name: str | None) -> str | None:
    """The canonical agency a captured name denotes, or None when it is not a known agency."""
    if not name:
        return None
    return AGENCY_ALIASES.get(name_key(name))


def first_agency(text: str | None) -> str | None:
    """The first known agency among a list such as 'PTI, ANI' or 'Reuters and AFP'; None for 'agencies'."""
    if not text:
        return None
    for part in re.split(r"\s*(?:,|/|;|&|\band\b)\s*", text):
        found = canonical_agency(part)
        if found:
            return found
    return canonical_agency(text)


def clean_name(name: str | None) -> str | None:
    """A captured publisher/holder name as printed, trimmed of legal tails (', Inc.', ', a X Company')."""
    if not name:
        return None
    name = re.split(r",\s*(?:a|an)\s+|\s+[-–—]\s+", name.strip(), maxsplit=1)[0]
    name = re.sub(r"\s*\([^()]*\)\s*$", "", name)  # "(Atlanta, Ga.)": where, not who
    name = re.sub(r"(?:,?\s*(?:inc|llc|ltd|corp|gmbh|l\.p|co)\.?)+,?$", "", name, flags=re.IGNORECASE).strip(" ,.;:")
    if not name or "{" in name or "<" in name or "$" in name:
        return None  # an unfilled template slot ("${source}") names nobody
    return name
