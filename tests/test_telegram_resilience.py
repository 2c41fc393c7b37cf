"""The adapter keeps running through network trouble, and webhook mode checks its secret token."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from moderation.domain import Decision, InboundMessage
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_harness import CHAT, RecordingService, eventually, start_runner

ALICE = tg.user(501, "Alice")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_polling_survives_dropped_connections_and_bad_gateway(api: FakeBotApi) -> None:
    service = RecordingService.for_chats()
    runner = await start_runner(api, service)
    try:
        api.inject(tg.message_update(tg.message(CHAT, ALICE, "before")))
        await eventually(lambda: len(service.messages) == 1, what="first message")
        polls_before = len(api.calls_to("getUpdates"))
        api.drop("getUpdates", times=3)
        api.fail("getUpdates", status=502, times=3)
        api.inject(tg.message_update(tg.message(CHAT, ALICE, "after the outage")))
        await eventually(lambda: len(service.messages) == 2, within=8, what="message after the outage")
        assert service.messages[1].text == "after the outage"
        assert len(api.calls_to("getUpdates")) >= polls_before + 7  # 6 failed polls, then a good one
        assert runner.application.updater is not None
        assert runner.application.updater.running
    finally:
        await runner.stop()


async def test_handler_error_does_not_stop_the_bot(api: FakeBotApi) -> None:
    service = RecordingService.for_chats()
    calls: list[str] = []
    original = service.handle_message

    async def flaky(msg: InboundMessage) -> Decision:
        calls.append(msg.text)
        if msg.text == "boom":
            raise RuntimeError("service bug")
        return await original(msg)

    service.handle_message = flaky  # type: ignore[method-assign]
    runner = await start_runner(api, service)
    try:
        api.inject(tg.message_update(tg.message(CHAT, ALICE, "boom")))
        api.inject(tg.message_update(tg.message(CHAT, ALICE, "fine")))
        await eventually(lambda: [m.text for m in service.messages] == ["fine"], what="later message")
        assert calls == ["boom", "fine"]
    finally:
        await runner.stop()


async def test_webhook_requires_the_secret_token(api: FakeBotApi) -> None:
    service = RecordingService.for_chats()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook"
    runner = await start_runner(
        api,
        service,
        mode="webhook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_path="hook",
        webhook_url=url,
    )
    secret = runner.webhook_secret
    try:
        assert secret
        assert api.webhook["url"] == url
        assert api.webhook["secret_token"] == secret
        assert "callback_query" in api.webhook["allowed_updates"]
        assert api.calls_to("getUpdates") == []
        update = {"update_id": 1, **tg.message_update(tg.message(CHAT, ALICE, "via webhook"))}
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json=update) as missing:
                assert missing.status == 403
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}
            async with http.post(url, json={**update, "update_id": 2}, headers=wrong) as bad:
                assert bad.status == 403
            right = {"X-Telegram-Bot-Api-Secret-Token": secret}
            async with http.post(url, json={**update, "update_id": 3}, headers=right) as good:
                assert good.status == 200
        await eventually(lambda: len(service.messages) == 1, what="webhook update handled")
        assert service.messages[0].text == "via webhook"
    finally:
        await runner.stop()
