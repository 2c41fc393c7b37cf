"""Explicit registry of actions, in the order they run, and the planner that applies them."""

from __future__ import annotations

from collections.abc import Callable

from moderation.config.schema import ActionsConfig
from moderation.domain import PlannedAction
from moderation.rules.actions import ban, delete, kick, notify, reply, review, timeout, warn
from moderation.rules.actions.base import ActionContext

Planner = Callable[[ActionsConfig, ActionContext], list[PlannedAction]]

ACTIONS: dict[str, Planner] = {
    "delete": delete.plan,
    "reply": reply.plan,
    "warn": warn.plan,
    "timeout": timeout.plan,
    "kick": kick.plan,
    "ban": ban.plan,
    "notify": notify.plan,
}
"""Action key in ``actions:`` -> planner; dict order is execution order (``review`` is special)."""


def plan_actions(
    cfg: ActionsConfig, ctx: ActionContext, band: str | None
) -> tuple[tuple[PlannedAction, ...], tuple[PlannedAction, ...]]:
    """Plan a fired rule's actions.

    Returns:
        ``(actions, held)``: with ``review: true`` or in the classifier's review band, ``actions`` is a
        single REVIEW action and ``held`` everything else (run on approval); otherwise ``held`` is empty.
    """
    planned = tuple(action for planner in ACTIONS.values() for action in planner(cfg, ctx))
    if review.needs_review(cfg, band):
        return (review.plan(ctx),), planned
    return planned, ()
