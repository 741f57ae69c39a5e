"""A damaged gzip member in a multi-member .jsonl.gz / .csv.gz (issue 17, minor item): the line
readers reject the damaged span (its compressed bytes kept, its locator naming them) and read the
members after it; offsets after the damage are found again by locate.reread_record."""

from __future__ import annotations

import gzip
import io

import pytest
import xxhash
from wirestrip.transforms.read.decompress import CorruptInput, DecodedStream
from wirestrip.transforms.read.files import FileToRead, read_file
from wirestrip.transforms.read.formats import ReaderConfig
from wirestrip.transforms.read.locate import reread_record

from tests.test_records_cap import split_outputs

MEMBERS, LINES = 10, 100


def jsonl_members(n: int = MEMBERS) -> list[bytes]:
    """n gzip members of LINES JSON lines each (a block-gzip or `cat a.gz b.gz` dump)."""
    return [gzip.compress(b"".join(b'{"text":"member %d line %d"}\n' % (m, i) for i in range(LINES)), mtime=0) for m in range(n)]


def csv_members(n: int = MEMBERS) -> list[bytes]:
    """The same as CSV: the header is in the first member only."""
    out = []
    for m in range(n):
        rows = b"".join(b'%d,"member %d line %d"\n' % (m * LINES + i, m, i) for i in range(LINES))
        out.append(gzip.compress((b"id,text\n" if m == 0 else b"") + rows, mtime=0))
    return out


def damaged(member: bytes, at: int = 30, n: int = 30) -> bytes:
    """The member with n bytes of its deflate data flipped (a bad sector, a bad copy)."""
    out = bytearray(member)
    for i in range(at, at + n):
        out[i] ^= 0x55
    return bytes(out)


def read(tmp_path, name: str, data: bytes, **cfg):
    path = tmp_path / name
    path.write_bytes(data)
    records, rejects, info = split_outputs(read_file(FileToRead(str(path), name, len(data)), ReaderConfig(**cfg)))
    assert (info["size"], info["xxh3_128"]) == (len(data), xxhash.xxh3_128_hexdigest(data))  # hashed once, in order
    for rec in (
        records[::97] + records[-1:]
    ):  # offsets after the damage are found again (a sample: each re-read decompresses from the start)
        assert reread_record(str(path), rec.locator, info["format"]) == rec.raw
    return records, rejects


def texts(records) -> list[str]:
    return [r.meta["text"] if "text" in r.meta else r.raw.decode().split('"')[3] for r in records]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_damaged_member_loses_only_itself(tmp_path, fmt):
    members = jsonl_members() if fmt == "jsonl" else csv_members()
    members[4] = damaged(members[4])
    data = b"".join(members)
    records, rejects = read(tmp_path, f"dump.{fmt}.gz", data)
    assert texts(records) == [f"member {m} line {i}" for m in range(MEMBERS) if m != 4 for i in range(LINES)]
    (rej,) = rejects
    start = sum(len(m) for m in members[:4])
    assert rej.error_type == "corrupt_input" and rej.locator.endswith(f";gzip_bytes={start}-{start + len(members[4])}")
    assert f"compressed byte {start} is damaged" in rej.message and "reading resumed at the next gzip member" in rej.message
    # The damaged span's raw bytes are kept whole (under --max-record-bytes) and found again by the locator.
    assert rej.raw == members[4] and rej.raw_size == len(members[4])
    assert reread_record(str(tmp_path / f"dump.{fmt}.gz"), rej.locator, fmt) == members[4]


def test_damage_met_while_sniffing_the_format_is_stepped_over_too(tmp_path):
    members = jsonl_members()
    members[0] = damaged(members[0], 12)
    records, rejects = read(tmp_path, "first.jsonl.gz", b"".join(members))
    assert len(records) == (MEMBERS - 1) * LINES and [r.locator for r in rejects] == [f"bytes=0-0;gzip_bytes=0-{len(members[0])}"]


