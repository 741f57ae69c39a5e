"""A local Flink session cluster for Beam's FlinkRunner: `make flink-up`, `make flink-down`, `make flink-check`.

    python -m bench.engines.flink setup   # Flink from PyPI (apache-flink), Beam's Flink runner from Maven Central
    python -m bench.engines.flink up      # JobManager + 2 TaskManagers, separate JVMs, on 127.0.0.1 only
    python -m bench.engines.flink down

Everything lands under build/engines/ (git-ignored) and ~/.cache/wirestrip/ (the Flink venv); nothing
is downloaded while a pipeline runs. Maven Central here serves no `beam-runners-flink-*-job-server`
shaded jar of any Beam version (docs/runners.md, "Flink"), so `setup` resolves the newest Beam Flink
runner whose dependencies are all served (beam-runners-flink-1.19:2.62.0) and writes a launcher jar
(a manifest with Main-Class FlinkJobServerDriver and its Class-Path), which is what
`--flink_job_server_jar` takes.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "engines"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "wirestrip"
FLINK_VERSION = "1.19"  # the only Flink minor whose Beam runner Maven Central serves here with all its dependencies
FLINK_PYPI = "apache-flink==1.19.3"  # newest 1.19 patch: the distribution the job server's Flink 1.19 client talks to
BEAM_JAVA = "2.62.0"  # newest beam-runners-flink-1.19 whose dependencies (job-service 2.62.0, ...) all resolve here
RUNNER_ARTIFACT = f"org.apache.beam:beam-runners-flink-{FLINK_VERSION}:{BEAM_JAVA}"
LOG_BINDING = "org.slf4j:slf4j-simple:1.7.30"  # the job server's slf4j-api version: without a binding its errors are silent
VENV = CACHE / "flinkenv"  # apache-flink pins an old apache-beam: never in our .venv
JOBSERVER = BUILD / "flink-jobserver"
LAUNCHER = JOBSERVER / f"beam-runners-flink-{FLINK_VERSION}-job-server-{BEAM_JAVA}-launcher.jar"
RUN = BUILD / "flink"  # conf, logs, pids of the running cluster
REST_PORT = 8081  # Flink's default: `--flink_master localhost:8081` as the issue and docs say
TASK_MANAGERS = 2  # two TaskManager JVMs, one slot each: parallelism 2 on 2 cores
WAIT_SECONDS = 90  # a cold JobManager + TaskManagers register in ~15 s here; 90 s bounds a stuck start
INSTALL_SECONDS = 900  # each of pip's and Maven's downloads: ~1 and ~2 min on a fresh machine; bounds a stalled mirror
SCRIPT_SECONDS = 60  # Flink's start/stop scripts: start returns once the JVM is forked, stop-all waits 10 s per daemon


def flink_home() -> Path:
    return next(VENV.glob("lib/python3*/site-packages/pyflink"))


def setup() -> None:
    """Install what the cluster and job server need (idempotent; ~1 minute the first time, seconds after)."""
    if not VENV.exists() or not list(VENV.glob("lib/python3*/site-packages/pyflink/bin/jobmanager.sh")):
        print(f"flink: installing {FLINK_PYPI} (the Flink distribution) into {VENV} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        # --no-deps: only the JVM distribution inside the wheel is used; its Python deps pin an old Beam
        libs = FLINK_PYPI.replace("apache-flink", "apache-flink-libraries")
        pip = [str(VENV / "bin" / "pip"), "install", "-q", "--no-deps", FLINK_PYPI, libs]
        subprocess.run(pip, check=True, timeout=INSTALL_SECONDS)
    if not LAUNCHER.exists():
        JOBSERVER.mkdir(parents=True, exist_ok=True)
        deps = "".join(
            f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></dependency>"
            for g, a, v in (x.split(":") for x in (RUNNER_ARTIFACT, LOG_BINDING))
        )
        (JOBSERVER / "pom.xml").write_text(
            '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
            "<groupId>wirestrip</groupId><artifactId>flink-jobserver</artifactId><version>1</version><packaging>pom</packaging>"
            f"<dependencies>{deps}</dependencies></project>\n"
        )
        print(f"flink: resolving {RUNNER_ARTIFACT} and its dependencies from Maven Central …", flush=True)
        subprocess.run(
            ["mvn", "-B", "-q", "dependency:copy-dependencies", "-DoutputDirectory=lib", "-DincludeScope=runtime"],
            cwd=JOBSERVER,
            check=True,
            timeout=INSTALL_SECONDS,
        )
        write_launcher(sorted((JOBSERVER / "lib").glob("*.jar")))
    print(f"flink: Flink {FLINK_VERSION} at {flink_home()}, job server {LAUNCHER}", flush=True)


def write_launcher(jars: list[Path]) -> None:
    """A jar holding only a manifest: `java -jar` runs FlinkJobServerDriver with the resolved jars on its class path."""
    entries = " ".join(f"lib/{j.name}" for j in jars)
    text = f"Manifest-Version: 1.0\nMain-Class: org.apache.beam.runners.flink.FlinkJobServerDriver\nClass-Path: {entries}\n"
    lines = []
    for line in text.splitlines():  # manifest lines are at most 72 bytes; continuations start with a space
        lines.append(line[:70])
        lines.extend(" " + line[i : i + 69] for i in range(70, len(line), 69))
    tmp = LAUNCHER.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "\r\n".join(lines) + "\r\n")
    tmp.replace(LAUNCHER)


CONFIG = f"""# written by bench/engines/flink.py: a session cluster on loopback only
jobmanager.bind-host: 127.0.0.1
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: 6123
jobmanager.memory.process.size: 1600m
taskmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
taskmanager.numberOfTaskSlots: 1
taskmanager.memory.process.size: 2560m
# Beam's batch plan is one wide chain: the default ~160 MB of network buffers (5,079) is refused ("required 512, only 459")
taskmanager.memory.network.min: 400m
taskmanager.memory.network.max: 400m
parallelism.default: {TASK_MANAGERS}
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: {REST_PORT}
blob.server.port: 6124
# A killed TaskManager's replacement registers in ~10-30 s here: 3 attempts 5 s apart were spent before it did
# (job failed); 10 attempts 10 s apart give it 100 s
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 10
restart-strategy.fixed-delay.delay: 10 s
"""


def env() -> dict[str, str]:
    return {**os.environ, "FLINK_CONF_DIR": str(RUN / "conf"), "FLINK_LOG_DIR": str(RUN / "log"), "FLINK_PID_DIR": str(RUN / "pid")}


def script(name: str, action: str, check: bool = True) -> None:
    """One of Flink's daemon scripts (jobmanager.sh, taskmanager.sh) on this cluster's conf, logs and pids."""
    cmd = ["bash", str(flink_home() / "bin" / name), action]
    subprocess.run(cmd, env=env(), check=check, stdout=subprocess.DEVNULL, timeout=SCRIPT_SECONDS)


def overview() -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{REST_PORT}/overview", timeout=2) as r:
            return json.load(r)
    except (OSError, ValueError):  # nothing listening, or not Flink's REST API answering
        return None


def port_taken(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def up() -> None:
    """Start the JobManager and TaskManagers as daemons; return once every TaskManager has registered."""
    setup()
    if (o := overview()) and o.get("taskmanagers", 0) >= TASK_MANAGERS:
        print(f"flink: already up at localhost:{REST_PORT} ({o['taskmanagers']} TaskManagers)")
        return
    if taken := [p for p in (REST_PORT, 6123, 6124) if port_taken(p)]:  # a JobManager started now would die on them
        sys.exit(
            f"flink: port(s) {taken} on 127.0.0.1 are in use, but no cluster with {TASK_MANAGERS} TaskManagers "
            f"answers on {REST_PORT}: `make flink-down` if it is this checkout's, else stop what holds them"
        )
    home = flink_home()
    for d in ("conf", "log", "pid"):
        (RUN / d).mkdir(parents=True, exist_ok=True)
    for f in (home / "conf").glob("log4j*.properties"):
        shutil.copy(f, RUN / "conf" / f.name)
    (RUN / "conf" / "config.yaml").unlink(missing_ok=True)
    (RUN / "conf" / "flink-conf.yaml").write_text(CONFIG)  # the legacy file name: flat keys, read by 1.19
    for name in ["jobmanager.sh"] + ["taskmanager.sh"] * TASK_MANAGERS:
        script(name, "start")
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if (o := overview()) and o.get("taskmanagers", 0) >= TASK_MANAGERS:
            print(f"flink: up at localhost:{REST_PORT}, {o['taskmanagers']} TaskManagers, {o.get('slots-total')} slots; logs {RUN / 'log'}")
            return
        time.sleep(1)
    log_tail()
    down()
    sys.exit(
        f"flink: the cluster did not come up within {WAIT_SECONDS}s ({(o or {}).get('taskmanagers', 0)} of "
        f"{TASK_MANAGERS} TaskManagers registered); logs in {RUN / 'log'}"
    )


def log_tail(lines: int = 12) -> None:
    """Why a start failed, readable in a CI log: the end of each daemon's stdout/stderr and its log's last
    warnings and errors (the current files: Flink rotates the older ones to *.log.1, *.out.1, …)."""
    for f in sorted([*(RUN / "log").glob("*.out"), *(RUN / "log").glob("*.log")]):
        text = [ln for ln in f.read_text(errors="replace").splitlines() if ln.strip()]
        tail = text if f.suffix == ".out" else [ln for ln in text if " WARN " in ln or " ERROR " in ln] or text[-3:]
        if tail := tail[-lines:]:
            print(f"flink: --- the end of {f} ---\n" + "\n".join(tail), flush=True)


def running_jobs() -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{REST_PORT}/jobs/overview", timeout=2) as r:
            return sum(1 for j in json.load(r)["jobs"] if j["state"] == "RUNNING")
    except OSError:
        return 0


def kill_one_taskmanager(after: float = 15.0, wait: float = 300.0) -> str:
    """Once a job has run `after` seconds, SIGKILL the first TaskManager (by its recorded pid) and start a
    replacement, as a host loss and a supervisor's restart would; return what was done."""
    deadline = time.monotonic() + wait
    while running_jobs() == 0:
        if time.monotonic() > deadline:
            return "no job ran"
        time.sleep(1)
    time.sleep(after)
    pid_file = RUN / "pid" / "flink--taskexecutor.pid"
    victim, *rest = pid_file.read_text().split()
    os.kill(int(victim), 9)
    pid_file.write_text("".join(f"{p}\n" for p in rest))  # so that no stop ever signals a reused pid
    time.sleep(3)
    script("taskmanager.sh", "start")
    return f"killed TaskManager pid {victim} {after:.0f}s into the job, started a replacement"


