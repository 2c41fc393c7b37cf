"""Held-out test of fine-tuning e5's top layers against frozen e5, with the shipped head recipe on both.

For each fold, whole sources are held out (never seen by the tuning or the heads; their texts are
also removed from every other source). The plain encoder's top layers are tuned on the rest
(``models.training.tune``), written as a delta and reloaded exactly as Steward loads it; then
logistic-regression heads on [embedding, keyword features] are fitted on the rest for both encoders,
and the held-out sources are scored. Prints ROC-AUC per held-out source (and, for questions, the
share of "?"-less questions caught at 0.5, both after the per-language calibration Steward applies
and on the raw logistic output) and writes JSON.

With ``--precision int8`` (or ``bf16``) the held-out texts are scored with the encoders served in
that precision, while tuning and heads stay fp32, as Steward ships them.

Usage: ``python bench/finetune_e5.py [--layers 4] [--rows 16000] [--epochs 2] [--precision fp32]
[--work DIR] [--out FILE]`` (about 20 minutes per fold on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FOLDS = (
    ("toxicity_ar_mlma", "toxicity_ru_vk", "toxicity_en_davidson", "spam_en_youtube", "question_fa_tatoeba"),
    (
        "toxicity_ar_mhc",
        "toxicity_en_convabuse",
        "spam_ru_en_tgspam",
        "question_ar_tatoeba",
        "question_en_sgd",
    ),
)
QMARKS = ("?", "؟", "？")


def heads_scores(rows: list[Any], emb: Any, train: list[int], test: list[int]) -> dict[str, Any]:
    """Fit the shipped recipe's heads on ``train`` rows and score each held-out (label, source)."""
    from models.heads import ANY_LANG, sigmoid
    from models.training.fit import train_label
    from models.training.metrics import score

    out: dict[str, Any] = {}
    for label in sorted({rows[i].label for i in test}):
        tr = [i for i in train if rows[i].label == label]
        coef, icpt, cal = train_label([rows[i] for i in tr], emb[tr])
        for source in sorted({rows[i].source for i in test if rows[i].label == label}):
            te = [i for i in test if rows[i].label == label and rows[i].source == source]
            if len({rows[i].y for i in te}) < 2:
                continue  # e.g. question sentences reused as toxic/spam negatives
            z = emb[te] @ coef + icpt
            p = sigmoid(z)
            y = [rows[i].y for i in te]
            entry: dict[str, Any] = {"roc_auc": round(score(y, p.tolist()).roc_auc, 3)}
            if label == "question":
                # what Steward does: the calibration of the row's language (else the overall one)
                slope_offset = [cal.get(rows[i].lang) or cal.get(ANY_LANG) or (1.0, 0.0) for i in te]
                p_cal = sigmoid(np.array([a * z[k] + b for k, (a, b) in enumerate(slope_offset)]))
                no_mark = [
                    k for k, i in enumerate(te) if rows[i].y == 1 and not rows[i].text.endswith(QMARKS)
                ]
                entry["no_mark_recall"] = round(float(np.mean(p_cal[no_mark] >= 0.5)), 3)
                entry["no_mark_recall_raw"] = round(float(np.mean(p[no_mark] >= 0.5)), 3)
                negatives = [k for k, i in enumerate(te) if rows[i].y == 0]
                entry["false_positive_rate"] = round(float(np.mean(p_cal[negatives] >= 0.5)), 3)
            out[f"{label}/{source}"] = entry
    return out


def write_soup(path: Path, deltas: list[Path], plain: Any, layers: int) -> None:
    """Average several tunings of the same top layers (a "model soup") and save it as one delta."""
    from models.e5_delta import image_sha256, load_delta, save_delta
    from models.e5_torch import bundled_image

    loaded = [load_delta(d) for d in deltas]
    top = plain._model.layers[-layers:]  # a ModuleList: names read "0.q.weight", as in a delta
    base = {n: p.detach().numpy().copy() for n, p in top.named_parameters()}
    tuned = {n: base[n] + np.mean([d.diff(n) for d in loaded], axis=0) for n in loaded[0].names}
    meta = {"soup_of": [d.name for d in deltas], "settings": loaded[0].meta.get("settings")}
    save_delta(path, tuned, base, layers=layers, base_sha256=image_sha256(bundled_image()), meta=meta)


