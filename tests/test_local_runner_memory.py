"""What keeps the local runner's memory down without changing a row (docs/runners.md, "Memory grows
with the batch on the local runner"): glibc's allocator tuned by the runner's process (collections
parked on disk: tests/test_park.py)."""

from __future__ import annotations

import platform
import sys

import pytest
import wirestrip.pipeline.runners as runners

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.fixture
def fresh(monkeypatch):
    """tune_allocator as if this process had not called it yet."""
    monkeypatch.setattr(runners, "_tuned", [])
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_allocator_is_tuned_once_on_glibc(fresh):
    assert runners.tune_allocator() is True
    fresh.setattr(runners.ctypes, "CDLL", lambda *_: pytest.fail("mallopt called twice"))
    assert runners.tune_allocator() is True


def test_allocator_left_alone_elsewhere_or_when_the_user_set_it(fresh):
    fresh.setattr(runners.sys, "platform", "darwin")
    assert runners.tune_allocator() is False
    fresh.setattr(runners, "_tuned", [])
    fresh.setattr(runners.sys, "platform", "linux")
    fresh.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    fresh.setattr(runners.ctypes, "CDLL", lambda *_: pytest.fail("the user's setting was overridden"))
    assert runners.tune_allocator() is False


def test_allocator_without_glibc_symbols_is_left_alone(fresh):
    class NoGlibc:  # musl: no gnu_get_libc_version
        pass

    fresh.setattr(runners.sys, "platform", "linux")
    fresh.setattr(runners.ctypes, "CDLL", lambda *_: NoGlibc())
    assert runners.tune_allocator() is False
