"""Progress lines on long runs, and the closing lines that say where the output went."""

from __future__ import annotations

import re

from wirestrip.transforms.beam_progress import progress_line

from tests.helpers import SAMPLES, run_cli


def test_progress_line_format():
    assert progress_line("read", "records", 12345, 10.0) == "wirestrip: [read] 12,345 records, 1,234/s (10s)"
    assert progress_line("clean", "articles", 0, 0.0) == "wirestrip: [clean] 0 articles, 0/s (0s)"


def test_run_prints_progress_and_where_the_output_went(tmp_path, capsys):
    out = tmp_path / "out"
    assert run_cli("--input", f"{SAMPLES}/**", "--output", str(out), "--run-date", "2025-08-02", "--progress-seconds", "0.000001") == 0
    captured = capsys.readouterr()
    read_counts = [int(n.replace(",", "")) for n in re.findall(r"\[read\] ([\d,]+) records", captured.err)]
    assert read_counts and max(read_counts) <= 16 and read_counts == sorted(read_counts)
    assert re.search(r"\[clean\] [\d,]+ articles, [\d,]+/s", captured.err)
    file_counts = [int(n) for n in re.findall(r"\[read\] (\d+) files", captured.err)]
    assert file_counts and max(file_counts) <= 14
    assert f"articles: {out}/articles/" in captured.out
    assert f"wirestrip report {out}" in captured.out


def test_progress_can_be_turned_off(tmp_path, capsys):
    assert run_cli("--input", f"{SAMPLES}/misc/*.txt", "--output", str(tmp_path / "o"), "--progress-seconds", "0") == 0
    assert "[read]" not in capsys.readouterr().err
