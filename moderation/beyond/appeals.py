"""Appeals: a member contests a warning, timeout or ban once per case; moderators uphold, reduce or lift.

The member writes ``/appeal <case> <text>`` (in the community, or privately to the bot: the case is
found by number among the member's own cases). The appeal opens its own case with a review item
carrying the original case's rule, reason and trace, so it shows on the review queue and cards.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from moderation.beyond.appeal_types import AppealRecord, AppealStatus, AppealStore
from moderation.cases import audit
from moderation.config.schema import CommunityConfig
from moderation.domain import CommandReply, ModeratorCommand, ReviewStatus
from moderation.errors import CommandError, Conflict
from moderation.ports import Clock, Store
from moderation.records import CaseRecord, CaseType, ReviewRecord
from moderation.review.registry import UsageError, moderator_name, parse_case_number
from moderation.review.text import excerpt
from moderation.voice.templates import TemplateError, render

APPEALABLE = frozenset({CaseType.WARN, CaseType.TIMEOUT, CaseType.BAN})
USAGE = "Usage: /appeal <case number> <why the decision was wrong>"
DEFAULT_TEXTS = {
    "appeal_received": "Thanks {user}, your appeal of case #{case} was sent to the moderators.",
    "appeal_upheld": "Hi {user}, the moderators reviewed your appeal of case #{case} and kept the decision.",
    "appeal_reduced": "Hi {user}, the moderators reviewed your appeal of case #{case} and reduced it.",
    "appeal_lifted": "Hi {user}, the moderators reviewed your appeal of case #{case} and lifted it.",
}
"""Texts used when the community's voice has no template of that name."""


class AppealHost(Protocol):
    """What appeals need from the service."""

    store: Store
    clock: Clock

    def community_for(self, platform: str, space_id: str) -> str | None:
        """The community of a guild/chat, if any."""
        ...

    def communities(self) -> list[str]:
        """Configured communities."""
        ...

    def community_config(self, community: str) -> CommunityConfig:
        """A community's base configuration."""
        ...

    async def broadcast_card(self, review: ReviewRecord) -> None:
        """Post or refresh a review card everywhere."""
        ...


@runtime_checkable
class DecisionDetails(Protocol):
    """Stores that can return a decision's stored fields (``SqlStore``)."""

    async def decision_details(self, decision_id: int) -> dict[str, Any] | None:
        """Everything stored about a decision."""
        ...


def voice_text(cfg: CommunityConfig, key: str, values: dict[str, str]) -> str:
    """A reply in the community's voice, or the built-in text when it has no such template."""
    try:
        return render(cfg.voice, key, None, values)
    except TemplateError:
        return DEFAULT_TEXTS[key].format_map(values)


def appeal_store(store: Store) -> AppealStore:
    """The store as an ``AppealStore``.

    Raises:
        CommandError: If it cannot keep appeals.
    """
    if not isinstance(store, AppealStore):
        raise CommandError("Appeals need Steward's SQL database.")
    return store


async def submit_appeal(host: AppealHost, cmd: ModeratorCommand) -> CommandReply:
    """Handle a member's ``/appeal <case> <text>``; never raises."""
    try:
        return await _submit(host, cmd)
    except UsageError as exc:
        return CommandReply(f"{exc.user_message} {USAGE}", ephemeral=True)
    except CommandError as exc:
        return CommandReply(exc.user_message, ephemeral=True)


