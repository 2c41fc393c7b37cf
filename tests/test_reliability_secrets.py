"""Secrets on exception paths: a token never reaches stored failures, moderators or logs."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from bot.logging import RedactingFormatter
from tests.fakes.telegram_api import TOKEN
from tests.fakes.telegram_harness import CHAT
from tests.test_telegram_e2e import BOB, real_world


async def test_dropped_connections_leave_no_token_in_failures_messages_or_logs(tmp_path: Path) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(RedactingFormatter("text", [TOKEN]))  # what `steward run` installs
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        details, stored, texts = await _run(tmp_path)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert details["failures"]  # the failure is recorded ...
    secret = TOKEN.split(":")[1]
    assert secret not in stored  # ... without the token
    assert all(secret not in t for t in texts)
    logged = out.getvalue()
    assert "deleteMessage" in logged  # the debug log saw the failing calls
    assert secret not in logged


async def _run(tmp_path: Path) -> tuple[dict[str, object], str, list[str]]:
    async with real_world(tmp_path) as world:
        api = world.api
        api.drop("deleteMessage", times=1000)  # every delete dies mid-request (network error)
        api.fail("restrictChatMember", status=500, description=f"boom for bot{TOKEN}", times=1000)
        sent = api.member_message(CHAT, BOB, "you idiot")
        await api.wait_for("deleteMessage", count=3, within=30)
        for _ in range(20):
            await world.service.outbox.resume()  # type: ignore[union-attr]
        details = await world.store.decision_details(1)  # type: ignore[attr-defined]
        assert details is not None
        assert details["message_id"] == sent["message_id"]
        stored = repr(details) + repr(await world.store.action_states(1))  # type: ignore[attr-defined]
        texts = [str(p.get("text", "")) for p in api.calls_to("sendMessage")]
    return details, stored, texts
