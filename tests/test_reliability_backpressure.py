"""Backpressure: bounded workers, stale messages decided by the cheap rules, batches grow, drain."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from models.batcher import MicroBatcher
from moderation.domain import Actor, Outcome
from moderation.intake import Intake
from moderation.ports import Classification
from tests.harness import Harness


class SlowBatchedClassifier:
    """A real micro-batcher over a blocking scorer that costs 40 ms per batch, whatever its size."""

    def __init__(self, delay: float = 0.04) -> None:
        self.delay = delay
        self.batcher: MicroBatcher[str, Classification] = MicroBatcher(self._score, max_batch=32)

    def _score(self, texts: list[str]) -> list[Classification]:
        time.sleep(self.delay)
        return [Classification({"toxic": 0.95 if "idiot" in t else 0.01}, "en") for t in texts]

    @property
    def labels(self) -> frozenset[str]:
        return frozenset({"toxic"})

    async def classify(self, texts: Sequence[str]) -> list[Classification]:
        return await self.batcher.submit(list(texts))


def author(i: int) -> Actor:
    return Actor(platform="sandbox", user_id=str(20_000 + i), display_name=f"user{i}")


async def test_a_flood_is_decided_in_full_with_stale_messages_on_cheap_rules(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        slow = SlowBatchedClassifier()
        h.service.classifier = slow
        h.service.intake = Intake(workers=8, stale_after=0.25)
        texts = [("you meanie" if i % 10 == 0 else f"you idiot number {i}") for i in range(100)]
        try:
            decisions = await asyncio.gather(*(h.say(text, author=author(i)) for i, text in enumerate(texts)))
        finally:
            await slow.batcher.aclose()
        counters = h.service.intake.counters
        assert counters.received == counters.finished == 100
        assert counters.in_flight == counters.waiting == 0
        assert 0 < counters.degraded < 100  # the overload policy kicked in, but not for everyone
        assert counters.peak_waiting > 8  # more arrived than the workers could take
        assert max(slow.batcher.batch_sizes) > 1  # batches grew under the flood
        stats = await h.store.stats("acme", h.clock.now() - timedelta(days=1))
        assert sum(stats.decisions_by_outcome.values()) == 100  # nothing dropped
        assert stats.messages == 100
        # Word rules are cheap rules: every "meanie" was warned, degraded or not.
        warned = [d for t, d in zip(texts, decisions, strict=True) if t == "you meanie"]
        assert all(d.outcome is Outcome.ACT for d in warned)
        # Classifier rules ran for exactly the messages that were not degraded.
        assert sum(1 for d in decisions if not d.scores) == counters.degraded
        toxic = [d for t, d in zip(texts, decisions, strict=True) if "idiot" in t]
        assert all(d.outcome is Outcome.ACT for d in toxic if d.scores)
        assert all(d.outcome is Outcome.IGNORE for d in toxic if not d.scores)


async def test_overflow_beyond_capacity_skips_the_classifier_on_arrival(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        slow = SlowBatchedClassifier(delay=0.02)
        h.service.classifier = slow
        h.service.intake = Intake(workers=1, capacity=3, stale_after=60)
        try:
            decisions = await asyncio.gather(*(h.say(f"you idiot {i}", author=author(i)) for i in range(10)))
        finally:
            await slow.batcher.aclose()
        assert h.service.intake.counters.degraded == sum(1 for d in decisions if not d.scores)
        assert h.service.intake.counters.degraded >= 6  # only the first ones found room to wait


async def test_drain_waits_for_in_flight_messages_within_a_deadline(tmp_path: Path) -> None:
    async with Harness.start(tmp_path) as h:
        gate = asyncio.Event()

        class Stuck(SlowBatchedClassifier):
            async def classify(self, texts: Sequence[str]) -> list[Classification]:
                await gate.wait()
                return [Classification({"toxic": 0.95}, "en") for _ in texts]

        h.service.classifier = Stuck()
        tasks = [asyncio.create_task(h.say(f"you idiot {i}", author=author(i))) for i in range(5)]
        await asyncio.sleep(0.05)
        assert h.service.intake.busy
        assert await h.service.intake.drain(0.2) is False  # stuck: the deadline wins
        gate.set()
        assert await h.service.intake.drain(10) is True
        assert all(t.done() for t in tasks)
        assert len(h.gateway.named("delete_message")) == 5
        assert await h.store.pending_decisions() == []
