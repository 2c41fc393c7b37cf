"""Backpressure in front of the message pipeline: a bounded set of workers and a stated overload policy.

Policy (``Intake``):

* at most ``workers`` messages are decided at once; the others wait in arrival order;
* a message that waited longer than ``stale_after`` seconds for its turn, or that arrives while
  ``capacity`` messages are already waiting, is decided by the cheap rules only (words, links, flood,
  mentions, strikes...) without the classifier, and counted in ``degraded``; it still waits for a
  worker, so the database sees at most ``workers`` messages at once;
* nothing is dropped: every message gets a stored decision.

The classifier's micro-batcher groups whatever arrives while a batch runs, so under a flood its
batches grow (up to its ``max_batch``) while the queue in front of it stays bounded by ``workers``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

CHEAP_RULES_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("cheap_rules_only", default=False)
"""True while the current message is decided without the classifier (read by the service)."""


@dataclass
class IntakeCounters:
    """What the intake has seen since start (exported as metrics).

    Attributes:
        received: Messages that entered.
        finished: Messages whose handling ended.
        degraded: Messages decided without the classifier because of the overload policy.
        waiting: Messages waiting for a worker now.
        peak_waiting: Most messages ever waiting at once.
        in_flight: Messages being decided now.
    """

    received: int = 0
    finished: int = 0
    degraded: int = 0
    waiting: int = 0
    peak_waiting: int = 0
    in_flight: int = 0


class Intake:
    """Admits messages into the pipeline under the overload policy in this module's docstring.

    Args:
        workers: Most messages decided at once.
        capacity: Most messages waiting before new ones skip the classifier on arrival.
        stale_after: Seconds of waiting after which a message skips the classifier.
        monotonic: Time source (seconds).
    """

    def __init__(
        self,
        *,
        workers: int = 64,
        capacity: int = 1000,
        stale_after: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workers = max(1, workers)
        self.capacity = max(0, capacity)
        self.stale_after = stale_after
        self._monotonic = monotonic
        self._slots = asyncio.Semaphore(self.workers)
        self._idle = asyncio.Event()
        self._idle.set()
        self.counters = IntakeCounters()

    @contextlib.asynccontextmanager
    async def admit(self) -> AsyncIterator[bool]:
        """Wait for a worker; yield whether this message must skip the classifier (cheap rules only)."""
        counters = self.counters
        counters.received += 1
        overflow = counters.waiting >= self.capacity
        arrived = self._monotonic()
        counters.waiting += 1
        counters.peak_waiting = max(counters.peak_waiting, counters.waiting)
        self._idle.clear()
        try:
            await self._slots.acquire()
        except BaseException:
            counters.waiting -= 1
            self._settle()
            raise
        counters.waiting -= 1
        counters.in_flight += 1
        cheap = overflow or self._monotonic() - arrived > self.stale_after
        if cheap:
            counters.degraded += 1
        token = CHEAP_RULES_ONLY.set(cheap)
        try:
            yield cheap
        finally:
            CHEAP_RULES_ONLY.reset(token)
            counters.in_flight -= 1
            counters.finished += 1
            self._slots.release()
            self._settle()

    def _settle(self) -> None:
        if self.counters.waiting == 0 and self.counters.in_flight == 0:
            self._idle.set()

    @property
    def busy(self) -> bool:
        """Whether any message is waiting or being decided."""
        return not self._idle.is_set()

    async def drain(self, within: float) -> bool:
        """Wait up to ``within`` seconds for every admitted message to finish; return whether they did."""
        try:
            await asyncio.wait_for(self._idle.wait(), within)
        except TimeoutError:
            return False
        return True
