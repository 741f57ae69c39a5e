"""wirestrip's pipeline options, and strict checking of the whole command line.

Every option accepts both spellings, `--a-b` and `--a_b` (schedulers pass underscores). Beam's
own options pass through unchanged; a flag that is neither ours nor Beam's is an error, not a
silent no-op (Beam alone would only warn).
"""

from __future__ import annotations

import argparse
import difflib
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser
from wirestrip.transforms.dedup.fingerprint import DedupParams

MIB = 1 << 20
_DEDUP = DedupParams()  # option defaults are the dataclass's (one place, reasons beside each field)
FORMATS = ("auto", "txt", "csv", "tsv", "jsonl", "html", "warc", "rss")
PARTITION_BY = ("ingest_date", "published_date")  # ingest_date: one partition per run date, cheap reruns


def _both(name: str) -> tuple[str, ...]:
    dashed, under = "--" + name.replace("_", "-"), "--" + name.replace("-", "_")
    return (dashed,) if dashed == under else (dashed, under)


class WirestripOptions(PipelineOptions):
    """Options of `wirestrip run` (and `python -m wirestrip.pipeline.run`)."""

    @classmethod
    def _add_argparse_args(cls, parser: argparse.ArgumentParser) -> None:
        add = parser.add_argument
        add(
            "--input",
            dest="input",
            action="append",
            metavar="GLOB",
            help="Input files: a glob ('dumps/**/*.txt'), a file or a directory ending in '/'. Repeat for several. "
            "Any Beam filesystem (local, gs://, s3://). doc_id uses names relative to the part before the first glob character.",
        )
        add("--output", dest="output", metavar="DIR", help="Output root: articles/, rejects/ and _manifests/ are written below it.")
        add(
            *_both("run_date"),
            dest="run_date",
            metavar="YYYY-MM-DD",
            help="Names the ingest_date partition this run writes (and replaces). Default: today, UTC.",
        )
        add(
            *_both("default_tz"),
            dest="default_tz",
            default="UTC",
            metavar="ZONE",
            help="IANA zone for timestamps printed without one (rows say published_tz_assumed). Default: UTC.",
        )
        add("--format", dest="input_format", default="auto", choices=FORMATS, help="Input format; auto detects per file. Default: auto.")
        add(
            "--rules",
            dest="rules_files",
            action="append",
            metavar="FILE",
            help="Extra boilerplate rule file (YAML, same schema as the shipped rules). Repeatable.",
        )
        add(
            *_both("max_file_bytes"),
            dest="max_file_bytes",
            type=int,
            default=256 * MIB,
            help="Files larger than this are rejected whole instead of read into memory. Default: 256 MiB.",
        )
        add(
            *_both("max_record_bytes"),
            dest="max_record_bytes",
            type=int,
            default=8 * MIB,
            help="A record larger than this is rejected (no real article is near it). Default: 8 MiB.",
        )
        add(
            *_both("max_reject_raw_bytes"),
            dest="max_reject_raw_bytes",
            type=int,
            default=1 * MIB,
            help="Raw bytes kept per reject row; the full size and hash are always kept. Default: 1 MiB.",
        )
        add(
            *_both("num_shards"),
            dest="num_shards",
            type=int,
            default=0,
            help="Parquet files per table and partition; 0 lets the runner decide. Default: 0.",
        )
        add(
            *_both("max_reject_rate"),
            dest="max_reject_rate",
            type=float,
            default=1.0,
            help="Exit with code 4 when rejected/read exceeds this share (the output is still committed). Default: 1.0 (off).",
        )
        add(
            *_both("partition_by"),
            dest="partition_by",
            default="ingest_date",
            choices=PARTITION_BY,
            help="Partition articles by ingest_date (OUT/articles/ingest_date=D/) or by the UTC date of "
            "published_at (OUT/articles/published_date=P/ingest_date=D/; unknown dates in "
            "published_date=__HIVE_DEFAULT_PARTITION__). A rerun of --run-date D replaces exactly the rows "
            "run date D wrote, in every published_date partition. One output root holds one scheme. Default: ingest_date.",
        )
        add(
            *_both("progress_seconds"),
            dest="progress_seconds",
            type=float,
            default=10.0,
            help="Seconds between progress lines (records read, rate, stage) on stderr; 0 turns them off. Default: 10.",
        )
        add(
            *_both("redact_removed"),
            dest="redact_removed",
            action="store_true",
            default=False,
            help="Mask e-mail addresses and phone numbers (reporters' sign-offs) in `removed` and in rejects.",
        )
        add(
            *_both("learned_min_support"),
            dest="learned_min_support",
            type=int,
            default=5,
            help="Corpus-learned boilerplate: a short line repeated in at least this many distinct stories of one "
            "publisher is stripped at the head/tail of its posts (learned:<hash>). 0 turns learning off. Default: 5.",
        )
        add(
            *_both("learned_min_share"),
            dest="learned_min_share",
            type=float,
            default=0.05,
            help="...and in at least this share of the publisher's stories in the batch (a stock closing sentence "
            "can end five stories of a big site; a template line is on most of its posts). Default: 0.05.",
        )
        add(
            *_both("learned_lines"),
            dest="learned_lines",
            action="append",
            metavar="GLOB",
            help="Learned lines of earlier runs (OUT/learned/**/*.jsonl) to apply in this run too. Repeatable.",
        )
        # Reader options (issue 4): formats beyond the scraped-post text.
        add(
            *_both("max_decompressed_bytes"),
            dest="max_decompressed_bytes",
            type=int,
            default=16 << 30,
            help="A compressed file that decompresses past this is cut there: records before are kept, the rest "
            "rejected (bounds decompression bombs; a CC-NEWS WARC.gz is ~1 GiB packed, ~5 GiB unpacked). Default: 16 GiB.",
        )
        add(
            *_both("split_bytes"),
            dest="split_bytes",
            type=int,
            default=64 << 20,
            help="Uncompressed JSON Lines and member-per-record WARC.gz files larger than this are read as regions of this size in parallel "
            "(other formats stream record by record). Default: 64 MiB (a region takes seconds to read, so a GB file spreads over many workers).",
        )
        add(
            *_both("csv_column"),
            dest="csv_column",
            action="append",
            metavar="ROLE=NAME",
            help="Map a CSV column to a role (text, html, id, publisher, url, title, time); repeatable. "
            "Unmapped roles are found by common column names (text/body/content, title/headline, url/link...).",
        )
        add(
            *_both("csv_delimiter"),
            dest="csv_delimiter",
            metavar="CHAR",
            help="CSV field delimiter ('\\t' for tab). Default: tab for .tsv, else detected from the header line.",
        )
        add(
            *_both("paragraph_separator"),
            dest="paragraph_separator",
            metavar="SEP",
            help="What joins paragraphs in CSV/JSONL text fields ('\\n' allowed). Default: auto, the first of "
            "' ### ', '|||', a blank line, a newline that the text contains.",
        )
        add(
            *_both("jsonl_field"),
            dest="jsonl_field",
            action="append",
            metavar="ROLE=KEY",
            help="Map a JSON key (dotted for nested objects) to a role (text, html, url, title, time, publisher, id); repeatable. "
            "Unmapped roles are found by common keys (text, html, url, title, published/date, source/publisher...).",
        )

        # Near-duplicate clusters (issue 5): defaults and their reasons in transforms/dedup/fingerprint.py and docs/dedup.md.
        add(
            *_both("no_dedup"),
            dest="dedup",
            action="store_false",
            default=True,
            help="Skip near-duplicate detection: cluster columns stay null and no clusters table is written.",
        )
        add(
            *_both("dedup_verify"),
            dest="dedup_verify",
            default="exact",
            choices=("exact", "estimated"),
            help="Verify LSH candidates and cluster members on shingle sets (exact) or from MinHash signatures "
            "and set sizes (estimated: less shuffle, Jaccard error ~0.04). Default: exact.",
        )
        add(
            *_both("dedup_shingle_size"),
            dest="dedup_shingle_size",
            type=int,
            default=_DEDUP.shingle_size,
            help="Words per shingle. Default: 3.",
        )
        add(*_both("dedup_num_perm"), dest="dedup_num_perm", type=int, default=_DEDUP.num_perm, help="MinHash permutations. Default: 128.")
        add(
            *_both("dedup_bands"),
            dest="dedup_bands",
            type=int,
            default=_DEDUP.bands,
            help="LSH bands; bands x rows <= permutations. Default: 32 (x 4 rows: candidate threshold ~0.42 Jaccard).",
        )
        add(*_both("dedup_rows"), dest="dedup_rows", type=int, default=_DEDUP.rows, help="Signature rows per LSH band. Default: 4.")
        add(
            *_both("dedup_min_shingles"),
            dest="dedup_min_shingles",
            type=int,
            default=_DEDUP.min_shingles,
            help="Texts with fewer shingles stay out of LSH (exact duplicates still cluster). Default: 10.",
        )
        add(
            *_both("dedup_jaccard"),
            dest="dedup_jaccard",
            type=float,
            default=_DEDUP.jaccard_threshold,
            help="Two copies when the Jaccard similarity reaches this... Default: 0.5.",
        )
        add(
            *_both("dedup_containment"),
            dest="dedup_containment",
            type=float,
            default=_DEDUP.containment_threshold,
            help="...or when this share of the shorter copy's shingles is in the longer one... Default: 0.6.",
        )
        add(
            *_both("dedup_min_shared"),
            dest="dedup_min_shared",
            type=int,
            default=_DEDUP.min_shared_shingles,
            help="...with at least this many shared shingles (a one-line teaser cannot glue stories). Default: 20.",
        )
        add(
            *_both("dedup_short_containment"),
            dest="dedup_short_containment",
            type=float,
            default=_DEDUP.short_containment,
            help="...or when this share of a short copy (a lead-sentence teaser) is in the other... Default: 0.9.",
        )
        add(
            *_both("dedup_short_min_shared"),
            dest="dedup_short_min_shared",
            type=int,
            default=_DEDUP.short_min_shared,
            help="...with at least this many shared shingles. Default: 10.",
        )
        add(
            *_both("dedup_max_gap_rate"),
            dest="dedup_max_gap_rate",
            type=float,
            default=_DEDUP.max_gap_rate,
            help="Exact mode: no edge when runs of missing shingles (beyond two) per shingle of the shorter text exceed "
            "this: same-template posts differ every few words, copies in blocks. Default: 0.08.",
        )
        add(
            *_both("dedup_hot_bucket"),
            dest="dedup_hot_bucket",
            type=int,
            default=_DEDUP.hot_bucket,
            help="An LSH bucket with more docs yields a star to its smallest doc instead of all pairs. Default: 100.",
        )
        add(
            *_both("dedup_max_rounds"),
            dest="dedup_max_rounds",
            type=int,
            default=_DEDUP.max_rounds,
            help="Connected-components rounds unrolled in the graph; the run fails if they do not converge. Default: 12.",
        )
        add(
            *_both("dedup_shards"),
            dest="dedup_shards",
            type=int,
            default=_DEDUP.shards,
            help="LSH keys and graph edges are shuffled in this many groups (a group holds 1/shards of them); "
            "results do not depend on it. Raise it for runs of tens of millions of docs. Default: 32.",
        )
        add(
            "--index",
            dest="index",
            metavar="DIR",
            help="Cross-batch fingerprint index (any Beam filesystem path): read as it stood before --run-date, "
            "written back as DIR/run_date=D/. Copies of earlier runs' stories join their clusters.",
        )
        add(
            *_both("index_retention_days"),
            dest="index_retention_days",
            type=int,
            default=0,
            help="Drop index entries published and first seen more than this many days before --run-date. Default: 0 (keep all).",
        )


