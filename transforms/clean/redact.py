"""Masking personal data in what wirestrip keeps beside the clean text (`--redact-removed`).

Wire sign-offs and contact blocks hold reporters' e-mail addresses and phone numbers
("((jane.doe@thomsonreuters.com; +44 20 7542 9406))"). The masks keep the length and the
separators, so offsets and sizes stay true while the address or number cannot be read back.
"""

from __future__ import annotations

import re

# Bounded, linear patterns: no nested quantifiers over the same characters.
_EMAIL = r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}"
# A phone number: an optional +country code, then 7-15 digits in groups split by spaces, dots,
# dashes or brackets. Years, times and prices have fewer digits or no such grouping.
_PHONE = r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,12}(?:[\s.-]\d{2,5}){0,4}(?![\w])"
_TEXT = re.compile(f"{_EMAIL}|{_PHONE}")
_BYTES = re.compile(f"{_EMAIL}|{_PHONE}".encode())
_MIN_PHONE_DIGITS = 7  # fewer digits is a date, a time or a figure, not a phone number
_DATE = re.compile(r"^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$")  # 12-05-2024 is a date
_PLAIN = re.compile(r"^\d+$")  # an ungrouped number without '+' is a figure (an id, a count)


def _mask(m: re.Match) -> str:
    s = m.group(0)
    if "@" not in s and (sum(c.isdigit() for c in s) < _MIN_PHONE_DIGITS or _DATE.match(s) or _PLAIN.match(s)):
        return s
    return re.sub(r"[^@.\s()+-]", "*", s)


def _mask_b(m: re.Match) -> bytes:
    s = m.group(0)
    if b"@" not in s:
        text = s.decode("ascii", "replace")
        if sum(c.isdigit() for c in text) < _MIN_PHONE_DIGITS or _DATE.match(text) or _PLAIN.match(text):
            return s
    return re.sub(rb"[^@.\s()+-]", b"*", s)


def redact_text(text: str) -> str:
    """`text` with e-mail addresses and phone numbers masked, same length."""
    return _TEXT.sub(_mask, text)


def redact_bytes(raw: bytes) -> bytes:
    """`raw` with e-mail addresses and phone numbers masked, same length (ASCII forms only)."""
    return _BYTES.sub(_mask_b, raw)
