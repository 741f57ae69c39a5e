"""Adversarial input cases (the txt reader, and compressed JSON Lines and CSV), each generated into an empty folder.

A case's `build(folder)` writes its files and returns what must come out: for each file name
(relative to the folder), the outcome of each of its records in file order, either "article"
or the `error_type` of its reject. Files the glob must not reach map to nothing (they are not
listed). Everything is generated from fixed content: the same case gives the same bytes.

New readers (csv, jsonl, html, warc, rss, compressed inputs) add their cases here with the
same shape: the runner and the checks in tests/test_adversarial.py need no change.
"""

from __future__ import annotations

import codecs
import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Expect = dict[str, tuple[str, ...]]
MIB = 1 << 20
ARTICLE = "article"


@dataclass(frozen=True)
class Case:
    """One adversarial input: how to build it, which options to run it with, what it shows."""

    name: str
    what: str
    build: Callable[[Path], Expect]
    args: tuple[str, ...] = ()  # extra `wirestrip run` options (small limits keep the suite fast)
    pattern: str = "**"  # --input, relative to the case folder
    heavy: bool = False  # writes ~100 MB: run it, but only once
    exit_code: int = 0
    notes: tuple[str, ...] = field(default=())
    skipped: int = 0  # records the manifest must count as skipped (not in the outcomes: no row stands for them)


def post(title: str, *paragraphs: str) -> str:
    """A scraped post in the txt layout: title, blank line, paragraphs separated by blank lines."""
    return "\n\n".join((title, *paragraphs)) + "\n"


GOOD = post("Harbour cranes idle", "2024-04-08 22:51:46", "Rotterdam:", "Dockers walked out on Monday.", "Source link")
SEPARATOR = "\n=====\n"


