"""wirestrip's pipeline options, and strict checking of the whole command line.

Every option accepts both spellings, `--a-b` and `--a_b` (schedulers pass underscores). Beam's
own options pass through unchanged; a flag that is neither ours nor Beam's is an error, not a
silent no-op (Beam alone would only warn).
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import importlib
import os
import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions, _BeamArgumentParser
from wirestrip.transforms.clean.cleaner import MODEL_ON
from wirestrip.transforms.dedup.fingerprint import DedupParams
from wirestrip.transforms.read.formats import ROLES, ReaderConfig
from wirestrip.transforms.read.registry import FORMAT_CHOICES

MIB = 1 << 20
PARTITION_BY = ("ingest_date", "published_date")  # ingest_date: one partition per run date, cheap reruns
# Exactly YYYY-MM-DD: date.fromisoformat (3.11) also takes 20250802 and 2025-W31-6, which would name
# partitions no reader or rerun of the same day would find.
RUN_DATE_FORM = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# The DedupParams fields that are options (those with an "option" in their metadata), in field order.
DEDUP_FIELDS = tuple(f for f in dataclasses.fields(DedupParams) if "option" in f.metadata)


def _both(name: str) -> tuple[str, ...]:
    dashed, under = "--" + name.replace("_", "-"), "--" + name.replace("-", "_")
    return (dashed,) if dashed == under else (dashed, under)


def _option(parser: argparse.ArgumentParser, name: str, help: str, **kw: Any) -> None:
    """Add option `name` under both spellings (dest `name` unless given). A plain default is shown once,
    by argparse: appended to `help` unless the help places it (%(default)s) or words it ("Default: 16 GiB")."""
    default = kw.get("default")
    if default is not None and not isinstance(default, bool) and "Default:" not in help:
        help += " Default: %(default)s."
    kw.setdefault("dest", name)
    parser.add_argument(*_both(name), help=help, **kw)


class WirestripOptions(PipelineOptions):
    """Options of `wirestrip run` (and `python -m wirestrip.pipeline.run`)."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        def opt(name: str, help: str, **kw: Any) -> None:
            _option(parser, name, help, **kw)

        opt(
            "input",
            "Input files: a glob ('dumps/**/*.txt'), a file or a directory ending in '/'. Repeat for several. "
            "Any Beam filesystem (local, gs://, s3://). doc_id uses names relative to the part before the first glob character.",
            action="append",
            metavar="GLOB",
        )
        opt("output", "Output root: articles/, rejects/ and _manifests/ are written below it.", metavar="DIR")
        # Off by default: a glob that matches nothing is most often a typo or a dump not there yet, and
        # a rerun would replace the day's rows with an empty partition.
        opt(
            "allow_empty_input",
            "Run even when an --input pattern matches no file (the run writes empty partitions, and a rerun "
            "of --run-date replaces that day's rows with none). Without it such a run stops with exit 2.",
            action="store_true",
            default=False,
        )
        opt("run_date", "Names the ingest_date partition this run writes (and replaces). Default: today, UTC.", metavar="YYYY-MM-DD")
        # UTC: a zone must be assumed for timestamps printed without one; the rows say it was assumed
        opt("default_tz", "IANA zone for timestamps printed without one (rows say published_tz_assumed).", default="UTC", metavar="ZONE")
        opt("format", "Input format; auto detects per file.", dest="input_format", default="auto", choices=FORMAT_CHOICES)
        opt("rules", "Extra boilerplate rule file (YAML, same schema as the shipped rules). Repeatable.", dest="rules_files", action="append", metavar="FILE")  # fmt: skip
        opt("max_file_bytes", "Files larger than this are rejected whole instead of read into memory. Default: 256 MiB.", type=int, default=256 * MIB)  # fmt: skip
        opt("max_record_bytes", "A record larger than this is rejected (no real article is near it). Default: 8 MiB.", type=int, default=8 * MIB)  # fmt: skip
        opt("max_reject_raw_bytes", "Raw bytes kept per reject row; the full size and hash are always kept. Default: 1 MiB.", type=int, default=1 * MIB)  # fmt: skip
        opt("num_shards", "Parquet files per table and partition; 0 lets the runner decide.", type=int, default=0)
        opt(
            "max_reject_rate",
            "Exit with code 4 when rejected/read exceeds this share (the output is still committed). Default: %(default)s (off).",
            type=float,
            default=1.0,
        )
        opt(
            "partition_by",
            "Partition articles by ingest_date (OUT/articles/ingest_date=D/) or by the UTC date of "
            "published_at (OUT/articles/published_date=P/ingest_date=D/; unknown dates in "
            "published_date=__HIVE_DEFAULT_PARTITION__). A rerun of --run-date D replaces exactly the rows "
            "run date D wrote, in every published_date partition. One output root holds one scheme.",
            default="ingest_date",
            choices=PARTITION_BY,
        )
        # 10 s: often enough to see a run move, rare enough not to flood a scheduler's log
        opt("progress_seconds", "Seconds between progress lines (records read, rate, stage) on stderr; 0 turns them off.", type=float, default=10.0)  # fmt: skip
        opt(
            "redact_removed",
            "Mask e-mail addresses and phone numbers (reporters' sign-offs) in `removed` and in rejects.",
            action="store_true",
            default=False,
        )
        opt(
            "learned_min_support",
            "Corpus-learned boilerplate: a short line repeated in at least this many distinct stories of one "
            "publisher is stripped at the head/tail of its posts (learned:<hash>). 0 turns learning off.",
            type=int,
            default=5,
        )
        opt(
            "learned_min_share",
            "...and in at least this share of the publisher's stories in the batch (a stock closing sentence "
            "can end five stories of a big site; a template line is on most of its posts).",
            type=float,
            default=0.05,
        )
        opt(
            "learned_lines",
            "Learned lines of earlier runs (OUT/learned/**/*.jsonl) to apply in this run too. Repeatable.",
            action="append",
            metavar="GLOB",
        )
        opt(
            "segment_model",
            "The segment classifier, third evidence after rules and learned lines, for dumps of whole scraped "
            "pages (nav, footers, related links around the story): `builtin` (the shipped model), a model file "
            "(`make fit-segments`), or `off` (docs/segment_model.md). Default: builtin, on the records --segment-model-on names.",
            default="builtin",
            metavar="FILE|builtin|off",
        )
        opt(
            "segment_model_on",
            "Which records the segment classifier looks at: `pages`, those whose rules found two lines of web-page "
            "chrome (menus, widgets, players: a whole scraped page), or `all`. Default: pages, since on wire copy "
            "it would take short list lines (results, line-ups) at a story's end for page chrome.",
            choices=MODEL_ON,
            default="pages",
        )
        # Reader options (issue 4): formats beyond the scraped-post text.
        opt(
            "max_decompressed_bytes",
            "A compressed file that decompresses past this is cut there: records before are kept, the rest "
            "rejected (bounds decompression bombs; a CC-NEWS WARC.gz is ~1 GiB packed, ~5 GiB unpacked). Default: 16 GiB.",
            type=int,
            default=16 << 30,
        )
        opt(
            "max_records_per_file",
            "At most this many records (and read rejects) from one file: the rest is counted, not read, as one "
            "too_many_records reject plus skipped records in the manifest (a small gzip of tiny lines can expand "
            "to millions). Real per-file dumps hold far fewer (a CC-NEWS WARC ~40k). Default: 1,000,000.",
            type=int,
            default=ReaderConfig.max_records_per_file,
        )
        opt(
            "split_bytes",
            "Uncompressed JSON Lines and member-per-record WARC.gz files larger than this are read as regions of this size in parallel "
            "(other formats stream record by record). Default: 64 MiB (a region takes seconds to read, so a GB file spreads over many workers).",
            type=int,
            default=64 << 20,
        )
        opt(
            "csv_column",
            f"Map a CSV column to a role ({', '.join(ROLES)}); repeatable. "
            "Unmapped roles are found by common column names (text/body/content, title/headline, url/link...).",
            action="append",
            metavar="ROLE=NAME",
        )
        opt("csv_delimiter", "CSV field delimiter ('\\t' for tab). Default: tab for .tsv, else detected from the header line.", metavar="CHAR")  # fmt: skip
        opt(
            "paragraph_separator",
            "What joins paragraphs in CSV/JSONL text fields ('\\n' allowed). Default: auto, the first of "
            "' ### ', '|||', a blank line, a newline that the text contains.",
            metavar="SEP",
        )
        opt(
            "jsonl_field",
            f"Map a JSON key (dotted for nested objects) to a role ({', '.join(ROLES)}); repeatable. "
            "Unmapped roles are found by common keys (text, html, url, title, published/date, source/publisher...).",
            action="append",
            metavar="ROLE=KEY",
        )
        # Off by default: a link planted in a scraped dump could make a run publish /etc/passwd or a key file.
        opt("follow_symlinks", "Read symbolic links in an input folder whose target is outside it (default: such a link is a symlink_outside_root reject).", action="store_true", default=False)  # fmt: skip

        # Near-duplicate clusters (issue 5): generated from DedupParams, whose fields carry the defaults,
        # their reasons and the help text (transforms/dedup/fingerprint.py; evaluation in docs/dedup.md).
        opt(
            "no_dedup",
            "Skip near-duplicate detection: cluster columns stay null and no clusters table is written.",
            dest="dedup",
            action="store_false",
            default=True,
        )
        for f in DEDUP_FIELDS:
            extra = {"choices": f.metadata["choices"]} if "choices" in f.metadata else {}
            opt(f.metadata["option"], f.metadata["help"], type=type(f.default), default=f.default, **extra)
        opt(
            "index",
            "Cross-batch fingerprint index (any Beam filesystem path): read as it stood before --run-date, "
            "written back as DIR/run_date=D/. Copies of earlier runs' stories join their clusters.",
            metavar="DIR",
        )
        # 0: keep every entry; pruning by age is a choice of the index's owner
        opt(
            "index_retention_days",
            "Drop index entries published and first seen more than this many days before --run-date. Default: %(default)s (keep all).",
            type=int,
            default=0,
        )


