"""``steward eval``: score a labelled JSONL file with trained heads and print metrics."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.classifier import HeadsScorer
from models.encoder import Encoder
from models.heads import Heads
from models.langid import LanguageIdentifier
from models.text import clean_text
from models.training.cache import DEFAULT_CACHE_DIR, EmbeddingCache
from models.training.data import TASK_LABELS
from models.training.metrics import Scores, calibration_table, fmt, score


@dataclass(frozen=True)
class EvalRow:
    """One labelled text of an evaluation file."""

    text: str
    lang: str | None
    label: str
    y: int


def read_eval_file(path: Path) -> list[EvalRow]:
    """Read rows in the datasets format (``task``/``label``) or the examples format (``labels``)."""
    rows: list[EvalRow] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                text = clean_text(str(obj["text"]))
                lang = obj.get("lang")
                if "labels" in obj:
                    rows.extend(EvalRow(text, lang, str(k), int(v)) for k, v in obj["labels"].items())
                else:
                    label = TASK_LABELS.get(obj["task"], obj["task"])
                    rows.append(EvalRow(text, lang, label, int(obj["label"])))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(
                    f"{path}:{n}: expected {{text, lang, task, label}} or {{text, labels}}: {exc}"
                ) from exc
    return rows


@dataclass
class EvalReport:
    """Metrics per (label, language) and calibration tables per label."""

    scores: dict[tuple[str, str], Scores]
    calibration: dict[str, list[tuple[str, int, float, float]]]
    no_mark_recall: dict[str, float]

    def render(self) -> str:
        """Human-readable tables."""
        lines = [f"{'label':10} {'lang':5} {'n':>6} {'pos':>6} {'ROC-AUC':>8} {'AP':>7} {'F1@0.5':>7}"]
        for (label, lang), s in sorted(self.scores.items()):
            lines.append(
                f"{label:10} {lang:5} {s.n:6d} {s.positives:6d} {fmt(s.roc_auc):>8} "
                f"{fmt(s.avg_precision):>7} {fmt(s.f1):>7}"
            )
        for lang, recall in sorted(self.no_mark_recall.items()):
            lines.append(f"questions without '?' caught at 0.5 ({lang}): {recall:.1%}")
        for label, table in sorted(self.calibration.items()):
            lines.append(f"\ncalibration: {label}")
            lines.append(f"{'bin':9} {'n':>6} {'mean p':>7} {'observed':>8}")
            lines.extend(f"{b:9} {n:6d} {p:7.3f} {o:8.3f}" for b, n, p, o in table)
        return "\n".join(lines)


def evaluate(
    rows: Sequence[EvalRow],
    encoder: Encoder,
    heads: Heads,
    langid: LanguageIdentifier,
    *,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
) -> EvalReport:
    """Score rows as production does: keyword features if the heads use them, calibration by language.

    Raises:
        ModelError: The heads do not fit the encoder, or use features this version does not know.
    """
    scorer = HeadsScorer(encoder, heads)
    texts = [r.text for r in rows]
    emb = EmbeddingCache(encoder, cache_dir).embed(texts) if cache_dir is not None else encoder.encode(texts)
    emb = scorer.with_features(emb, texts)
    detected = [langid.detect(t) for t in texts]
    preds = heads.predict(emb, detected)
    groups: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
    no_mark: dict[str, list[bool]] = {}
    for r, det, p in zip(rows, detected, preds, strict=True):
        if r.label not in p:
            continue
        lang = r.lang or det or "?"
        for key in ((r.label, lang), (r.label, "all")):
            ys, ps = groups.setdefault(key, ([], []))
            ys.append(r.y)
            ps.append(p[r.label])
        if r.label == "question" and r.y == 1 and not r.text.rstrip().endswith(("?", "؟", "？")):
            no_mark.setdefault(lang, []).append(p["question"] >= 0.5)
    scores = {k: score(ys, ps) for k, (ys, ps) in groups.items()}
    calibration = {lb: calibration_table(ys, ps) for (lb, lg), (ys, ps) in groups.items() if lg == "all"}
    recall = {lg: float(np.mean(v)) for lg, v in no_mark.items()}
    return EvalReport(scores, calibration, recall)
