"""Nothing lost, no surprise: the command-line traps that used to commit an empty day, accept an odd
date, crash with a traceback or create folders now stop with exit 2 and one line saying what to fix,
and leave what is on disk as it was. Every test goes through `wirestrip` itself (in-process
`cli.main`, or the installed console script where the whole stderr matters)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from wirestrip.pipeline.cli import main

from tests.helpers import read_table

DAY = "2025-08-02"
GOOD = (
    "Harbour cranes idle\n\n2024-04-08 22:51:46\n\nRotterdam:\n\n"
    "Dockers walked out on Monday and said they would stay out until the port authority met them.\n\nSource link\n"
)


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every regular file below root with its bytes: what "untouched" is checked against."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}


def _one_error_line(err: str) -> str:
    """The stderr of a refused command: exactly one line, an error, no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0] and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.txt").write_text(GOOD)
    return folder


# --- 4. an input glob that matches nothing --------------------------------------------------


def test_glob_matching_nothing_is_refused_and_the_day_is_kept(tmp_path, dump, capsys):
    out = tmp_path / "out"
    assert main(["run", "--input", f"{dump}/*.txt", "--output", str(out), "--run-date", DAY]) == 0
    before = _snapshot(out)
    assert len(read_table(out, "articles")) == 1
    capsys.readouterr()

    # The rerun of the day with yesterday's folder name typed wrong: refused before anything runs.
    typo = f"{dump}/*.jsonl"
    code = main(["run", "--input", f"{dump}/*.txt", "--input", typo, "--output", str(out), "--run-date", DAY])
    line = _one_error_line(capsys.readouterr().err)
    assert code == 2 and typo in line and "--allow-empty-input" in line
    assert _snapshot(out) == before, "a refused run must leave the output (and its manifests) as they were"


def test_allow_empty_input_keeps_the_old_behaviour(tmp_path, dump, capsys):
    out = tmp_path / "out"
    assert main(["run", "--input", f"{dump}/*.txt", "--output", str(out), "--run-date", DAY]) == 0
    empty = f"{dump}/nothing/*.txt"
    assert main(["run", "--input", empty, "--output", str(out), "--run-date", DAY, "--allow-empty-input"]) == 0
    assert "input pattern matched no file" in capsys.readouterr().err
    assert read_table(out, "articles") == [], "an empty day, asked for, replaces the day's rows"
    (manifest,) = [m for m in (json.loads(p.read_text()) for p in (out / "_manifests").glob("*.json")) if m["counts"]["read"] == 0]
    assert manifest["status"] == "succeeded" and manifest["warnings"] == [f"input pattern matched no file: {empty}"]


def test_a_glob_matching_only_a_broken_link_is_not_empty(tmp_path, capsys):
    """What a glob reaches but cannot read is a reject (nothing lost), not an empty input."""
    folder = tmp_path / "in"
    folder.mkdir()
    os.symlink(folder / "gone.txt", folder / "link.txt")
    out = tmp_path / "out"
    assert main(["run", "--input", f"{folder}/*.txt", "--output", str(out), "--run-date", DAY]) == 0
    assert [r["error_type"] for r in read_table(out, "rejects")] == ["unreadable_file"]


# --- 5. --run-date is YYYY-MM-DD and nothing else -------------------------------------------


@pytest.mark.parametrize("value", ["20250802", "2025-W31-6", "2025-214", "2025-8-2", "2025-02-30", "2025-08-02T00:00"])
def test_run_date_other_than_yyyy_mm_dd_is_refused(tmp_path, dump, capsys, value):
    out = tmp_path / "out"
    code = main(["run", "--input", f"{dump}/*.txt", "--output", str(out), "--run-date", value])
    line = _one_error_line(capsys.readouterr().err)
    assert code == 2 and repr(value) in line and "YYYY-MM-DD" in line
    assert not out.exists()


# --- 6. --output a file, an unknown runner, a report of nothing --------------------------------


@pytest.mark.parametrize("below", [False, True], ids=["the-file", "below-the-file"])
def test_output_that_is_a_regular_file_is_refused(tmp_path, dump, capsys, below):
    target = tmp_path / "out.parquet"
    target.write_bytes(b"keep me")
    output = target / "sub" if below else target
    code = main(["run", "--input", f"{dump}/*.txt", "--output", str(output), "--run-date", DAY])
    line = _one_error_line(capsys.readouterr().err)
    assert code == 2 and str(target) in line and "not a directory" in line
    assert target.read_bytes() == b"keep me" and _snapshot(tmp_path) == {"in/story.txt": GOOD.encode(), "out.parquet": b"keep me"}


