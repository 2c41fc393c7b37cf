"""The fake Bot API itself speaks the Bot API's HTTP shape (bodies, envelopes, offsets, long polls)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


async def _post(api: FakeBotApi, method: str, token: str = tg.TOKEN, **kwargs: Any) -> tuple[int, Any]:
    url = f"{api.base_url}/bot{token}/{method}"
    async with aiohttp.ClientSession() as http, http.post(url, **kwargs) as response:
        return response.status, await response.json()


async def test_json_and_form_bodies_are_decoded_like_telegram_does(api: FakeBotApi) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "rv:approve:1"}]]}
    status, body = await _post(
        api, "sendMessage", json={"chat_id": -100, "text": "123", "reply_markup": markup}
    )
    assert status == 200
    assert body["ok"] is True
    assert body["result"]["text"] == "123"
    status, body = await _post(
        api, "sendMessage", data={"chat_id": "-100", "text": "42", "reply_markup": json.dumps(markup)}
    )
    assert status == 200
    first, second = api.calls_to("sendMessage")
    assert first == second | {"text": "123"}
    assert second == {"chat_id": -100, "text": "42", "reply_markup": markup}  # text stays text


async def test_error_envelopes(api: FakeBotApi) -> None:
    status, body = await _post(api, "getMe", token="0:wrong")
    assert (status, body["ok"], body["error_code"]) == (401, False, 401)
    status, body = await _post(api, "noSuchMethod")
    assert (status, body["description"]) == (404, "Not Found: method not found")
    api.flood("sendMessage", retry_after=7)
    status, body = await _post(api, "sendMessage", json={"chat_id": -100, "text": "x"})
    assert status == 429
    assert body["parameters"] == {"retry_after": 7}
    status, body = await _post(api, "deleteMessage", json={"chat_id": -100, "message_id": 1})
    assert status == 200
    status, body = await _post(api, "deleteMessage", json={"chat_id": -100, "message_id": 1})
    assert (status, body["description"]) == (400, tg.NOT_FOUND_DELETE)


async def test_get_updates_long_polls_and_honours_offset(api: FakeBotApi) -> None:
    started = time.monotonic()
    status, body = await _post(api, "getUpdates", json={"timeout": 0.3})
    assert (status, body["result"]) == (200, [])
    assert time.monotonic() - started >= 0.25
    first = api.inject(tg.message_update(tg.message(-100, tg.user(1), "a")))
    second = api.inject(tg.chat_member_update(-100, tg.user(2)))
    _, body = await _post(api, "getUpdates", json={"timeout": 1, "allowed_updates": ["message"]})
    assert [u["update_id"] for u in body["result"]] == [first]  # kinds not asked for are dropped
    _, body = await _post(api, "getUpdates", json={"offset": first + 1, "timeout": 0})
    assert body["result"] == []
    assert second == first + 1