class Bars:
    """One tqdm bar per stage of a tuning run."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage not in self.bars:
            self.bars[stage] = tqdm(total=total, desc=f"{self.prefix} {stage}", file=sys.stderr)
        self.bars[stage].update(done - self.bars[stage].n)


def main() -> None:
    from tqdm import tqdm

    from models.e5_delta import image_sha256, load_delta, save_delta
    from models.e5_torch import TorchE5Encoder, bundled_image
    from models.features import KeywordFeatures
    from models.training.cache import EmbeddingCache
    from models.training.data import load_all
    from models.training.tune import TuneSettings, tune_top_layers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=TuneSettings.layers)
    parser.add_argument("--rows", type=int, default=TuneSettings.rows)
    parser.add_argument("--epochs", type=int, default=TuneSettings.epochs)
    parser.add_argument("--lr", type=float, default=TuneSettings.lr)
    parser.add_argument("--folds", default="0,1", help="comma-separated fold numbers")
    parser.add_argument(
        "--keyword-features",
        action=argparse.BooleanOptionalAction,
        default=TuneSettings.keyword_features,
        help="the tuning's temporary heads also see the keyword features (use a separate --work)",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="tune this many seeds per fold; with more than one, also score their average (a soup)",
    )
    parser.add_argument(
        "--precision",
        default="fp32",
        choices=["fp32", "int8", "bf16"],
        help="precision the arms are served in (tuning always runs in fp32 on a separate encoder)",
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON report here")
    parser.add_argument(
        "--work", type=Path, default=Path("models/.cache/finetune"), help="tuned deltas (reused when present)"
    )
    args = parser.parse_args()
    settings = replace(
        TuneSettings(),
        layers=args.layers,
        rows=args.rows,
        epochs=args.epochs,
        lr=args.lr,
        keyword_features=args.keyword_features,
    )

    rows = load_all()
    tuner = TorchE5Encoder()  # fp32: tuning needs exact layers
    plain = tuner if args.precision == "fp32" else TorchE5Encoder(precision=args.precision)
    kw = KeywordFeatures()([r.text for r in rows])
    report: dict[str, Any] = {"settings": settings.__dict__, "precision": args.precision, "folds": []}
    for fold in (int(f) for f in args.folds.split(",")):
        held_sources = set(FOLDS[fold])
        held_texts = {r.text for r in rows if r.source in held_sources}
        test = [i for i, r in enumerate(rows) if r.source in held_sources]
        train = [i for i, r in enumerate(rows) if r.source not in held_sources and r.text not in held_texts]
        stem = f"fold{fold}-l{settings.layers}-r{settings.rows}-e{settings.epochs}-lr{settings.lr:g}"
        deltas = []
        for k in range(args.seeds):
            seeded = replace(settings, seed=settings.seed + k)
            path = args.work / (f"{stem}.npz" if k == 0 else f"{stem}-s{seeded.seed}.npz")
            if not path.is_file():  # else tuned by an earlier run with the same settings
                bars = Bars(f"fold {fold} seed {seeded.seed}")
                tuned, base, meta = tune_top_layers(tuner, [rows[i] for i in train], seeded, progress=bars)
                image = image_sha256(bundled_image())
                save_delta(path, tuned, base, layers=settings.layers, base_sha256=image, meta=meta)
            deltas.append(path)
        meta = load_delta(deltas[0]).meta

        def served(delta: Path) -> tuple[Any, Any]:
            exact = TorchE5Encoder(delta=delta)
            return exact, exact if args.precision == "fp32" else TorchE5Encoder(
                delta=delta, precision=args.precision
            )

        # As Steward ships: heads fitted on exact (fp32) embeddings, held-out texts scored as served.
        arms = {"frozen": (tuner, plain), "tuned": served(deltas[0])}
        if len(deltas) > 1:
            soup = args.work / f"{stem}-soup{len(deltas)}.npz"
            if not soup.is_file():
                write_soup(soup, deltas, tuner, settings.layers)
            arms["soup"] = served(soup)
        scores: dict[str, Any] = {}
        for arm, (exact, served) in arms.items():
            emb = np.zeros((len(rows), exact.dim + kw.shape[1]), dtype=np.float32)
            for part, encoder in (("train", exact), ("test", served)):
                idx = train if part == "train" else test
                cache = EmbeddingCache(encoder)  # keyed by encoder name (the delta's hash) and precision
                texts = [rows[i].text for i in idx]
                desc = f"fold {fold} embed {arm} {part}"
                with tqdm(total=len(set(texts)), desc=desc, file=sys.stderr) as bar:
                    bar.update(sum(1 for t in set(texts) if cache.has(t)))
                    emb[idx] = np.hstack([cache.embed(texts, progress=bar.update), kw[idx]])
            scores[arm] = heads_scores(rows, emb, train, test)
        table = {k: {arm: scores[arm][k] for arm in arms} for k in scores["frozen"]}
        for key, v in table.items():
            print(f"fold {fold} {key:40s} " + "  ".join(f"{arm} {v[arm]}" for arm in arms))
        report["folds"].append({"held_out": sorted(held_sources), "tuning": meta, "scores": table})
    text = json.dumps(report, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
