"""Evaluation metrics: ROC-AUC, average precision, F1 and a calibration table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score


@dataclass(frozen=True)
class Scores:
    """Metrics of one label on one slice of data (``None`` where a class is missing)."""

    n: int
    positives: int
    roc_auc: float | None
    avg_precision: float | None
    f1: float | None


def score(y: Sequence[int], p: Sequence[float], threshold: float = 0.5) -> Scores:
    """Compute ROC-AUC, average precision and F1 at ``threshold``."""
    ya = np.asarray(y, dtype=np.int64)
    pa = np.asarray(p, dtype=np.float64)
    pos = int(ya.sum())
    both = 0 < pos < len(ya)
    return Scores(
        n=len(ya),
        positives=pos,
        roc_auc=float(roc_auc_score(ya, pa)) if both else None,
        avg_precision=float(average_precision_score(ya, pa)) if both else None,
        f1=float(f1_score(ya, pa >= threshold, zero_division=0)) if pos else None,
    )


def calibration_table(
    y: Sequence[int], p: Sequence[float], bins: int = 10
) -> list[tuple[str, int, float, float]]:
    """Rows (bin, count, mean predicted, observed positive rate) for non-empty probability bins."""
    ya = np.asarray(y, dtype=np.float64)
    pa = np.asarray(p, dtype=np.float64)
    idx = np.minimum((pa * bins).astype(int), bins - 1)
    out: list[tuple[str, int, float, float]] = []
    for b in range(bins):
        m = idx == b
        if m.any():
            name = f"{b / bins:.1f}-{(b + 1) / bins:.1f}"
            out.append((name, int(m.sum()), float(pa[m].mean()), float(ya[m].mean())))
    return out


def fmt(x: float | None) -> str:
    """Format a metric for a table (``-`` when undefined)."""
    return "-" if x is None else f"{x:.3f}"
