"""Fitting heads: balanced logistic regression per label, then per-language Platt calibration."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from models.encoder import Matrix
from models.heads import ANY_LANG, Heads
from models.training.data import EXAMPLES_SOURCE, Row

#: Relative weight of the hand-written examples' groups (1.0: like any other source; higher did not help).
EXAMPLES_GROUP_WEIGHT = 1.0
#: Regularisation strength of the logistic regressions.
C = 3.0
#: Minimum rows per class before calibrating (overall, or for one language).
MIN_CALIBRATION_ROWS = 20

Floats = npt.NDArray[np.float64]


def balanced_weights(rows: Sequence[Row]) -> Floats:
    """Sample weights giving every (source, language) group equal total weight, classes balanced inside.

    A group with one class only (e.g. cross-task negatives) gets half a group's weight. The weights
    average to 1 so the regularisation strength keeps its usual meaning.
    """
    groups = Counter((r.source, r.lang, r.y) for r in rows)
    w = np.empty(len(rows), dtype=np.float64)
    for i, r in enumerate(rows):
        gw = EXAMPLES_GROUP_WEIGHT if r.source == EXAMPLES_SOURCE else 1.0
        w[i] = gw * 0.5 / groups[(r.source, r.lang, r.y)]
    out: Floats = w * (len(rows) / w.sum())
    return out


def fit_logistic(x: Matrix, y: npt.NDArray[np.int64], w: Floats) -> tuple[Floats, float]:
    """Weighted L2 logistic regression; returns (coefficients, intercept)."""
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit(x, y, sample_weight=w)
    return model.coef_[0].astype(np.float64), float(model.intercept_[0])


def fit_platt(z: Floats, y: npt.NDArray[np.int64], w: Floats) -> tuple[float, float]:
    """Platt scaling: (slope, intercept) so that sigmoid(slope * z + intercept) is calibrated."""
    model = LogisticRegression(C=100.0, max_iter=1000)
    model.fit(z.reshape(-1, 1), y, sample_weight=w)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def out_of_fold_logits(x: Matrix, y: npt.NDArray[np.int64], w: Floats, folds: int = 5) -> Floats:
    """Logits of every row from a model that did not see it (stratified k-fold)."""
    z = np.zeros(len(y), dtype=np.float64)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, y):
        coef, icpt = fit_logistic(x[train], y[train], w[train])
        z[test] = x[test] @ coef + icpt
    return z


def train_label(
    rows: Sequence[Row], emb: Matrix, *, calibrate: bool = True
) -> tuple[Floats, float, dict[str, tuple[float, float]]]:
    """Fit one head on rows of one label; returns (coefficients, intercept, calibration per language)."""
    y = np.array([r.y for r in rows], dtype=np.int64)
    if len(set(y.tolist())) < 2:
        raise ValueError("a head needs positive and negative rows")
    w = balanced_weights(rows)
    coef, icpt = fit_logistic(emb, y, w)
    calibration: dict[str, tuple[float, float]] = {}
    minority = min(int(y.sum()), int(len(y) - y.sum()))
    if calibrate and minority >= MIN_CALIBRATION_ROWS:
        z = out_of_fold_logits(emb, y, w)
        langs = np.array([r.lang for r in rows])
        for lang, mask in [(ANY_LANG, np.ones(len(y), dtype=bool))] + [
            (lg, langs == lg) for lg in sorted(set(langs))
        ]:
            if min(int((y[mask] == 1).sum()), int((y[mask] == 0).sum())) < MIN_CALIBRATION_ROWS:
                continue
            slope, offset = fit_platt(z[mask], y[mask], w[mask])
            if slope > 0:  # a non-increasing map would reverse the ranking: keep the overall one instead
                calibration[lang] = (slope, offset)
    return coef, icpt, calibration


def train_heads(
    rows: Sequence[Row],
    emb: Matrix,
    labels: Sequence[str],
    *,
    encoder: str,
    calibrate: bool = True,
    features: tuple[str, ...] = (),
    progress: Callable[[str], None] | None = None,
) -> Heads:
    """Fit every label's head. ``emb[i]`` is the embedding of ``rows[i]`` (plus ``features`` columns)."""
    weights: list[Floats] = []
    biases: list[float] = []
    calibration: dict[str, dict[str, tuple[float, float]]] = {}
    for label in labels:
        idx = [i for i, r in enumerate(rows) if r.label == label]
        if progress is not None:
            progress(label)
        coef, icpt, cal = train_label([rows[i] for i in idx], emb[idx], calibrate=calibrate)
        weights.append(coef)
        biases.append(icpt)
        calibration[label] = cal
    return Heads(
        encoder=encoder,
        labels=tuple(labels),
        weights=np.stack(weights).astype(np.float32),
        bias=np.array(biases, dtype=np.float32),
        calibration=calibration,
        meta={},
        features=features,
    )
