"""The shared ChatGateway contract, run against the Telegram gateway and the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from moderation.domain import MemberRef, Scope
from moderation.ports import ChatGateway
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_harness import CHAT, RecordingService, start_runner
from tests.gateway_contract import CONTRACT, Check

ALICE = tg.user(501, "Alice")
_DENY = {
    "delete": ("deleteMessage", tg.NO_RIGHTS_DELETE),
    "timeout": ("restrictChatMember", tg.NO_RIGHTS_RESTRICT),
}


class TelegramWorld:
    """ContractWorld over the fake Bot API."""

    def __init__(self, api: FakeBotApi, gateway: ChatGateway) -> None:
        self.api = api
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


@pytest.fixture
async def world() -> AsyncIterator[TelegramWorld]:
    api = FakeBotApi()
    await api.start()
    runner = await start_runner(api, RecordingService.for_chats())
    try:
        yield TelegramWorld(api, runner.gateway)
    finally:
        await runner.stop()
        await api.stop()


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
async def test_contract(world: TelegramWorld, check: Check) -> None:
    await check(world)


async def test_the_gateway_is_a_chat_gateway(world: TelegramWorld) -> None:
    assert isinstance(world.gateway, ChatGateway)
    assert world.gateway.platform == "telegram"