def pids() -> list[int]:
    out = []
    for f in (RUN / "pid").glob("*.pid"):
        out += [int(x) for x in f.read_text().split()]
    return out


def _is_flink(pid: int) -> bool:
    try:
        return b"org.apache.flink" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def down() -> None:
    """Stop the TaskManagers and the JobManager (their own scripts, then the recorded pids if still alive)."""
    if not RUN.exists():
        return
    recorded = pids()  # read first: stop-all deletes the pid files, whether or not its JVMs stopped
    for name in ("taskmanager.sh", "jobmanager.sh"):
        try:
            script(name, "stop-all", check=False)
        except (StopIteration, subprocess.TimeoutExpired):  # no Flink install left, or a stuck stop: the pids below
            pass
    deadline = time.monotonic() + 30  # a JVM stops within seconds of SIGTERM
    alive = [p for p in recorded if _is_flink(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.5)
        alive = [p for p in alive if _is_flink(p)]
    for p in alive:
        if _is_flink(p):  # never a reused pid
            os.kill(p, signal.SIGKILL)
    for f in (RUN / "pid").glob("*.pid"):
        f.unlink()
    print("flink: down")


def leftovers() -> list[tuple[int, str]]:
    """Processes of this checkout's engines still running: Flink JVMs (their log file is under RUN), job
    servers (the launcher jar) and PROCESS workers; (pid, command line). Empty where there is no /proc."""
    marks = (str(RUN) + "/", str(JOBSERVER) + "/", str(Path(__file__).with_name("process_worker.py")))
    found = []
    for d in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(d.name) != os.getpid() and any(m in cmd for m in marks):
            found.append((int(d.name), cmd))
    return found


def worker_command() -> Path:
    """The PROCESS environment's command: this interpreter running bench/engines/process_worker.py."""
    path = BUILD / "flink-sdk-worker.sh"
    script = Path(__file__).with_name("process_worker.py")
    text = f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n'
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o755)
    return path


def runner_args(pythonpath: str = "") -> list[str]:
    """The wirestrip/Beam options that run a pipeline on the cluster `up` started.

    PROCESS workers, one set per TaskManager: LOOPBACK shares one worker pool between both
    TaskManagers, whose worker ids collide, and a run then fails with "SDK harness closed connection".
    `pythonpath`: the workers' PYTHONPATH (they inherit the TaskManagers' environment, not the launcher's)."""
    config = {"command": str(worker_command()), **({"env": {"PYTHONPATH": pythonpath}} if pythonpath else {})}
    return [
        "--runner", "FlinkRunner", "--flink_master", f"localhost:{REST_PORT}", "--flink_version", FLINK_VERSION,
        "--flink_job_server_jar", str(LAUNCHER), "--parallelism", str(TASK_MANAGERS),
        "--environment_type", "PROCESS", "--environment_config", json.dumps(config),
    ]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=("setup", "up", "down", "args"))
    cmd = ap.parse_args().command
    if cmd == "args":
        print(shlex.join(runner_args()))  # quoted for a shell, and for shlex.split (tests/test_engines.py)
        return
    {"setup": setup, "up": up, "down": down}[cmd]()


if __name__ == "__main__":
    main()
