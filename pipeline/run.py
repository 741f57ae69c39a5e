"""`wirestrip run` / `python -m wirestrip.pipeline.run`: one batch run from input globs to a committed output.

Exit codes (for schedulers):
    0  the run succeeded and its output is committed
    2  bad command line or rule file, or an --input pattern that matches no file (nothing was
       committed; --allow-empty-input accepts an empty input)
    3  the run failed, or its counts did not reconcile (nothing was committed)
    4  the run succeeded and was committed, but rejected/read exceeded --max-reject-rate
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import DirectOptions
from apache_beam.runners.runner import PipelineResult
from wirestrip.pipeline import __version__
from wirestrip.pipeline.commit import commit_local, commit_versioned, moved_partitions, remove_tree
from wirestrip.pipeline.graph import build
from wirestrip.pipeline.index_store import commit_index, discard_staging
from wirestrip.pipeline.layout import TABLES, is_local
from wirestrip.pipeline.manifest import file_infos, parquet_rows, per_file_counts, reconcile, write_json
from wirestrip.pipeline.options import OptionsError, run_parser
from wirestrip.pipeline.plan import RunPlan, make_plan
from wirestrip.pipeline.runners import runner_for
from wirestrip.schemas import ARTICLES_SCHEMA_VERSION, CLUSTERS_SCHEMA_VERSION, INDEX_SCHEMA_VERSION, REJECTS_SCHEMA_VERSION
from wirestrip.transforms.beam_safe import NAMESPACE
from wirestrip.transforms.clean.rules import RuleError
from wirestrip.transforms.errors import short_traceback
from wirestrip.transforms.normalize import NORMALIZATION_VERSION

EXIT_OK, EXIT_USAGE, EXIT_FAILED, EXIT_REJECT_RATE = 0, 2, 3, 4
log = logging.getLogger("wirestrip")


class Unreconciled(Exception):
    """The files the run wrote do not account for every record it read (the message says how)."""


class EmptyInput(Exception):
    """An --input pattern that matched files when the run was planned listed none when it ran
    (the files went away in between); without --allow-empty-input that is not committed."""


def _say(msg: str) -> None:
    print(f"wirestrip: {msg}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run one batch; return the exit code: plan, execute, reconcile, commit, summarise."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        run_parser().print_help()
        return EXIT_OK
    try:
        plan = make_plan(argv)
    except (OptionsError, RuleError, ValueError) as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    except SystemExit as exc:  # argparse's own errors (bad choice, bad int) were printed already
        return EXIT_USAGE if exc.code else EXIT_OK

    manifest = new_manifest(plan)
    _say(f"run {plan.run_id}: reading {', '.join(plan.opts.input)} (ingest_date={plan.run_date})")
    t0 = time.monotonic()
    try:
        result = execute(plan)
        counts = reconcile_run(plan, result, manifest, t0)
    except Exception as exc:  # noqa: BLE001 - any failure of the run ends in its manifest and exit 3
        return fail(plan, manifest, exc)
    # Not under fail(): a commit interrupted half-way is rolled forward from its journal by the next run.
    commit(plan, manifest, counts)
    return summarise(plan, manifest, counts)


def new_manifest(plan: RunPlan) -> dict:
    """The manifest as it stands before the pipeline runs: what the run is and how it is configured."""
    opts = plan.opts
    return {
        "run_id": plan.run_id,
        "run_date": plan.run_date,
        "started_at": plan.started.isoformat(),
        "pipeline_version": __version__,
        "rules_version": plan.rules.version,
        "segment_model_version": plan.segment_model_version,
        "schema_versions": {
            "articles": ARTICLES_SCHEMA_VERSION,
            "rejects": REJECTS_SCHEMA_VERSION,
            "clusters": CLUSTERS_SCHEMA_VERSION,
            "dedup_index": INDEX_SCHEMA_VERSION,
        },
        "normalization_version": NORMALIZATION_VERSION,
        "dedup": (
            {
                "params": plan.params.as_dict(),
                "index": opts.index,
                "index_version_read": plan.index_read,
                "retention_days": opts.index_retention_days,
            }
            if opts.dedup
            else None
        ),
        "argv": plan.argv,
        "options": dict(sorted(plan.options.get_all_options(drop_default=True).items())),
        "output": opts.output,
    }


def execute(plan: RunPlan) -> PipelineResult:
    """Build the pipeline and run it to completion; every table ends up in the staging layout."""
    with beam.Pipeline(runner=runner_for(plan.options), options=plan.options) as p:
        build(p, plan)
    return p.result


def reconcile_run(plan: RunPlan, result: PipelineResult, manifest: dict, t0: float) -> dict:
    """Count what the run wrote (from the staged files, not from Beam's counters) against what it
    read, record both in the manifest, and return the counts; raise Unreconciled when they differ."""
    staging = plan.staging
    manifest["beam_counters"] = _counters(result)
    manifest["stage_seconds"] = _stage_seconds(result)
    infos = file_infos(staging.file_info)
    written, _ = parquet_rows(staging.table("articles"))
    _, rejects = parquet_rows(staging.table("rejects"), ["stage", "error_type"])
    dedup = manifest["dedup"]
    if plan.opts.dedup:  # one clusters row per document the run knew: this batch, and the index with --index
        clustered, canon = parquet_rows(staging.table("clusters"), ["is_canonical", "in_batch"])
        dedup.update(
            clusters_rows=clustered,
            clusters=sum(1 for r in canon if r["is_canonical"]),
            batch_rows=sum(1 for r in canon if r["in_batch"]),
            batch_duplicates=sum(1 for r in canon if r["in_batch"] and not r["is_canonical"]),
        )
    counts = reconcile(infos, written, rejects)
    if plan.opts.dedup and dedup["batch_rows"] != written:  # every article has its clusters row, once
        counts.update(ok=False, clusters_batch_rows=dedup["batch_rows"])
    manifest["inputs"] = [i for i in infos if i["kind"] == "pattern"]
    manifest["files"] = per_file_counts(infos, staging.table("articles"), staging.table("rejects"))
    unreconciled = [f["source_uri"] for f in manifest["files"] if f["read"] != f["written"] + f["rejected"] + f["skipped"]]
    counts["files_reconciled"] = not unreconciled  # the run's totals above are what decides; this says where
    if unreconciled:
        manifest["warnings"] = [f"per-file counts do not add up for {len(unreconciled)} files, e.g. {unreconciled[0]}"]
    manifest["counts"] = counts
    manifest["seconds"] = round(time.monotonic() - t0, 3)
    empty = [i["pattern"] for i in manifest["inputs"] if i["matched"] == 0 and not i.get("rejected")]
    if empty and not plan.opts.allow_empty_input:
        raise EmptyInput(f"--input {', '.join(map(repr, empty))} matched no file when the run listed it; nothing was committed")
    if empty:
        manifest.setdefault("warnings", []).extend(f"input pattern matched no file: {p}" for p in empty)
        for p in empty:
            _say(f"warning: input pattern matched no file: {p}")
    if "clusters_batch_rows" in counts:
        raise Unreconciled(f"{written} articles but {counts['clusters_batch_rows']} clusters rows of this batch")
    if not counts["ok"]:
        raise Unreconciled(f"read={counts['read']} but written+rejected+skipped={written + counts['rejected'] + counts['skipped']}")
    return counts


def fail(plan: RunPlan, manifest: dict, exc: Exception) -> int:
    """The one failure path: write the failure manifest, remove what the run staged (output and
    index), say why; nothing is committed. Returns EXIT_FAILED."""
    log.debug("run failed", exc_info=True)
    error = (
        "counts do not reconcile" if isinstance(exc, Unreconciled) else str(exc) if isinstance(exc, EmptyInput) else short_traceback(exc)
    )
    manifest.update(status="failed", error=error, finished_at=datetime.now(UTC).isoformat())
    write_json(plan.out.manifest(plan.run_id), manifest)
    remove_tree(plan.staging.root)
    if plan.opts.index:
        discard_staging(plan.opts.index, plan.run_id)
    if isinstance(exc, EmptyInput):  # the same trap as an empty glob at plan time: fix the input, same exit code
        _say(f"error: {exc}")
        return EXIT_USAGE
    if not isinstance(exc, Unreconciled):
        _say(f"error: the run failed ({exc!r}); nothing was committed. Manifest: {plan.out.manifest(plan.run_id)}")
        return EXIT_FAILED
    _say(f"error: {exc}; nothing was committed")
    if plan.options.view_as(DirectOptions).direct_running_mode == "multi_processing":
        _say("hint: Beam 2.77's local multi_processing mode has lost rows on large batches; rerun in the default "
             "in_memory mode or on another runner (docs/runners.md, 'Local (default)')")  # fmt: skip
    return EXIT_FAILED


def commit(plan: RunPlan, manifest: dict, counts: dict) -> None:
    """Commit the index, then the staged tables (pipeline/commit.py), and write the success manifest."""
    opts, out, staging = plan.opts, plan.out, plan.staging
    manifest["partition_by"] = opts.partition_by
    if opts.index:  # just before the output commit: see pipeline/index_store.py for a kill in between
        manifest["dedup"]["index_version_written"] = commit_index(opts.index, plan.run_id, plan.run_date, plan.params)
    if is_local(out.root):
        # Tables partitioned by ingest date alone are always replaced, even when this run wrote no row to them.
        always = tuple(t for t in TABLES if opts.partition_by == "ingest_date" or t != "articles")
        journal = commit_local(out, staging, plan.run_id, plan.run_date, TABLES, always)
        remove_tree(staging.root)
        manifest["outputs"] = moved_partitions(out, journal, TABLES)
        manifest["commit"] = {"mode": "journaled-rename", "partitions": len(journal["moves"]), "removed": len(journal["removals"])}
    else:
        pointer = commit_versioned(out, staging, plan.run_id, plan.run_date, TABLES, counts)
        manifest["outputs"] = {"pointer": out.pointer(plan.run_date), "run_folder": staging.root, "files": pointer["files"]}
        manifest["commit"] = {"mode": "pointer", "replaces": pointer["replaces"]}
    manifest.update(status="succeeded", finished_at=datetime.now(UTC).isoformat())
    write_json(out.manifest(plan.run_id), manifest)


def summarise(plan: RunPlan, manifest: dict, counts: dict) -> int:
    """Print where the committed output is; return EXIT_REJECT_RATE when too much was rejected, else EXIT_OK."""
    opts, out, run_date = plan.opts, plan.out, plan.run_date
    articles_at = (
        out.partition("articles", run_date)
        if opts.partition_by == "ingest_date"
        else f"{out.table('articles')}/published_date=*/ingest_date={run_date} ({len(manifest['outputs'].get('articles', []))} partitions)"
    )
    where = (
        f"  articles: {articles_at}\n  rejects:  {out.partition('rejects', run_date)}\n"
        if is_local(out.root)
        else f"  committed: {out.pointer(run_date)} -> {plan.staging.root}\n"
    )
    print(
        f"wirestrip: read {counts['read']} records: {counts['written']} articles, "
        f"{counts['rejected']} rejected, {counts['skipped']} skipped in {manifest['seconds']}s\n"
        f"{where}"
        f"  manifest: {out.manifest(plan.run_id)}\n"
        f"  report:   wirestrip report {out.root}   (terminal tables + HTML page with plots)"
    )
    rate = counts["rejected"] / counts["read"] if counts["read"] else 0.0
    if rate > opts.max_reject_rate:
        _say(f"error: reject rate {rate:.3f} is over --max-reject-rate {opts.max_reject_rate}")
        return EXIT_REJECT_RATE
    return EXIT_OK


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


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