async def _submit(host: AppealHost, cmd: ModeratorCommand) -> CommandReply:
    if len(cmd.args) < 2:
        raise UsageError("Give the case number and a few words on why.")
    number = parse_case_number(cmd.args[0])
    text = excerpt(" ".join(cmd.args[1:]), 1000)
    community, case = await _own_case(host, cmd, number)
    cfg = host.community_config(community)
    if not cfg.appeals.enabled:
        raise CommandError("Appeals are not open in this community.")
    if case.case_type not in APPEALABLE:
        raise CommandError(f"Case #{number} is not a warning, timeout or ban; there is nothing to appeal.")
    now = host.clock.now()
    if now - case.created_at > cfg.appeals.window:
        raise CommandError(f"The time to appeal case #{number} has passed.")
    store = appeal_store(host.store)
    if await store.find_appeal(community, number) is not None:
        raise CommandError(f"Case #{number} was appealed already; the moderators will answer once.")
    trace = await _trace(host.store, case)
    member = cmd.caller
    opened = await host.store.create_case(
        community,
        case_type=CaseType.APPEAL,
        platform=case.platform,
        user_id=case.user_id,
        user_name=case.user_name,
        rule=case.rule,
        reason=f"appeal of case #{number}",
        moderator=moderator_name(member),
        at=now,
        decision_id=case.decision_id,
        channel_id=case.channel_id,
        message_id=case.message_id,
    )
    try:
        await store.create_appeal(
            AppealRecord(
                community, number, opened.number, case.platform, case.user_id, text, AppealStatus.PENDING, now
            )
        )
    except Conflict:
        raise CommandError(f"Case #{number} was appealed already; the moderators will answer once.") from None
    review = ReviewRecord(
        community=community,
        case_number=opened.number,
        status=ReviewStatus.PENDING,
        platform=case.platform,
        space_id=await _space_id(host, community, case),
        channel_id=case.channel_id or "0",
        message_id=case.message_id or "0",
        user_id=case.user_id,
        user_name=case.user_name,
        rule="appeal",
        reason=excerpt(
            f"Appeal of case #{number} ({case.case_type}, rule {case.rule}: {case.reason}){trace}. "
            f"Decide with /uphold {opened.number}, /reduce {opened.number} [duration] "
            f"or /lift {opened.number}.",
            900,
        ),
        excerpt=text,
        held_actions=(),
        created_at=now,
        expires_at=now + cfg.moderation.review_expiry,
    )
    await host.store.create_review(review)
    await audit(
        host.store, community, number, moderator_name(member), "appealed", f"see case #{opened.number}", now
    )
    await audit(host.store, community, opened.number, moderator_name(member), "appeal", text, now)
    await host.broadcast_card(review)
    values = {"user": member.display_name, "case": str(number), "community": community, "rule": case.rule}
    return CommandReply(voice_text(cfg, "appeal_received", values), ephemeral=True)


async def _own_case(host: AppealHost, cmd: ModeratorCommand, number: int) -> tuple[str, CaseRecord]:
    here = host.community_for(cmd.scope.platform, cmd.scope.space_id)
    for community in [here] if here is not None else host.communities():
        case = await host.store.get_case(community, number)
        if case is not None and (case.platform, case.user_id) == (cmd.caller.platform, cmd.caller.user_id):
            return community, case
    raise CommandError(f"I can't find a case #{number} about you.")


async def _trace(store: Store, case: CaseRecord) -> str:
    if case.decision_id is None or not isinstance(store, DecisionDetails):
        return ""
    details = await store.decision_details(case.decision_id)
    if details is None:
        return ""
    fired = [f"{t.rule} [{t.band}] {t.reason}".strip() for t in details["traces"] if t.fired]
    scores = ", ".join(f"{k} {v:.2f}" for k, v in sorted((details.get("scores") or {}).items()))
    return (f"; trace: {'; '.join(fired)}" if fired else "") + (f"; scores: {scores}" if scores else "")


async def _space_id(host: AppealHost, community: str, case: CaseRecord) -> str:
    store = host.store
    if case.decision_id is not None and isinstance(store, DecisionDetails):
        details = await store.decision_details(case.decision_id)
        if details is not None and details.get("space_id") is not None:
            return str(details["space_id"])
    platforms = host.community_config(community).platforms
    if case.platform == "telegram" and case.channel_id:
        return case.channel_id
    if case.platform == "discord" and platforms.discord is not None and platforms.discord.guild_ids:
        return platforms.discord.guild_ids[0]
    return "1"
