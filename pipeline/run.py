"""`wirestrip run` / `python -m wirestrip.pipeline.run`: one batch run from input globs to a committed output.

Exit codes (for schedulers):
    0  the run succeeded and its output is committed
    2  bad command line or rule file, an --input pattern that matches no file (nothing was
       committed; --allow-empty-input accepts an empty input), or another run holds the output
       root's lock (pipeline/lock.py; nothing ran)
    3  the run failed: its counts did not reconcile, the output could not be written (disk full,
       read-only), it was stopped by SIGTERM, ...; nothing was committed, its staging was removed
       and a failure manifest written where the disk allowed. (One case is committed later: a
       commit that failed after its journal was written is completed by the next run.)
    4  the run succeeded and was committed, but rejected/read exceeded --max-reject-rate
"""

from __future__ import annotations

import contextlib
import errno
import logging
import re
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import DirectOptions
from apache_beam.runners.runner import PipelineResult
from wirestrip.pipeline import __version__
from wirestrip.pipeline.commit import (
    CommitPending,
    commit_local,
    commit_versioned,
    moved_partitions,
    plan_local_commit,
    plan_versioned_commit,
    remove_tree,
)
from wirestrip.pipeline.graph import build
from wirestrip.pipeline.index_store import commit_index, discard_staging
from wirestrip.pipeline.layout import TABLES, is_local
from wirestrip.pipeline.lock import LockHeld, hold, release_all
from wirestrip.pipeline.manifest import file_infos, manifest_bytes, parquet_rows, per_file_counts, reconcile, write_json
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


class Terminated(Exception):
    """SIGTERM (a scheduler stopping the run): it fails like any other failure, with its manifest."""


def _say(msg: str) -> None:
    print(f"wirestrip: {msg}", file=sys.stderr, flush=True)


# SIGTERM is turned into Terminated in the main thread, except once the run commits or fails: a
# commit is a few renames (finishing it beats leaving a journal for the next run), and a failing
# run is already removing its staging and writing its failure manifest.
_sigterm = {"defer": False, "pending": False, "received": False}


