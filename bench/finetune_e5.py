"""Experiment: end-to-end fine-tuning of the bundled e5 (torch) vs frozen e5 + logistic regression.

Holds out whole sources (never seen in training), fine-tunes e5 with one linear head per label
(word-embedding table frozen: it stays 4-bit; AdamW, 1 epoch, batch 16, max 64 tokens) on a
class- and source-balanced sample of the other sources, and compares held-out ROC-AUC with
logistic-regression heads on frozen embeddings trained on all the other rows. Nothing is saved:
the fine-tuned weights (~21 M parameters) are not shipped.

Usage: ``python bench/finetune_e5.py [--rows 6000]`` (about 15 minutes on 2 busy cores).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HELD_OUT = (
    "toxicity_ar_mlma",
    "toxicity_ar_mhc",
    "toxicity_ru_vk",
    "toxicity_en_davidson",
    "spam_en_youtube",
    "question_fa_tatoeba",
)
MAX_TOKENS = 64


def main() -> None:
    import torch
    from sklearn.metrics import roc_auc_score

    from models.e5_torch import TorchE5Encoder
    from models.heads import sigmoid
    from models.training.cache import EmbeddingCache
    from models.training.data import LABELS, load_all
    from models.training.fit import balanced_weights, train_label

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--eval-rows", type=int, default=1500, help="most held-out rows per source")
    args = parser.parse_args()

    rows = load_all()
    held_texts = {r.text for r in rows if r.source in HELD_OUT}
    train = [r for r in rows if r.source not in HELD_OUT and r.text not in held_texts]
    test: list[Any] = []
    for source in HELD_OUT:
        test.extend([r for r in rows if r.source == source][: args.eval_rows])
    encoder = TorchE5Encoder()
    cache = EmbeddingCache(encoder)
    emb_train = cache.embed([r.text for r in train])
    emb_test = cache.embed([r.text for r in test])

    groups: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(test):
        groups.setdefault((r.label, r.source), []).append(i)
    groups = {k: v for k, v in groups.items() if len({test[i].y for i in v}) == 2}

    frozen: dict[tuple[str, str], float] = {}
    for label in LABELS:
        idx = [i for i, r in enumerate(train) if r.label == label]
        coef, icpt, _ = train_label([train[i] for i in idx], emb_train[idx], calibrate=False)
        for (lb, src), t_idx in groups.items():
            if lb == label:
                p = sigmoid(emb_test[t_idx] @ coef + icpt)
                frozen[(lb, src)] = float(roc_auc_score([test[i].y for i in t_idx], p))

    weights = np.zeros(len(train))
    for label in LABELS:
        idx = [i for i, r in enumerate(train) if r.label == label]
        weights[idx] = balanced_weights([train[i] for i in idx]) / len(idx)
    sample = np.random.default_rng(0).choice(
        len(train), size=args.rows, replace=False, p=weights / weights.sum()
    )

    model: Any = encoder._model
    tok = encoder.tokenizer
    model.train()
    head = torch.nn.Linear(384, len(LABELS))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        [{"params": params, "lr": 3e-5}, {"params": list(head.parameters()), "lr": 2e-3}], weight_decay=0.01
    )
    batch = 16
    steps = len(sample) // batch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 30) * max(0.0, 1 - s / steps))
    label_index = {label: i for i, label in enumerate(LABELS)}

    def tensors(texts: list[str]) -> tuple[Any, Any]:
        ids = []
        for t in texts:
            x = tok.encode(t)
            ids.append([*x[: MAX_TOKENS - 1], tok.eos] if len(x) > MAX_TOKENS else x)
        width = max(map(len, ids))
        arr = torch.full((len(ids), width), tok.pad, dtype=torch.long)
        mask = torch.zeros_like(arr)
        for i, x in enumerate(ids):
            arr[i, : len(x)] = torch.tensor(x)
            mask[i, : len(x)] = 1
        return arr, mask

    start = time.monotonic()
    for step in range(steps):
        chunk = [train[i] for i in sample[step * batch : (step + 1) * batch]]
        ids, mask = tensors([r.text for r in chunk])
        logits = head(model(ids, mask) * 10.0)
        cols = torch.tensor([label_index[r.label] for r in chunk])
        y = torch.tensor([float(r.y) for r in chunk])
        loss: Any = torch.nn.functional.binary_cross_entropy_with_logits(
            logits[torch.arange(len(chunk)), cols], y
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0:
            print(
                f"step {step}/{steps} loss {loss.item():.3f} {time.monotonic() - start:.0f}s", file=sys.stderr
            )
    model.eval()
    seconds = time.monotonic() - start

    probs = np.zeros((len(test), len(LABELS)), dtype=np.float32)
    with torch.inference_mode():
        for s in range(0, len(test), 64):
            ids, mask = tensors([r.text for r in test[s : s + 64]])
            probs[s : s + 64] = torch.sigmoid(head(model(ids, mask) * 10.0)).numpy()
    report = {
        f"{lb}/{src}": {
            "frozen_lr": round(frozen[(lb, src)], 3),
            "finetuned": round(
                float(roc_auc_score([test[i].y for i in t_idx], probs[t_idx, label_index[lb]])), 3
            ),
        }
        for (lb, src), t_idx in sorted(groups.items())
    }
    print(
        json.dumps(
            {"rows": args.rows, "fine_tune_seconds": round(seconds), "held_out_roc_auc": report}, indent=2
        )
    )


if __name__ == "__main__":
    main()
