"""Packaging for remote workers: the wheel and sdist carry the rule and schema data, and the wheel
installs without network into a fresh venv whose CLI runs the samples."""

from __future__ import annotations

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
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(venv / "bin" / "wirestrip"), "run", "--input", f"{SAMPLES}/**", "--output", str(out), "--run-date", "2025-08-02"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert len(read_table(out, "articles")) == 11
