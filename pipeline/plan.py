"""What a run decides before it executes: its options, rules, identity, where it stages, how it
deduplicates and what it reads from earlier runs. `make_plan` raises OptionsError, RuleError or
ValueError (exit 2: nothing ran) when the command line, a rule file or the index does not fit, or
when an --input pattern matches no file (unless --allow-empty-input)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from wirestrip.pipeline import __version__
from wirestrip.pipeline.commit import recover
from wirestrip.pipeline.dataset import partition_scheme
from wirestrip.pipeline.index_store import check_params, index_files
from wirestrip.pipeline.layout import Layout
from wirestrip.pipeline.learned_files import load_learned_files
from wirestrip.pipeline.options import OptionsError, WirestripOptions, dedup_params, normalise_argv, validate
from wirestrip.pipeline.runners import with_quiet_workers
from wirestrip.transforms.clean.rules import RuleError, RuleSet, load_rules
from wirestrip.transforms.clean.segment_model import ModelError, SegmentModel, shipped_model_text
from wirestrip.transforms.dedup.fingerprint import DedupParams
from wirestrip.transforms.read.beam_read import expand_pattern, list_entries, match_files
from wirestrip.transforms.record_types import RecordError
from wirestrip.transforms.write.table_rows import RunContext


@dataclass(frozen=True)
class RunPlan:
    """One run's configuration, fixed before the pipeline is built."""

    argv: list[str]  # the command line as parsed (both spellings normalised), for the manifest
    options: PipelineOptions  # Beam's view: runner and pass-through options
    opts: WirestripOptions
    rules: RuleSet
    run_id: str
    run_date: str  # the ingest_date partition written
    started: datetime
    ctx: RunContext  # what every output row records about the run
    out: Layout
    staging: Layout  # where the run writes before commit
    params: DedupParams
    index_read: str | None  # the index version read (with --index; None: no earlier version)
    index_files: list[str] | None  # its Parquet files (None without --index)
    prior_learned: list[dict]  # learned lines of earlier runs (--learned-lines)
    segment_model: str | None  # the segment classifier's model file, as text (None: --segment-model off)
    segment_model_version: str | None


def load_rule_set(opts: WirestripOptions) -> RuleSet:
    """The shipped rules plus every --rules file (any Beam filesystem); RuleError when one cannot be read."""
    extra = []
    for path in opts.rules_files or []:
        try:
            with FileSystems.open(path, compression_type="uncompressed") as f:
                extra.append((path, f.read().decode("utf-8")))
        except Exception as exc:  # noqa: BLE001 - any failure to read a rule file is a usage error
            raise RuleError(f"cannot read rule file {path}: {exc}") from None
    return load_rules(extra)


def make_plan(argv: list[str]) -> RunPlan:
    """Parse and check the command line, load rules and earlier runs' state, name the run."""
    argv = normalise_argv(argv)
    options = PipelineOptions(with_quiet_workers(argv))
    opts = options.view_as(WirestripOptions)
    validate(opts)
    if not opts.allow_empty_input:
        # Before recover() and anything else that writes: a typo'd or not-yet-arrived dump must not
        # replace the day's rows with an empty partition on a rerun.
        empty = unmatched_patterns(opts.input)
        if empty:
            listed = ", ".join(repr(p) for p in empty)
            raise OptionsError(
                f"--input {listed} matched no file; nothing ran and the output is untouched "
                "(pass --allow-empty-input if an empty run is expected)"
            )
    rules = load_rule_set(opts)
    out = Layout(opts.output)
    recover(out)  # finish a commit that a killed run left half done
    scheme = partition_scheme(opts.output)
    if scheme and scheme != opts.partition_by:
        raise OptionsError(
            f"{opts.output} holds articles partitioned by {scheme}; --partition-by {opts.partition_by} "
            "would mix two layouts in one dataset (use another --output)"
        )
    prior_learned = load_learned_files(opts.learned_lines)
    segment_model, segment_model_version = load_segment_model(opts.segment_model)
    run_date = opts.run_date or datetime.now(UTC).date().isoformat()
    params = dedup_params(opts)
    index_read = check_params(opts.index, run_date, params) if opts.index else None  # other settings: exit 2
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%S}Z-{secrets.token_hex(4)}"
    return RunPlan(
        argv=argv,
        options=options,
        opts=opts,
        rules=rules,
        run_id=run_id,
        run_date=run_date,
        started=started,
        ctx=RunContext(run_id, __version__, rules.version, started, opts.max_reject_raw_bytes, opts.redact_removed, opts.default_tz),
        out=out,
        staging=out.staging(run_id),
        params=params,
        index_read=index_read,
        index_files=index_files(opts.index, index_read) if opts.index else None,
        prior_learned=prior_learned,
        segment_model=segment_model,
        segment_model_version=segment_model_version,
    )


def matches_anything(pattern: str) -> bool:
    """Whether the run's reader (transforms/read/beam_read.ExpandGlobs) would list at least one entry
    for `pattern`: a file, or an entry it rejects (broken link, unlistable folder). A pattern whose
    listing fails is left to the run, which rejects it (match_failed) rather than losing it."""
    pattern = expand_pattern(pattern)
    try:
        # limit 1: a present dump answers after one hit, even on a bucket with millions of objects
        # (a first hit that is a folder marker is no file: then the whole listing decides).
        return bool(match_files(pattern, limit=1)) or bool(list_entries(pattern))
    except RecordError:  # the listing failed: the run rejects the pattern (match_failed), never loses it
        return True


def unmatched_patterns(patterns: list[str]) -> list[str]:
    """The --input patterns that match nothing the run would read or reject, in command-line order."""
    return [p for p in patterns if not matches_anything(p)]


def load_segment_model(spec: str) -> tuple[str | None, str | None]:
    """--segment-model: (the model file's text, its version), checked here so that a bad file stops
    the run before it starts (ValueError: exit 2); (None, None) for `off`."""
    if spec == "off":
        return None, None
    if spec == "builtin":
        text = shipped_model_text()
    else:
        try:
            with FileSystems.open(spec, compression_type="uncompressed") as f:
                text = f.read().decode("utf-8")
        except Exception as exc:  # noqa: BLE001 - any failure to read the model file is a usage error
            raise ModelError(f"--segment-model {spec}: cannot read it: {exc}") from None
    return text, SegmentModel.from_json(text, spec).version
