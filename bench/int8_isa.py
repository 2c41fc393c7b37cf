"""int8 without VNNI: speed and exactness when oneDNN and MKL are held to AVX2 on this machine.

``STEWARD_E5_PRECISION=auto`` picks int8 only on CPUs with int8 dot-product instructions (VNNI).
This script answers what int8 would give on a CPU without them, by running the same code with
``ONEDNN_MAX_CPU_ISA=AVX2`` (the int8 products, ``torch._int_mm``, go through oneDNN) and
``MKL_ENABLE_INSTRUCTIONS=AVX2`` (the fp32 products go through MKL). It is an emulation: an older
CPU's absolute speed differs, but the arithmetic path is the one such a CPU takes.

1. Exactness: the shipped encoder embeds the example texts in fp32, in int8 with VNNI and in int8
   held to AVX2 (each in its own process); reports the cosine between them.
2. Speed (``--rounds N``, default 2): ``bench/classifier.py`` held to AVX2, int8 and fp32
   interleaved.

Usage: ``python bench/int8_isa.py [--rounds 2] [--out FILE]`` (about 8 minutes with 2 rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
AVX2 = {"ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}
EMBED = """
import json, sys
import numpy as np
sys.path.insert(0, {root!r})
from models.e5_delta import DEFAULT_DELTA
from models.e5_torch import TorchE5Encoder
texts = [json.loads(line)["text"] for line in open({examples!r}, encoding="utf-8")]
np.save(sys.argv[2], TorchE5Encoder(delta=DEFAULT_DELTA, precision=sys.argv[1]).encode(texts))
"""


def embed(precision: str, env: dict[str, str], out: Path) -> Any:
    """Embed the example texts in a fresh process with ``env`` added; returns the matrix."""
    code = EMBED.format(root=str(ROOT), examples=str(ROOT / "models" / "data" / "examples.jsonl"))
    subprocess.run([sys.executable, "-c", code, precision, str(out)], env={**os.environ, **env}, check=True)
    return np.load(out)


def cosines(a: Any, b: Any) -> dict[str, float]:
    """Row-wise cosine between two embedding matrices: minimum and mean."""
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    return {"min": round(float(cos.min()), 4), "mean": round(float(cos.mean()), 5)}


def classifier_run(precision: str) -> dict[str, Any]:
    """One ``bench/classifier.py`` run held to AVX2 in ``precision``; returns its figures."""
    env = {**os.environ, **AVX2, "STEWARD_E5_PRECISION": precision}
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "classifier.py")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    report: dict[str, Any] = json.loads(out[out.index("{") :])["steward_e5"]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="interleaved int8/fp32 speed runs held to AVX2")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = embed("fp32", {}, Path(tmp) / "fp32.npy")
        vnni = embed("int8", {}, Path(tmp) / "vnni.npy")
        avx2 = embed("int8", AVX2, Path(tmp) / "avx2.npy")
    report: dict[str, Any] = {
        "texts": len(fp32),
        "cosine": {
            "int8 (this CPU) vs fp32": cosines(vnni, fp32),
            "int8 held to AVX2 vs fp32": cosines(avx2, fp32),
            "int8 held to AVX2 vs int8 (this CPU)": cosines(avx2, vnni),
        },
        "speed_held_to_avx2": [],
    }
    print(json.dumps(report["cosine"]), flush=True)
    keys = ("throughput_msgs_per_s", "latency_p50_ms", "latency_p99_ms", "peak_rss_mb")
    for _ in range(args.rounds):
        for precision in ("int8", "fp32"):
            run = classifier_run(precision)
            row = {"precision": precision, **{k: run[k] for k in keys}}
            print(json.dumps(row), flush=True)
            report["speed_held_to_avx2"].append(row)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
