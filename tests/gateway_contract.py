"""The ChatGateway contract: behaviours every platform gateway keeps, run against each platform's fake.

A platform's test module implements ``ContractWorld`` over its fake and parametrizes over ``CONTRACT``::

    @pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
    async def test_contract(world: ContractWorld, check: Check) -> None:
        await check(world)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest

from moderation.domain import ActionKind, Actor, MemberRef, ReviewCard, ReviewStatus, Scope
from moderation.errors import ActionFailed
from moderation.ports import ChatGateway


class ContractWorld(Protocol):
    """A running gateway connected to a fake platform, plus the handles the checks need."""

    gateway: ChatGateway
    community: str
    scope: Scope
    member: MemberRef

    async def post(self, text: str) -> str:
        """An ordinary member posts ``text`` in ``scope``; return the message id."""
        ...

    def deny(self, action: str) -> None:
        """Make the platform refuse ``action`` (``delete``, ``timeout``) for a missing permission."""
        ...

    def close_dms(self) -> None:
        """Make ``member`` refuse direct messages."""
        ...


Check = Callable[[ContractWorld], Awaitable[None]]


async def reply_returns_a_message_id(world: ContractWorld) -> None:
    """A reply to a member's message is posted and gets an id."""
    original = await world.post("hello")
    new_id = await world.gateway.send_message(world.scope, "Welcome!", reply_to=original)
    assert new_id
    assert new_id != original


async def delete_is_idempotent(world: ContractWorld) -> None:
    """Deleting a message twice succeeds both times."""
    message_id = await world.post("delete me")
    await world.gateway.delete_message(world.scope, message_id)
    await world.gateway.delete_message(world.scope, message_id)


async def closed_dms_are_reported_as_dm_closed(world: ContractWorld) -> None:
    """A DM to a member who refuses them raises ``ActionFailed(reason="dm_closed")``."""
    world.close_dms()
    with pytest.raises(ActionFailed) as info:
        await world.gateway.send_direct(world.member, "Please read the rules")
    assert info.value.reason == "dm_closed"


async def member_actions_succeed(world: ContractWorld) -> None:
    """Timeout, kick, ban and unban of an ordinary member go through."""
    until = datetime.now(UTC) + timedelta(minutes=10)
    await world.gateway.timeout_member(world.member, until, "contract")
    await world.gateway.ban_member(world.member, "contract", delete_message_days=1)
    await world.gateway.unban_member(world.member, "contract")


async def missing_permission_is_named(world: ContractWorld) -> None:
    """A refused delete is ``missing_permissions``, not retryable, naming the platform right."""
    world.deny("delete")
    message_id = await world.post("cannot delete me")
    with pytest.raises(ActionFailed) as info:
        await world.gateway.delete_message(world.scope, message_id)
    assert info.value.reason == "missing_permissions"
    assert info.value.missing_permission
    assert not info.value.retryable


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
    """Sending a case's card again refreshes the same message."""
    first = await world.gateway.send_review_card(
        world.community, contract_card(world.member, ReviewStatus.PENDING, world.scope.channel_id)
    )
    again = await world.gateway.send_review_card(
        world.community, contract_card(world.member, ReviewStatus.APPROVED, world.scope.channel_id)
    )
    assert first == again


async def notify_moderators_does_not_raise(world: ContractWorld) -> None:
    """Notifying moderators works (or is a no-op without a moderators' channel)."""
    await world.gateway.notify_moderators(world.community, "heads up")


CONTRACT: tuple[Check, ...] = (
    reply_returns_a_message_id,
    delete_is_idempotent,
    closed_dms_are_reported_as_dm_closed,
    member_actions_succeed,
    missing_permission_is_named,
    review_card_is_refreshed_in_place,
    notify_moderators_does_not_raise,
)
