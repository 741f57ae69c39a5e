"""Nothing lost, no surprise: inputs that used to vanish or surprise, each through `wirestrip run`
end to end (Parquet and manifest read back).

- a WARC record declaring more than --max-record-bytes (a lying length) no longer swallows the
  records after it; a negative length has its own reason;
- a symlink in the dump pointing outside the input root is a reject unless --follow-symlinks;
- `source_uri` is absolute, so `wirestrip explain` works from any folder;
- a corrupt gzip member loses only itself; a UTF-16 CSV says it is UTF-16;
- a file of tiny records past --max-records-per-file is read up to the bound, the rest counted.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from tests import dumps
from tests.helpers import read_table, run_cli

RUN_DATE = "2025-08-02"


def _manifest(out: Path) -> dict:
    (path,) = sorted((out / "_manifests").glob("*.json"))[-1:]
    return json.loads(path.read_text())


def _run(tmp_path: Path, inputs: str, *extra: str) -> tuple[int, list[dict], list[dict], dict]:
    """Run the CLI on `inputs`; return (exit code, articles, rejects, manifest)."""
    out = tmp_path / "out"
    code = run_cli("--input", inputs, "--output", str(out), "--run-date", RUN_DATE, "--no-dedup", *extra)
    return code, read_table(out, "articles"), read_table(out, "rejects"), _manifest(out)


def _pages(n: int) -> list[tuple[str, str, int, str, bytes]]:
    """`n` distinct HTML 200 responses."""
    return [
        (
            "response",
            f"https://example.org/{i}",
            200,
            "text/html",
            dumps.page(f"Story {i}", [f"Story number {i}. {p}" for p in dumps.PARAS]).encode(),
        )
        for i in range(n)
    ]


def _set_length(data: bytes, url: str, value: str) -> bytes:
    """The WARC dump with the Content-Length of `url`'s response record replaced by `value`."""
    at = data.index(b"WARC-Target-URI: " + url.encode() + b"\r\n")
    start = data.rindex(b"WARC/1.", 0, at)
    cl = data.index(b"Content-Length: ", start)
    end = data.index(b"\r\n", cl)
    return data[:cl] + b"Content-Length: " + value.encode() + data[end:]


# ---- 9. WARC lengths over --max-record-bytes ------------------------------------------------------


@pytest.mark.parametrize(("declared", "extra"), [("9000000", ()), ("300000", ("--max-record-bytes", "100000"))])
def test_warc_length_over_the_bound_that_lies_loses_no_later_record(tmp_path, declared, extra):
    # The second of ten records declares 9,000,000 bytes (past the end of the file) or 300,000
    # (into the later records): before the fix the reader skipped that many bytes and every later
    # record vanished, the manifest saying ok with read 3 (warcinfo, one article, one reject).
    dump = tmp_path / "dump"
    dump.mkdir()
    data = _set_length(dumps.warc_dump(_pages(10)), "https://example.org/1", declared)
    (dump / "crawl.warc").write_bytes(data)
    code, articles, rejects, m = _run(tmp_path, f"{dump}/", *extra)
    assert code == 0 and m["counts"]["ok"]
    assert sorted(a["url"] for a in articles) == sorted(f"https://example.org/{i}" for i in range(10) if i != 1)
    assert [(r["error_type"], r["locator"].split(";")[0]) for r in rejects] == [("warc_bad_length", "record=3")]
    assert declared in rejects[0]["message"] and "--max-record-bytes" in rejects[0]["message"]
    c = m["counts"]
    assert (c["read"], c["written"], c["rejected"], c["skipped"]) == (11, 9, 1, 1)  # the warcinfo record is skipped


def test_warc_lying_block_over_records_each_over_the_bound_rejects_each_of_them(tmp_path):
    # The lying block runs over three real records that are each over the bound: the reader cannot
    # hold them to re-read them, so each is its own record_too_large reject (offset, length), never lost.
    big = [("response", f"https://example.org/big{i}", 200, "text/html", b"<p>" + b"z" * 5000 + b"</p>") for i in range(3)]
    pages = _pages(4)
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "crawl.warc").write_bytes(_set_length(dumps.warc_dump([*pages[:2], *big, *pages[2:]]), "https://example.org/1", "900000"))
    code, articles, rejects, m = _run(tmp_path, f"{dump}/", "--max-record-bytes", "4000")
    assert code == 0 and m["counts"]["ok"] and m["counts"]["read"] == 8
    assert sorted(a["url"] for a in articles) == [f"https://example.org/{i}" for i in (0, 2, 3)]
    assert sorted((r["error_type"], r["locator"].split(";")[0]) for r in rejects) == [
        ("record_too_large", "record=4"),
        ("record_too_large", "record=5"),
        ("record_too_large", "record=6"),
        ("warc_bad_length", "record=3"),
    ]


