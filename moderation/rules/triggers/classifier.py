"""Classifier trigger: a label's probability in the review band or the act band."""

from __future__ import annotations

from moderation.config.schema import ClassifierTrigger
from moderation.rules.triggers.base import TriggerContext, TriggerResult


def check(cfg: ClassifierTrigger, ctx: TriggerContext) -> TriggerResult:
    """Fire with band ``act`` at or above ``act_at``, band ``review`` at or above ``review_at``."""
    if ctx.classification is None:
        return TriggerResult.miss("no classifier scores for this message")
    score = ctx.classification.labels.get(cfg.label)
    if score is None:
        return TriggerResult.miss(f"classifier gave no {cfg.label!r} score")
    if cfg.act_at is not None and score >= cfg.act_at:
        return TriggerResult.hit(f"{cfg.label} {score:.2f} >= act_at {cfg.act_at:.2f}", "act")
    if cfg.review_at is not None and score >= cfg.review_at:
        return TriggerResult.hit(f"{cfg.label} {score:.2f} >= review_at {cfg.review_at:.2f}", "review")
    lowest = cfg.review_at if cfg.review_at is not None else cfg.act_at
    band = "review_at" if cfg.review_at is not None else "act_at"
    return TriggerResult.miss(f"{cfg.label} {score:.2f} < {band} {lowest:.2f}")
