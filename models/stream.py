"""Streaming JSON-lines classification (``steward classify``): in order, batched, errors per line."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterable
from typing import TextIO

from moderation.ports import Classification, Classifier

#: Most lines classified together while more input is already waiting.
MAX_CHUNK = 64


def _parse(line: str) -> str | dict[str, object]:
    """The text of a ``{"text": ...}`` line, or an error object."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return {"error": f"invalid JSON: {exc}"}
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return {"error": 'expected an object like {"text": "..."}'}
    return str(obj["text"])


def _render(c: Classification) -> dict[str, object]:
    return {"labels": dict(c.labels), "lang": c.lang}


async def classify_lines(classifier: Classifier, lines: Iterable[str], out: TextIO) -> int:
    """Classify JSON lines from ``lines`` (read in a thread) and write one JSON line per input line.

    Lines already waiting are classified together (up to :data:`MAX_CHUNK`); output follows input
    order and is flushed after each chunk, so results stream while input is still arriving.

    Returns:
        The number of lines that were not valid ``{"text": ...}`` objects.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def reader() -> None:
        try:
            for line in lines:
                loop.call_soon_threadsafe(queue.put_nowait, line)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=reader, name="steward-stdin", daemon=True).start()
    errors = 0
    seen = 0
    done = False
    while not done:
        chunk = [await queue.get()]
        while len(chunk) < MAX_CHUNK and not queue.empty():
            chunk.append(queue.get_nowait())
        if chunk[-1] is None:
            done = True
        items: list[str | dict[str, object]] = []
        for line in chunk:
            if line is None:
                continue
            seen += 1
            if line.strip():
                item = _parse(line)
                items.append({**item, "line": seen} if isinstance(item, dict) else item)
        texts = [item for item in items if isinstance(item, str)]
        results = iter(await classifier.classify(texts)) if texts else iter(())
        for item in items:
            if isinstance(item, str):
                out.write(json.dumps(_render(next(results)), ensure_ascii=False) + "\n")
            else:
                errors += 1
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        out.flush()
    return errors
