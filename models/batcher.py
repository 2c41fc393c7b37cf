"""An async micro-batcher: batches whatever waits while the worker is busy, runs it in a worker thread."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[T, R]):
    """Batches concurrent requests for a blocking batch function (e.g. an encoder).

    Batches run one at a time in a dedicated worker thread, never on the event loop; items that
    arrive meanwhile form the next batch, so batches grow with the load ("continuous batching").
    When the worker is free, a batch takes what is queued after one turn of the event loop (callers
    that submit together, e.g. ``asyncio.gather``, share it) and, with ``max_wait`` > 0, waits up to
    that long for more, up to ``max_batch`` items. The default ``max_wait`` is 0: a lone message
    starts at once instead of waiting for company that, below capacity, rarely comes.

    Args:
        fn: Blocking function mapping a list of items to a list of results of the same length.
        max_batch: Largest batch.
        max_wait: Longest time (seconds) the first item of a batch waits for company (0: none).
    """

    def __init__(
        self, fn: Callable[[list[T]], list[R]], *, max_batch: int = 32, max_wait: float = 0.0
    ) -> None:
        self._fn = fn
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="steward-infer")
        self._queue: asyncio.Queue[tuple[T, asyncio.Future[R]]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batch_sizes: list[int] = []
        self.on_batch: Callable[[int, float], None] | None = None
        """Called with (batch size, seconds) after each successful batch (metrics)."""

    def _ensure_worker(self) -> asyncio.Queue[tuple[T, asyncio.Future[R]]]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop or self._worker is None or self._worker.done():
            self._loop = loop
            self._queue = asyncio.Queue()
            self._worker = loop.create_task(self._run(self._queue), name="steward-microbatcher")
        return self._queue

    async def submit(self, items: Sequence[T]) -> list[R]:
        """Process ``items`` (batched together with other callers' items); results in input order."""
        if not items:
            return []
        queue = self._ensure_worker()
        loop = asyncio.get_running_loop()
        futures: list[asyncio.Future[R]] = []
        for item in items:
            fut: asyncio.Future[R] = loop.create_future()
            queue.put_nowait((item, fut))
            futures.append(fut)
        return list(await asyncio.gather(*futures))

    async def _collect(
        self, queue: asyncio.Queue[tuple[T, asyncio.Future[R]]]
    ) -> list[tuple[T, asyncio.Future[R]]]:
        loop = asyncio.get_running_loop()
        batch = [await queue.get()]
        await asyncio.sleep(0)  # callers woken in the same loop turn enqueue first
        deadline = loop.time() + self.max_wait
        while len(batch) < self.max_batch:
            if not queue.empty():
                batch.append(queue.get_nowait())
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(queue.get(), remaining))
            except TimeoutError:
                break
        return batch

    async def _run(self, queue: asyncio.Queue[tuple[T, asyncio.Future[R]]]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [(item, fut) for item, fut in await self._collect(queue) if not fut.done()]
            if not batch:
                continue
            self.batch_sizes.append(len(batch))
            started = loop.time()
            try:
                results = await loop.run_in_executor(self._executor, self._fn, [item for item, _ in batch])
                if len(results) != len(batch):
                    raise RuntimeError(
                        f"batch function returned {len(results)} results for {len(batch)} items"
                    )
            except Exception as exc:
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            if self.on_batch is not None:
                self.on_batch(len(batch), loop.time() - started)
            for (_, fut), result in zip(batch, results, strict=True):
                if not fut.done():
                    fut.set_result(result)

    async def aclose(self) -> None:
        """Stop the worker task and the worker thread."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._worker
        self._executor.shutdown(wait=False, cancel_futures=True)
