"""Cleaned articles leave their raw bytes in the input file: a reject of a stage after cleaning (the
learned-line pass, the rows) reads them again by locator, so its row keeps the very bytes the reader
read, bounded by --max-reject-raw-bytes and masked by --redact-removed as before. When the file
changed since it was read, or is gone, the reject keeps the hash and its message says so; the run
still reconciles and commits."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import wirestrip.transforms.clean.beam_clean as clean_stage
from wirestrip.transforms.beam_safe import RAW_NOT_KEPT, left_in_input, reject_of
from wirestrip.transforms.clean.redact import redact_bytes
from wirestrip.transforms.hashing import raw_sha
from wirestrip.transforms.record_types import RawRecord, Reject

from tests.helpers import read_table, run_cli

RUN_DATE = "2025-08-02"
TAGLINE = "Harbour Courier - news from the waterfront"
SIGNOFF = "((ana.lima@example.com; +44 20 7542 9406))"  # credit.wire_contact: removed by the first pass
# Its only body line is the site's tagline, which the learned-line pass strips: a clean_learned reject.
LONE = f"Courier notice\n\n{TAGLINE}\n\n{SIGNOFF}\n".encode()


def _dump(root: Path) -> Path:
    site = root / "in" / "courier"
    site.mkdir(parents=True)
    topics = "ferries trams bridges parks markets tunnels".split()
    for i, t in enumerate(topics):
        body = f"The city approved new {t} spending on Monday after a vote that split the council over {topics[i - 1]}."
        (site / f"{i}.txt").write_text(f"Story {t}\n\n{body}\n\nMore on {t} and {topics[i - 2]} later today.\n\n{TAGLINE}\n")
    (site / "lone.txt").write_bytes(LONE)
    return site / "lone.txt"


def _run(root: Path, *extra: str) -> Path:
    out = root / "out"
    assert run_cli("--input", f"{root}/in/**", "--output", str(out), "--run-date", RUN_DATE, *extra) == 0
    return out


def _late_reject(out: Path) -> dict:
    (rej,) = read_table(out, "rejects")
    assert (rej["stage"], rej["error_type"]) == ("clean_learned", "no_article_text")
    assert len(read_table(out, "articles")) == 6
    (manifest,) = [json.loads(p.read_text()) for p in (out / "_manifests").glob("*.json")]
    assert manifest["status"] == "succeeded" and manifest["counts"]["rejected"] == 1
    return rej


def test_a_late_stage_reject_keeps_the_raw_bytes_read_again_from_the_file(tmp_path):
    lone = _dump(tmp_path)
    rej = _late_reject(_run(tmp_path))
    assert rej["source_uri"] == str(lone)
    assert rej["raw"] == LONE and rej["raw_size"] == len(LONE) and rej["raw_sha"] == raw_sha(LONE)
    assert rej["raw_truncated"] is False and RAW_NOT_KEPT not in rej["message"]


def test_redaction_and_the_raw_bound_apply_to_the_bytes_read_again(tmp_path):
    _dump(tmp_path)
    rej = _late_reject(_run(tmp_path, "--redact-removed", "--max-reject-raw-bytes", "90"))
    assert rej["raw"] == redact_bytes(LONE)[:90] and b"example.com" in LONE[:90] and b"example.com" not in rej["raw"]
    assert rej["raw_truncated"] is True and rej["raw_size"] == len(LONE)
    assert rej["raw_sha"] == raw_sha(LONE)  # the hash of the bytes as read, not of the masked ones


@pytest.mark.parametrize("change", ["rewritten", "deleted"])
def test_a_reject_whose_file_changed_keeps_the_hash_and_says_so(tmp_path, monkeypatch, change):
    lone = _dump(tmp_path)
    clean_article = clean_stage.clean_article

    def change_then_clean(parsed, *args, **kwargs):
        # The learned-line pass runs after every record was read: the file changes in between.
        if kwargs.get("learned") is not None and parsed.record.source_uri == str(lone) and lone.exists():
            if change == "rewritten":
                lone.write_bytes(LONE.replace(b"Courier", b"COURIER"))  # same size, other bytes
            else:
                lone.unlink()
        return clean_article(parsed, *args, **kwargs)

    monkeypatch.setattr(clean_stage, "clean_article", change_then_clean)
    rej = _late_reject(_run(tmp_path))
    assert (rej["raw"], rej["raw_size"], rej["raw_truncated"]) == (None, None, False)
    assert rej["raw_sha"] == raw_sha(LONE) and rej["source_uri"] == str(lone)
    assert rej["message"].startswith("no body paragraph left") and f"[{RAW_NOT_KEPT}: " in rej["message"]
    assert ("changed since it was read" if change == "rewritten" else "cannot be read again") in rej["message"]


# --- the functions under it --------------------------------------------------------------------------


def _record(path: Path, data: bytes, start: int, end: int) -> RawRecord:
    raw = data[start:end]
    return RawRecord(str(path), path.name, f"post=1;bytes={start}-{end}", "txt", raw, raw_sha(raw), "d1")


def test_left_in_input_drops_only_the_raw_bytes(tmp_path):
    path = tmp_path / "dump.txt"
    data = b"first post\n=====\nsecond post, the rejected one\n"
    path.write_bytes(data)
    rec = _record(path, data, 17, len(data))
    slim = left_in_input(rec)
    assert slim.raw is None and slim == RawRecord(rec.source_uri, rec.rel_path, rec.locator, "txt", None, rec.raw_sha, "d1")  # type: ignore[arg-type]
    assert reject_of(slim, "rows", "exception", "boom") == Reject.of(rec, "rows", "exception", "boom")
    assert reject_of(rec, "rows", "exception", "boom") == Reject.of(rec, "rows", "exception", "boom")  # bytes at hand: no read


def test_an_unreadable_input_never_loses_the_reject(tmp_path):
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)  # the readers' opener refuses it instead of blocking
    slim = RawRecord(str(fifo), "fifo.txt", "post=0;bytes=0-5", "txt", None, raw_sha(b"hello"), "d2")  # type: ignore[arg-type]
    rej = reject_of(slim, "clean_learned", "no_article_text", "no body")
    assert (rej.raw, rej.raw_size, rej.raw_sha, rej.doc_id, rej.locator) == (None, None, raw_sha(b"hello"), "d2", "post=0;bytes=0-5")
    assert "not a regular file" in rej.message and rej.message.startswith("no body\n")
    odd = RawRecord(str(fifo), "fifo.txt", "nonsense", "txt", None, "0", "d3")  # type: ignore[arg-type]
    assert "cannot re-read locator" in reject_of(odd, "rows", "exception", "x").message
