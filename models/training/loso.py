"""Leave-one-source-out evaluation: train on every other source, test on the held-out one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from models.encoder import Matrix
from models.heads import sigmoid
from models.training.data import Row
from models.training.fit import train_label
from models.training.metrics import Scores, score

QMARKS = ("?", "؟", "？")


@dataclass(frozen=True)
class HeldOut:
    """Scores of one label on one held-out source, overall and per language."""

    label: str
    source: str
    overall: Scores
    by_lang: dict[str, Scores]
    no_mark_recall: float | None = None


def leave_one_source_out(
    rows: Sequence[Row],
    emb: Matrix,
    labels: Sequence[str],
    *,
    progress: Callable[[str], None] | None = None,
) -> list[HeldOut]:
    """For each label and each source with both classes, train without it and score it.

    The held-out texts are also removed from training under any other source (cross-task
    negatives reuse texts), so no held-out text is ever seen.
    """
    results: list[HeldOut] = []
    for label in labels:
        idx = [i for i, r in enumerate(rows) if r.label == label]
        sources = sorted({rows[i].source for i in idx})
        for source in sources:
            test = [i for i in idx if rows[i].source == source]
            if len({rows[i].y for i in test}) < 2:
                continue
            held = {rows[i].text for i in test}
            train = [i for i in idx if rows[i].source != source and rows[i].text not in held]
            if len({rows[i].y for i in train}) < 2:
                continue
            if progress is not None:
                progress(f"{label}/{source}")
            coef, icpt, _ = train_label([rows[i] for i in train], emb[train], calibrate=False)
            p = sigmoid(emb[test] @ coef + icpt)
            y = [rows[i].y for i in test]
            langs = np.array([rows[i].lang for i in test])
            by_lang = {
                lg: score([y[k] for k in np.flatnonzero(langs == lg)], p[langs == lg].tolist())
                for lg in sorted(set(langs))
            }
            no_mark = [
                p[k] >= 0.5
                for k, i in enumerate(test)
                if rows[i].y == 1 and not rows[i].text.endswith(QMARKS)
            ]
            recall = float(np.mean(no_mark)) if label == "question" and no_mark else None
            results.append(HeldOut(label, source, score(y, p.tolist()), by_lang, recall))
    return results
