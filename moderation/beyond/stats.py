"""False-positive rates from moderators' verdicts, per rule and per classifier label (for ``/stats``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from moderation.beyond.history import Verdict, VerdictSource
from moderation.config.schema import CommunityConfig
from moderation.ports import Store


def rule_label(cfg: CommunityConfig, rule: str) -> str | None:
    """The classifier label behind a rule, if it has a classifier trigger."""
    found = cfg.rules.get(rule)
    trigger = found.triggers.classifier if found is not None else None
    return trigger.label if trigger is not None else None


def rejected_rates(
    verdicts: Sequence[Verdict], group: Callable[[Verdict], str | None]
) -> dict[str, tuple[int, int]]:
    """Group -> (rejected, reviewed); verdicts whose group is ``None`` are left out."""
    out: dict[str, tuple[int, int]] = {}
    for verdict in verdicts:
        name = group(verdict)
        if name is not None:
            rejected, total = out.get(name, (0, 0))
            out[name] = (rejected + (not verdict.approved), total + 1)
    return out


def _line(title: str, counts: dict[str, tuple[int, int]]) -> str:
    parts = [f"{name} {rej}/{n} ({round(100 * rej / n)}%)" for name, (rej, n) in sorted(counts.items())]
    return f"{title}: {', '.join(parts)}"


async def false_positive_lines(
    store: Store, cfg: CommunityConfig, community: str, since: datetime
) -> list[str]:
    """``/stats`` lines: rejected / reviewed per rule and per classifier label (empty without verdicts)."""
    if not isinstance(store, VerdictSource):
        return []
    verdicts = await store.review_verdicts(community, since)
    if not verdicts:
        return []
    lines = [_line("False positives by rule (rejected/reviewed)", rejected_rates(verdicts, lambda v: v.rule))]
    by_label = rejected_rates(verdicts, lambda v: rule_label(cfg, v.rule))
    if by_label:
        lines.append(_line("False positives by label", by_label))
    return lines
