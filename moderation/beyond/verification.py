"""Verification on join: newcomers are restricted until they answer a simple question.

On join (``verification.enabled``), a newcomer Steward has not known for ``skip_known_after``, who
never passed before and is not staff (``exempt_level``), is
timed out for the time limit (plus a margin) and asked the question privately (in the join channel if
their DMs are closed). ``/verify <answer>`` with any configured language's answer lifts the
restriction and greets them; a verification still pending at its deadline fails: the member is kicked
or left restricted (``on_fail``). Steward cannot know a newcomer's language at join, so the question
is asked in the community's default language and every language's answers are accepted.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from moderation.beyond.appeals import voice_text
from moderation.beyond.restrict import end_timeout
from moderation.beyond.verification_types import PendingMember, VerificationStatus, VerificationStore
from moderation.config.levels import resolve_level
from moderation.config.schema import CommunityConfig, format_duration
from moderation.domain import Actor, CommandReply, MemberJoined, MemberRef, ModeratorCommand, Scope
from moderation.errors import ActionFailed
from moderation.greeter import Greeter
from moderation.ports import ChatGateway, Clock, Store
from moderation.voice.templates import pick_lang

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
"""Wrong answers before the verification fails at once."""
RESTRICT_MARGIN = timedelta(minutes=5)
"""The restriction outlasts the deadline a little, so the deadline job acts before it lapses."""
FAILED_RESTRICTION = timedelta(days=28)
"""How long a member who failed stays restricted with ``on_fail: restrict`` (Discord's longest timeout)."""
VERIFY_TEXTS = {
    "verify_prompt": "Welcome to {community}, {user}! Before you can post, please answer within {duration}:",
    "verify_passed": "Thanks {user}, you are verified. Welcome to {community}!",
    "verify_wrong": "That is not the answer, {user}. Please try again:",
}


class VerifyHost(Protocol):
    """What verification needs from the service."""

    store: Store
    clock: Clock
    greeter: Greeter

    def gateway(self, platform: str) -> ChatGateway | None:
        """The gateway of one platform, if registered."""
        ...

    def community_for(self, platform: str, space_id: str) -> str | None:
        """The community of a guild/chat, if any."""
        ...

    def community_config(self, community: str) -> CommunityConfig:
        """A community's base configuration."""
        ...


def _text(cfg: CommunityConfig, key: str, values: dict[str, str]) -> str:
    if key in cfg.voice.replies:
        return voice_text(cfg, key, values)
    return VERIFY_TEXTS[key].format_map(values)


def _ref(pending: PendingMember) -> MemberRef:
    return MemberRef(pending.platform, pending.space_id, pending.user_id)


def _question(cfg: CommunityConfig) -> str:
    question = pick_lang(cfg.verification.question, None, cfg.voice.default_lang) or ""
    return f"{question}\nReply with /verify <answer>."


class Verifier:
    """Holds newcomers, checks their answers and enforces deadlines."""

    def __init__(self, host: VerifyHost) -> None:
        self._host = host

    def _store(self) -> VerificationStore | None:
        store = self._host.store
        return store if isinstance(store, VerificationStore) else None

    async def hold(self, community: str, cfg: CommunityConfig, event: MemberJoined, member: Actor) -> bool:
        """Restrict and question a newcomer; ``True`` when they are held (greet them later)."""
        settings, store = cfg.verification, self._store()
        gateway = self._host.gateway(event.scope.platform)
        if not settings.enabled or store is None or gateway is None:
            return False
        now = self._host.clock.now()
        level = resolve_level(cfg, member.platform, member.user_id, member.roles)
        if max(level, member.level) >= cfg.moderation.exempt_level:
            return False  # staff
        known = await self._host.store.get_member(community, member.platform, member.user_id)
        if known is not None and known.first_seen < now - settings.skip_known_after:
            return False
        if await store.verified_before(community, member.platform, member.user_id):
            return False
        pending = PendingMember(
            community,
            member.platform,
            event.scope.space_id,
            event.scope.channel_id,
            member.user_id,
            member.display_name,
            VerificationStatus.PENDING,
            0,
            event.joined_at,
            now + settings.time_limit,
        )
        try:
            await gateway.timeout_member(
                _ref(pending), pending.deadline + RESTRICT_MARGIN, "verification on join"
            )
        except ActionFailed as exc:
            log.warning("cannot restrict newcomer %s for verification: %s", member.user_id, exc.reason)
            return False
        await store.hold_member(pending)
        values = {"user": member.display_name, "community": community}
        prompt = _text(cfg, "verify_prompt", {**values, "duration": format_duration(settings.time_limit)})
        text = f"{prompt}\n{_question(cfg)}"
        try:
            await gateway.send_direct(_ref(pending), text)
        except ActionFailed:
            try:
                await gateway.send_message(event.scope, text)
            except ActionFailed as exc:
                log.warning(
                    "cannot ask newcomer %s the verification question: %s", member.user_id, exc.reason
                )
        return True

    async def answer(self, cmd: ModeratorCommand) -> CommandReply:
        """A member's ``/verify <answer>``; never raises."""
        store = self._store()
        caller = cmd.caller
        pending = [] if store is None else await store.pending_verifications(caller.platform, caller.user_id)
        here = self._host.community_for(cmd.scope.platform, cmd.scope.space_id)
        pending = [p for p in pending if here is None or p.community == here]
        if store is None or not pending:
            return CommandReply("You have nothing to verify.", ephemeral=True)
        held = pending[0]
        cfg = self._host.community_config(held.community)
        given = " ".join(cmd.args).strip().casefold()
        accepted = {a.strip().casefold() for answers in cfg.verification.answers.values() for a in answers}
        values = {"user": held.user_name, "community": held.community}
        if given and given in accepted:
            if await store.finish_verification(held, VerificationStatus.PASSED):
                await self._release(held, cfg)
            return CommandReply(_text(cfg, "verify_passed", values), ephemeral=True)
        if await store.count_attempt(held) >= MAX_ATTEMPTS:
            await self._fail(store, held)
            return CommandReply("Too many wrong answers; the moderators can let you in.", ephemeral=True)
        return CommandReply(f"{_text(cfg, 'verify_wrong', values)}\n{_question(cfg)}", ephemeral=True)

    async def expire(self) -> int:
        """Fail every verification past its deadline (kick or keep restricted); return how many."""
        store = self._store()
        if store is None:
            return 0
        failed = 0
        for held in await store.overdue_verifications(self._host.clock.now()):
            failed += await self._fail(store, held)
        return failed

    async def _release(self, held: PendingMember, cfg: CommunityConfig) -> None:
        gateway = self._host.gateway(held.platform)
        if gateway is None:
            return
        try:
            await end_timeout(gateway, _ref(held), self._host.clock.now(), "verified")
        except ActionFailed as exc:
            log.warning("cannot lift the verification restriction of %s: %s", held.user_id, exc.reason)
        scope = Scope(held.platform, held.community, held.space_id, held.channel_id)
        member = Actor(held.platform, held.user_id, held.user_name)
        event = MemberJoined(scope, member, held.joined_at)
        await self._host.greeter.greet(gateway, held.community, cfg, event, member)

    async def _fail(self, store: VerificationStore, held: PendingMember) -> bool:
        if not await store.finish_verification(held, VerificationStatus.FAILED):
            return False
        gateway = self._host.gateway(held.platform)
        if gateway is None:
            return True
        policy = self._host.community_config(held.community).verification.on_fail
        try:
            if policy == "kick":
                await gateway.kick_member(_ref(held), "verification failed")
            else:
                until = self._host.clock.now() + FAILED_RESTRICTION
                await gateway.timeout_member(_ref(held), until, "verification failed")
        except ActionFailed as exc:
            log.warning("cannot %s unverified member %s: %s", policy, held.user_id, exc.reason)
        return True
