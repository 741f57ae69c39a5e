"""Bytes to text for one record, with clear reasons for what cannot be decoded."""

from __future__ import annotations

from transforms.records import RecordError

_BINARY_SNIFF = 8192  # bytes inspected for binary content: enough to see a header or a NUL run
_MAX_CONTROL_SHARE = 0.10  # text files carry almost no C0 controls; 10% means binary


def decode_text(raw: bytes) -> str:
    """Decode UTF-8 record bytes (BOM stripped, newlines unified) or raise RecordError.

    Reasons: empty, binary content (NUL bytes or many control characters), invalid UTF-8
    (with the byte offset of the first bad byte).
    """
    if not raw.strip():
        raise RecordError("empty", "record is empty or only whitespace")
    head = raw[:_BINARY_SNIFF]
    if b"\x00" in head:
        raise RecordError("binary_content", f"NUL byte at offset {head.index(0)}: not a text record")
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls / len(head) > _MAX_CONTROL_SHARE:
        raise RecordError("binary_content", f"{controls} control bytes in the first {len(head)}: not a text record")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError("invalid_utf8", f"not valid UTF-8: {exc.reason} at byte {exc.start} (0x{raw[exc.start]:02x})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
