"""The shared ChatGateway contract, run against the Telegram gateway and the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from moderation.domain import MemberRef, Scope
from moderation.ports import ChatGateway
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_harness import CHAT, MOD_CHAT, RecordingService, start_runner
from tests.gateway_contract import CONTRACT, FOREVER, Check

ALICE = tg.user(501, "Alice")
_DENY = {
    "delete": ("deleteMessage", tg.NO_RIGHTS_DELETE),
    "timeout": ("restrictChatMember", tg.NO_RIGHTS_RESTRICT),
}


class TelegramWorld:
    """ContractWorld over the fake Bot API."""

    mod_channel_optional = True

    def __init__(self, api: FakeBotApi, service: RecordingService, gateway: ChatGateway) -> None:
        self.api = api
        self.service = service
        self.gateway = gateway
        self.community = "acme"
        self.scope = Scope("telegram", "acme", str(CHAT), str(CHAT))
        self.member = MemberRef("telegram", str(CHAT), str(ALICE["id"]))

    async def post(self, text: str) -> str:
        return str(self.api.member_message(CHAT, ALICE, text)["message_id"])

    def deny(self, action: str) -> None:
        method, description = _DENY[action]
        self.api.fail(method, description=description, times=1000)

    def close_dms(self) -> None:
        self.api.closed_dms.add(int(self.member.user_id))

    def muted_until(self) -> datetime | None:
        """The last restriction's end, read as Telegram does: under 30 s or over 366 days away is forever."""
        calls = self.api.calls_to("restrictChatMember")
        if not calls:
            return None
        until = datetime.fromtimestamp(int(calls[-1].get("until_date") or 0), UTC)
        left = until - datetime.now(UTC)
        return FOREVER if left < timedelta(seconds=30) or left > timedelta(days=366) else until

    def moderator_posts(self) -> int:
        return sum(1 for chat, _ in self.api.sent if chat == MOD_CHAT)

    def drop_mod_channel(self) -> None:
        self.service.configs.update(RecordingService.for_chats(mod_chat=None).configs)


@pytest.fixture
async def world() -> AsyncIterator[TelegramWorld]:
    api = FakeBotApi()
    await api.start()
    service = RecordingService.for_chats()
    runner = await start_runner(api, service)
    try:
        yield TelegramWorld(api, service, runner.gateway)
    finally:
        await runner.stop()
        await api.stop()


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
async def test_contract(world: TelegramWorld, check: Check) -> None:
    await check(world)


async def test_the_gateway_is_a_chat_gateway(world: TelegramWorld) -> None:
    assert isinstance(world.gateway, ChatGateway)
    assert world.gateway.platform == "telegram"
