"""The heap setting applied before the encoder loads."""

import sys

import pytest

from models import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_mmap_threshold_is_applied_once_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_done", False)
    assert memory.return_freed_buffers() is True
    assert memory._done is True
    assert memory.return_freed_buffers() is True  # idempotent: no second mallopt call needed


def test_a_libc_without_mallopt_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_done", False)
    monkeypatch.setattr(memory.ctypes.util, "find_library", lambda _: "/nonexistent/libc.so")
    assert memory.return_freed_buffers() is False
    assert memory._done is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_trim_heap_returns_freed_pages_on_glibc() -> None:
    blocks = [bytearray(64 * 1024) for _ in range(400)]  # below the mmap threshold: heap memory
    del blocks
    assert isinstance(memory.trim_heap(), bool)


def test_trim_heap_without_malloc_trim_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory.ctypes.util, "find_library", lambda _: "/nonexistent/libc.so")
    assert memory.trim_heap() is False
