"""The ChatGateway contract: behaviours every platform gateway keeps, run against each platform's fake.

A platform's test module implements ``ContractWorld`` over its fake and parametrizes over ``CONTRACT``::

    @pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
    async def test_contract(world: ContractWorld, check: Check) -> None:
        await check(world)

It runs against the sandbox (tests/test_sandbox_contract.py), Telegram (tests/test_telegram_contract.py)
and Discord (tests/test_discord_contract.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest

from moderation.domain import ActionKind, Actor, MemberRef, ReviewCard, ReviewStatus, Scope
from moderation.errors import ActionFailed
from moderation.ports import ChatGateway

FOREVER = datetime.max.replace(tzinfo=UTC)
"""What ``ContractWorld.muted_until`` answers for a restriction the platform never lifts."""


class ContractWorld(Protocol):
    """A running gateway connected to a fake platform, plus the handles the checks need.

    ``mod_channel_optional`` is the one capability flag: whether a community may have no moderators'
    channel. On Discord and Telegram it is a setting (``mod_channel_id`` / ``mod_chat_id``) that may be left
    out; the sandbox console is itself the moderators' view and always shows their cards and notes, so the
    "no moderators' channel" promise does not apply to it.
    """

    gateway: ChatGateway
    community: str
    scope: Scope
    member: MemberRef
    mod_channel_optional: bool

    async def post(self, text: str) -> str:
        """An ordinary member posts ``text`` in ``scope``; return the message id."""
        ...

    def deny(self, action: str) -> None:
        """Make the platform refuse ``action`` (``delete``, ``timeout``) for a missing permission."""
        ...

    def close_dms(self) -> None:
        """Make ``member`` refuse direct messages."""
        ...

    def muted_until(self) -> datetime | None:
        """When the platform lets ``member`` speak again after the last timeout, as the platform reads it.

        ``None`` if never timed out; ``FOREVER`` if the platform would keep the restriction for good.
        """
        ...

    def moderator_posts(self) -> int:
        """How many messages have been posted so far in the moderators' channel (edits do not count)."""
        ...

    def drop_mod_channel(self) -> None:
        """Reconfigure the community without a moderators' channel (only if ``mod_channel_optional``)."""
        ...


Check = Callable[[ContractWorld], Awaitable[None]]


async def reply_returns_a_message_id(world: ContractWorld) -> None:
    """A reply to a member's message is posted and gets an id."""
    original = await world.post("hello")
    new_id = await world.gateway.send_message(world.scope, "Welcome!", reply_to=original)
    assert new_id
    assert new_id != original


async def reply_to_a_deleted_message_still_posts(world: ContractWorld) -> None:
    """Answering a message that is already gone posts the answer anyway (without the quote)."""
    original = await world.post("gone soon")
    await world.gateway.delete_message(world.scope, original)
    new_id = await world.gateway.send_message(world.scope, "Let's keep it kind.", reply_to=original)
    assert new_id
    assert new_id != original


async def long_texts_are_posted_shortened_not_refused(world: ContractWorld) -> None:
    """Texts over the platform's length limit are still posted (cut to the limit), in channels and DMs."""
    long_text = "Please read the rules. " * 400  # 9,200 characters: over Discord's 2,000 and Telegram's 4,096
    assert await world.gateway.send_message(world.scope, long_text)
    assert await world.gateway.send_direct(world.member, long_text)
    before = world.moderator_posts()
    await world.gateway.notify_moderators(world.community, long_text)
    assert world.moderator_posts() == before + 1


async def delete_is_idempotent(world: ContractWorld) -> None:
    """Deleting a message twice succeeds both times."""
    message_id = await world.post("delete me")
    await world.gateway.delete_message(world.scope, message_id)
    await world.gateway.delete_message(world.scope, message_id)


async def closed_dms_are_reported_as_dm_closed(world: ContractWorld) -> None:
    """A DM to a member who refuses them raises ``ActionFailed(reason="dm_closed")``, not retryable."""
    world.close_dms()
    with pytest.raises(ActionFailed) as info:
        await world.gateway.send_direct(world.member, "Please read the rules")
    assert info.value.reason == "dm_closed"
    assert not info.value.retryable


async def direct_message_returns_an_id(world: ContractWorld) -> None:
    """A DM to a member who accepts them is sent and gets an id."""
    assert await world.gateway.send_direct(world.member, "Please read the rules")


async def member_actions_succeed(world: ContractWorld) -> None:
    """Timeout, kick, ban and unban of an ordinary member go through."""
    until = datetime.now(UTC) + timedelta(minutes=10)
    await world.gateway.timeout_member(world.member, until, "contract")
    await world.gateway.kick_member(world.member, "contract")
    await world.gateway.ban_member(world.member, "contract", delete_message_days=1)
    await world.gateway.unban_member(world.member, "contract")


async def ban_beyond_the_message_window_succeeds(world: ContractWorld) -> None:
    """Asking to remove more days of messages than the platform keeps bans anyway (up to its limit)."""
    await world.gateway.ban_member(world.member, "contract", delete_message_days=30)