def _on_sigterm(signum: int, frame: object) -> None:
    _sigterm["received"] = True
    if _sigterm["defer"]:
        _sigterm["pending"] = True
        return
    raise Terminated("terminated by SIGTERM")


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Install the SIGTERM handler for one run (main thread only: Python delivers signals there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _sigterm.update(defer=False, pending=False, received=False)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Run one batch; return the exit code: plan (taking the output lock), execute, reconcile,
    commit, summarise; the lock is released whatever happened."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        run_parser().print_help()
        return EXIT_OK
    with _sigterm_raises():
        try:
            return _run(argv)
        finally:
            release_all()


def _run(argv: list[str]) -> int:
    try:
        plan = make_plan(argv)  # rolls forward interrupted commits under the output lock (commit.recover)
    except (OptionsError, RuleError, ValueError, LockHeld) as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    except (OSError, Terminated) as exc:  # taking the lock or rolling forward: read-only or full output, SIGTERM
        _say(f"error: {_failure_reason(exc) or repr(exc)}; nothing ran")
        return EXIT_FAILED
    except SystemExit as exc:  # argparse's own errors (bad choice, bad int) were printed already
        return EXIT_USAGE if exc.code else EXIT_OK

    manifest = new_manifest(plan)
    _say(f"run {plan.run_id}: reading {', '.join(plan.opts.input)} (ingest_date={plan.run_date})")
    t0 = time.monotonic()
    try:
        lock = hold(plan.out.root)  # the lock recover() took: it now names the run
        lock.name_run(plan.run_id)
        result = execute(plan)
        counts = reconcile_run(plan, result, manifest, t0)
        lock.check()  # a run whose heartbeat stalled past the bound may have lost OUT to another
        _sigterm["defer"] = True  # from here on the run ends on its own in moments: commit, or fail
        commit(plan, manifest, counts)
    except CommitPending as exc:  # the journal is written: the commit is decided, the next run finishes it
        log.debug("commit interrupted", exc_info=True)
        _say(f"error: {exc}")
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - any failure of the run ends in its manifest and exit 3
        _sigterm["defer"] = True  # a SIGTERM now would only interrupt the cleanup and the failure manifest
        return fail(plan, manifest, exc)
    if _sigterm["pending"]:
        _say("warning: SIGTERM arrived during the commit; the commit was completed first")
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
        "segment_model_on": opts.segment_model_on if plan.segment_model_version else None,
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


class _NoWorkerTraceback(logging.Filter):
    """Beam logs the full traceback of a failing step before re-raising it; the run reports the
    failure itself, in one line on stderr and a short traceback in the manifest."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.levelno >= logging.ERROR)


_BEAM_STEP_LOG = logging.getLogger("apache_beam.runners.common")  # where Beam's _reraise_augmented logs


def execute(plan: RunPlan) -> PipelineResult:
    """Build the pipeline and run it to completion; every table ends up in the staging layout."""
    quiet = _NoWorkerTraceback()
    _BEAM_STEP_LOG.addFilter(quiet)
    try:
        with beam.Pipeline(runner=runner_for(plan.options), options=plan.options) as p:
            build(p, plan)
    finally:
        _BEAM_STEP_LOG.removeFilter(quiet)
    remove_tree(plan.staging.parked)  # read back by the run's own stages: never part of the output
    return p.result


def reconcile_run(plan: RunPlan, result: PipelineResult, manifest: dict, t0: float) -> dict:
    """Count what the run wrote (from the staged files, not from Beam's counters) against what it
    read, record both in the manifest, and return the counts; raise Unreconciled when they differ."""
    staging = plan.staging
    manifest["beam_counters"] = _counters(result)
    manifest["stage_seconds"] = _stage_seconds(result)
    infos = file_infos(staging.file_info)
    written, zones = parquet_rows(staging.table("articles"), ["published_zone"])
    assumed = Counter(r["published_zone"] for r in zones if r["published_zone"])
    # Times printed without a zone, by the zone they were read in (the publisher's, else --default-tz).
    manifest["published_tz_assumed"] = {"rows": sum(assumed.values()), "by_zone": dict(sorted(assumed.items()))}
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


# Why a run could not write its output; any other errno is reported as the exception itself.
_OUTPUT_ERRNOS = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded", errno.EROFS: "read-only filesystem"}
_ERRNO_TEXT = re.compile(r"\[Errno (\d+)\] ([^\[\]]*?)(?:: '[^']*')?(?: \[while running|$)")


def _failure_reason(exc: BaseException) -> str | None:
    """One line for the failures an operator fixes outside wirestrip: SIGTERM, a full or read-only
    output. Beam re-raises a step's OSError as a RuntimeError naming it, so the chain and the
    message are both searched. None for anything else."""
    if _sigterm["received"] or isinstance(exc, Terminated):
        return "terminated by SIGTERM"
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _OUTPUT_ERRNOS:
            where = f": {seen.filename}" if seen.filename else ""
            return f"cannot write the output ({_OUTPUT_ERRNOS[seen.errno]}: {seen.strerror}{where})"
        seen = seen.__cause__ or seen.__context__
    hit = _ERRNO_TEXT.search(str(exc))
    if hit and int(hit.group(1)) in _OUTPUT_ERRNOS:
        return f"cannot write the output ({_OUTPUT_ERRNOS[int(hit.group(1))]}: {hit.group(2).strip()})"
    return None


def fail(plan: RunPlan, manifest: dict, exc: Exception) -> int:
    """The one failure path: remove what the run staged (output and index), write the failure
    manifest, say why in one line; nothing is committed. Returns EXIT_FAILED (EXIT_USAGE for an
    input that went away)."""
    log.debug("run failed", exc_info=True)
    # Staging goes first: on a full disk it frees the room the failure manifest needs.
    with contextlib.suppress(Exception):
        remove_tree(plan.staging.root)
    if plan.opts.index:
        with contextlib.suppress(Exception):
            discard_staging(plan.opts.index, plan.run_id)
    reason = _failure_reason(exc)
    error = (
        "counts do not reconcile" if isinstance(exc, Unreconciled) else str(exc) if isinstance(exc, EmptyInput) else short_traceback(exc)
    )
    manifest.update(status="failed", error=error, finished_at=datetime.now(UTC).isoformat())
    if reason:
        manifest["failure"] = reason
    try:
        write_json(plan.out.manifest(plan.run_id), manifest)
        where = f"Manifest: {plan.out.manifest(plan.run_id)}"
    except OSError as werr:  # still full, or read-only: say so, leave no temp file (atomic_write)
        where = f"the failure manifest could not be written either ({_failure_reason(werr) or werr!r})"
    if isinstance(exc, EmptyInput):  # the same trap as an empty glob at plan time: fix the input, same exit code
        _say(f"error: {exc}")
        return EXIT_USAGE
    if reason:
        _say(f"error: the run failed: {reason}; nothing was committed, the previous output is untouched and staging was removed. {where}")
        return EXIT_FAILED
    if not isinstance(exc, Unreconciled):
        _say(f"error: the run failed ({exc!r}); nothing was committed. {where}")
        return EXIT_FAILED
    _say(f"error: {exc}; nothing was committed")
    if plan.options.view_as(DirectOptions).direct_running_mode == "multi_processing":
        _say("hint: Beam 2.77's local multi_processing mode has lost rows on large batches; rerun in the default "
             "in_memory mode or on another runner (docs/runners.md, 'Local (default)')")  # fmt: skip
    return EXIT_FAILED


def commit(plan: RunPlan, manifest: dict, counts: dict) -> None:
    """Commit the index, then the staged tables with the success manifest (pipeline/commit.py: the
    manifest is part of the output commit and lands before the partitions). An exception before
    the journal is written means nothing of the output was committed; after it, CommitPending."""
    opts, out, staging = plan.opts, plan.out, plan.staging
    manifest["partition_by"] = opts.partition_by
    if opts.index:  # just before the output commit: see pipeline/index_store.py for a kill in between
        manifest["dedup"]["index_version_written"] = commit_index(opts.index, plan.run_id, plan.run_date, plan.params)
    manifest.update(status="succeeded", finished_at=datetime.now(UTC).isoformat())
    if is_local(out.root):
        # Tables partitioned by ingest date alone are always replaced, even when this run wrote no row to them.
        always = tuple(t for t in TABLES if opts.partition_by == "ingest_date" or t != "articles")
        planned = plan_local_commit(out, staging, TABLES, plan.run_date, always)
        manifest["outputs"] = moved_partitions(out, planned, TABLES)
        manifest["commit"] = {"mode": "journaled-rename", "partitions": len(planned["moves"]), "removed": len(planned["removals"])}
        commit_local(out, staging, plan.run_id, planned, manifest_bytes(manifest))
        remove_tree(staging.root)
    else:
        planned = plan_versioned_commit(out, staging, plan.run_id, plan.run_date, TABLES)
        pointer = planned["pointer"]
        manifest["outputs"] = {"pointer": out.pointer(plan.run_date), "run_folder": staging.root, "files": pointer["files"]}
        manifest["commit"] = {"mode": "pointer", "replaces": pointer["replaces"]}
        commit_versioned(out, plan.run_id, planned, counts, manifest_bytes(manifest))


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
    # One result per (step, name): a counter bumped in two steps (a first and a second cleaning pass) is their sum.
    totals: dict[str, int] = {}
    for c in query["counters"]:
        totals[c.key.metric.name] = totals.get(c.key.metric.name, 0) + (c.committed or 0)
    return dict(sorted(totals.items()))


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