def _write(folder: Path, name: str, data: bytes | str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _single_line(size: int, seed_words: tuple[bytes, ...] = (b"port", b"strike", b"minister", b"said", b"Monday")) -> bytes:
    unit = b" ".join(seed_words * 40) + b" "
    return (unit * (size // len(unit) + 1))[:size]


# --- sizes ---------------------------------------------------------------------------------


def build_long_lines_small_limits(folder: Path) -> Expect:
    """With --max-file-bytes 1 MiB and --max-record-bytes 256 KiB: the same checks as 100 MB at 1/100 the cost."""
    _write(folder, "three_mib_one_line.txt", _single_line(3 * MIB))
    _write(folder, "record_over_limit.txt", _single_line(600 * 1024))
    _write(folder, "posts_around_big_one.txt", GOOD + SEPARATOR + "Big\n\n" + _single_line(300 * 1024).decode() + SEPARATOR + GOOD)
    _write(folder, "good.txt", GOOD)
    return {
        "three_mib_one_line.txt": ("file_too_large",),
        "record_over_limit.txt": ("record_too_large",),
        "posts_around_big_one.txt": (ARTICLE, "record_too_large", ARTICLE),
        "good.txt": (ARTICLE,),
    }


def build_long_line_100mb(folder: Path) -> Expect:
    """A realistic-size scraper accident: 100 MB without a newline, under the default limits."""
    with open(folder / "one_line_100mb.txt", "wb") as f:
        chunk = _single_line(4 * MIB)
        for _ in range(25):
            f.write(chunk)
    return {"one_line_100mb.txt": ("record_too_large",)}


def build_long_paragraph(folder: Path) -> Expect:
    """A 2 MB paragraph (under the limits) is body text: read whole, the rules skip over-long lines."""
    _write(folder, "long_paragraph.txt", b"Long paragraph\n\n" + _single_line(2 * MIB) + b"\n")
    return {"long_paragraph.txt": (ARTICLE,)}


def build_many_posts_and_lines(folder: Path) -> Expect:
    """2,000 posts in one file, and one post of 100,000 one-word lines: cost stays linear."""
    _write(folder, "two_thousand_posts.txt", SEPARATOR.join(post(f"Post {i}", f"Body of post {i}.") for i in range(2000)))
    _write(folder, "hundred_thousand_lines.txt", "Many lines\n\n" + "word\n" * 100_000)
    _write(folder, "only_separators.txt", "=====\n" * 1000)
    return {
        "two_thousand_posts.txt": (ARTICLE,) * 2000,
        "hundred_thousand_lines.txt": (ARTICLE,),
        "only_separators.txt": ("empty",),  # separator lines alone hold no post
    }


def build_many_files(folder: Path) -> Expect:
    """1,000 small files spread over folders nested 12 deep: per-file cost and listing depth."""
    expect: Expect = {}
    for i in range(1000):
        name = "/".join(f"d{(i >> k) % 2}" for k in range(12)) + f"/post_{i:04d}.txt"
        _write(folder, name, post(f"Post {i}", f"Body {i}."))
        expect[name] = (ARTICLE,)
    return expect


# --- bytes that are not clean UTF-8 text ---------------------------------------------------------


def build_nul_bytes(folder: Path) -> Expect:
    _write(folder, "nul_in_head.txt", b"Title\n\nBody \x00 with a NUL.\n")
    _write(folder, "nul_after_sniff_window.txt", post("Title", "x" * 20_000).encode() + b"\x00tail\n")
    _write(folder, "nul_in_second_post.txt", GOOD + SEPARATOR + "Bad\n\nBody\x00\x00\n" + SEPARATOR + GOOD)
    _write(folder, "all_nul.txt", b"\x00" * 4096)
    return {
        "nul_in_head.txt": ("binary_content",),
        "nul_after_sniff_window.txt": ("binary_content",),
        "nul_in_second_post.txt": (ARTICLE, "binary_content", ARTICLE),
        "all_nul.txt": ("binary_content",),
    }


def build_encodings(folder: Path) -> Expect:
    text = post("Café crème prices rise", "Prices at the café rose by 3 € on Monday.")
    _write(folder, "latin1.txt", text.encode("latin-1", "replace"))
    _write(folder, "utf8_bom_but_latin1.txt", codecs.BOM_UTF8 + text.encode("latin-1", "replace"))
    _write(folder, "utf16le_bom.txt", text.encode("utf-16"))  # Python writes the BOM
    _write(folder, "utf16be_bom.txt", codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    _write(folder, "utf16le_no_bom.txt", text.encode("utf-16-le"))
    _write(folder, "utf32_bom.txt", text.encode("utf-32"))
    _write(folder, "overlong_slash.txt", b"Title\n\nA path \xc0\xaf here.\n")
    _write(folder, "encoded_surrogate.txt", b"Title\n\nA surrogate \xed\xa0\x80 here.\n")
    _write(folder, "truncated_sequence.txt", b"Title\n\nCut off at the end \xe2\x82")
    _write(folder, "mixed_posts.txt", GOOD.encode() + SEPARATOR.encode() + text.encode("cp1252") + SEPARATOR.encode() + GOOD.encode())
    _write(folder, "utf8_bom_crlf_cr.txt", codecs.BOM_UTF8 + b"Title\r\n\r\nFirst.\r\rSecond \xe2\x80\x94 ok.\r\n")
    _write(folder, "invisible_and_bidi.txt", post("Title\u200b", "Body \u202eevil\u202c and \u2066isolate\u2069 and soft\u00adhyphen."))
    _write(folder, "gzip_named_txt.txt", gzip.compress(GOOD.encode() * 50, mtime=0))
    _write(folder, "control_chars.txt", bytes(range(1, 9)) * 200)
    return {
        "latin1.txt": ("invalid_utf8",),
        "utf8_bom_but_latin1.txt": ("invalid_utf8",),
        "utf16le_bom.txt": ("unsupported_encoding",),
        "utf16be_bom.txt": ("unsupported_encoding",),
        "utf16le_no_bom.txt": ("binary_content",),
        "utf32_bom.txt": ("unsupported_encoding",),
        "overlong_slash.txt": ("invalid_utf8",),
        "encoded_surrogate.txt": ("invalid_utf8",),
        "truncated_sequence.txt": ("invalid_utf8",),
        "mixed_posts.txt": (ARTICLE, "invalid_utf8", ARTICLE),
        "utf8_bom_crlf_cr.txt": (ARTICLE,),
        "invisible_and_bidi.txt": (ARTICLE,),
        "gzip_named_txt.txt": ("article",),  # compression is detected by magic bytes, whatever the name
        "control_chars.txt": ("binary_content",),
    }


# --- regular expressions -----------------------------------------------------------------------

# Units repeated into lines that make a backtracking engine try every split: word runs without the
# colon or keyword a pattern waits for, comma lists with optional spaces on both sides of the
# comma, repeated prefixes of the real boilerplate sentences. Each is cut short of a match.
BAIT_UNITS = (
    "a ",
    "a, ",
    ",    ",
    "a,  a ,",
    "(c) ",
    "© ",
    "like ",
    "source ",
    "share this ",
    "this story has not been edited by ",
    "the team and is published from a ",
    "all rights reserved ",
    ": ",
    "... ",
)


def backtrack_bait(unit: str, n: int) -> str:
    """`unit` repeated to n characters, ending in characters no rule accepts at the end of a line."""
    return (unit * (n // len(unit) + 1))[:n] + "\x01;"


# User rules that are catastrophic for a backtracking engine ((a+)+$ on 'aaaa…b'): RE2 stays linear.
USER_RULES_YAML = """version: adversarial
rules:
  - {id: user.nested, family: test, kind: junk, scope: line, pattern: '(a+)+$', reason: catastrophic for backtracking}
  - {id: user.alt, family: test, kind: junk, scope: inline, pattern: 'x(a|aa)*c', reason: exponential for backtracking}
"""


def build_regex_backtracking(folder: Path) -> Expect:
    """Every bait as body paragraphs and as trailing lines, at the cleaner's line cap (2,000 chars)."""
    expect: Expect = {}
    for i, unit in enumerate(BAIT_UNITS):
        name = f"bait_{i:02d}.txt"
        line = backtrack_bait(unit, 1990)
        _write(folder, name, post(f"Bait {i}", "A real first paragraph.", line, line[:1000] + " trailing", line))
        expect[name] = (ARTICLE,)
    _write(folder, "user_rules.yaml", USER_RULES_YAML)
    _write(folder, "nested_quantifiers.txt", post("Nested", "a" * 1999 + "b", "x" + "a" * 7000 + "b", "Kept body."))
    expect["nested_quantifiers.txt"] = (ARTICLE,)
    return expect


# --- the file system ----------------------------------------------------------------------------


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def build_filesystem_oddities(folder: Path) -> Expect:
    """Symlinks (to a file, broken, looping, to a folder, to the parent, to /dev/zero), a FIFO,
    a folder named like a file, files and folders without permissions."""
    _write(folder, "good.txt", GOOD)
    os.symlink("good.txt", folder / "link_to_good.txt")
    os.symlink("missing.txt", folder / "broken_link.txt")
    os.symlink("loop_b.txt", folder / "loop_a.txt")
    os.symlink("loop_a.txt", folder / "loop_b.txt")
    os.symlink("/dev/zero", folder / "dev_zero.txt")  # would be read forever; and it leads out of the dump
    os.mkfifo(folder / "fifo.txt")  # open() would block forever
    _write(folder, "real_dir/inside.txt", GOOD)
    os.symlink("real_dir", folder / "dir_link")  # symlinked folders are not followed: no double reads
    os.symlink("..", folder / "real_dir/parent_loop")  # nor loops
    _write(folder, "named_like_a_file.txt/inner.txt", GOOD)  # a folder called *.txt: its file is read
    _write(folder, "no_permission.txt", GOOD)
    os.chmod(folder / "no_permission.txt", 0)
    _write(folder, "locked_dir/hidden.txt", GOOD)
    os.chmod(folder / "locked_dir", 0)
    root = running_as_root()  # root reads through chmod 000 (CAP_DAC_OVERRIDE): the files are then read
    expect: Expect = {
        "good.txt": (ARTICLE,),
        "link_to_good.txt": (ARTICLE,),
        "broken_link.txt": ("unreadable_file",),
        "loop_a.txt": ("unreadable_file",),
        "loop_b.txt": ("unreadable_file",),
        "dev_zero.txt": ("symlink_outside_root",),  # outside the input root: not followed (not_a_regular_file with --follow-symlinks)
        "fifo.txt": ("not_a_regular_file",),
        "real_dir/inside.txt": (ARTICLE,),
        "named_like_a_file.txt/inner.txt": (ARTICLE,),
        "no_permission.txt": (ARTICLE,) if root else ("unreadable_file",),
    }
    if root:
        expect["locked_dir/hidden.txt"] = (ARTICLE,)
    else:
        expect["locked_dir"] = ("unreadable_file",)  # the folder that could not be listed, named in rejects
    return expect


def build_folder_given_as_file(folder: Path) -> Expect:
    """--input pointing at a folder without the trailing '/': rejected with the hint to add it."""
    _write(folder, "story.txt/part.txt", GOOD)
    return {"story.txt": ("not_a_regular_file",)}


def build_file_names(folder: Path) -> Expect:
    """Names a scraper can produce: bytes that are not UTF-8, a newline, glob characters, a leading
    dash, 255 bytes. The not-UTF-8 name is shown as \\xNN in source_uri (Parquet strings are UTF-8)."""
    fd = os.open(os.fsencode(folder) + b"/latin1_caf\xe9.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, GOOD.encode())
    os.close(fd)
    names = ["new\nline.txt", "[brackets] and *star?.txt", "-rf --all.txt", "emoji 📰 ünïcode.txt", "x" * 251 + ".txt"]
    for name in names:
        _write(folder, name, GOOD)
    return {"latin1_caf\\xe9.txt": (ARTICLE,), **{name: (ARTICLE,) for name in names}}


def build_nothing(folder: Path) -> Expect:
    _write(folder, "not_matched.dat", GOOD)
    return {}


def build_empty_files(folder: Path) -> Expect:
    _write(folder, "empty.txt", b"")
    _write(folder, "whitespace.txt", b" \n\t\r\n \x0b\n")
    _write(folder, "title_only.txt", "Just a title\n")
    return {"empty.txt": ("empty",), "whitespace.txt": ("empty",), "title_only.txt": ("no_body",)}


# --- compressed line dumps: many tiny records, damaged gzip members ---------------------------------

TINY_CAP = 1000  # --max-records-per-file for the tiny-records case: the bound's behaviour at 1/1000 of the default's cost
TINY_LINES, EMPTY_LINES, CSV_ROWS = 2_000_000, 20_000, 50_000


def build_tiny_records(folder: Path) -> Expect:
    """A 26 KB gzip that expands to 2,000,000 one-letter JSON records (before: 200k such records took
    155 s and 2.9 GB, 2M never finished), 20,000 empty objects, and 50,000 two-field CSV rows."""
    _write(folder, "bomb.jsonl.gz", gzip.compress(b'{"text":"x"}\n' * TINY_LINES, 9, mtime=0))
    _write(folder, "empty_objects.jsonl.gz", gzip.compress(b"{}\n" * EMPTY_LINES, 9, mtime=0))
    _write(folder, "rows.csv.gz", gzip.compress(b"id,text\n" + b"".join(b"%d,x\n" % i for i in range(CSV_ROWS)), 9, mtime=0))
    over = ("too_many_records",)  # the first record past the bound; the rest are counted as skipped
    return {
        "bomb.jsonl.gz": (ARTICLE,) * TINY_CAP + over,
        "empty_objects.jsonl.gz": ("no_text",) * TINY_CAP + over,
        "rows.csv.gz": (ARTICLE,) * TINY_CAP + over,
    }


def _gzip_members(fmt: str, n: int = 10, lines: int = 20) -> list[bytes]:
    out = []
    for m in range(n):
        body = "".join(
            f'{{"title": "Story {m}-{i}", "text": "Crews in port {m} loaded ship {i} on Monday."}}\n'
            if fmt == "jsonl"
            else f'{m * lines + i},"Crews in port {m} loaded ship {i} on Monday."\n'
            for i in range(lines)
        )
        out.append(gzip.compress(((("id,text\n" if m == 0 and fmt == "csv" else "") + body).encode()), mtime=0))
    return out


def _damaged(member: bytes, at: int = 30) -> bytes:
    return member[:at] + bytes(b ^ 0x55 for b in member[at : at + 30]) + member[at + 30 :]


def build_corrupt_gzip_members(folder: Path) -> Expect:
    """Multi-member .jsonl.gz / .csv.gz (10 members of 20 lines) with a damaged member in the middle,
    the last member damaged, and the CSV header's member damaged."""
    expect: Expect = {}
    for fmt in ("jsonl", "csv"):
        middle = _gzip_members(fmt)
        middle[4] = _damaged(middle[4])
        _write(folder, f"middle.{fmt}.gz", b"".join(middle))
        last = _gzip_members(fmt)
        last[-1] = _damaged(last[-1])
        _write(folder, f"last.{fmt}.gz", b"".join(last))
        expect[f"middle.{fmt}.gz"] = expect[f"last.{fmt}.gz"] = (ARTICLE,) * 180 + ("corrupt_input",)
    header = _gzip_members("csv")
    header[0] = _damaged(header[0], 12)
    _write(folder, "header.csv.gz", b"".join(header))
    expect["header.csv.gz"] = ("corrupt_input",)  # no header to read the rows after it with
    return expect


CASES: tuple[Case, ...] = (
    Case(
        "long_lines_small_limits",
        "3 MiB one-line file, 600 KiB record, a big post between good ones (limits 1 MiB / 256 KiB)",
        build_long_lines_small_limits,
        args=("--max-file-bytes", str(MIB), "--max-record-bytes", str(256 * 1024), "--max-reject-raw-bytes", "4096"),
    ),
    Case("long_paragraph", "a 2 MB paragraph under the default limits", build_long_paragraph),
    Case("many_posts_and_lines", "2,000 posts in a file; 100,000 lines in a post; a file of separators", build_many_posts_and_lines),
    Case("many_files", "1,000 files in folders nested 12 deep", build_many_files),
    Case("nul_bytes", "NUL bytes in the head, after the sniff window, in one post of three, everywhere", build_nul_bytes),
    Case("encodings", "latin-1, lying BOMs, UTF-16/32, overlong and surrogate UTF-8, mixed posts, gzip named .txt", build_encodings),
    Case(
        "regex_backtracking",
        "lines built to make each rule backtrack, and catastrophic user rules",
        build_regex_backtracking,
        args=("--rules", "{folder}/user_rules.yaml"),
        pattern="*.txt",
    ),
    Case("filesystem_oddities", "symlinks (file, broken, loop, folder, /dev/zero), FIFO, no permissions", build_filesystem_oddities),
    Case("folder_given_as_file", "--input names a folder without the trailing '/'", build_folder_given_as_file, pattern="story.txt"),
    Case("file_names", "file names with non-UTF-8 bytes, a newline, glob characters, a leading dash, 255 bytes", build_file_names),
    # Without --allow-empty-input such a run stops with exit 2 before anything runs (tests/test_cli_errors.py);
    # with it, the run completes, reads nothing and warns: what this case measures.
    Case(
        "glob_matching_nothing",
        "an input glob that matches no file, with --allow-empty-input",
        build_nothing,
        args=("--allow-empty-input",),
        pattern="*.txt",
    ),
    Case("empty_files", "empty, whitespace-only and title-only files", build_empty_files),
    Case(
        "tiny_records",
        "a 26 KB gzip of 2M tiny JSON records, 20k empty objects, 50k CSV rows; --max-records-per-file 1000",
        build_tiny_records,
        args=("--max-records-per-file", str(TINY_CAP)),
        skipped=(TINY_LINES - TINY_CAP - 1) + (EMPTY_LINES - TINY_CAP - 1) + (CSV_ROWS - TINY_CAP - 1),
    ),
    Case("corrupt_gzip_members", "multi-member .jsonl.gz / .csv.gz with a damaged member", build_corrupt_gzip_members),
    Case("long_line_100mb", "100 MB without a newline, default limits", build_long_line_100mb, heavy=True),
)
