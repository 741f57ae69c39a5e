"""A publisher's display name, whatever the page or dump offered for it.

Pages put many things where a site name should be: a URL ("https://www.hawaiinewsnow.com"), a
handle ("@politifact"), a copyright line ("Copyright 2014"), a section or a country ("U.S." on
reuters.com), a template's host label ("Hosted"). None of those is kept; the page's domain, mapped
to a display name where we know it, stands in. Pure.
"""

from __future__ import annotations

import html
import re
from typing import TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")

_TAGLINE = re.compile(r"\s+[|–—]\s+|\s+-\s+")  # what follows the name is a tagline or the domain

# Words that are a section, a place or a page part, never a publisher's name ("U.S." on reuters.com).
_NOT_PUBLISHERS = frozenset(
    "u.s. us u.s uk u.k. world business politics news home homepage hosted index top stories latest video "
    "videos opinion sport sports tech technology health science entertainment markets local national "
    "international".split()
)
# The display name of publishers whose pages often name no site (domain -> name); others keep the domain.
DOMAIN_NAMES = {
    "reuters.com": "Reuters",
    "apnews.com": "AP News",
    "ap.org": "The Associated Press",
    "afp.com": "AFP",
    "bbc.co.uk": "BBC",
    "bbc.com": "BBC",
    "nytimes.com": "The New York Times",
    "washingtonpost.com": "The Washington Post",
    "theguardian.com": "The Guardian",
    "cnn.com": "CNN",
    "ndtv.com": "NDTV",
    "politifact.com": "PolitiFact",
}


def publisher_name(name: str | None, url: str | None = None) -> str | None:
    """A publisher's display name: never a URL, a handle, a copyright line or a section; a URL or a
    missing name becomes the domain's display name (DOMAIN_NAMES) or the domain itself."""
    name = " ".join(html.unescape(name).split()) if name else None
    if name and name.lower().startswith(("http://", "https://", "www.")):
        url, name = url or name, None
    if name and (name.startswith("@") or name.lower().startswith(("copyright", "©", "(c)")) or name.lower() in _NOT_PUBLISHERS):
        name = None
    if name and _TAGLINE.search(name) and len(_TAGLINE.split(name, 1)[0]) >= 2:
        name = _TAGLINE.split(name, 1)[0]  # "The Jerusalem Post | JPost.com", "LinkNaija | Nigeria's popular news platform"
    if name and not 2 <= len(name) <= 80:
        name = None
    if name:
        return name
    host = site_of(url)
    return on_site(host, DOMAIN_NAMES) or host if host else None


def site_of(url: str | None) -> str | None:
    """'https://www.nytimes.com/2024/…' -> 'nytimes.com' (a scheme-less 'www.x.com/a' too); None for
    no URL, no host or an address that cannot be parsed."""
    if not url:
        return None
    url = url.strip()
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:  # a malformed address ("http://[::1") names no site
        return None
    return host.removeprefix("www.") or None


def on_site(host: str | None, table: dict[str, T]) -> T | None:
    """The value `table` gives the site `host` is, or is a subdomain of (hosted.ap.org -> ap.org)."""
    if not host:
        return None
    return next((value for site, value in table.items() if host == site or host.endswith("." + site)), None)