def test_warc_honest_record_over_the_bound_is_one_reject_and_the_next_are_read(tmp_path):
    # A record really over the bound whose payload holds WARC-looking lines: skipped whole, nothing inside it read.
    inner = dumps.warc_dump(_pages(2))
    big = ("response", "https://example.org/big", 200, "text/html", b"<html><body><pre>\r\n" + inner * 40 + b"</pre></body></html>")
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "crawl.warc").write_bytes(dumps.warc_dump([big, *_pages(3)]))
    code, articles, rejects, m = _run(tmp_path, f"{dump}/", "--max-record-bytes", "100000")
    assert code == 0 and m["counts"]["ok"]
    assert sorted(a["url"] for a in articles) == [f"https://example.org/{i}" for i in range(3)]
    assert [r["error_type"] for r in rejects] == ["record_too_large"]


def test_warc_negative_length_has_its_own_reason(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "crawl.warc").write_bytes(_set_length(dumps.warc_dump(_pages(4)), "https://example.org/1", "-5"))
    code, articles, rejects, m = _run(tmp_path, f"{dump}/")
    assert code == 0 and m["counts"]["ok"]
    assert sorted(a["url"] for a in articles) == [f"https://example.org/{i}" for i in (0, 2, 3)]
    assert [r["error_type"] for r in rejects] == ["warc_bad_header"]
    assert "negative" in rejects[0]["message"] and "max-record-bytes" not in rejects[0]["message"]


# ---- 15. symlinks out of the input root -----------------------------------------------------------

POST = "Council Approves Cycle Lanes\n\n2024-05-01 10:00:00\n\n" + "\n\n".join(dumps.PARAS) + "\n"
SECRET = "Root Account Notes\n\n2024-05-01 10:00:00\n\n" + "\n\n".join(p.replace("city", "server") for p in dumps.PARAS) + "\n"


@pytest.fixture
def dump_with_outside_link(tmp_path_factory) -> tuple[Path, Path]:
    """A dump with a post, a link to it (inside) and a link to a file in another folder (the stand-in for /etc/passwd)."""
    outside = tmp_path_factory.mktemp("elsewhere") / "passwd"
    outside.write_text(SECRET)
    dump = tmp_path_factory.mktemp("dump")
    (dump / "a.txt").write_text(POST)
    os.symlink("a.txt", dump / "inside_link.txt")
    os.symlink(outside, dump / "sub_link.txt")
    return dump, outside


def test_symlink_out_of_the_input_root_is_a_reject_not_an_article(tmp_path, dump_with_outside_link):
    dump, outside = dump_with_outside_link
    code, articles, rejects, m = _run(tmp_path, f"{dump}/")
    assert code == 0 and m["counts"]["ok"] and m["counts"]["read"] == 3
    assert sorted(os.path.basename(a["source_uri"]) for a in articles) == ["a.txt", "inside_link.txt"]
    assert not any("server" in a["text"] for a in articles)
    (rej,) = rejects
    assert rej["error_type"] == "symlink_outside_root" and rej["source_uri"].endswith("sub_link.txt") and rej["raw"] is None
    assert str(outside) in rej["message"] and "--follow-symlinks" in rej["message"]
    (line,) = [f for f in m["files"] if f["source_uri"].endswith("sub_link.txt")]
    assert line["rejected"] == 1 and line["xxh3_128"] is None  # never opened


def test_follow_symlinks_reads_the_link_out_of_the_root(tmp_path, dump_with_outside_link):
    dump, _ = dump_with_outside_link
    code, articles, rejects, m = _run(tmp_path, f"{dump}/", "--follow-symlinks")
    assert code == 0 and m["counts"]["ok"] and not rejects and len(articles) == 3
    assert m["options"]["follow_symlinks"] is True


# ---- 7. source_uri is absolute: explain works from any folder --------------------------------------


def test_source_uri_is_absolute_and_explain_works_from_another_folder(tmp_path, monkeypatch, capsys):
    from wirestrip.pipeline.cli import main as cli

    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    (work / "dump" / "day1").mkdir(parents=True)
    elsewhere.mkdir()
    (work / "dump" / "day1" / "a.txt").write_text(POST)
    monkeypatch.chdir(work)
    code, articles, _, m = _run(tmp_path, "dump/")  # a relative input, as typed in a shell
    assert code == 0
    (row,) = articles
    assert row["source_uri"] == str(work / "dump" / "day1" / "a.txt") and m["files"][0]["source_uri"] == row["source_uri"]
    assert m["files"][0]["rel_path"] == "day1/a.txt"  # doc_id is still derived from the name below the input root
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()
    assert cli(["explain", str(tmp_path / "out"), "--doc-id", row["doc_id"], "--color", "never"]) == 0
    assert "Council Approves Cycle Lanes" in capsys.readouterr().out