async def unban_without_a_ban_succeeds(world: ContractWorld) -> None:
    """Lifting a ban that does not exist counts as success (like deleting a deleted message)."""
    await world.gateway.unban_member(world.member, "contract")


async def timeout_is_recorded_until_the_end(world: ContractWorld) -> None:
    """A ten-minute timeout keeps the member quiet for about ten minutes."""
    until = datetime.now(UTC) + timedelta(minutes=10)
    await world.gateway.timeout_member(world.member, until, "contract")
    end = world.muted_until()
    assert end is not None
    assert abs(end - until) < timedelta(seconds=2)


async def timeout_beyond_the_platform_limit_still_ends(world: ContractWorld) -> None:
    """A timeout longer than the platform allows is cut to its limit, never refused or made permanent."""
    now = datetime.now(UTC)
    until = now + timedelta(days=400)
    await world.gateway.timeout_member(world.member, until, "contract")
    end = world.muted_until()
    assert end is not None
    assert now + timedelta(days=7) < end <= until + timedelta(seconds=2)


async def timeout_in_the_past_does_not_restrict(world: ContractWorld) -> None:
    """A timeout that has already ended goes through and leaves the member free within a minute."""
    now = datetime.now(UTC)
    await world.gateway.timeout_member(world.member, now - timedelta(minutes=1), "contract")
    end = world.muted_until()
    assert end is None or end <= now + timedelta(minutes=1)


async def _refused(world: ContractWorld, action: str, attempt: Callable[[], Awaitable[object]]) -> None:
    world.deny(action)
    with pytest.raises(ActionFailed) as info:
        await attempt()
    assert info.value.action == action
    assert info.value.reason == "missing_permissions"
    assert info.value.missing_permission
    assert not info.value.retryable


async def missing_permission_is_named(world: ContractWorld) -> None:
    """A refused delete is ``missing_permissions``, not retryable, naming the platform right."""
    message_id = await world.post("cannot delete me")
    await _refused(world, "delete", lambda: world.gateway.delete_message(world.scope, message_id))


async def refused_timeout_names_the_missing_right(world: ContractWorld) -> None:
    """A refused timeout is ``missing_permissions``, not retryable, naming the platform right."""
    until = datetime.now(UTC) + timedelta(minutes=10)
    await _refused(world, "timeout", lambda: world.gateway.timeout_member(world.member, until, "contract"))


def contract_card(member: MemberRef, status: ReviewStatus, channel_id: str) -> ReviewCard:
    """A review card for case 41."""
    return ReviewCard(
        community="acme",
        case_number=41,
        status=status,
        platform=member.platform,
        member=Actor(member.platform, member.user_id, "member"),
        channel_id=channel_id,
        rule="toxicity",
        reason="toxic 0.7 >= review_at 0.6",
        excerpt="borderline",
        held_actions=(ActionKind.DELETE,),
    )


async def review_card_is_refreshed_in_place(world: ContractWorld) -> None:
    """A case's card gets an id; sending it again refreshes the same message instead of posting anew."""
    before = world.moderator_posts()
    first = await world.gateway.send_review_card(
        world.community, contract_card(world.member, ReviewStatus.PENDING, world.scope.channel_id)
    )
    again = await world.gateway.send_review_card(
        world.community, contract_card(world.member, ReviewStatus.APPROVED, world.scope.channel_id)
    )
    assert first
    assert first == again
    assert world.moderator_posts() == before + 1


async def notify_moderators_posts_a_note(world: ContractWorld) -> None:
    """Notifying moderators posts one message in their channel."""
    before = world.moderator_posts()
    await world.gateway.notify_moderators(world.community, "heads up")
    assert world.moderator_posts() == before + 1


async def without_a_mod_channel_cards_and_notes_are_no_ops(world: ContractWorld) -> None:
    """With no moderators' channel configured, a card returns ``None`` and a note does nothing."""
    if not world.mod_channel_optional:
        pytest.skip("this platform always has a moderators' view (see ContractWorld)")
    world.drop_mod_channel()
    before = world.moderator_posts()
    card = contract_card(world.member, ReviewStatus.PENDING, world.scope.channel_id)
    assert await world.gateway.send_review_card(world.community, card) is None
    await world.gateway.notify_moderators(world.community, "heads up")
    assert world.moderator_posts() == before


CONTRACT: tuple[Check, ...] = (
    reply_returns_a_message_id,
    reply_to_a_deleted_message_still_posts,
    long_texts_are_posted_shortened_not_refused,
    delete_is_idempotent,
    closed_dms_are_reported_as_dm_closed,
    direct_message_returns_an_id,
    member_actions_succeed,
    ban_beyond_the_message_window_succeeds,
    unban_without_a_ban_succeeds,
    timeout_is_recorded_until_the_end,
    timeout_beyond_the_platform_limit_still_ends,
    timeout_in_the_past_does_not_restrict,
    missing_permission_is_named,
    refused_timeout_names_the_missing_right,
    review_card_is_refreshed_in_place,
    notify_moderators_posts_a_note,
    without_a_mod_channel_cards_and_notes_are_no_ops,
)
