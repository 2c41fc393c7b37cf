"""Benchmark of where torch runs: every pass on one thread against passes from two threads.

torch's OpenMP gives each calling thread its own worker team; with two teams on a 2-CPU machine
libgomp stops spinning between parallel regions and each region waits for threads to wake
(``models/torch_thread.py``). This scores the same messages with the shipped encoder, first with
every pass on the torch thread (how Steward runs), then after the main thread has also run the model
once (how it ran before: loaded on one thread, run on another), timing both threads.

Usage: ``python bench/threads.py [--messages 320]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.classifier import machine_info, messages  # noqa: E402


def ms_per_message(run: Callable[[list[str]], object], texts: list[str], batch: int) -> float:
    """Mean milliseconds per message, scoring ``texts`` in batches of ``batch``."""
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        run(texts[i : i + batch])
    return round((time.perf_counter() - start) / len(texts) * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=320)
    args = parser.parse_args()
    from models.e5_delta import delta_wanted
    from models.e5_precision import precision_wanted
    from models.e5_torch import TorchE5Encoder
    from models.text import clean_text

    encoder = TorchE5Encoder(delta=delta_wanted(), precision=precision_wanted())
    encoder.shared = None
    texts = [clean_text(t) for t in messages(args.messages)]
    encoder.encode(texts[:8])  # warm-up

    def direct(batch: list[str]) -> object:  # the pass on the calling (main) thread
        return encoder._encode(batch, False)

    result: dict[str, object] = {"machine": machine_info(), "precision": encoder.precision}
    result["one_thread"] = {
        "single_ms": ms_per_message(encoder.encode, texts[:100], 1),
        "batch32_ms_per_msg": ms_per_message(encoder.encode, texts, 32),
    }
    direct(texts[:8])  # the main thread gets its own OpenMP team too
    result["two_threads"] = {
        "torch_thread_single_ms": ms_per_message(encoder.encode, texts[:100], 1),
        "torch_thread_batch32_ms_per_msg": ms_per_message(encoder.encode, texts, 32),
        "main_thread_single_ms": ms_per_message(direct, texts[:100], 1),
        "main_thread_batch32_ms_per_msg": ms_per_message(direct, texts, 32),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
