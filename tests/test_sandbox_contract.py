"""The shared ChatGateway contract, run against the sandbox gateway and its console community."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.sandbox.app import SandboxConsole
from moderation.domain import (
    Actor,
    CommandReply,
    Decision,
    InboundMessage,
    MemberJoined,
    MemberLeft,
    MemberRef,
    ModeratorCommand,
    Outcome,
    ReviewStatus,
    Scope,
)
from moderation.errors import ActionFailed
from moderation.ports import ChatGateway, SystemClock
from tests.gateway_contract import CONTRACT, Check, contract_card


class IgnoringService:
    """Lets every message through, so only the gateway acts."""

    def __init__(self) -> None:
        self.gateways: list[ChatGateway] = []

    def register_gateway(self, gateway: ChatGateway) -> None:
        self.gateways.append(gateway)

    async def handle_message(self, msg: InboundMessage) -> Decision:
        return Decision(Outcome.IGNORE)

    async def handle_join(self, event: MemberJoined) -> None:
        return None

    async def handle_leave(self, event: MemberLeft) -> None:
        return None

    async def handle_command(self, cmd: ModeratorCommand) -> CommandReply:
        return CommandReply("ok")

    async def handle_button(self, scope: Scope, caller: Actor, verb: str, case_number: int) -> CommandReply:
        return CommandReply("ok")

    def command_help(self) -> list[tuple[str, str]]:
        return []


class SandboxWorld:
    """ContractWorld over the sandbox console: what it recorded and printed is the platform's state."""

    mod_channel_optional = False  # the console is always the moderators' view (see ContractWorld)

    def __init__(self) -> None:
        self.out = io.StringIO()
        self.service = IgnoringService()
        self.console = SandboxConsole(
            self.service, community="acme", channels=["general"], stdout=self.out, clock=SystemClock()
        )
        self.gateway: ChatGateway = self.console.gateway
        self.community = "acme"
        self.scope = self.console.world.scope("general")
        self.alice = self.console.world.add_member("alice", SystemClock().now())
        self.member = MemberRef("sandbox", self.scope.space_id, self.alice.actor.user_id)

    async def post(self, text: str) -> str:
        assert await self.console.session.handle_line(f"alice: {text}")
        posted = list(self.console.world.messages.values())[-1]
        assert (posted.author, posted.text) == ("alice", text)
        return posted.message_id

    def deny(self, action: str) -> None:
        self.console.world.refused.add(action)

    def close_dms(self) -> None:
        self.alice.dms_closed = True

    def muted_until(self) -> datetime | None:
        return self.alice.muted_until

    def moderator_posts(self) -> int:
        return sum(1 for m in self.console.world.messages.values() if m.channel_id == "mod")

    def drop_mod_channel(self) -> None:
        raise AssertionError("the sandbox always has its moderators' view")

    @property
    def printed(self) -> str:
        return self.out.getvalue()


@pytest.fixture
def world() -> SandboxWorld:
    return SandboxWorld()


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
async def test_contract(world: SandboxWorld, check: Check) -> None:
    await check(world)


async def test_the_gateway_is_a_chat_gateway(world: SandboxWorld) -> None:
    assert isinstance(world.gateway, ChatGateway)
    assert world.gateway.platform == "sandbox"
    assert world.service.gateways == [world.gateway]


async def test_the_console_shows_what_the_gateway_did(world: SandboxWorld) -> None:
    message_id = await world.post("rude words")
    await world.gateway.delete_message(world.scope, message_id)
    await world.gateway.delete_message(world.scope, message_id)
    assert world.printed.count(f"[deleted] message {message_id} by alice in #general") == 1
    for status in (ReviewStatus.PENDING, ReviewStatus.APPROVED):
        await world.gateway.send_review_card(
            "acme", contract_card(world.member, status, world.scope.channel_id)
        )
    pending, approved = world.printed.index("case #41 · pending"), world.printed.index("case #41 · approved")
    assert pending < approved
    assert "/press approve 41" not in world.printed[approved:]  # a resolved card loses its buttons


async def test_refusals_are_shown_and_change_nothing(world: SandboxWorld) -> None:
    message_id = await world.post("keep me")
    world.deny("delete")
    world.deny("timeout")
    world.close_dms()
    with pytest.raises(ActionFailed):
        await world.gateway.delete_message(world.scope, message_id)
    with pytest.raises(ActionFailed):
        await world.gateway.timeout_member(world.member, datetime.now(UTC) + timedelta(hours=1), "x")
    with pytest.raises(ActionFailed):
        await world.gateway.send_direct(world.member, "hello")
    assert "[refused] delete: Steward lacks the delete_messages right" in world.printed
    assert "[refused] timeout: Steward lacks the restrict_members right" in world.printed
    assert "[DM to alice]" not in world.printed
    assert not world.console.world.messages[message_id].deleted
    assert world.alice.muted_until is None


async def test_deny_command_makes_the_console_refuse_until_off(world: SandboxWorld) -> None:
    session = world.console.session
    assert await session.handle_line("/deny delete")
    assert "Steward now lacks delete_messages: every delete fails" in world.printed
    message_id = await world.post("still here")
    with pytest.raises(ActionFailed) as info:
        await world.gateway.delete_message(world.scope, message_id)
    assert info.value.missing_permission == "delete_messages"
    assert await session.handle_line("/deny off")
    await world.gateway.delete_message(world.scope, message_id)
    assert world.console.world.messages[message_id].deleted


@pytest.mark.parametrize("line", ["/deny", "/deny everything", "/deny delete ban"])
async def test_deny_command_usage(world: SandboxWorld, line: str) -> None:
    assert await world.console.session.handle_line(line)
    assert "usage: /deny ACTION|off" in world.printed
    assert not world.console.world.refused
