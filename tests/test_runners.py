"""The same pipeline on every runner we can start here: identical article rows on each.

DirectRunner in_memory and multi_processing, and the PortableRunner against Beam's local job
service with LOOPBACK workers and with an EXTERNAL pool of worker processes started by the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import SAMPLES, read_table, run_cli

RUN_DATE = "2025-08-02"
LINEAGE = ("run_id", "ingested_at")  # differ per run by design


def comparable(out: Path) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in LINEAGE} for r in read_table(out, "articles")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited early with code {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def run_samples(out: Path, *extra: str) -> list[dict]:
    assert run_cli("--input", f"{SAMPLES}/**", "--output", str(out), "--run-date", RUN_DATE, *extra) == 0
    return comparable(out)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> list[dict]:
    rows = run_samples(tmp_path_factory.mktemp("in_memory"))
    assert len(rows) == 11
    return rows


def service(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


@pytest.fixture(scope="module")
def job_endpoint():
    port = free_port()
    proc = service("apache_beam.runners.portability.local_job_service_main", "--port", str(port))
    try:
        wait_for_port(port, proc)
        yield f"localhost:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_direct_runner_is_the_offline_fnapi_runner(tmp_path, baseline):
    assert run_samples(tmp_path, "--runner", "DirectRunner") == baseline


def test_multi_processing_two_workers(tmp_path, baseline):
    assert run_samples(tmp_path, "--direct_running_mode", "multi_processing", "--direct_num_workers", "2") == baseline


def test_portable_runner_loopback(tmp_path, baseline, job_endpoint):
    rows = run_samples(tmp_path, "--runner", "PortableRunner", "--job_endpoint", job_endpoint, "--environment_type", "LOOPBACK")
    assert rows == baseline


@pytest.mark.slow
def test_portable_runner_external_worker_pool(tmp_path, baseline, job_endpoint):
    # The pool starts workers with the `python` on PATH: it must be the one with wirestrip installed.
    port = free_port()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    pool = service("apache_beam.runners.worker.worker_pool_main", "--service_port", str(port), env=env)
    try:
        wait_for_port(port, pool)
        rows = run_samples(
            tmp_path,
            "--runner", "PortableRunner", "--job_endpoint", job_endpoint,
            "--environment_type", "EXTERNAL", "--environment_config", f"localhost:{port}",
            "--sdk_worker_parallelism", "2",
        )  # fmt: skip
    finally:
        pool.terminate()
        pool.wait(timeout=30)
    assert rows == baseline


def test_setup_file_is_staged_for_remote_workers(tmp_path, baseline, job_endpoint):
    # --setup_file makes Beam build our sdist offline and stage it through the job service.
    from tests.helpers import ROOT

    rows = run_samples(
        tmp_path,
        "--runner", "PortableRunner", "--job_endpoint", job_endpoint, "--environment_type", "LOOPBACK",
        "--setup_file", str(ROOT / "setup.py"),
    )  # fmt: skip
    assert rows == baseline


def test_multi_processing_fails_fast_when_its_workers_die(tmp_path):
    # Issue 17 #14: with loopback down the workers exit (grpc.FutureTimeoutError after 60 s) and Beam's
    # FnApiRunner waited for them forever. Simulated cheaply: every worker process exits at start-up (a
    # sitecustomize on the workers' PYTHONPATH; the runner process is already started and unaffected).
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import os\nif os.environ.get('WORKER_ID'):\n    os._exit(1)\n")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "wirestrip.pipeline.run", "--input", f"{SAMPLES}/**", "--output", str(out),
           "--run-date", RUN_DATE, "--direct_running_mode", "multi_processing", "--direct_num_workers", "2"]  # fmt: skip
    t = time.monotonic()
    # 120 s: start-up and the failure take ~15 s here; the bug was an endless wait
    proc = subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(site)}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert time.monotonic() - t < 120
    assert "WorkerDied" in proc.stderr and "nothing was committed" in proc.stderr
    assert not list(out.glob("articles/*/*.parquet"))


def test_run_watched_returns_the_result_or_raises_the_runs_own_error():
    from wirestrip.pipeline.runners import run_watched

    assert run_watched(lambda: "result") == "result"
    with pytest.raises(ValueError, match="boom"):
        run_watched(lambda: (_ for _ in ()).throw(ValueError("boom")))


def test_worker_log_level_is_one_java_runners_accept():
    # Java runners (Flink's job server, Dataflow) parse the options too: their LogLevel has WARN, no WARNING.
    from wirestrip.pipeline.runners import with_quiet_workers

    levels = [a.split("=", 1)[1] for a in with_quiet_workers([]) if a.startswith("--default_sdk_harness_log_level")]
    assert levels == ["WARN"]


def test_portable_job_streams_outlast_a_long_job():
    # Beam gives the portable job's state/message streams --job_server_timeout (300 s by default): a longer
    # run on Prism or Flink failed with DEADLINE_EXCEEDED in the launcher.
    from wirestrip.pipeline.runners import with_quiet_workers

    assert "--job_server_timeout=86400" in with_quiet_workers([])
    assert with_quiet_workers(["--job_server_timeout", "60"]).count("--job_server_timeout=86400") == 0
