"""What int8 or bfloat16 linear layers cost in quality and buy in speed, against fp32, with the shipped heads.

For a seeded sample of every labelled file (``--data``, default ``/work/shared/datasets``) and the
team's examples, scores every text with the shipped model (tuned e5 + heads, per-language
calibration) in each precision, then reports per source: ROC-AUC in each precision, the largest and
99th-percentile change of the probability against fp32, and the share of decisions at 0.5 that flip.
The heads were trained on these sources, so the absolute ROC-AUC is optimistic; the differences
between precisions are what this measures. Also times the encoder on the same texts in batches of 32.

Usage: ``python bench/precision.py [--per-file 600] [--precisions fp32,int8,bf16] [--out F]``
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.classifier import machine_info  # noqa: E402

TASK_LABEL = {"toxicity": "toxic", "spam": "spam", "question": "question"}


def sample_rows(data: Path, per_file: int, seed: int = 0) -> list[dict[str, Any]]:
    """Up to ``per_file`` rows of each labelled file, plus every example, tagged with their source."""
    rows: list[dict[str, Any]] = []
    for path in sorted(data.glob("*.jsonl")):
        lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        random.Random(f"{seed}:{path.name}").shuffle(lines)
        rows += [{**r, "file": path.stem} for r in lines[:per_file]]
    for line in (ROOT / "models/data/examples.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for task, label in TASK_LABEL.items():
            value = row["labels"].get(label)
            if value is not None:
                rows.append({"text": row["text"], "task": task, "label": int(value), "file": "examples"})
    return rows


def score(precision: str, texts: list[str]) -> tuple[list[dict[str, float]], float]:
    """Shipped-model probabilities for ``texts`` in one precision, and the seconds the scoring took."""
    from models.classifier import HeadsScorer
    from models.e5_delta import delta_wanted
    from models.e5_torch import TorchE5Encoder
    from models.factory import heads_for
    from models.heads import DEFAULT_HEADS
    from models.langid import LanguageIdentifier
    from models.text import clean_text

    encoder = TorchE5Encoder(delta=delta_wanted(), precision=precision)
    encoder.shared = None  # no FAQ here: keep no lower-layer states
    scorer = HeadsScorer(encoder, heads_for(encoder, DEFAULT_HEADS))
    langid = LanguageIdentifier(["en", "ar", "ru", "fa"])
    cleaned = [clean_text(t) or " " for t in texts]
    langs = [langid.detect(t) for t in cleaned]
    start = time.perf_counter()
    out: list[dict[str, float]] = []
    for i in range(0, len(cleaned), 32):
        out += scorer.score(cleaned[i : i + 32], langs[i : i + 32])
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/datasets"))
    parser.add_argument("--per-file", type=int, default=600)
    parser.add_argument("--precisions", default="fp32,int8")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    from sklearn.metrics import roc_auc_score

    rows = sample_rows(args.data, args.per_file)
    texts = [r["text"] for r in rows]
    precisions = args.precisions.split(",")
    probs: dict[str, list[dict[str, float]]] = {}
    speed: dict[str, float] = {}
    for precision in precisions:
        probs[precision], seconds = score(precision, texts)
        speed[precision] = round(len(texts) / seconds, 1)
        print(f"{precision}: {len(texts)} texts in {seconds:.1f} s", file=sys.stderr, flush=True)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault((r["file"], TASK_LABEL[r["task"]]), []).append(i)
    table = []
    for (file, label), idx in sorted(groups.items()):
        y = [rows[i]["label"] for i in idx]
        if len(set(y)) < 2:
            continue
        entry: dict[str, Any] = {"source": file, "label": label, "rows": len(idx)}
        ref = [probs[precisions[0]][i][label] for i in idx]
        for precision in precisions:
            p = [probs[precision][i][label] for i in idx]
            entry[f"auc_{precision}"] = round(float(roc_auc_score(y, p)), 4)
            if precision != precisions[0]:
                diffs = sorted(abs(a - b) for a, b in zip(p, ref, strict=True))
                entry[f"max_dp_{precision}"] = round(diffs[-1], 4)
                entry[f"p99_dp_{precision}"] = round(diffs[int(0.99 * (len(diffs) - 1))], 4)
                flips = sum((a >= 0.5) != (b >= 0.5) for a, b in zip(p, ref, strict=True))
                entry[f"flips_{precision}"] = round(flips / len(idx), 4)
        table.append(entry)
    result = {"machine": machine_info(), "texts": len(texts), "texts_per_s": speed, "sources": table}
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
