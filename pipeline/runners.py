"""The default local runner: Beam's FnApiRunner, offline.

Beam 2.77's DirectRunner first tries to download the Prism runner (no timeout) and falls back to
the FnApiRunner when that fails. We go straight to the FnApiRunner, configured as DirectRunner
configures it, so a default run never opens a connection. Any other --runner is Beam's.

In multi_processing mode Beam's FnApiRunner waits for its worker processes with no timeout: a
worker that exits (it cannot reach the runner on loopback within its 60 s, or it is killed) only
logs an error in a thread, and the run hangs forever. OfflineDirectRunner watches the workers and
fails the run (WorkerDied, exit 3) as soon as one exits with an error.

The FnApiRunner holds every PCollection in this process and moves a stage's whole input and output
through 10 MB chunks and one stream per grouped buffer; glibc's default malloc keeps much of that
once freed (docs/runners.md, "Memory grows with the batch"): tune_allocator() makes it give it back.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions
from apache_beam.runners.runner import PipelineResult, PipelineRunner

DIRECT_ALIASES = frozenset({"", "direct", "directrunner", "offlinedirectrunner"})
PRISM_ENV = "WIRESTRIP_PRISM"  # path of a Prism binary built at set-up (bench/engines/prism.py, `make prism-check`)


def prism_binary() -> str | None:
    """A Prism binary already on this machine: $WIRESTRIP_PRISM, else the one `make prism-check` builds
    (~/.cache/wirestrip/bin/prism); None when there is none. Never downloads."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "wirestrip" / "bin" / "prism"
    for path in (os.environ.get(PRISM_ENV), str(cache)):
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


# glibc mallopt parameters (malloc.h) and the values tune_allocator() sets.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 128 << 10  # glibc's initial value, kept fixed: the runner's 10 MB chunks and buffers are mapped and unmapped
TRIM_THRESHOLD = 1 << 20  # free heap above 1 MB at the top is returned at once
_tuned: list[bool] = []


def tune_allocator() -> bool:
    """Make glibc's malloc return the runner's big freed buffers to the system (once per process;
    True when set). Its default raises the mmap threshold to the largest block freed so far (up to
    32 MB): after the first stage the runner's 10 MB data chunks come from the heap, which then only
    grows. A fixed threshold keeps them mapped, so freeing one unmaps it (docs/runners.md: peak RSS
    1.51 -> 1.12 GiB at 30,000 articles, no slower). Only for glibc on Linux, in the process that runs
    the local runner, and not when MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ is set: other
    platforms and remote workers are left as they are."""
    if _tuned:
        return _tuned[0]
    ok = False
    if any(os.environ.get(f"MALLOC_{name}_") for name in ("MMAP_THRESHOLD", "TRIM_THRESHOLD")):
        pass  # set by the user for this process: theirs
    elif sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None)
            if hasattr(libc, "gnu_get_libc_version") and hasattr(libc, "mallopt"):  # glibc, not musl
                ok = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
        except OSError:
            ok = False
    _tuned.append(ok)
    return ok


class OfflineDirectRunner(PipelineRunner):
    """FnApiRunner with the pipeline options provisioned to its workers (in-process or multi-process)."""

    def run_pipeline(self, pipeline, options: PipelineOptions) -> PipelineResult:
        tune_allocator()  # the runner's buffers live in this process in every mode
        from apache_beam.portability.api import beam_provision_api_pb2
        from apache_beam.runners.portability.fn_api_runner import fn_runner, worker_handlers
        from apache_beam.runners.portability.portable_runner import JobServiceHandle

        # No state cache in the local workers: it weighs every value it loads with objsize (~0.5 ms
        # each), which was 69% of dedup's verification stage at 1,000,000 articles (py-spy), where
        # each PairFp is read by key from a side input. The local runner reads each side input
        # once per bundle, and a stage runs as one bundle per worker, so the cache saved nothing.
        worker_handlers.STATE_CACHE_SIZE_MB = 0
        encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
        info = fn_runner.ExtendedProvisionInfo(beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded))
        runner = fn_runner.FnApiRunner(provision_info=info)
        if options.view_as(DirectOptions).direct_running_mode != "multi_processing":
            return runner.run_pipeline(pipeline, options)
        return run_watched(lambda: runner.run_pipeline(pipeline, options))


class WorkerDied(RuntimeError):
    """A multi_processing SDK worker process exited with an error before the run finished."""


_worker_exit_listeners: list[Callable[[BaseException], None]] = []
_WATCH_LOCK = threading.Lock()
POLL_SECONDS = 1.0  # how often the waiting thread wakes for signals (SIGTERM, Ctrl-C); a worker's death wakes it at once


