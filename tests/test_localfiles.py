"""Local-disk safety: what Beam's listing drops is surfaced, and only regular files are opened.

The unlistable-folder cases simulate the PermissionError that a non-root user gets (this suite
runs as root in CI, where chmod 000 does not stop a listing)."""

from __future__ import annotations

import os

import pytest
from wirestrip.transforms.read import beam_files as localfiles
from wirestrip.transforms.read.beam_files import unlisted_entries
from wirestrip.transforms.read.files import link_outside_root, open_regular
from wirestrip.transforms.record_types import RecordError


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("b")
    os.symlink("missing.txt", tmp_path / "broken.txt")
    os.symlink("loop2.txt", tmp_path / "loop1.txt")
    os.symlink("loop1.txt", tmp_path / "loop2.txt")
    os.symlink("..", tmp_path / "sub" / "up")  # a folder loop: never followed
    (tmp_path / "private").mkdir()
    return tmp_path


def test_broken_and_looping_links_are_surfaced_once(tree):
    listed = {str(tree / "a.txt"), str(tree / "sub" / "b.txt")}
    got = unlisted_entries(f"{tree}/**", listed)
    assert got == sorted(str(tree / n) for n in ("broken.txt", "loop1.txt", "loop2.txt"))
    assert unlisted_entries(f"{tree}/*.txt", listed) == got
    assert unlisted_entries(f"{tree}/a*.txt", listed) == []  # only what the pattern names
    assert unlisted_entries(str(tree / "broken.txt"), set()) == [str(tree / "broken.txt")]  # a single path, no glob
    assert unlisted_entries("gs://bucket/*.txt", set()) == []  # object stores have neither links nor folders


def test_unlistable_folder_is_surfaced_only_where_the_pattern_reaches(tree, monkeypatch):
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path).endswith("private"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    private = str(tree / "private")
    assert private in unlisted_entries(f"{tree}/**", set())
    assert private in unlisted_entries(f"{tree}/*/*.txt", set())
    assert private not in unlisted_entries(f"{tree}/*.txt", set())  # the pattern never looks inside folders
    assert private not in unlisted_entries(f"{tree}/sub/**", set())

    # ReadFile then opens the surfaced folder; a non-root user gets EACCES, which becomes the reject.
    def denied(*args):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(localfiles.os, "open", denied)
    with pytest.raises(RecordError) as err:
        open_regular(private)
    assert err.value.error_type == "unreadable_file" and "Permission denied" in err.value.message


@pytest.mark.parametrize(
    "make,error_type,words",
    [
        (lambda p: os.mkfifo(p), "not_a_regular_file", "a FIFO"),
        (lambda p: os.mkdir(p), "not_a_regular_file", "a directory, not a regular file (end --input with '/'"),
        (lambda p: os.symlink("/dev/zero", p), "not_a_regular_file", "a device or socket"),
        (lambda p: os.symlink("nowhere", p), "unreadable_file", "broken or looping symbolic link"),
    ],
    ids=["fifo", "directory", "dev_zero", "broken_link"],
)
def test_only_regular_files_are_opened(tmp_path, make, error_type, words):
    path = tmp_path / "x.txt"
    make(path)
    with pytest.raises(RecordError) as err:
        open_regular(str(path))  # returns at once: a FIFO does not block, /dev/zero is not read
    assert err.value.error_type == error_type and words in err.value.message


def test_regular_file_and_link_to_it_are_read(tmp_path):
    (tmp_path / "f.txt").write_bytes(b"hello")
    os.symlink("f.txt", tmp_path / "l.txt")
    for name in ("f.txt", "l.txt"):
        with open_regular(str(tmp_path / name)) as f:
            assert f.read() == b"hello"


def test_link_outside_root_follows_every_hop_and_the_root_may_be_a_link(tmp_path):
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "a.txt").write_text("a")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "secret").write_text("s")
    os.symlink(tmp_path / "dump", tmp_path / "dump_link")  # the root itself reached through a link
    os.symlink(tmp_path / "dump" / "a.txt", tmp_path / "dump" / "abs_inside.txt")
    os.symlink("../other/secret", tmp_path / "dump" / "out.txt")
    os.symlink("out.txt", tmp_path / "dump" / "hop.txt")  # inside first, outside in the end
    os.symlink("missing.txt", tmp_path / "dump" / "broken.txt")  # stays inside: unreadable_file when opened
    root = str(tmp_path / "dump_link") + "/"
    verdict = {n: link_outside_root(f"{root}{n}", root) for n in ("a.txt", "abs_inside.txt", "out.txt", "hop.txt", "broken.txt")}
    secret = os.path.realpath(tmp_path / "other" / "secret")
    assert verdict == {"a.txt": None, "abs_inside.txt": None, "out.txt": secret, "hop.txt": secret, "broken.txt": None}
    assert link_outside_root(str(tmp_path / "dumpster.txt"), str(tmp_path / "dump")) is not None  # a prefix is not a parent
