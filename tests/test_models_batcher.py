import asyncio
import threading
from collections.abc import Sequence

import pytest

from models.batcher import MicroBatcher
from models.classifier import BatchedClassifier
from models.langid import LanguageIdentifier
from models.lru import LRUCache


class LengthScorer:
    """A real (if trivial) scorer: probabilities derived from the text, recording its calls."""

    labels: tuple[str, ...] = ("toxic", "spam", "question")

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.threads: set[str] = set()

    def score(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        self.threads.add(threading.current_thread().name)
        return [
            {"toxic": min(1.0, len(t) / 100), "spam": float("http" in t), "question": float(t.endswith("?"))}
            for t in texts
        ]


async def test_batcher_returns_results_in_order_under_concurrency() -> None:
    seen_batches: list[list[int]] = []

    def double(items: list[int]) -> list[int]:
        seen_batches.append(items)
        return [2 * i for i in items]

    batcher: MicroBatcher[int, int] = MicroBatcher(double, max_batch=8, max_wait=0.01)
    results = await asyncio.gather(*(batcher.submit([i, i + 1000]) for i in range(50)))
    assert results == [[2 * i, 2 * (i + 1000)] for i in range(50)]
    assert max(len(b) for b in seen_batches) == 8  # callers were batched together, never above the limit
    assert sum(len(b) for b in seen_batches) == 100
    await batcher.aclose()


async def test_default_batcher_batches_callers_of_one_loop_turn_without_waiting() -> None:
    seen_batches: list[list[int]] = []

    def record(items: list[int]) -> list[int]:
        seen_batches.append(items)
        return items

    batcher: MicroBatcher[int, int] = MicroBatcher(record, max_batch=32)
    assert batcher.max_wait == 0.0
    assert await asyncio.gather(*(batcher.submit([i]) for i in range(20))) == [[i] for i in range(20)]
    assert seen_batches == [list(range(20))]  # gathered callers share one batch
    await batcher.aclose()


async def test_items_arriving_during_a_batch_form_the_next_batch() -> None:
    seen_batches: list[list[int]] = []
    started = threading.Event()
    release = threading.Event()

    def slow(items: list[int]) -> list[int]:
        seen_batches.append(items)
        started.set()
        release.wait(5)
        return items

    batcher: MicroBatcher[int, int] = MicroBatcher(slow, max_batch=32)
    first = asyncio.ensure_future(batcher.submit([0]))
    await asyncio.to_thread(started.wait, 5)  # the lone item started at once
    rest = [asyncio.ensure_future(batcher.submit([i])) for i in range(1, 6)]
    await asyncio.sleep(0.02)
    release.set()
    assert await first == [0]
    assert [await r for r in rest] == [[i] for i in range(1, 6)]
    assert seen_batches == [[0], [1, 2, 3, 4, 5]]
    await batcher.aclose()


async def test_batcher_flushes_a_lone_item_after_the_wait() -> None:
    batcher: MicroBatcher[str, str] = MicroBatcher(
        lambda xs: [x.upper() for x in xs], max_batch=64, max_wait=0.002
    )
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await batcher.submit(["a"]) == ["A"]
    assert loop.time() - start < 0.5
    await batcher.aclose()


async def test_batcher_propagates_errors_and_keeps_working() -> None:
    def fragile(items: list[str]) -> list[str]:
        if "boom" in items:
            raise ValueError("bad item")
        return items

    batcher: MicroBatcher[str, str] = MicroBatcher(fragile, max_wait=0.001)
    with pytest.raises(ValueError, match="bad item"):
        await batcher.submit(["boom"])
    assert await batcher.submit(["fine"]) == ["fine"]
    await batcher.aclose()


def test_lru_cache_evicts_least_recently_used() -> None:
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert cache.get("a") == 1
    assert cache.get("c") == 3
    assert (cache.hits, cache.misses) == (3, 1)


async def test_classifier_caches_repeated_texts_and_runs_off_the_event_loop() -> None:
    scorer = LengthScorer()
    clf = BatchedClassifier(scorer, LanguageIdentifier(["en", "ru"]), max_wait=0.001)
    spam = "buy now http://x.example"
    first = await clf.classify([spam, "hello?", spam, "привет"])
    assert [c.labels["spam"] for c in first] == [1.0, 0.0, 1.0, 0.0]
    assert [c.lang for c in first] == ["en", "en", "en", "ru"]
    assert scorer.calls == [[spam, "hello?", "привет"]]  # duplicates within a call are scored once
    again = await clf.classify([spam + "\u200b", "hello?"])  # invisible characters do not defeat the cache
    assert again == first[:2]
    assert len(scorer.calls) == 1
    assert clf.cache.hits >= 2
    assert scorer.threads == {"steward-infer_0"}
    assert clf.labels == frozenset({"toxic", "spam", "question"})
    await clf.aclose()


async def test_classifier_handles_empty_texts_and_empty_input() -> None:
    scorer = LengthScorer()
    clf = BatchedClassifier(scorer, LanguageIdentifier(["en"]))
    assert await clf.classify([]) == []
    (empty,) = await clf.classify(["\u200b  "])
    assert empty.labels == {"toxic": 0.0, "spam": 0.0, "question": 0.0}
    assert empty.lang is None
    assert scorer.calls == []
    await clf.aclose()


async def test_concurrent_classify_calls_are_batched_and_ordered() -> None:
    scorer = LengthScorer()
    clf = BatchedClassifier(scorer, LanguageIdentifier(["en"]), max_batch=16, max_wait=0.01)
    texts = [f"message number {i} " + "x" * (i + 1) for i in range(40)]
    results = await asyncio.gather(*(clf.classify([t]) for t in texts))
    assert [r[0].labels["toxic"] for r in results] == [min(1.0, len(t) / 100) for t in texts]
    assert len(scorer.calls) < 40
    await clf.aclose()
