"""The time zone a publisher prints its times in, for times printed without one.

A dump's "Updated: Aug 1, 2025 22:51" from an Indian site means India time; read in UTC it is
5.5 hours off. When a record's time had no zone, the publisher's own zone is used where it can be
known — from the publisher's name or its site (a small table), else the site's country-code
domain when that country keeps one civil time — and `--default-tz` otherwise. The row still says
`published_tz_assumed = true` and `published_zone` names the zone used. Pure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from wirestrip.transforms.read.publishers import on_site, site_of

# Country-code domains of countries with one civil time zone (the US, Canada, Australia, Brazil,
# Russia, Mexico and Indonesia have several: no single zone is right there, --default-tz stands).
CCTLD_ZONES = {
    "in": "Asia/Kolkata",
    "pk": "Asia/Karachi",
    "bd": "Asia/Dhaka",
    "lk": "Asia/Colombo",
    "np": "Asia/Kathmandu",
    "uk": "Europe/London",
    "ie": "Europe/Dublin",
    "fr": "Europe/Paris",
    "de": "Europe/Berlin",
    "it": "Europe/Rome",
    "es": "Europe/Madrid",
    "nl": "Europe/Amsterdam",
    "be": "Europe/Brussels",
    "ch": "Europe/Zurich",
    "at": "Europe/Vienna",
    "pl": "Europe/Warsaw",
    "cz": "Europe/Prague",
    "se": "Europe/Stockholm",
    "no": "Europe/Oslo",
    "dk": "Europe/Copenhagen",
    "fi": "Europe/Helsinki",
    "gr": "Europe/Athens",
    "tr": "Europe/Istanbul",
    "il": "Asia/Jerusalem",
    "ae": "Asia/Dubai",
    "qa": "Asia/Qatar",
    "sa": "Asia/Riyadh",
    "eg": "Africa/Cairo",
    "ng": "Africa/Lagos",
    "ke": "Africa/Nairobi",
    "za": "Africa/Johannesburg",
    "sg": "Asia/Singapore",
    "my": "Asia/Kuala_Lumpur",
    "ph": "Asia/Manila",
    "hk": "Asia/Hong_Kong",
    "tw": "Asia/Taipei",
    "cn": "Asia/Shanghai",
    "jp": "Asia/Tokyo",
    "kr": "Asia/Seoul",
    "nz": "Pacific/Auckland",
}
# Publishers on generic domains (.com) whose printed times are in one zone: their desk's zone.
PUBLISHER_ZONES = {
    "ndtv": "Asia/Kolkata",
    "times of india": "Asia/Kolkata",
    "hindustan times": "Asia/Kolkata",
    "the hindu": "Asia/Kolkata",
    "business standard": "Asia/Kolkata",
    "the indian express": "Asia/Kolkata",
    "indian express": "Asia/Kolkata",
    "news18": "Asia/Kolkata",
    "moneycontrol": "Asia/Kolkata",
    "deccan herald": "Asia/Kolkata",
    "dawn": "Asia/Karachi",
    "the straits times": "Asia/Singapore",
    "south china morning post": "Asia/Hong_Kong",
    "the guardian": "Europe/London",
    "bbc": "Europe/London",
    "bbc news": "Europe/London",
    "the new york times": "America/New_York",
    "the washington post": "America/New_York",
    "the wall street journal": "America/New_York",
    "los angeles times": "America/Los_Angeles",
}
SITE_ZONES = {
    "ndtv.com": "Asia/Kolkata",
    "indiatimes.com": "Asia/Kolkata",
    "hindustantimes.com": "Asia/Kolkata",
    "thehindu.com": "Asia/Kolkata",
    "business-standard.com": "Asia/Kolkata",
    "indianexpress.com": "Asia/Kolkata",
    "news18.com": "Asia/Kolkata",
    "moneycontrol.com": "Asia/Kolkata",
    "deccanherald.com": "Asia/Kolkata",
    "dawn.com": "Asia/Karachi",
    "straitstimes.com": "Asia/Singapore",
    "scmp.com": "Asia/Hong_Kong",
    "theguardian.com": "Europe/London",
    "bbc.com": "Europe/London",
    "nytimes.com": "America/New_York",
    "washingtonpost.com": "America/New_York",
    "wsj.com": "America/New_York",
    "latimes.com": "America/Los_Angeles",
}


def zone_for(publisher: str | None, url: str | None) -> str | None:
    """The zone `publisher` (or the site of `url`) prints its times in, when it can be known."""
    if publisher:
        zone = PUBLISHER_ZONES.get(" ".join(publisher.split()).casefold())
        if zone:
            return zone
    host = site_of(url)
    if not host:
        return None
    return on_site(host, SITE_ZONES) or CCTLD_ZONES.get(host.rsplit(".", 1)[-1])


def rezone(published_at: datetime, read_in: str, zone: str) -> datetime | None:
    """The instant of a wall-clock time read in zone `read_in`, read in `zone` instead (UTC), or
    None when that wall-clock time has no UTC instant there."""
    if read_in == zone:
        return published_at
    try:
        local = published_at.astimezone(ZoneInfo(read_in)).replace(tzinfo=None)
        return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    except (OverflowError, ValueError):
        return None
