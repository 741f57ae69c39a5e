"""Bytes to text for one record, with clear reasons for what cannot be decoded."""

from __future__ import annotations

from wirestrip.transforms.record_types import RecordError

_BINARY_SNIFF = 8192  # bytes inspected for binary content: enough to see a header or a NUL run
_MAX_CONTROL_SHARE = 0.10  # text files carry almost no C0 controls; 10% means binary
_CONTROLS = bytes(b for b in range(32) if b < 9 or 13 < b < 32)  # C0 controls other than tab/newlines
# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one. Without this check a
# UTF-16 file would be called binary (its NUL bytes) and the user would not know why.
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32LE"), (b"\x00\x00\xfe\xff", "UTF-32BE"), (b"\xff\xfe", "UTF-16LE"), (b"\xfe\xff", "UTF-16BE"))


def wide_encoding(head: bytes) -> str | None:
    """The UTF-16/32 encoding of text that starts with `head`: its byte order mark, or, without
    one, UTF-16 ASCII-range text (a NUL in nearly every other byte); None for anything else."""
    for bom, name in _WIDE_BOMS:
        if head.startswith(bom):
            return name
    sample = head[:512]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    for zeros, chars, name in ((odd, even, "UTF-16LE"), (even, odd, "UTF-16BE")):
        if zeros.count(0) >= 0.9 * len(zeros) and chars.count(0) <= 0.1 * len(chars):
            return name
    return None


def decode_text(raw: bytes) -> str:
    """Decode UTF-8 record bytes (BOM stripped, newlines unified) or raise RecordError.

    Reasons: empty, unsupported_encoding (a UTF-16/32 byte order mark), binary content (a NUL
    byte anywhere, or many control characters), invalid UTF-8 (with the byte offset of the first bad byte).
    """
    if not raw.strip():
        raise RecordError("empty", "record is empty or only whitespace")
    for bom, name in _WIDE_BOMS:
        if raw.startswith(bom):
            raise RecordError(
                "unsupported_encoding", f"{name} byte order mark: this reader takes UTF-8; re-encode the file (iconv -f {name} -t UTF-8)"
            )
    # NUL anywhere, not only in the sniffed head: a text record never holds one, and a NUL in a
    # string column breaks consumers (PostgreSQL, C tools) far from here.
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise RecordError("binary_content", f"NUL byte at offset {nul}: not a text record")
    head = raw[:_BINARY_SNIFF]
    controls = len(head) - len(head.translate(None, _CONTROLS))  # counted in C, not byte by byte
    if controls / len(head) > _MAX_CONTROL_SHARE:
        raise RecordError("binary_content", f"{controls} control bytes in the first {len(head)}: not a text record")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError("invalid_utf8", f"not valid UTF-8: {exc.reason} at byte {exc.start} (0x{raw[exc.start]:02x})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