def dedup_params(opts: WirestripOptions) -> DedupParams:
    """The DedupParams of a command line (raises OptionsError on a bad combination)."""
    try:
        return DedupParams(**{f.name: getattr(opts, f.metadata["option"]) for f in DEDUP_FIELDS})
    except ValueError as exc:
        raise OptionsError(f"dedup options: {exc}") from None


class OptionsError(ValueError):
    """A bad command line; the message says what to fix."""


def _known_flags() -> set[str]:
    """Every flag Beam would parse: the options of all PipelineOptions classes, built as Beam builds them."""
    parser = _BeamArgumentParser(allow_abbrev=False)
    classes = {str(cls): cls for cls in PipelineOptions.__subclasses__()}
    for cls in classes.values():
        cls._add_argparse_args(parser)
    return {s for a in parser._actions for s in a.option_strings}


def normalise_argv(argv: list[str]) -> list[str]:
    """Rewrite `--a-b` to `--a_b` where only the underscore form is known (Beam's options), and
    raise OptionsError naming the closest known flag for anything unknown."""
    known = _known_flags()
    out = []
    for arg in argv:
        if not arg.startswith("--") or arg == "--":
            out.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if name not in known:
            alt = name[:2] + name[2:].replace("-", "_")
            if alt not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise OptionsError(f"unknown option {name}{hint}; see `wirestrip run --help`")
            name = alt
        out.append(name + eq + value)
    return out


