"""Shared fixtures. Shared helpers (paths, run_cli, read_table, records) live in tests/helpers.py;
they are re-exported here only for code that still imports them from conftest."""

from __future__ import annotations

import fcntl
import hashlib
import tempfile
from pathlib import Path

import pytest

from tests.helpers import ROOT, SAMPLES, SEED, SHARED, read_table, run_cli  # noqa: F401 - re-exported

# Tests that build the project in the source tree (pip wheel / setup.py sdist write build/ and
# wirestrip.egg-info/ beside setup.py). Under `make test` (pytest -n auto --dist loadfile) a module
# runs on one worker, so its module fixtures (the built wheel, the adversarial run) run once; these
# modules also take a lock so that two such builds never overlap on two workers.
IN_TREE_BUILDS = {"test_packaging.py", "test_runners.py"}
BUILD_LOCK = Path(tempfile.gettempdir()) / f"wirestrip-tests-{hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]}.lock"


@pytest.fixture(scope="module", autouse=True)
def _one_in_tree_build_at_a_time(request):
    if Path(request.module.__file__).name not in IN_TREE_BUILDS:
        yield
        return
    with open(BUILD_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, after the module's tests
        yield


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests reach nothing: any attempt to open an outbound connection fails loudly."""
    import socket

    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("/"):
            raise OSError(f"network access blocked in tests: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
