"""The strike ladder: warnings counted per window decide the escalation step.

The service counts a member's strikes once per distinct ``within`` of the ladder (strikes older than a
window do not count in it: that is the decay) and asks ``next_step``. When several rungs match, the
highest wins: the most severe action (ban > kick > timeout), then the longest timeout, then the rung
needing the most strikes, then the later rung in the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from moderation.config.schema import StrikesConfig, StrikeStep, format_duration
from moderation.domain import ActionKind, PlannedAction

_SEVERITY = {"timeout": 1, "kick": 2, "ban": 3}
_KIND = {"timeout": ActionKind.TIMEOUT, "kick": ActionKind.KICK, "ban": ActionKind.BAN}


def windows(cfg: StrikesConfig) -> list[timedelta]:
    """The distinct windows the service must count strikes in (empty when strikes are off)."""
    if not cfg.enabled:
        return []
    return sorted({step.within for step in cfg.ladder})


def next_step(cfg: StrikesConfig, counts: Mapping[timedelta, int]) -> StrikeStep | None:
    """The highest rung whose ``count`` is reached within its ``within``, or ``None``.

    Args:
        cfg: The strike ladder.
        counts: Strikes counted per window (this warning included); missing windows count 0.
    """
    if not cfg.enabled:
        return None
    matching = [(i, step) for i, step in enumerate(cfg.ladder) if counts.get(step.within, 0) >= step.count]
    if not matching:
        return None
    _, best = max(
        matching,
        key=lambda pair: (
            _SEVERITY[pair[1].action],
            pair[1].duration or timedelta(0),
            pair[1].count,
            pair[0],
        ),
    )
    return best


def step_action(step: StrikeStep, rule: str) -> PlannedAction:
    """The action a rung asks for, attributed to the rule whose warning triggered it."""
    reason = f"{rule}: {step.count} strikes within {format_duration(step.within)}"
    return PlannedAction(
        _KIND[step.action],
        rule,
        duration=step.duration if step.action == "timeout" else None,
        reason=reason,
    )