def test_doc_ids_do_not_depend_on_the_folder_the_run_started_in(tmp_path, monkeypatch):
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "a.txt").write_text(POST)
    monkeypatch.chdir(tmp_path)
    _, relative, _, _ = _run(tmp_path / "r", "dump/")
    _, absolute, _, _ = _run(tmp_path / "a", f"{tmp_path}/dump/")
    assert [r["doc_id"] for r in relative] == [r["doc_id"] for r in absolute]


# ---- minor: UTF-16 CSV, corrupt gzip members ----------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])  # utf-16: with a byte order mark
def test_utf16_csv_is_rejected_saying_it_is_utf16(tmp_path, encoding):
    dump = tmp_path / "dump"
    dump.mkdir()
    csv_text = dumps.csv_dump([{"title": "Cycle lanes", "text": " ### ".join(dumps.PARAS)}]).decode()
    (dump / "rows.csv").write_bytes(csv_text.encode(encoding))
    code, articles, rejects, m = _run(tmp_path, f"{dump}/")
    assert code == 0 and m["counts"]["ok"] and not articles
    (rej,) = rejects
    assert rej["error_type"] == "unsupported_encoding" and "UTF-16" in rej["message"] and "iconv" in rej["message"]


def _members(fmt: str, n: int = 10, lines: int = 100) -> list[bytes]:
    """A multi-member gzip dump (block-gzip writers, `cat a.gz b.gz`): n members of `lines` records."""
    out = []
    for m in range(n):
        texts = [f"Story {m}-{i}. " + " ".join(dumps.PARAS) for i in range(lines)]
        if fmt == "jsonl":
            body = dumps.jsonl_dump([{"title": f"Story {m}-{i}", "text": t} for i, t in enumerate(texts)])
        else:
            body = dumps.csv_dump([{"title": f"Story {m}-{i}", "text": t} for i, t in enumerate(texts)])
            body = body if m == 0 else body.split(b"\n", 1)[1]  # one header, in the first member
        out.append(gzip.compress(body, mtime=0))
    return out


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_corrupt_gzip_member_loses_only_its_own_lines(tmp_path, fmt, capsys):
    # Before: member 5 of 10 damaged made every line from there on one corrupt_input reject (500 lost).
    members = _members(fmt)
    bad = bytearray(members[4])
    bad[40:70] = bytes(b ^ 0x55 for b in bad[40:70])
    members[4] = bytes(bad)
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / f"day.{fmt}.gz").write_bytes(b"".join(members))
    code, articles, rejects, m = _run(tmp_path, f"{dump}/")
    assert code == 0 and m["counts"]["ok"] and (m["counts"]["read"], m["counts"]["written"]) == (901, 900)
    assert {a["title"].split()[1].split("-")[0] for a in articles} == {str(k) for k in range(10) if k != 4}
    (rej,) = rejects
    start = sum(len(x) for x in members[:4])
    assert rej["error_type"] == "corrupt_input" and rej["locator"].endswith(f"gzip_bytes={start}-{start + len(members[4])}")
    assert rej["raw"] == members[4]  # the damaged span's compressed bytes, for a recovery tool
    # A story after the damage is found again by `explain` (offsets after the gap agree).
    from wirestrip.pipeline.cli import main as cli

    last = max(articles, key=lambda a: int(a["locator"].split("bytes=")[1].split("-")[0]))
    capsys.readouterr()
    assert cli(["explain", str(tmp_path / "out"), "--doc-id", last["doc_id"], "--color", "never"]) == 0
    assert last["title"] in capsys.readouterr().out


# ---- 13. a file expanding to more records than --max-records-per-file -----------------------------------


def test_tiny_records_past_max_records_per_file_are_counted_and_rejected(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "tiny.jsonl.gz").write_bytes(gzip.compress(b'{"text":"x"}\n' * 20_000, mtime=0))
    code, articles, rejects, m = _run(tmp_path, f"{dump}/", "--max-records-per-file", "1000")
    assert code == 0 and len(articles) == 1000
    (rej,) = rejects
    assert rej["error_type"] == "too_many_records" and rej["locator"] == "bytes=13000-13013" and rej["raw"] == b'{"text":"x"}\n'
    c = m["counts"]
    assert c["ok"] and (c["read"], c["written"], c["rejected"], c["skipped"]) == (20_000, 1000, 1, 18_999)
    (line,) = m["files"]
    assert (
        line["skipped_by_reason"] == {"past_max_records": 18_999} and line["read"] == line["written"] + line["rejected"] + line["skipped"]
    )
    assert m["options"]["max_records_per_file"] == 1000