def test_a_bad_checksum_and_a_cut_member_and_two_in_a_row(tmp_path):
    members = jsonl_members()
    members[1] = members[1][:-8] + b"\0\0\0\0" + members[1][-4:]  # CRC32 wrong: found at the member's end
    members[4] = members[4][: len(members[4]) // 2]  # half a member, the next one right after it
    members[6], members[7] = damaged(members[6]), damaged(members[7])
    records, rejects = read(tmp_path, "many.jsonl.gz", b"".join(members))
    assert {int(t.split()[1]) for t in texts(records)} == {0, 2, 3, 5, 8, 9}
    offsets = [sum(len(m) for m in members[:k]) for k in (1, 2, 4, 5, 6, 8)]
    spans = [r.locator.split("gzip_bytes=")[1] for r in rejects]
    assert spans == [f"{offsets[0]}-{offsets[1]}", f"{offsets[2]}-{offsets[3]}", f"{offsets[4]}-{offsets[5]}"]


def test_a_damaged_last_member_is_rejected_to_the_end(tmp_path):
    members = jsonl_members()
    members[-1] = damaged(members[-1])
    data = b"".join(members)
    records, rejects = read(tmp_path, "last.jsonl.gz", data)
    assert len(records) == (MEMBERS - 1) * LINES
    assert rejects[0].locator.endswith(f"-{len(data)}") and "no gzip member follows" in rejects[0].message


def test_a_chance_magic_number_in_garbage_is_not_taken_for_a_member(tmp_path):
    members = jsonl_members(3)
    fake = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(256)) * 4  # a header, then no deflate data
    data = members[0] + damaged(members[1]) + fake + members[2]
    records, rejects = read(tmp_path, "fake.jsonl.gz", data)
    assert len(records) == 2 * LINES
    assert rejects[0].locator.endswith(f"gzip_bytes={len(members[0])}-{len(data) - len(members[2])}")


def test_the_kept_bytes_are_bounded_and_the_size_is_whole(tmp_path):
    members = jsonl_members(3)
    members[1] = damaged(members[1])
    _, (rej,) = read(tmp_path, "bounded.jsonl.gz", b"".join(members), max_record_bytes=100)
    assert len(rej.raw) == 100 and rej.raw_size == len(members[1]) and rej.raw_sha is None


def test_a_csv_whose_header_member_is_damaged_is_one_reject(tmp_path):
    members = csv_members(3)
    members[0] = damaged(members[0], 12)
    records, (rej,) = read(tmp_path, "header.csv.gz", b"".join(members))
    assert not records and rej.locator == "file" and "before the header row" in rej.message


def test_other_formats_and_unseekable_inputs_stop_at_the_damage_as_before():
    members = jsonl_members(3)
    members[1] = damaged(members[1])
    stream = DecodedStream(io.BytesIO(b"".join(members)), 1 << 30)  # no resume_gzip(): a txt or WARC stream
    with pytest.raises(CorruptInput):
        stream.read()

    class Pipe(io.BytesIO):
        def seek(self, *args):
            raise io.UnsupportedOperation("not seekable")

    stream = DecodedStream(Pipe(b"".join(members)), 1 << 30)
    stream.resume_gzip(1 << 20)
    with pytest.raises(CorruptInput):
        while stream.readline():
            pass


def test_a_file_larger_than_one_read_is_hashed_once_in_order(tmp_path):
    # The stream reads 64 KiB at a time and steps back to look for the next member: every byte
    # must still enter the file's hash once, in order (the manifest's xxh3_128, checked by read()).
    members = [
        gzip.compress(b"".join(b'{"text":"%d %x"}\n' % (m * 5000 + i, (m * 5000 + i) ** 3) for i in range(5000)), mtime=0)
        for m in range(12)
    ]
    assert sum(len(m) for m in members[:6]) > 3 * (1 << 16)
    members[6] = damaged(members[6], 5000)
    records, rejects = read(tmp_path, "large.jsonl.gz", b"".join(members))
    assert len(records) >= 11 * 5000 and [r.error_type for r in rejects] == ["corrupt_input"]