def _watch_worker_exits() -> None:
    """Wrap Beam's SubprocessSdkWorker.run (once per process) so that a worker exiting with an error is
    reported to the listeners; Beam raises it in the worker's own thread, where nothing waits for it."""
    from apache_beam.runners.portability import local_job_service

    cls = local_job_service.SubprocessSdkWorker
    with _WATCH_LOCK:
        if getattr(cls.run, "_wirestrip_watched", False):
            return
        original = cls.run

        def run(self) -> None:
            try:
                original(self)
            except Exception as exc:
                for listener in list(_worker_exit_listeners):
                    listener(exc)
                raise

        run._wirestrip_watched = True  # type: ignore[attr-defined]
        cls.run = run


def _kill_worker_processes() -> None:
    """SIGKILL the SDK worker processes this process started (children running sdk_worker_main), by pid."""
    me = str(os.getpid())
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = f.read().rsplit(")", 1)[1].split()[1]
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if parent == me and b"apache_beam.runners.worker.sdk_worker_main" in cmdline:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


def run_watched(run: Callable[[], PipelineResult]) -> PipelineResult:
    """Run `run` (the FnApiRunner in multi_processing mode) in a daemon thread; return its result or raise
    its error, or raise WorkerDied as soon as a worker process exits with an error (the runner would wait
    for that worker forever: the remaining workers are killed and the stuck thread is left behind)."""
    _watch_worker_exits()
    wake = threading.Event()
    outcome: dict = {}

    def died(exc: BaseException) -> None:
        outcome.setdefault("worker", exc)
        wake.set()

    def target() -> None:
        try:
            outcome["result"] = run()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread, which raises it
            outcome["error"] = exc
        finally:
            outcome["done"] = True
            wake.set()

    _worker_exit_listeners.append(died)
    try:
        threading.Thread(target=target, name="wirestrip-fnapi-runner", daemon=True).start()
        while not wake.wait(POLL_SECONDS):
            pass
    finally:
        _worker_exit_listeners.remove(died)
    if outcome.get("done"):  # the run ended first: its own outcome counts
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]
    _kill_worker_processes()
    raise WorkerDied(
        f"a multi_processing SDK worker process exited before the run finished ({outcome['worker']}); "
        "workers reach the runner over loopback (localhost), is it up? The default in_memory mode needs no workers"
    )


def runner_for(options: PipelineOptions) -> PipelineRunner | str:
    """Our offline runner for the default / DirectRunner; otherwise the runner name for Beam to resolve."""
    name = options.view_as(StandardOptions).runner or ""
    if name.lower() in DIRECT_ALIASES:
        return OfflineDirectRunner()
    return name


# SDK workers (multi_processing, portable) log every start-up step at INFO, and warn that they
# cannot parse our options (they parse before our code is imported). Keep their WARNINGs and errors.
_WORKER_LOG_OVERRIDES = (
    '{"__main__": "ERROR", "apache_beam.options.pipeline_options": "ERROR", "apache_beam.runners.worker.sdk_worker_main": "ERROR"}'
)


# Beam's PortableRunner (Prism, Flink, Spark, a job endpoint) gives its job state and message streams this
# request timeout (default 300 s), so the launcher gave up on any job longer than 5 minutes with DEADLINE_EXCEEDED
# (Prism at 100,000 articles, docs/runners.md). A day: a daily batch is never cut off; a job service that is
# down still fails at once (UNAVAILABLE), only one that hangs is waited on this long.
JOB_SERVER_TIMEOUT_SECONDS = 24 * 3600


def with_quiet_workers(argv: list[str]) -> list[str]:
    """Add worker log levels to a Beam command line unless the user set them, and a job-service timeout that
    outlasts the job (the name is older than the timeout; plan.py calls it for every run)."""
    out = list(argv)
    if not any(a.startswith(("--job_server_timeout", "--job-server-timeout")) for a in argv):
        out.append(f"--job_server_timeout={JOB_SERVER_TIMEOUT_SECONDS}")
    if not any(a.startswith("--default_sdk_harness_log_level") for a in argv):
        # WARN, not WARNING: Java runners (Flink's job server, Dataflow) parse the options too, and their
        # LogLevel enum has no WARNING (the job is refused); Python reads WARN as logging.WARN, the same level.
        out.append("--default_sdk_harness_log_level=WARN")
    if not any(a.startswith("--sdk_harness_log_level_overrides") for a in argv):
        out.append("--sdk_harness_log_level_overrides=" + _WORKER_LOG_OVERRIDES)
    return out
