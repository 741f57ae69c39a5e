"""`wirestrip run` / `python -m wirestrip.pipeline.run`: one batch run from input globs to a committed output.

Exit codes (for schedulers):
    0  the run succeeded and its output is committed
    2  bad command line or rule file (nothing was run)
    3  the run failed, or its counts did not reconcile (nothing was committed)
    4  the run succeeded and was committed, but rejected/read exceeded --max-reject-rate
"""

from __future__ import annotations

import logging
import secrets
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions
from wirestrip.pipeline import __version__
from wirestrip.pipeline.commit import _local, commit_local, commit_versioned, recover, remove_tree
from wirestrip.pipeline.dataset import partition_scheme
from wirestrip.pipeline.graph import build
from wirestrip.pipeline.index_store import check_params, commit_index, discard_staging, index_files
from wirestrip.pipeline.layout import TABLES, Layout, is_local
from wirestrip.pipeline.learned_files import load_learned_files
from wirestrip.pipeline.manifest import file_infos, parquet_rows, reconcile, write_json
from wirestrip.pipeline.options import OptionsError, WirestripOptions, dedup_params, normalise_argv, run_parser, validate
from wirestrip.pipeline.runners import runner_for, with_quiet_workers
from wirestrip.schemas import ARTICLES_SCHEMA_VERSION, CLUSTERS_SCHEMA_VERSION, INDEX_SCHEMA_VERSION, REJECTS_SCHEMA_VERSION
from wirestrip.transforms.beam_safe import NAMESPACE
from wirestrip.transforms.clean.rules import RuleError, RuleSet, load_rules
from wirestrip.transforms.errors import short_traceback
from wirestrip.transforms.normalize import NORMALIZATION_VERSION
from wirestrip.transforms.write.table_rows import RunContext

EXIT_OK, EXIT_USAGE, EXIT_FAILED, EXIT_REJECT_RATE = 0, 2, 3, 4
log = logging.getLogger("wirestrip")


def _say(msg: str) -> None:
    print(f"wirestrip: {msg}", file=sys.stderr, flush=True)


def _load_rules(opts: WirestripOptions) -> RuleSet:
    extra = []
    for path in opts.rules_files or []:
        try:
            with FileSystems.open(path, compression_type="uncompressed") as f:
                extra.append((path, f.read().decode("utf-8")))
        except Exception as exc:  # noqa: BLE001 - any failure to read a rule file is a usage error
            raise RuleError(f"cannot read rule file {path}: {exc}") from None
    return load_rules(extra)


def _counters(result) -> dict[str, int]:
    try:
        query = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
    except Exception:  # noqa: BLE001 - some runners cannot report metrics; the manifest does not rely on them
        return {}
    return {c.key.metric.name: c.committed or 0 for c in sorted(query["counters"], key=lambda c: c.key.metric.name)}


_STEP_TIME = "ptransform_execution_time:total_msecs"  # Beam's per-step time (start + process + finish)


def _stage_seconds(result) -> dict[str, float]:
    """Execution time per stage, summed over workers, from the runner's own per-step counters
    (grouped by the first two levels of the step name, e.g. Process/Clean); {} where the runner
    reports none."""
    try:
        counters = result.monitoring_metrics().query()["counters"]
    except Exception:  # noqa: BLE001 - some runners report no system metrics; the manifest does not rely on them
        return {}
    spent: Counter[str] = Counter()
    for c in counters:
        if _STEP_TIME in c.key.metric.name and c.key.step:
            spent["/".join(c.key.step.split("/")[:2])] += c.committed or 0
    return {step: round(ms / 1000, 3) for step, ms in spent.most_common() if ms}


