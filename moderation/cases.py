"""Numbered cases: the case type of each action, opening cases for executed actions, formatting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from moderation.config.schema import StrikesConfig
from moderation.domain import ActionKind, Actor, PlannedAction, Scope
from moderation.executor import ActionResult
from moderation.ports import Store
from moderation.records import AuditEntry, CaseRecord, CaseType, ReviewRecord
from moderation.rules.strikes import next_step, step_action

CASE_TYPES: Mapping[ActionKind, CaseType] = {
    ActionKind.DELETE: CaseType.DELETE,
    ActionKind.WARN: CaseType.WARN,
    ActionKind.TIMEOUT: CaseType.TIMEOUT,
    ActionKind.KICK: CaseType.KICK,
    ActionKind.BAN: CaseType.BAN,
}
"""Action kind -> case type. Replies and notifications open no case; reviews open theirs when escalated."""

BOT_MODERATOR = "steward"
"""The moderator name recorded for actions the bot took on its own."""


def case_type_for(kind: ActionKind) -> CaseType | None:
    """The case type an executed action opens, or ``None`` for replies and notifications."""
    return CASE_TYPES.get(kind)


async def open_action_case(
    store: Store,
    community: str,
    action: PlannedAction,
    *,
    platform: str,
    user_id: str,
    user_name: str,
    moderator: str,
    at: datetime,
    decision_id: int | None = None,
    channel_id: str | None = None,
    message_id: str | None = None,
    dry_run: bool = False,
) -> CaseRecord | None:
    """Open the case for one executed action (or a ``dry_run`` case); ``None`` if it opens none."""
    case_type = CaseType.DRY_RUN if dry_run else case_type_for(action.kind)
    if case_type is None:
        return None
    reason = action.reason or action.rule
    if action.duration is not None:
        reason = f"{reason} ({_duration(action)})"
    return await store.create_case(
        community,
        case_type=case_type,
        platform=platform,
        user_id=user_id,
        user_name=user_name,
        rule=action.rule,
        reason=reason,
        moderator=moderator,
        at=at,
        decision_id=decision_id,
        channel_id=channel_id,
        message_id=message_id,
    )


async def audit(
    store: Store, community: str, case: int | None, actor: str, action: str, detail: str, at: datetime
) -> None:
    """Append one audit line."""
    await store.add_audit(
        AuditEntry(community=community, case_number=case, at=at, actor=actor, action=action, detail=detail)
    )


def _duration(action: PlannedAction) -> str:
    assert action.duration is not None
    seconds = int(action.duration.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def format_case_line(case: CaseRecord) -> str:
    """One line per case for listings such as ``/history``."""
    when = case.created_at.strftime("%Y-%m-%d %H:%M")
    return f"#{case.number} {case.case_type} · {case.rule} · {case.platform} · {when} · by {case.moderator}"


def format_case(case: CaseRecord, trail: Sequence[AuditEntry], review: ReviewRecord | None) -> str:
    """Full text of a case for ``/case N``: header, member, reason, review state, notes, audit trail."""
    lines = [
        f"Case #{case.number} — {case.case_type} ({case.platform})",
        f"Member: {case.user_name} ({case.user_id})",
        f"Rule: {case.rule} — {case.reason}",
        f"Opened {case.created_at.strftime('%Y-%m-%d %H:%M')} UTC by {case.moderator}",
    ]
    if review is not None:
        state = f"Review: {review.status}"
        if review.resolved_by:
            state += f" by {review.resolved_by}"
        if review.note:
            state += f" — {review.note}"
        lines.append(state)
        if review.excerpt:
            lines.append(f"Message: {review.excerpt}")
        if review.held_actions:
            lines.append("Held actions: " + ", ".join(str(a.kind) for a in review.held_actions))
    for note in case.notes:
        lines.append(f"Note: {note}")
    for entry in trail:
        detail = f" — {entry.detail}" if entry.detail else ""
        lines.append(f"  {entry.at.strftime('%Y-%m-%d %H:%M')} {entry.actor}: {entry.action}{detail}")
    return "\n".join(lines)


async def record_results(
    store: Store,
    community: str,
    member: Actor,
    scope: Scope,
    message_id: str | None,
    results: Sequence[ActionResult],
    *,
    moderator: str,
    at: datetime,
    decision_id: int | None = None,
) -> list[str]:
    """Open a case (and record a strike, for warnings) per executed action; return failure lines."""
    failures = []
    for result in results:
        if not result.ok:
            failures.append(result.describe())
            continue
        case = await open_action_case(
            store,
            community,
            result.action,
            platform=scope.platform,
            user_id=member.user_id,
            user_name=member.display_name,
            moderator=moderator,
            at=at,
            decision_id=decision_id,
            channel_id=scope.channel_id,
            message_id=message_id,
        )
        if result.action.kind is ActionKind.WARN:
            number = case.number if case is not None else None
            await store.add_strike(community, scope.platform, member.user_id, at=at, case_number=number)
    return failures


async def ladder_action(
    store: Store,
    strikes: StrikesConfig,
    community: str,
    platform: str,
    user_id: str,
    actions: Sequence[PlannedAction],
    now: datetime,
) -> PlannedAction | None:
    """The strike-ladder escalation earned by the warning among ``actions``, if any.

    Strikes are counted once per distinct ``within`` of the ladder, this warning included; the
    escalation is left out when ``actions`` already hold an action of its kind.
    """
    warns = [a for a in actions if a.kind is ActionKind.WARN]
    if not warns or not strikes.enabled or not strikes.ladder:
        return None
    counts: dict[timedelta, int] = {}
    for within in {step.within for step in strikes.ladder}:
        counts[within] = 1 + await store.count_strikes(community, platform, user_id, since=now - within)
    step = next_step(strikes, counts)
    if step is None:
        return None
    escalation = step_action(step, warns[0].rule)
    return None if any(a.kind is escalation.kind for a in actions) else escalation
