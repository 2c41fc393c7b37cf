"""Reading stdin lines without blocking the event loop, whether stdin is a pipe, a file or a terminal."""

from __future__ import annotations

import asyncio
import io
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import BinaryIO

MAX_LINE_BYTES = 1_000_000
CHUNK = 65536
QUEUE_LINES = 64


def decode_line(raw: bytes) -> str:
    """Decode one line of input: invalid UTF-8 becomes U+FFFD, the line ending is dropped."""
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


class LineSplitter:
    """Cuts a byte stream into lines of at most ``limit`` bytes (the rest of a longer line is dropped)."""

    def __init__(self, limit: int = MAX_LINE_BYTES) -> None:
        self._limit = limit
        self._buffer = bytearray()
        self._skipping = False

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """Add bytes; yield every line completed by them."""
        self._buffer += chunk
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) >= self._limit and not self._skipping:
                    yield bytes(self._buffer[: self._limit])
                    self._skipping = True
                if self._skipping:
                    self._buffer.clear()
                return
            line = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            if self._skipping:
                self._skipping = False
                continue
            yield line[: self._limit]

    def close(self) -> Iterator[bytes]:
        """Yield the last line if the input did not end with a newline."""
        if self._buffer and not self._skipping:
            yield bytes(self._buffer)
        self._buffer.clear()


def _reader(stream: BinaryIO) -> Callable[[], bytes]:
    """A blocking read of the next chunk: ``os.read`` where there is a file descriptor.

    A daemon thread blocked in ``os.read`` holds no Python lock, so the interpreter can exit while it
    waits; one blocked in a buffered ``readline`` would abort the interpreter at shutdown.
    """
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return lambda: stream.read(CHUNK)
    return lambda: os.read(fd, CHUNK)


async def read_lines(stream: BinaryIO, *, limit: int = MAX_LINE_BYTES) -> AsyncIterator[str]:
    """Yield decoded lines from ``stream`` until end of input (pipes, files and terminals alike)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()
    room = threading.Semaphore(QUEUE_LINES)  # backpressure: a huge piped file stays on disk
    read = _reader(stream)

    def put(item: bytes | None) -> bool:
        """Hand a line to the loop once there is room; ``False`` when nobody listens any more."""
        while not room.acquire(timeout=0.5):
            if loop.is_closed():
                return False
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop closed meanwhile
            return False
        return True

    def pump() -> None:
        splitter = LineSplitter(limit)
        while True:
            try:
                chunk = read()
            except (OSError, ValueError):  # closed or broken input counts as its end
                chunk = b""
            lines = splitter.feed(chunk) if chunk else splitter.close()
            for line in lines:
                if not put(line):
                    return
            if not chunk:
                put(None)
                return

    threading.Thread(target=pump, name="sandbox-stdin", daemon=True).start()
    while True:
        raw = await queue.get()
        room.release()
        if raw is None:
            return
        yield decode_line(raw)
