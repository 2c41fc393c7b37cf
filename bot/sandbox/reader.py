"""Reading stdin lines without blocking the event loop, whether stdin is a pipe, a file or a terminal."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import BinaryIO

MAX_LINE_BYTES = 1_000_000


def decode_line(raw: bytes) -> str:
    """Decode one line of input: invalid UTF-8 becomes U+FFFD, the line ending is dropped."""
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _read_line(stream: BinaryIO, limit: int) -> bytes | None:
    """One line of at most ``limit`` bytes (the rest of a longer line is read and dropped)."""
    raw = stream.readline(limit)
    if not raw:
        return None
    if len(raw) >= limit and not raw.endswith(b"\n"):
        while True:
            rest = stream.readline(limit)
            if not rest or rest.endswith(b"\n"):
                break
    return raw


async def read_lines(stream: BinaryIO, *, limit: int = MAX_LINE_BYTES) -> AsyncIterator[str]:
    """Yield decoded lines from ``stream`` until end of input.

    A daemon thread does the blocking reads, so this works for pipes, regular files and terminals
    alike, and never keeps the process alive at exit.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    def pump() -> None:
        while True:
            try:
                raw = _read_line(stream, limit)
            except (OSError, ValueError):
                raw = None
            try:
                loop.call_soon_threadsafe(queue.put_nowait, raw)
            except RuntimeError:  # the loop is closed: nobody listens any more
                return
            if raw is None:
                return

    threading.Thread(target=pump, name="sandbox-stdin", daemon=True).start()
    while True:
        raw = await queue.get()
        if raw is None:
            return
        yield decode_line(raw)