def dedup_params(opts: WirestripOptions):
    """The DedupParams of a command line (raises OptionsError on a bad combination)."""
    try:
        return DedupParams(
            shingle_size=opts.dedup_shingle_size,
            num_perm=opts.dedup_num_perm,
            bands=opts.dedup_bands,
            rows=opts.dedup_rows,
            min_shingles=opts.dedup_min_shingles,
            jaccard_threshold=opts.dedup_jaccard,
            containment_threshold=opts.dedup_containment,
            min_shared_shingles=opts.dedup_min_shared,
            short_containment=opts.dedup_short_containment,
            short_min_shared=opts.dedup_short_min_shared,
            max_gap_rate=opts.dedup_max_gap_rate,
            hot_bucket=opts.dedup_hot_bucket,
            verify=opts.dedup_verify,
            max_rounds=opts.dedup_max_rounds,
            shards=opts.dedup_shards,
        )
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
    if opts.run_date:
        try:
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
    if opts.max_decompressed_bytes <= 0 or opts.split_bytes <= 0:
        raise OptionsError("--max-decompressed-bytes and --split-bytes must be positive")
    if opts.index_retention_days < 0:
        raise OptionsError("--index-retention-days must be 0 (keep all) or more")
    if opts.index and not opts.dedup:
        raise OptionsError("--index needs near-duplicate detection; drop --no-dedup")
    for name in ("dedup_jaccard", "dedup_containment"):
        if not 0.0 < getattr(opts, name) <= 1.0:
            raise OptionsError(f"--{name.replace('_', '-')} must be in (0, 1]")
    dedup_params(opts)
    roles = {
        "csv_column": ("text", "html", "id", "publisher", "url", "title", "time"),
        "jsonl_field": ("text", "html", "url", "title", "time", "publisher", "id"),
    }
    for name, allowed in roles.items():
        for value in getattr(opts, name) or []:
            role, eq, target = value.partition("=")
            if not eq or not target.strip() or role.strip() not in allowed:
                raise OptionsError(f"--{name.replace('_', '-')} {value!r}: expected ROLE=NAME with ROLE one of {', '.join(allowed)}")


RUN_EPILOG = """\
Beam options pass through unchanged, e.g.:
  --runner NAME                  DirectRunner (default: Beam's FnApiRunner, never downloads anything),
                                 PortableRunner, DataflowRunner, FlinkRunner, SparkRunner
  --direct_running_mode MODE     in_memory (default) or multi_processing
  --direct_num_workers N         worker processes/threads for the local runner
Every option may be spelled --a-b or --a_b. An unknown option is an error.

Exit codes: 0 ok; 2 bad options or rules; 3 run failed or counts did not reconcile
(nothing committed); 4 committed, but reject rate over --max-reject-rate.
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
