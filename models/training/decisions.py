"""Learning from moderators: refit the heads with approve/reject verdicts, keep them only if better.

Every approved or rejected review opened by a classifier rule is a labelled example: the rule's label,
the message's language, positive when approved, negative when rejected (text only while retained).
A deterministic third of those examples is held back; the current heads and a candidate refitted on
the training data plus the other two thirds are scored on it, and the candidate is accepted only when
its mean average precision is higher and no label's ROC-AUC drops by more than ``MAX_AUC_DROP``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from models.encoder import Matrix
from models.heads import Heads
from models.training.data import Row
from models.training.fit import train_heads
from models.training.metrics import Scores, fmt, score

DECISIONS_SOURCE = "decisions"
MIN_HELD_PER_CLASS = 3
"""Held-back positives and negatives a label needs before its metrics count."""
MIN_GAIN = 0.005
"""Smallest mean average-precision gain that replaces the heads."""
MAX_AUC_DROP = 0.02
"""Largest ROC-AUC drop on any label that is tolerated."""


@dataclass
class RefitReport:
    """Before/after metrics on the held-back decisions and whether the candidate was accepted."""

    trained_on: int
    held_back: int
    before: dict[str, Scores] = field(default_factory=dict)
    after: dict[str, Scores] = field(default_factory=dict)
    accepted: bool = False
    reason: str = ""

    def render(self) -> str:
        """A small table: label, n, ROC-AUC and AP before -> after, then the verdict."""
        lines = [
            f"decisions: {self.trained_on} used for training, {self.held_back} held back",
            f"{'label':9} {'n':>4} {'ROC-AUC before':>15} {'after':>6} {'AP before':>10} {'after':>6}",
        ]
        for label, old in self.before.items():
            new = self.after[label]
            lines.append(
                f"{label:9} {old.n:>4} {fmt(old.roc_auc):>15} {fmt(new.roc_auc):>6} "
                f"{fmt(old.avg_precision):>10} {fmt(new.avg_precision):>6}"
            )
        lines.append(("accepted: " if self.accepted else "kept the current heads: ") + self.reason)
        return "\n".join(lines)


def split_held_back(rows: Sequence[Row]) -> tuple[list[int], list[int]]:
    """Indices (train, held back): every third row in a fixed hash order is held back."""
    order = sorted(
        range(len(rows)),
        key=lambda i: hashlib.sha256(f"held\x00{rows[i].label}\x00{rows[i].text}".encode()).digest(),
    )
    held = sorted(order[::3])
    keep = sorted(set(range(len(rows))) - set(held))
    return keep, held


def _scores(heads: Heads, rows: Sequence[Row], emb: Matrix) -> dict[str, Scores]:
    predicted = heads.predict(emb, [r.lang for r in rows])
    out: dict[str, Scores] = {}
    for label in heads.labels:
        idx = [i for i, r in enumerate(rows) if r.label == label]
        ys = [rows[i].y for i in idx]
        if min(sum(ys), len(ys) - sum(ys)) >= MIN_HELD_PER_CLASS:
            out[label] = score(ys, [predicted[i][label] for i in idx])
    return out


def _mean_ap(scores: dict[str, Scores]) -> float:
    return float(np.mean([s.avg_precision or 0.0 for s in scores.values()]))


def refit_from_decisions(
    heads: Heads,
    base_rows: Sequence[Row],
    base_emb: Matrix,
    decision_rows: Sequence[Row],
    decision_emb: Matrix,
) -> tuple[Heads, RefitReport]:
    """Refit ``heads`` on the base rows plus two thirds of the decisions; compare on the last third.

    Returns:
        The heads to use (the candidate if accepted, else ``heads``) and the report.
    """
    train, held = split_held_back(decision_rows)
    report = RefitReport(trained_on=len(train), held_back=len(held))
    held_rows = [decision_rows[i] for i in held]
    report.before = _scores(heads, held_rows, decision_emb[held])
    if not report.before:
        report.reason = "not enough held-back decisions (each label needs both verdicts) to judge a change"
        return heads, report
    rows = [*base_rows, *(decision_rows[i] for i in train)]
    emb = np.vstack([base_emb, decision_emb[train]]).astype(np.float32)
    labels = [lb for lb in heads.labels if len({r.y for r in rows if r.label == lb}) == 2]
    candidate = train_heads(rows, emb, labels, encoder=heads.encoder, features=heads.features)
    candidate.meta = {**heads.meta, "decisions": {"trained_on": len(train), "held_back": len(held)}}
    report.after = _scores(candidate, held_rows, decision_emb[held])
    report.after = {label: report.after.get(label, Scores(0, 0, None, None, None)) for label in report.before}
    gain = _mean_ap(report.after) - _mean_ap(report.before)
    drops = [
        label
        for label, old in report.before.items()
        if (old.roc_auc or 0.0) - (report.after[label].roc_auc or 0.0) > MAX_AUC_DROP
    ]
    if drops:
        report.reason = f"ROC-AUC would drop for {', '.join(drops)}"
    elif gain <= MIN_GAIN:
        report.reason = f"average precision would change by {gain:+.3f} only"
    else:
        report.accepted = True
        report.reason = f"average precision {gain:+.3f} on held-back decisions"
        return candidate, report
    return heads, report
