"""Round trips on the fake Telegram Bot API: an appeal in a private chat lifted; a newcomer verified."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from moderation.config.reload import ConfigHolder
from moderation.executor import Executor
from moderation.ports import Store, SystemClock
from moderation.service import ModerationService
from tests.fakes import telegram_api as tg
from tests.fakes.core import ScriptedClassifier
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_harness import CHAT, MOD_CHAT, start_runner
from tests.harness import open_test_store, write_config

COMMUNITY = textwrap.dedent(
    f"""\
    community: acme
    platforms:
      telegram: {{chat_ids: ["{CHAT}"], mod_chat_id: "{MOD_CHAT}"}}
    levels: {{"telegram:admin": 50}}
    appeals: {{enabled: true, window: 3d}}
    verification: {{enabled: true, question: {{en: "Type blue"}}, answers: {{en: [blue]}}}}
    greetings: {{enabled: true, text: {{en: "Welcome {{user}}!"}}}}
    voice:
      replies:
        appeal_lifted: {{en: "Good news {{user}}: case #{{case}} is lifted. Welcome back to {{community}}!"}}
    rules:
      toxicity:
        triggers: {{classifier: {{label: toxic, review_at: 0.6, act_at: 0.9}}}}
        actions: {{delete: true}}
    """
)
BOB = tg.user(502, "Bob")
CAROL = tg.user(503, "Carol")
MOD = tg.user(900, "Mona", "mona")


async def ban_case_of(store: Store, user_id: str) -> int:
    """The member's ban case, once recorded (the case is written right after the platform call)."""
    for _ in range(100):
        cases = await store.member_cases("acme", "telegram", user_id)
        found = [c.number for c in cases if c.case_type.value == "ban"]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError("no ban case recorded")


def _buttons(call: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in call["reply_markup"]["inline_keyboard"] for b in row]


@asynccontextmanager
async def running(tmp_path: Path) -> AsyncIterator[tuple[FakeBotApi, ModerationService]]:
    """The fake Bot API, a real service on SQLite and a polling TelegramRunner."""
    api = FakeBotApi()
    await api.start()
    api.set_admins(CHAT, MOD)
    api.set_admins(MOD_CHAT, MOD)
    store, closer = await open_test_store("sqlite", tmp_path)
    clock = SystemClock()
    service = ModerationService(
        config=ConfigHolder(write_config(tmp_path / "config", COMMUNITY)),
        store=store,
        classifier=ScriptedClassifier({"dummy": {"toxic": 0.7}}),
        clock=clock,
        executor=Executor(clock, base_delay=0.05),
    )
    runner = await start_runner(api, service, service.communities())
    try:
        yield api, service
    finally:
        await runner.stop()
        await service.intake.drain(5)  # as the runtime does, before the store closes
        await closer.close()
        await api.stop()


async def test_newcomer_verified_in_private_chat(tmp_path: Path) -> None:
    async with running(tmp_path) as (api, _service):
        api.inject(tg.new_members_update(CHAT, CAROL))
        (restrict,) = await api.wait_for("restrictChatMember")
        assert (restrict["chat_id"], restrict["user_id"]) == (CHAT, 503)
        assert not restrict["permissions"].get("can_send_messages")
        (question,) = await api.wait_for("sendMessage", lambda p: p["chat_id"] == 503)
        assert "Type blue" in question["text"]

        api.inject(tg.message_update(tg.message(503, CAROL, "/verify blue")))
        lifted = await api.wait_for("restrictChatMember", lambda p: p["permissions"].get("can_send_messages"))
        assert (lifted[0]["chat_id"], lifted[0]["user_id"]) == (CHAT, 503)
        await api.wait_for("sendMessage", lambda p: p["chat_id"] == 503 and "you are verified" in p["text"])
        await api.wait_for("sendMessage", lambda p: p["chat_id"] == CHAT and "Welcome Carol!" in p["text"])


async def test_ban_appealed_in_private_chat_and_lifted(tmp_path: Path) -> None:
    async with running(tmp_path) as (api, service):
        store = service.store
        api.inject(tg.message_update(tg.message(CHAT, BOB, "you dummy", message_id=700)))
        (card,) = await api.wait_for("sendMessage", lambda p: p["chat_id"] == MOD_CHAT)
        number = int(_buttons(card)[0].split(":")[2])
        card_message = next(m for (chat, _mid), m in api.sent.items() if chat == MOD_CHAT)
        api.inject(tg.callback_update(MOD, card_message, f"rv:ban:{number}", query_id="b1"))
        (ban,) = await api.wait_for("banChatMember")
        assert (ban["chat_id"], ban["user_id"]) == (CHAT, 502)
        ban_case = await ban_case_of(store, "502")

        api.inject(tg.message_update(tg.message(502, BOB, f"/appeal {ban_case} I was quoting a film")))
        (ack,) = await api.wait_for("sendMessage", lambda p: p["chat_id"] == 502)
        assert f"your appeal of case #{ban_case} was sent" in ack["text"]
        appeal_card = await api.wait_for(
            "sendMessage", lambda p: p["chat_id"] == MOD_CHAT and "I was quoting a film" in p["text"]
        )
        assert appeal_card

        (pending,) = await store.pending_reviews("acme")
        api.inject(tg.message_update(tg.message(MOD_CHAT, MOD, f"/lift {pending.case_number}")))
        (unban,) = await api.wait_for("unbanChatMember")
        assert (unban["chat_id"], unban["user_id"]) == (CHAT, 502)
        told = await api.wait_for("sendMessage", lambda p: p["chat_id"] == 502 and "lifted" in p["text"])
        assert told[-1]["text"] == f"Good news Bob: case #{ban_case} is lifted. Welcome back to acme!"
        answer = await api.wait_for(
            "sendMessage", lambda p: p["chat_id"] == MOD_CHAT and "unbanned" in p["text"]
        )
        assert "The member was told." in answer[-1]["text"]