def validate(opts: WirestripOptions) -> None:
    """Check option values that argparse cannot; raise OptionsError with what to fix."""
    if not opts.input:
        raise OptionsError("--input is required (a glob, file or directory)")
    if not opts.output:
        raise OptionsError("--output is required")
    if opts.run_date is not None:
        try:
            if not RUN_DATE_FORM.fullmatch(opts.run_date):
                raise ValueError
            date.fromisoformat(opts.run_date)
        except ValueError:
            raise OptionsError(f"--run-date {opts.run_date!r} is not a date in YYYY-MM-DD form") from None
    try:
        ZoneInfo(opts.default_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise OptionsError(f"--default-tz {opts.default_tz!r} is not an IANA time zone (e.g. UTC, Asia/Kolkata)") from None
    for name in ("max_file_bytes", "max_record_bytes", "max_reject_raw_bytes"):
        if getattr(opts, name) <= 0:
            raise OptionsError(f"--{name.replace('_', '-')} must be positive")
    if opts.learned_min_support < 0:
        raise OptionsError("--learned-min-support must be 0 (off) or more")
    if not 0.0 <= opts.learned_min_share <= 1.0:
        raise OptionsError("--learned-min-share must be between 0 and 1")
    if opts.num_shards < 0:
        raise OptionsError("--num-shards must be 0 (runner decides) or more")
    if not 0.0 <= opts.max_reject_rate <= 1.0:
        raise OptionsError("--max-reject-rate must be between 0 and 1")
    if opts.progress_seconds < 0:
        raise OptionsError("--progress-seconds must be 0 (off) or more")
    from apache_beam.io.filesystems import FileSystems

    try:
        FileSystems.get_filesystem(opts.output)
    except ValueError:
        raise OptionsError(
            f"--output {opts.output!r}: no Beam filesystem serves this path (local paths, gs://, s3://...; "
            "write local paths without file://, and install apache-beam[gcp] / [aws] for buckets)"
        ) from None
    blocked = _file_in_the_way(opts.output)
    if blocked:
        raise OptionsError(f"--output {opts.output!r}: {blocked} is a file, not a directory; give a folder (new or an earlier run's)")
    problem = runner_problem(opts.view_as(StandardOptions).runner or "")
    if problem:
        raise OptionsError(problem)
    if opts.max_decompressed_bytes <= 0 or opts.split_bytes <= 0:
        raise OptionsError("--max-decompressed-bytes and --split-bytes must be positive")
    if opts.max_records_per_file <= 0:
        raise OptionsError("--max-records-per-file must be positive")
    if opts.index_retention_days < 0:
        raise OptionsError("--index-retention-days must be 0 (keep all) or more")
    if opts.index and not opts.dedup:
        raise OptionsError("--index needs near-duplicate detection; drop --no-dedup")
    for name in ("dedup_jaccard", "dedup_containment"):
        if not 0.0 < getattr(opts, name) <= 1.0:
            raise OptionsError(f"--{name.replace('_', '-')} must be in (0, 1]")
    dedup_params(opts)
    for name in ("csv_column", "jsonl_field"):
        for value in getattr(opts, name) or []:
            role, eq, target = value.partition("=")
            if not eq or not target.strip() or role.strip() not in ROLES:
                raise OptionsError(f"--{name.replace('_', '-')} {value!r}: expected ROLE=NAME with ROLE one of {', '.join(ROLES)}")


def _file_in_the_way(output: str) -> str | None:
    """On local disk, the output root or the nearest existing folder above it, if that is not a
    directory (a regular file, a FIFO...): the run could not write there, and would crash late."""
    if "://" in output:
        return None
    path = os.path.abspath(output)
    while not os.path.lexists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    return None if os.path.isdir(path) else path


def runner_problem(name: str) -> str | None:
    """Why --runner NAME cannot run this pipeline (unknown name, missing module or class, not a
    PipelineRunner), or None. Resolved as Beam resolves it (case-insensitive, `Runner` suffix
    optional, or a dotted class path) but without creating the runner: Beam would only find out
    once the run had started, and fail it with exit 3."""
    from apache_beam.runners import runner as beam_runner
    from wirestrip.pipeline.runners import DIRECT_ALIASES

    if name.lower() in DIRECT_ALIASES:
        return None  # our offline runner (pipeline/runners.py)
    known = beam_runner._RUNNER_MAP  # Beam's own name table; a private name, hence the fallback below
    path = known.get(name.lower(), known.get(name.lower() + "runner", name))
    if "." not in path:
        return f"--runner {name}: unknown runner; use one of {', '.join(StandardOptions.KNOWN_RUNNER_NAMES)} or a module.Class path"
    module, cls_name = path.rsplit(".", 1)
    try:
        cls = getattr(importlib.import_module(module), cls_name, None)
    except ImportError as exc:
        extra = " (install apache-beam[gcp])" if "dataflow" in path.lower() else ""
        return f"--runner {name}: cannot import {module}: {exc}{extra}"
    if not (isinstance(cls, type) and issubclass(cls, beam_runner.PipelineRunner)):
        return f"--runner {name}: {path} is not a Beam PipelineRunner class"
    return None


RUN_EPILOG = """\
Beam options pass through unchanged, e.g.:
  --runner NAME                  DirectRunner (default: Beam's FnApiRunner, never downloads anything),
                                 PortableRunner, DataflowRunner, FlinkRunner, SparkRunner
  --direct_running_mode MODE     in_memory (default) or multi_processing
  --direct_num_workers N         worker processes/threads for the local runner
Every option may be spelled --a-b or --a_b. An unknown option is an error.

Exit codes: 0 ok; 2 bad options or rules, or an --input that matches no file (nothing ran);
3 run failed or counts did not reconcile (nothing committed); 4 committed, but reject rate over
--max-reject-rate.
"""


def run_parser(prog: str = "wirestrip run") -> argparse.ArgumentParser:
    """The help-only parser of `wirestrip run` (Beam's option parser does the real parsing)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Clean syndicated news dumps into Parquet: strip boilerplate, record provenance.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    WirestripOptions._add_argparse_args(parser)
    return parser