def test_output_a_file_from_the_console_script_is_one_line(tmp_path, dump):
    """The installed command, whole stderr: one line (it was a 180-line traceback and exit 1)."""
    target = tmp_path / "out"
    target.write_text("x")
    exe = Path(sys.executable).with_name("wirestrip")
    proc = subprocess.run(
        [str(exe), "run", "--input", f"{dump}/*.txt", "--output", str(target)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert _one_error_line(proc.stderr).startswith("wirestrip: error: --output")


@pytest.mark.parametrize("runner", ["Foo", "no.such.module.Runner", "apache_beam.runners.runner.NotThere", "json.JSONDecoder"])
def test_unknown_runner_is_refused_before_the_run(tmp_path, dump, capsys, runner):
    out = tmp_path / "out"
    code = main(["run", "--input", f"{dump}/*.txt", "--output", str(out), "--runner", runner])
    line = _one_error_line(capsys.readouterr().err)
    assert code == 2 and f"--runner {runner}" in line
    assert not out.exists(), "no manifest, no folder: nothing ran"


def test_known_runner_names_still_resolve(tmp_path, dump, capsys):
    """Beam's names in any case and without the Runner suffix, as Beam itself accepts them."""
    out = tmp_path / "out"
    assert main(["run", "--input", f"{dump}/*.txt", "--output", str(out), "--runner", "direct", "--run-date", DAY]) == 0
    from wirestrip.pipeline.options import runner_problem

    for name in ("DirectRunner", "directrunner", "FnApiRunner", "PortableRunner", "apache_beam.runners.direct.direct_runner.DirectRunner"):
        assert runner_problem(name) is None, name


@pytest.mark.parametrize("kind", ["missing", "missing-below", "a-file"])
def test_report_of_nothing_is_refused_and_creates_nothing(tmp_path, capsys, kind):
    (tmp_path / "afile").write_text("x")
    target = {"missing": tmp_path / "nope", "missing-below": tmp_path / "nope" / "out", "a-file": tmp_path / "afile"}[kind]
    before = _snapshot(tmp_path)
    code = main(["report", str(target)])
    line = _one_error_line(capsys.readouterr().err)
    assert code == 2 and str(target) in line
    assert _snapshot(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


# --- 8. per-file counts reconcile with the rows written ------------------------------------------


def test_manifest_per_file_counts_match_the_rows_of_each_file(tmp_path, dump):
    """A file whose one record is rejected at parse (not UTF-8) and one whose only post is
    boilerplate (rejected by the cleaner) say rejected=1; each file's counts add up to its rows."""
    (dump / "bad.txt").write_bytes(b"Title \xff\xfe\n\n" + bytes(range(0x80, 0xFF)) * 20 + b"\n\nmore \x81\x8d text\n")
    (dump / "boiler.txt").write_text("Harbour cranes idle\n\n2024-04-08 22:51:46\n\nSource link\n\nLoading\n")
    out = tmp_path / "out"
    assert main(["run", "--input", f"{dump}/*.txt", "--output", str(out), "--run-date", DAY]) == 0
    (path,) = (out / "_manifests").glob("*.json")
    files = {Path(f["source_uri"]).name: f for f in json.loads(path.read_text())["files"]}
    articles, rejects = read_table(out, "articles"), read_table(out, "rejects")
    stages = {Path(r["source_uri"]).name: r["stage"] for r in rejects}
    assert stages == {"bad.txt": "parse", "boiler.txt": "clean"}
    for name, f in files.items():
        written = sum(Path(a["source_uri"]).name == name for a in articles)
        rejected = sum(Path(r["source_uri"]).name == name for r in rejects)
        assert (f["written"], f["rejected"], f["skipped"]) == (written, rejected, 0), name
        assert f["read"] == f["written"] + f["rejected"] + f["skipped"] == 1, name
    assert files["bad.txt"]["rejected_by_stage"] == {"parse": 1}
    assert files["boiler.txt"]["rejected_by_stage"] == {"clean": 1}
    assert files["story.txt"]["rejected_by_stage"] == {}
