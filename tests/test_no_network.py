"""No network: a full run with outbound sockets and name lookups blocked (and logged) succeeds and
tries nothing, over input full of URLs; and no module of the pipeline imports a network client."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, read_table

# Loaded by the child interpreter before anything else (sitecustomize on PYTHONPATH): every
# non-loopback connect and every lookup of a non-local name is refused and written to a log.
SITECUSTOMIZE = """
import os, socket
_LOG = os.environ["WIRESTRIP_NET_LOG"]
_LOCAL = ("127.0.0.1", "::1", "localhost", "0.0.0.0", "")

def _refuse(what, target):
    with open(_LOG, "a") as f:
        f.write(f"{what} {target!r}\\n")
    raise OSError(f"network blocked by the no-network test: {what} {target!r}")

_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

def connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in _LOCAL and not host.startswith("/"):
        _refuse("connect", address)
    return _connect(self, address)

def connect_ex(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in _LOCAL and not host.startswith("/"):
        _refuse("connect_ex", address)
    return _connect_ex(self, address)

def getaddrinfo(host, *args, **kwargs):
    if host not in _LOCAL and host is not None:
        _refuse("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)

socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
"""

URL_POST = """Council publishes flood maps online
2025-03-01 09:00:00
Lisbon:
The maps are at https://maps.example.invalid/flood.geojson and http://203.0.113.7/tiles/{z}/{x}/{y}.png for anyone to check.
Residents can also see <img src="http://198.51.100.9/pixel.gif"> and ftp://files.example.invalid/archive.zip, or www.example.invalid.
Source link
"""


@pytest.mark.slow
@pytest.mark.parametrize("runner_args", [(), ("--runner", "DirectRunner")], ids=["default", "DirectRunner"])
def test_run_with_outbound_network_blocked(tmp_path, runner_args):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "urls.txt").write_text(URL_POST + "\n=====\n" + URL_POST.replace("Lisbon", "Porto"))
    log = tmp_path / "net.log"
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "WIRESTRIP_NET_LOG": str(log)}
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.returncode != 0 and "network blocked" in probe.stderr  # the block is in force in children
    log.unlink()

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "wirestrip.pipeline.run",
            "--input",
            f"{dump}/*.txt",
            "--output",
            str(out),
            "--run-date",
            "2025-08-02",
            *runner_args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not log.exists(), log.read_text()  # not one attempt, not even a caught one
    rows = read_table(out, "articles")
    assert len(rows) == 2 and all("https://maps.example.invalid/flood.geojson" in r["text"] for r in rows)
    (manifest,) = (out / "_manifests").glob("*.json")
    assert json.loads(manifest.read_text())["status"] == "succeeded"


# Modules that open connections or fetch URLs; none belongs in code that reads untrusted dumps.
NETWORK_MODULES = (
    "socket",
    "ssl",
    "urllib.request",
    "http.client",
    "ftplib",
    "smtplib",
    "requests",
    "urllib3",
    "httpx",
    "aiohttp",
    "pycurl",
)
NETWORK_CALLS = ("fetch_url", "fetch_response", "urlopen", "create_connection")  # trafilatura's and the stdlib's fetchers
PACKAGES = ("pipeline", "transforms", "schemas")


def _sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_no_pipeline_module_imports_a_network_client():
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Attribute) and node.attr in NETWORK_CALLS:
                names = [node.attr]
            elif isinstance(node, ast.Name) and node.id in NETWORK_CALLS:
                names = [node.id]
            for name in names:
                if name in NETWORK_CALLS or any(name == m or name.startswith(m + ".") for m in NETWORK_MODULES):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert _sources() and not found, found
