"""Where the Prism binary lives and how it is built (`go install`, never downloaded by a run)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import apache_beam
from wirestrip.pipeline.runners import PRISM_ENV, prism_binary

BEAM_VERSION = apache_beam.__version__
PACKAGE = f"github.com/apache/beam/sdks/v2/go/cmd/prism@v{BEAM_VERSION}"  # the Prism of the Beam we run, nothing newer
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "wirestrip"


def go() -> str | None:
    return shutil.which("go") or next((p for p in ("/usr/local/go/bin/go", "/usr/lib/go/bin/go") if Path(p).exists()), None)


def build(quiet: bool = False) -> Path:
    """Build Prism into the cache (GOBIN) with the Go module proxy, unless it is there already; return its path."""
    found = prism_binary()
    if found:
        return Path(found)
    tool = go()
    if tool is None:
        sys.exit("prism: no `go` found (Debian's golang-go or /usr/local/go); Prism is built from source, never downloaded")
    target = CACHE / "bin"
    target.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(target), "GOPATH": str(CACHE / "gopath"), "GOFLAGS": "-mod=mod"}
    print(f"prism: building {PACKAGE} into {target} (first time: ~4 minutes on 2 cores)…", file=sys.stderr, flush=True)
    subprocess.run([tool, "install", PACKAGE], check=True, env=env, stdout=subprocess.DEVNULL if quiet else None)
    built = prism_binary()
    if not built:
        sys.exit(f"prism: `go install` finished but no binary at {target}/prism; set {PRISM_ENV} to its path")
    return Path(built)
