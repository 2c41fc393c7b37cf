"""``steward train``: embed the training rows (cached), fit heads, record metadata and metrics."""

from __future__ import annotations

import dataclasses
import platform
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.encoder import Encoder
from models.features import KEYWORD_FEATURES, KeywordFeatures, keyword_features_hash
from models.heads import Heads
from models.training.cache import DEFAULT_CACHE_DIR, EmbeddingCache
from models.training.data import LABELS, file_hashes, load_all, summary
from models.training.fit import EXAMPLES_GROUP_WEIGHT, C, train_heads
from models.training.loso import HeldOut, leave_one_source_out

REBUILD_COMMAND = "{env}steward train --datasets /work/shared/datasets --out {out} --loso{kw}"


#: Caveat recorded (and printed) with leave-one-source-out figures of heads on a fine-tuned encoder.
TUNED_LOSO_NOTE = (
    "the encoder's top layers were tuned on every source, so these held-out figures are optimistic; "
    "bench/finetune_e5.py holds sources out of the tuning as well"
)


def rebuild_command(encoder: Encoder, out: Path, keyword_features: bool) -> str:
    """The command that rebuilds these heads (plain e5 heads need the delta switched off)."""
    try:
        shown = out.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = out
    return REBUILD_COMMAND.format(
        env="STEWARD_E5_DELTA=none " if encoder.name == "e5-small-q4" else "",
        out=shown,
        kw=" --keyword-features" if keyword_features else "",
    )


def loso_table(results: Sequence[HeldOut]) -> list[dict[str, object]]:
    """Held-out results as JSON-able dicts."""
    return [
        {
            "label": h.label,
            "source": h.source,
            **dataclasses.asdict(h.overall),
            "by_lang": {lg: dataclasses.asdict(s) for lg, s in h.by_lang.items()},
        }
        for h in results
    ]


def run_training(
    encoder: Encoder,
    *,
    datasets: Path,
    examples: Path | None,
    out: Path,
    loso: bool = False,
    labels: Sequence[str] = LABELS,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    keyword_features: bool = False,
) -> tuple[Heads, list[HeldOut]]:
    """Train heads on ``datasets`` + ``examples`` and write them to ``out`` (plus metadata JSON)."""
    started = time.monotonic()
    rows = [r for r in load_all(datasets, examples) if r.label in labels]
    labels = [lb for lb in labels if len({r.y for r in rows if r.label == lb}) == 2]
    rows = [r for r in rows if r.label in labels]
    cache = EmbeddingCache(encoder, cache_dir)
    texts = [r.text for r in rows]
    with tqdm(total=len(set(texts)), desc="embedding", unit="text") as bar:
        bar.update(sum(1 for t in set(texts) if cache.has(t)))
        emb = cache.embed(texts, progress=bar.update)
    features: tuple[str, ...] = ()
    if keyword_features:
        emb = np.hstack([emb, KeywordFeatures()(texts)])
        features = KEYWORD_FEATURES
    with tqdm(total=len(labels), desc="heads", unit="label") as bar:
        heads = train_heads(
            rows, emb, labels, encoder=encoder.name, features=features, progress=lambda _: bar.update(1)
        )
    results: list[HeldOut] = []
    if loso:
        n = sum(len({r.source for r in rows if r.label == lb}) for lb in labels)
        with tqdm(total=n, desc="leave-one-source-out", unit="fit") as bar:
            results = leave_one_source_out(rows, emb, labels, progress=lambda _: bar.update(1))
    heads.meta = {
        "rebuild": rebuild_command(encoder, out, keyword_features),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.monotonic() - started, 1),
        "python": platform.python_version(),
        "hyperparameters": {"C": C, "examples_group_weight": EXAMPLES_GROUP_WEIGHT, "calibration": "platt"},
        "data": file_hashes(datasets, examples),
        "rows": summary(rows),
        "leave_one_source_out": loso_table(results),
    }
    if features:
        heads.meta["keyword_features_sha256"] = keyword_features_hash()
    if results and "+ft-" in encoder.name:
        heads.meta["leave_one_source_out_note"] = TUNED_LOSO_NOTE
    heads.save(out)
    return heads, results
