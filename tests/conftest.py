"""Shared fixtures. Shared helpers (paths, run_cli, read_table, records) live in tests/helpers.py;
they are re-exported here only for code that still imports them from conftest."""

from __future__ import annotations

import pytest

from tests.helpers import ROOT, SAMPLES, SEED, SHARED, read_table, run_cli  # noqa: F401 - re-exported

# Tests that build the project in the source tree (pip wheel / setup.py sdist write build/ and
# wirestrip.egg-info/ beside setup.py) share one xdist group: never two such builds at once.
IN_TREE_BUILDS = {"test_packaging.py", "test_runners.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under `-n N --dist loadgroup`, a module's tests stay on one worker (module-scoped fixtures such
    as the adversarial run or the built wheel run once), and in-tree builds never overlap."""
    for item in items:
        name = item.path.name
        group = "in-tree-build" if name in IN_TREE_BUILDS else str(item.path.relative_to(ROOT))
        if not any(item.iter_markers("xdist_group")):
            item.add_marker(pytest.mark.xdist_group(group))


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
