"""Moderators' answers to appeals: ``/uphold N``, ``/reduce N [duration]``, ``/lift N``.

``N`` is the appeal's case or the appealed case. Lifting undoes the action where the platform allows
(unban; a timeout ends by a timeout until now); reducing unbans a ban and shortens a timeout to
``duration`` from now (default: ends now) but keeps the case on the member's record. The member is
told the outcome privately, in the community's voice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from moderation.beyond.appeal_types import AppealRecord, AppealStatus, AppealStore
from moderation.beyond.appeals import appeal_store, voice_text
from moderation.beyond.restrict import end_timeout
from moderation.cases import audit
from moderation.domain import CommandReply, MemberRef, ReviewStatus
from moderation.errors import ActionFailed, CommandError, Conflict, NotFound
from moderation.ports import ChatGateway
from moderation.records import CaseRecord, CaseType, ReviewRecord
from moderation.review.queue import review_card
from moderation.review.registry import CommandContext, parse_case_number, parse_duration_arg
from moderation.review.text import excerpt

VERDICTS = {"uphold": AppealStatus.UPHELD, "reduce": AppealStatus.REDUCED, "lift": AppealStatus.LIFTED}


@runtime_checkable
class VerdictOps(Protocol):
    """What verdicts need from the service: gateways and card refreshes."""

    def gateway(self, platform: str) -> ChatGateway | None:
        """The gateway of one platform, if registered."""
        ...

    async def broadcast_card(self, review: ReviewRecord) -> None:
        """Post or refresh a review card everywhere."""
        ...


async def decide_appeal(ctx: CommandContext, verb: str, args: Sequence[str]) -> CommandReply:
    """Uphold, reduce or lift an appeal; undo the action, record it and tell the member."""
    status = VERDICTS[verb]
    number = parse_case_number(args[0])
    rest = list(args[1:])
    duration = timedelta(0)
    if status is AppealStatus.REDUCED and rest and rest[0][:1].isdigit():
        duration = parse_duration_arg(rest.pop(0))
    note = excerpt(" ".join(rest), 500)
    store = appeal_store(ctx.store)
    ops = ctx.ops
    if not isinstance(ops, VerdictOps):
        raise CommandError("Appeals need the moderation service.")
    appeal = await store.find_appeal(ctx.community, number)
    if appeal is None or appeal.review_number is None:
        raise CommandError(f"There is no appeal on case #{number}.")
    if appeal.status is not AppealStatus.PENDING:
        raise CommandError(f"The appeal of case #{appeal.case_number} was already {appeal.status}.")
    case = await ctx.store.get_case(ctx.community, appeal.case_number)
    review = await ctx.store.get_review(ctx.community, appeal.review_number)
    if case is None or review is None:
        raise CommandError(f"Case #{appeal.case_number} is gone; nothing was done.")
    now = ctx.clock.now()
    approved = ReviewStatus.REJECTED if status is AppealStatus.UPHELD else ReviewStatus.APPROVED
    try:
        review = await ctx.store.resolve_review(
            ctx.community,
            review.case_number,
            status=approved,
            moderator=ctx.moderator,
            note=note or None,
            at=now,
        )
        decided = await store.resolve_appeal(
            ctx.community, appeal.case_number, status=status, by=ctx.moderator, at=now, outcome=status.value
        )
    except (Conflict, NotFound):
        raise CommandError(f"The appeal of case #{appeal.case_number} was already decided.") from None
    gateway = ops.gateway(case.platform)
    member = MemberRef(case.platform, review.space_id, case.user_id)
    reason = f"appeal of case #{case.number}"
    done, problems = await _undo(gateway, member, case, status, duration, now=now, reason=reason)
    if status is not AppealStatus.UPHELD and case.case_type is CaseType.BAN and "unbanned" in done:
        await ctx.store.create_case(
            ctx.community,
            case_type=CaseType.UNBAN,
            platform=case.platform,
            user_id=case.user_id,
            user_name=case.user_name,
            rule=case.rule,
            reason=f"appeal of case #{case.number} {status}",
            moderator=ctx.moderator,
            at=now,
        )
    told = await _tell(ctx, gateway, member, decided, case)
    summary = f"{status} by {ctx.moderator}: {done or 'nothing to undo'}" + (f" ({note})" if note else "")
    await ctx.store.add_note(
        ctx.community, case.number, author=ctx.moderator, text=f"Appeal {summary}", at=now
    )
    await audit(ctx.store, ctx.community, case.number, ctx.moderator, f"appeal {status}", done, now)
    await audit(ctx.store, ctx.community, review.case_number, ctx.moderator, f"appeal {status}", note, now)
    await ops.broadcast_card(review)
    lines = [f"Appeal of case #{case.number} {status}: {done or 'nothing to undo'}."]
    lines += [f"Could not {p}." for p in problems]
    lines.append("The member was told." if told else "I could not message the member (DMs closed?).")
    return CommandReply(" ".join(lines), card=review_card(review))


async def _undo(
    gateway: ChatGateway | None,
    member: MemberRef,
    case: CaseRecord,
    status: AppealStatus,
    duration: timedelta,
    *,
    now: datetime,
    reason: str,
) -> tuple[str, list[str]]:
    """Undo (or shorten) the case's action; return what was done and what failed."""
    if status is AppealStatus.UPHELD or case.case_type is CaseType.WARN:
        return "", []
    if gateway is None:
        return "", [f"undo the {case.case_type}: no {case.platform} connection is running"]
    try:
        if case.case_type is CaseType.BAN:
            await gateway.unban_member(member, reason)
            return "unbanned", []
        shorter = duration if status is AppealStatus.REDUCED else timedelta(0)
        if shorter > timedelta(0):
            await gateway.timeout_member(member, now + shorter, reason)
        else:
            await end_timeout(gateway, member, now, reason)
        return ("timeout shortened" if shorter > timedelta(0) else "timeout ended"), []
    except ActionFailed as exc:
        return "", [f"undo the {case.case_type} ({exc.reason})"]


async def _tell(
    ctx: CommandContext,
    gateway: ChatGateway | None,
    member: MemberRef,
    appeal: AppealRecord,
    case: CaseRecord,
) -> bool:
    if gateway is None:
        return False
    values = {"user": case.user_name, "case": str(case.number), "community": ctx.community, "rule": case.rule}
    try:
        await gateway.send_direct(member, voice_text(ctx.cfg, f"appeal_{appeal.status}", values))
    except ActionFailed:
        return False
    return True


async def appeal_card_verdict(ctx: CommandContext, verb: str, args: Sequence[str]) -> CommandReply | None:
    """Approve/reject on an appeal's own review: run it as ``/lift`` or ``/uphold`` (else ``None``)."""
    number = parse_case_number(args[0])
    store = ctx.store
    if not isinstance(store, AppealStore):
        return None
    appeal = await store.find_appeal(ctx.community, number)
    if appeal is None or appeal.review_number != number or appeal.status is not AppealStatus.PENDING:
        return None
    return await decide_appeal(ctx, "lift" if verb == "approve" else "uphold", args)
