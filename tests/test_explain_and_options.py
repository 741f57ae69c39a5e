"""`wirestrip explain`, `--redact-removed` and learned lines across runs, through the real CLI."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest
from wirestrip.pipeline.cli import main as cli

from tests.helpers import SAMPLES, read_table, run_cli

SIGNOFF = "((ana.lima@example.com; +44 20 7542 9406))"
TAGLINE = "Harbour Courier - news from the waterfront"


@pytest.fixture(scope="module")
def run_out(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("in")
    site = src / "courier"
    site.mkdir()
    topics = "ferries trams bridges parks markets tunnels".split()
    for i, t in enumerate(topics):
        body = f"The city approved new {t} spending on Monday after a vote that split the council over {topics[i - 1]}."
        (site / f"{i}.txt").write_text(f"Story {t}\n\n{body}\n\nMore on {t} and {topics[i - 2]} later today.\n\n{TAGLINE}\n\n{SIGNOFF}\n")
    (site / "bad.txt").write_bytes(b"\xff\xfe broken ana.lima@example.com \xff")
    out = tmp_path_factory.mktemp("out")
    assert run_cli("--input", f"{src}/**", "--output", str(out), "--run-date", "2025-01-02", "--redact-removed") == 0
    return out


def test_redact_removed_masks_removed_and_rejects(run_out):
    rows = read_table(run_out, "articles")
    removed = [r["text"] for row in rows for r in row["removed"]]
    assert removed and not any("example.com" in t or "9406" in t for t in removed)
    assert all(row["origin_agency"] == "Reuters" for row in rows)
    (rej,) = read_table(run_out, "rejects")
    assert b"example.com" not in rej["raw"] and len(rej["raw"]) == rej["raw_size"]


def test_learned_lines_are_written_and_stripped(run_out):
    rows = read_table(run_out, "articles")
    assert len(rows) == 6 and not any(TAGLINE in r["text"] for r in rows)
    assert all(any(x["rule_id"].startswith("learned:") for x in r["removed"]) for r in rows)
    (learned,) = [json.loads(line) for f in glob.glob(f"{run_out}/learned/*/*.jsonl") for line in open(f)]
    assert learned["example"] == TAGLINE and learned["support"] == 6 and learned["group"] == "folder:courier"


def test_learned_lines_feed_the_next_run(run_out, tmp_path):
    src = tmp_path / "in" / "courier"
    src.mkdir(parents=True)
    (src / "one.txt").write_text(f"Lone story\n\nThe ferry timetable changes on Sunday, the operator said.\n\n{TAGLINE}\n")
    out = tmp_path / "out"
    base = ["--input", f"{tmp_path}/in/**", "--output", str(out), "--run-date", "2025-01-03"]
    assert run_cli(*base) == 0
    assert TAGLINE in read_table(out, "articles")[0]["text"]  # one story: no support of its own
    assert run_cli(*base, "--learned-lines", f"{run_out}/learned/**/*.jsonl") == 0
    assert TAGLINE not in read_table(out, "articles")[0]["text"]
    assert run_cli(*base, "--learned-lines", f"{tmp_path}/nothing/*.jsonl") == 2


def test_explain_marks_removed_spans(run_out, capsys):
    row = read_table(run_out, "articles")[0]
    assert cli(["explain", str(run_out), "--doc-id", row["doc_id"], "--color", "never"]) == 0
    shown = capsys.readouterr().out
    assert "[credit.wire_contact]" in shown and "origin_agency_rule: credit.wire_contact" in shown
    assert "(support 6 stories)]" in shown and "[learned:" in shown
    assert cli(["explain", str(run_out), "--doc-id", row["doc_id"], "--html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!doctype html>") and 'title="credit.wire_contact"' in page
    assert cli(["explain", str(run_out), "--doc-id", "no-such-id"]) == 1


def test_explain_shows_a_reject_with_its_reason(run_out, capsys):
    (rej,) = read_table(run_out, "rejects")
    assert cli(["explain", str(run_out), "--doc-id", rej["doc_id"], "--color", "never"]) == 0
    shown = capsys.readouterr().out
    assert "unsupported_encoding" in shown and "iconv -f UTF-16LE -t UTF-8" in shown  # bad.txt starts with a UTF-16 BOM


def test_samples_dir_exists():
    assert SAMPLES.is_dir()


def test_dedup_options_are_generated_from_dedup_params():
    from apache_beam.options.pipeline_options import PipelineOptions
    from wirestrip.pipeline.options import DEDUP_FIELDS, WirestripOptions, dedup_params, run_parser
    from wirestrip.transforms.dedup.fingerprint import DedupParams

    assert dedup_params(PipelineOptions([]).view_as(WirestripOptions)) == DedupParams()
    opts = PipelineOptions(["--dedup_jaccard", "0.7", "--dedup-verify", "estimated"]).view_as(WirestripOptions)
    assert dedup_params(opts) == DedupParams(jaccard_threshold=0.7, verify="estimated")
    shown = " ".join(run_parser().format_help().split())
    for f in DEDUP_FIELDS:
        flag = f.metadata["option"]
        assert f"--{flag.replace('_', '-')}" in shown and f"--{flag}" in shown
    assert "Default: 0.5." in shown and "%(default)s" not in shown
