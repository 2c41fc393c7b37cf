"""Benchmark of e5's attention on chat-length batches: written out against torch's fused kernel.

``models.e5_tensors.attend`` writes attention out up to ``WRITTEN_OUT_MAX`` tokens; this measures
both ways on the shapes a chat batch has (e5-small: 12 heads of 32 dimensions).

Usage: ``python bench/attention.py [--repeats 300]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.classifier import machine_info  # noqa: E402

SHAPES = [(1, 12), (8, 20), (8, 40), (16, 30), (8, 64), (8, 96), (8, 128)]  # (batch, tokens)


def fused(q: Any, k: Any, v: Any, bias: Any) -> Any:
    """torch's fused kernel."""
    import torch

    return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=bias)


def written_out(q: Any, k: Any, v: Any, bias: Any) -> Any:
    """What ``attend`` does up to ``WRITTEN_OUT_MAX`` tokens."""
    scores = (q @ k.transpose(-1, -2)).mul_(q.shape[-1] ** -0.5).add_(bias)
    return scores.softmax(-1) @ v


def time_us(fn: Callable[..., Any], args: tuple[Any, ...], repeats: int) -> float:
    """Mean time of one call in microseconds (after one warm-up call)."""
    fn(*args)
    start = time.perf_counter()
    for _ in range(repeats):
        fn(*args)
    return round((time.perf_counter() - start) / repeats * 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    import torch

    from models.e5_tensors import attention_bias
    from models.encoder import default_threads

    torch.set_num_threads(default_threads())
    gen = torch.Generator().manual_seed(0)
    rows = []
    with torch.inference_mode():
        for batch, tokens in SHAPES:
            q, k, v = (torch.randn(batch, 12, tokens, 32, generator=gen) for _ in range(3))
            mask = torch.ones(batch, tokens, dtype=torch.long)
            mask[0, tokens // 2 :] = 0  # one padded row, as in every length-sorted batch
            inputs = (q, k, v, attention_bias(mask, torch.float32))
            diff = float((fused(*inputs) - written_out(*inputs)).abs().max())
            fused_us = [time_us(fused, inputs, args.repeats) for _ in range(2)]
            written_us = [time_us(written_out, inputs, args.repeats) for _ in range(2)]
            rows.append(
                {"batch": batch, "tokens": tokens, "fused_us": min(fused_us),
                 "written_out_us": min(written_us), "max_abs_diff": diff}
            )  # fmt: skip
    print(json.dumps({"machine": machine_info(), "shapes": rows}, indent=2))


if __name__ == "__main__":
    main()
