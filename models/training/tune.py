"""Fine-tuning the top layers of the bundled e5 for toxic/spam/question (``steward tune-encoder``).

Only :data:`TUNE_LABELS` shape the encoder; heads for other labels (``threat``) sit on it unchanged.

The word table and the lower layers stay frozen, so their output is computed once per text and
cached in memory (fp16); each step then runs only the top layers forward and backward. One linear
head per label sits on the mean-pooled embedding during tuning; it is thrown away afterwards (the
shipped heads are re-fitted by ``steward train`` on the tuned embeddings, with calibration).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from models.e5_tensors import attention_bias, mean_pool
from models.e5_torch import TorchE5Encoder
from models.torch_thread import on_torch_thread
from models.training.data import Row
from models.training.fit import balanced_weights

#: Labels the tuning trains on. Rows of other labels are dropped before the draw, so adding them
#: leaves the tuning (and the shipped delta) unchanged.
TUNE_LABELS = ("toxic", "spam", "question")


@dataclass(frozen=True)
class TuneSettings:
    """Hyper-parameters of ``steward tune-encoder``.

    Attributes:
        layers: Top layers to fine-tune (the rest stay frozen).
        rows: Training rows drawn (without replacement) per epoch, balanced by label, source,
            language and class.
        epochs: Passes (a fresh draw each).
        batch: Rows per step.
        lr: AdamW learning rate of the tuned layers (linear warm-up, then linear decay).
        head_lr: Learning rate of the temporary linear heads.
        max_tokens: Longest input in tokens during tuning (chat messages are short).
        seed: Sampling and initialisation seed.
        keyword_features: The temporary heads also see the keyword features the shipped heads use
            (``models.features``), so the tuning is left what the word lists do not catch.
    """

    layers: int = 4
    rows: int = 16000
    epochs: int = 2
    batch: int = 32
    lr: float = 8e-5
    head_lr: float = 2e-3
    max_tokens: int = 64
    seed: int = 0
    keyword_features: bool = False


Progress = Callable[[str, int, int], None]


def draw_rows(rows: Sequence[Row], n: int, seed: int) -> list[Row]:
    """A sample of ``n`` rows: each label equally, groups and classes balanced inside a label."""
    weights = np.zeros(len(rows))
    labels = sorted({r.label for r in rows})
    for label in labels:
        idx = [i for i, r in enumerate(rows) if r.label == label]
        weights[idx] = balanced_weights([rows[i] for i in idx]) / len(idx)
    n = min(n, int(np.count_nonzero(weights)))
    pick = np.random.default_rng(seed).choice(len(rows), size=n, replace=False, p=weights / weights.sum())
    return [rows[i] for i in pick]


def _truncate(ids: list[int], max_tokens: int) -> list[int]:
    return ids if len(ids) <= max_tokens else [*ids[: max_tokens - 1], ids[-1]]


def frozen_states(
    encoder: TorchE5Encoder, texts: Sequence[str], layers: int, max_tokens: int, progress: Progress | None
) -> dict[str, Any]:
    """Output of the frozen lower layers per text (fp16 ``[tokens, 384]`` tensors)."""
    from models.e5_tensors import pad_batch

    torch: Any = encoder._torch
    model: Any = encoder._model
    lower = list(model.layers)[: len(model.layers) - layers]
    ids = {t: _truncate(encoder.tokenizer.encode(t), max_tokens) for t in texts}
    order = sorted(ids, key=lambda t: len(ids[t]))
    out: dict[str, Any] = {}
    with torch.inference_mode():
        for start in range(0, len(order), 64):
            chunk = order[start : start + 64]
            arr, mask = pad_batch(torch, [ids[t] for t in chunk], encoder.tokenizer.pad)
            x = model.embed(arr)
            bias = attention_bias(mask, x.dtype)
            for layer in lower:
                x = layer(x, bias)
            for row, t in enumerate(chunk):
                out[t] = x[row, : len(ids[t])].to(torch.float16).clone()
            if progress is not None:
                progress("frozen layers", min(start + 64, len(order)), len(order))
    return out


Tuned = tuple[dict[str, npt.NDArray[np.float32]], dict[str, npt.NDArray[np.float32]], dict[str, Any]]


def tune_top_layers(
    encoder: TorchE5Encoder,
    rows: Sequence[Row],
    settings: TuneSettings,
    *,
    progress: Progress | None = None,
) -> Tuned:
    """Fine-tune the top ``settings.layers`` layers of ``encoder`` (plain e5, fp32) on ``rows``.

    Runs on the torch thread, where the encoder was loaded (``models.torch_thread``).

    Returns:
        (tuned parameters, base parameters, metadata): parameters by name within the top layers.
    """
    return on_torch_thread(_tune, encoder, rows, settings, progress)


def _tune(
    encoder: TorchE5Encoder, rows: Sequence[Row], settings: TuneSettings, progress: Progress | None
) -> Tuned:
    torch: Any = encoder._torch
    if encoder.delta_sha256 is not None:
        raise ValueError("tune the plain encoder (STEWARD_E5_DELTA=none), not an already tuned one")
    torch.manual_seed(settings.seed)
    started = time.monotonic()
    model: Any = encoder._model
    total = len(model.layers)
    rows = [r for r in rows if r.label in TUNE_LABELS]
    draws = [draw_rows(rows, settings.rows, settings.seed + e) for e in range(settings.epochs)]
    texts = sorted({r.text for draw in draws for r in draw})
    states = frozen_states(encoder, texts, settings.layers, settings.max_tokens, progress)
    base = {
        n: p.detach().numpy().copy() for n, p in model.layers[total - settings.layers :].named_parameters()
    }
    top: Any = torch.nn.ModuleList(copy.deepcopy(model.layers[total - settings.layers :]))
    top.train()
    top.requires_grad_(True)
    labels = [lb for lb in TUNE_LABELS if any(r.label == lb for r in rows)]
    column = {lb: i for i, lb in enumerate(labels)}
    keywords: dict[str, Any] = {}
    if settings.keyword_features:
        from models.features import KeywordFeatures

        keywords = dict(zip(texts, torch.from_numpy(KeywordFeatures()(texts)), strict=True))
    extra = len(next(iter(keywords.values()))) if keywords else 0
    head = torch.nn.Linear(encoder.dim + extra, len(labels))
    opt = torch.optim.AdamW(
        [
            {"params": list(top.parameters()), "lr": settings.lr},
            {"params": list(head.parameters()), "lr": settings.head_lr},
        ],
        weight_decay=0.01,
    )
    steps = sum(len(d) // settings.batch for d in draws)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / steps)
    )
    losses: list[float] = []
    step = 0
    for draw in draws:
        for start in range(0, len(draw) - settings.batch + 1, settings.batch):
            chunk = draw[start : start + settings.batch]
            seqs = [states[r.text] for r in chunk]
            width = max(s.shape[0] for s in seqs)
            x = torch.zeros((len(seqs), width, encoder.dim), dtype=torch.float32)
            mask = torch.zeros((len(seqs), width), dtype=torch.long)
            for i, s in enumerate(seqs):
                x[i, : s.shape[0]] = s.float()
                mask[i, : s.shape[0]] = 1
            bias = attention_bias(mask, x.dtype)
            for layer in top:
                x = layer(x, bias)
            pooled = mean_pool(x, mask) * 10.0
            if keywords:
                pooled = torch.cat([pooled, torch.stack([keywords[r.text] for r in chunk])], dim=1)
            logits = head(pooled)
            cols = torch.tensor([column[r.label] for r in chunk])
            y = torch.tensor([float(r.y) for r in chunk])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits[torch.arange(len(chunk)), cols], y
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.item()))
            step += 1
            if progress is not None:
                progress("tuning", step, steps)
    tuned = {n: p.detach().numpy().copy() for n, p in top.named_parameters()}
    meta = {
        "settings": asdict(settings),
        "labels": labels,
        "rows_seen": sum(len(d) for d in draws),
        "texts": len(texts),
        "steps": steps,
        # Mean training loss over the first and the last tenth of the steps.
        "first_loss": round(float(np.mean(losses[: max(1, len(losses) // 10)])), 4) if losses else None,
        "final_loss": round(float(np.mean(losses[-max(1, len(losses) // 10) :])), 4) if losses else None,
        "seconds": round(time.monotonic() - started, 1),
    }
    return tuned, base, meta