def main(argv: list[str] | None = None) -> int:
    """Run one batch; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        run_parser().print_help()
        return EXIT_OK
    try:
        argv = normalise_argv(argv)
        options = PipelineOptions(with_quiet_workers(argv))
        opts = options.view_as(WirestripOptions)
        validate(opts)
        rules = _load_rules(opts)
        recover(Layout(opts.output))  # finish a commit that a killed run left half done
        scheme = partition_scheme(opts.output)
        if scheme and scheme != opts.partition_by:
            raise OptionsError(
                f"{opts.output} holds articles partitioned by {scheme}; --partition-by {opts.partition_by} "
                "would mix two layouts in one dataset (use another --output)"
            )
        prior_learned = load_learned_files(opts.learned_lines)
        run_date = opts.run_date or datetime.now(UTC).date().isoformat()
        params = dedup_params(opts)
        index_read = check_params(opts.index, run_date, params) if opts.index else None  # other settings: exit 2
    except (OptionsError, RuleError, ValueError) as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    except SystemExit as exc:  # argparse's own errors (bad choice, bad int) were printed already
        return EXIT_USAGE if exc.code else EXIT_OK

    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%S}Z-{secrets.token_hex(4)}"
    ctx = RunContext(run_id, __version__, rules.version, started, opts.max_reject_raw_bytes, opts.redact_removed)
    out = Layout(opts.output)
    staging = out.staging(run_id)
    manifest = {
        "run_id": run_id,
        "run_date": run_date,
        "started_at": started.isoformat(),
        "pipeline_version": __version__,
        "rules_version": rules.version,
        "schema_versions": {
            "articles": ARTICLES_SCHEMA_VERSION,
            "rejects": REJECTS_SCHEMA_VERSION,
            "clusters": CLUSTERS_SCHEMA_VERSION,
            "dedup_index": INDEX_SCHEMA_VERSION,
        },
        "normalization_version": NORMALIZATION_VERSION,
        "dedup": (
            {"params": params.as_dict(), "index": opts.index, "index_version_read": index_read, "retention_days": opts.index_retention_days}
            if opts.dedup
            else None
        ),
        "argv": argv,
        "options": {k: v for k, v in sorted(options.get_all_options(drop_default=True).items())},
        "output": opts.output,
    }
    _say(f"run {run_id}: reading {', '.join(opts.input)} (ingest_date={run_date})")
    t0 = time.monotonic()
    try:
        with beam.Pipeline(runner=runner_for(options), options=options) as p:
            build(p, opts, rules, ctx, staging, run_date, prior_learned, index_files(opts.index, index_read) if opts.index else None)
        result = p.result
        manifest["beam_counters"] = _counters(result)
        manifest["stage_seconds"] = _stage_seconds(result)
        infos = file_infos(staging.file_info)
        written, _ = parquet_rows(staging.table("articles"))
        _, rejects = parquet_rows(staging.table("rejects"), ["stage", "error_type"])
        if opts.dedup:  # one clusters row per document the run knew: this batch, and the index with --index
            clustered, canon = parquet_rows(staging.table("clusters"), ["is_canonical", "in_batch"])
            manifest["dedup"].update(
                clusters_rows=clustered,
                clusters=sum(1 for r in canon if r["is_canonical"]),
                batch_rows=sum(1 for r in canon if r["in_batch"]),
                batch_duplicates=sum(1 for r in canon if r["in_batch"] and not r["is_canonical"]),
            )
    except Exception as exc:
        log.debug("run failed", exc_info=True)
        manifest.update(status="failed", error=short_traceback(exc), finished_at=datetime.now(UTC).isoformat())
        write_json(out.manifest(run_id), manifest)
        remove_tree(staging.root)
        if opts.index:
            discard_staging(opts.index, run_id)
        _say(f"error: the run failed ({exc!r}); nothing was committed. Manifest: {out.manifest(run_id)}")
        return EXIT_FAILED

    counts = reconcile(infos, written, rejects)
    if opts.dedup and manifest["dedup"]["batch_rows"] != written:  # every article has its clusters row, once
        counts.update(ok=False, clusters_batch_rows=manifest["dedup"]["batch_rows"])
    manifest["inputs"] = [i for i in infos if i["kind"] == "pattern"]
    manifest["files"] = sorted((i for i in infos if i["kind"] == "file"), key=lambda i: i["source_uri"])
    manifest["counts"] = counts
    manifest["seconds"] = round(time.monotonic() - t0, 3)
    empty = [i["pattern"] for i in manifest["inputs"] if i["matched"] == 0]
    if empty:
        manifest["warnings"] = [f"input pattern matched no file: {p}" for p in empty]
        for p in empty:
            _say(f"warning: input pattern matched no file: {p}")
    if not counts["ok"]:
        manifest.update(status="failed", error="counts do not reconcile", finished_at=datetime.now(UTC).isoformat())
        write_json(out.manifest(run_id), manifest)
        remove_tree(staging.root)
        if opts.index:
            discard_staging(opts.index, run_id)
        if "clusters_batch_rows" in counts:
            _say(
                f"error: {counts['written']} articles but {counts['clusters_batch_rows']} clusters rows of this batch; nothing was committed"
            )
        else:
            _say(
                f"error: read={counts['read']} but written+rejected+skipped={counts['written'] + counts['rejected'] + counts['skipped']}; nothing was committed"
            )
        if options.view_as(DirectOptions).direct_running_mode == "multi_processing":
            _say("hint: Beam 2.77's local multi_processing mode has lost rows on large batches; rerun in the default "
                 "in_memory mode or on another runner (docs/runners.md, 'Local (default)')")  # fmt: skip
        return EXIT_FAILED

    manifest["partition_by"] = opts.partition_by
    if opts.index:  # just before the output commit: see pipeline/index_store.py for a kill in between
        manifest["dedup"]["index_version_written"] = commit_index(opts.index, run_id, run_date, params)
    if is_local(out.root):
        # Tables partitioned by ingest date alone are always replaced, even when this run wrote no row to them.
        always = tuple(t for t in TABLES if opts.partition_by == "ingest_date" or t != "articles")
        journal = commit_local(out, staging, run_id, run_date, TABLES, always)
        remove_tree(staging.root)
        manifest["outputs"] = {
            t: sorted(d for _, d in journal["moves"] if d.startswith(_local(out.table(t)).rstrip("/") + "/")) for t in TABLES
        }
        manifest["commit"] = {"mode": "journaled-rename", "partitions": len(journal["moves"]), "removed": len(journal["removals"])}
    else:
        pointer = commit_versioned(out, staging, run_id, run_date, TABLES, counts)
        manifest["outputs"] = {"pointer": out.pointer(run_date), "run_folder": staging.root, "files": pointer["files"]}
        manifest["commit"] = {"mode": "pointer", "replaces": pointer["replaces"]}
    manifest.update(status="succeeded", finished_at=datetime.now(UTC).isoformat())
    write_json(out.manifest(run_id), manifest)

    rate = counts["rejected"] / counts["read"] if counts["read"] else 0.0
    articles_at = (
        out.partition("articles", run_date)
        if opts.partition_by == "ingest_date"
        else f"{out.table('articles')}/published_date=*/ingest_date={run_date} ({len(manifest['outputs'].get('articles', []))} partitions)"
    )
    where = (
        f"  articles: {articles_at}\n  rejects:  {out.partition('rejects', run_date)}\n"
        if is_local(out.root)
        else f"  committed: {out.pointer(run_date)} -> {staging.root}\n"
    )
    print(
        f"wirestrip: read {counts['read']} records: {counts['written']} articles, "
        f"{counts['rejected']} rejected, {counts['skipped']} skipped in {manifest['seconds']}s\n"
        f"{where}"
        f"  manifest: {out.manifest(run_id)}\n"
        f"  report:   wirestrip report {out.root}   (terminal tables + HTML page with plots)"
    )
    if rate > opts.max_reject_rate:
        _say(f"error: reject rate {rate:.3f} is over --max-reject-rate {opts.max_reject_rate}")
        return EXIT_REJECT_RATE
    return EXIT_OK


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
