"""Bytes to text for records whose encoding is not guaranteed (HTML, CSV, JSONL, WARC payloads).

Order: valid UTF-8 wins; then the charset the record declares (HTTP header, <meta>, XML
declaration); then a detected legacy charset when most bytes are not UTF-8; a few stray invalid
bytes inside otherwise valid UTF-8 (the usual mixed-encoding dump) are read as Windows-1252, the
encoding they almost always come from. Undecodable bytes become U+FFFD and are counted: the
caller's `count` receives the counters, and a record that is mostly replacement is rejected.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes
from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.record_types import RecordError

MAX_REPLACEMENT_SHARE = 0.05  # over 5% U+FFFD means the text is unreadable, not a few stray bytes
_MIXED_SHARE = 0.02  # up to 2% invalid bytes in UTF-8 is a mixed dump, not a legacy file
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{2,40})["']""")


def _cp1252_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    bad = err.object[err.start : err.end]
    return bad.decode("cp1252", errors="replace"), err.end


codecs.register_error("wirestrip_cp1252", _cp1252_fallback)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    replaced: int  # U+FFFD characters the decoding produced
    repaired: int  # invalid UTF-8 bytes read as Windows-1252


def declared_charset(raw: bytes) -> str | None:
    """The charset a page or feed declares in its first 4 KiB (<meta charset>, XML declaration)."""
    head = raw[:4096]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(raw: bytes, declared: str | None = None, count: Count = no_count) -> Decoded:
    """Decode untrusted record bytes; RecordError('undecodable') when the result is mostly U+FFFD.
    Bytes that were not UTF-8 are counted in `count` (decode.* counters)."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[3:]
    try:
        return Decoded(raw.decode("utf-8"), "utf-8", 0, 0)
    except UnicodeDecodeError:
        pass
    invalid = len(raw) - len(raw.decode("utf-8", errors="ignore").encode("utf-8"))
    if declared:
        try:
            enc = codecs.lookup(declared).name
        except LookupError:
            enc = None
        if enc and enc not in ("utf-8", "utf_8"):
            try:
                return _checked(Decoded(raw.decode(enc), enc, 0, 0), count)
            except UnicodeDecodeError:
                pass
    if invalid <= max(1, len(raw) * _MIXED_SHARE) or _has_utf8_multibyte(raw):
        text = raw.decode("utf-8", errors="wirestrip_cp1252")
        return _checked(Decoded(text, "utf-8+cp1252", text.count("\ufffd"), invalid), count)
    best = from_bytes(raw[: 1 << 20]).best()
    enc = best.encoding if best is not None else "utf-8"
    text = raw.decode(enc, errors="replace")
    return _checked(Decoded(text, enc, text.count("\ufffd"), 0), count)


def _has_utf8_multibyte(raw: bytes) -> bool:
    """Valid multi-byte UTF-8 sequences present: the record is UTF-8 with stray legacy bytes, not a legacy file."""
    return _UTF8_MULTIBYTE.search(raw) is not None


def _checked(d: Decoded, count: Count) -> Decoded:
    count("decode.records_not_utf8")
    if d.replaced:
        count("decode.replacement_chars", d.replaced)
    if d.repaired:
        count("decode.cp1252_repaired_bytes", d.repaired)
    if d.text and d.replaced / len(d.text) > MAX_REPLACEMENT_SHARE:
        raise RecordError("undecodable", f"{d.replaced} of {len(d.text)} characters undecodable as {d.encoding}")
    return d
