"""Packaging for remote workers: the wheel and sdist carry the rule and schema data, and the wheel
installs without network into a fresh venv whose CLI runs the samples. `make check-install` adds the
first-hour path: the wheel and its dependencies from PyPI, with the pip Python 3.11 bundles."""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT, SAMPLES, read_table

DATA = ("transforms/clean/rule_data/builtin.yaml", "schemas/articles.py", "schemas/rejects.py")


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    for kind in ("wheel", "sdist"):
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out), str(ROOT)]
        if kind == "sdist":
            cmd = [sys.executable, "setup.py", "-q", "sdist", "--dist-dir", str(out)]
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return out


def test_wheel_and_sdist_carry_the_data_files(dist):
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert all(f"wirestrip/{d}" in names for d in DATA), sorted(names)
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {m.split("/", 1)[1] for m in tar.getnames() if "/" in m}
    assert all(d in members for d in (*DATA, "setup.py", "README.md"))


def test_wheel_installs_offline_and_runs_the_samples(dist, tmp_path):
    (wheel,) = dist.glob("*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-index", "--no-deps", str(wheel)], check=True)
    # Dependencies are reused from the test environment (a plain path: its .pth files, and so
    # this checkout's editable install, are not activated).
    site = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    (site / "reuse_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.check_output([str(py), "-c", "import wirestrip.pipeline as p; print(p.__file__)"], cwd=tmp_path, text=True)
    assert where.startswith(str(venv)), where
    # One import namespace: nothing generic (pipeline, transforms, schemas) at the top of site-packages.
    top = {entry.name for entry in site.iterdir() if entry.name not in ("reuse_test_env.pth", "__pycache__")}
    assert {n for n in top if not n.startswith("wirestrip-")} == {"wirestrip"}, sorted(top)
    _runs_the_samples(venv, tmp_path)


def _runs_the_samples(venv: Path, tmp_path: Path) -> None:
    """The venv's own `wirestrip` cleans the bundled samples: exit 0, 11 articles."""
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(venv / "bin" / "wirestrip"), "run", "--input", f"{SAMPLES}/**", "--output", str(out), "--run-date", "2025-08-02"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert len(read_table(out, "articles")) == 11


def _pypi_reachable() -> bool:
    """A 3-second TCP connect to PyPI's hosts, from a child process like pip's (this process's sockets
    are blocked by conftest's _no_network)."""
    probe = "import socket\nfor h in ('pypi.org', 'files.pythonhosted.org'): socket.create_connection((h, 443), timeout=3).close()"
    try:
        return subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=15).returncode == 0
    except subprocess.TimeoutExpired:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("WIRESTRIP_CHECK_INSTALL"), reason="~2 minutes and PyPI: run by `make check-install` (and CI)")
def test_wheel_installs_in_a_fresh_venv_with_bundled_pip(dist, tmp_path):
    """What a first-time user gets: `python3.11 -m venv` + its bundled pip (23.2 for 3.11; not upgraded)
    installs the wheel with its dependencies from PyPI, pinned by constraints.txt, and the CLI runs.
    Old pip skips extras it cannot match (lxml's html_clean, which jusText needs), so every import
    the tool makes must be a declared requirement."""
    if not _pypi_reachable():
        pytest.skip("PyPI (pypi.org / files.pythonhosted.org:443) unreachable: this test installs the dependencies from it")
    (wheel,) = dist.glob("*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    version = subprocess.check_output([*pip, "--version"], text=True).split()[1]
    assert version == ensurepip.version(), f"the venv's pip {version} is not Python's bundled {ensurepip.version()}"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run(
        [*pip, "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheel)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _runs_the_samples(venv, tmp_path)
