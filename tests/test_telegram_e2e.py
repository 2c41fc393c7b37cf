"""End to end: real python-telegram-bot Application + real ModerationService (SQLite) + fake Bot API."""

from __future__ import annotations

import socket
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.telegram.app import TelegramRunner
from moderation.config.reload import ConfigHolder
from moderation.domain import ReviewStatus
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
    levels: {{"telegram:admin": 50, "telegram:creator": 100}}
    voice:
      replies:
        toxicity_removed: {{en: "Let's keep Acme friendly, {{user}}. I removed that message."}}
    greetings:
      enabled: true
      text: {{en: "Welcome to {{community}}, {{user}}!"}}
      delete_previous: true
    faq:
      mode: answer
      threshold: 0.5
      question_at: 0.5
      entries:
        pricing:
          questions: {{en: ["how much does acme cost"]}}
          answer: {{en: "Acme is free for up to 3 users, {{user}}."}}
    rules:
      toxicity:
        triggers: {{classifier: {{label: toxic, review_at: 0.6, act_at: 0.9}}}}
        actions: {{delete: true, reply: toxicity_removed}}
    """
)
SCORES = {"idiot": {"toxic": 0.95}, "dummy": {"toxic": 0.7}, "cost": {"question": 0.9}}

ALICE = tg.user(501, "Alice", "alice")
BOB = tg.user(502, "Bob")
MOD = tg.user(900, "Mona", "mona")
OWNER = tg.user(901, "Otto")


@dataclass
class World:
    api: FakeBotApi
    service: ModerationService
    store: Store
    runner: TelegramRunner

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [p for p in self.api.calls_to("sendMessage") if p["chat_id"] == chat_id]


@asynccontextmanager
async def real_world(tmp_path: Path, **runner_options: Any) -> AsyncIterator[World]:
    """The fake Bot API, a real service on SQLite and a running TelegramRunner (polling by default)."""
    api = FakeBotApi()
    await api.start()
    api.set_admins(CHAT, MOD, creator=OWNER)
    api.set_admins(MOD_CHAT, MOD)
    config_dir = write_config(tmp_path / "config", COMMUNITY)
    store, closer = await open_test_store("sqlite", tmp_path)
    clock = SystemClock()
    service = ModerationService(
        config=ConfigHolder(config_dir),
        store=store,
        classifier=ScriptedClassifier(SCORES),
        clock=clock,
        executor=Executor(clock, base_delay=0.05),
    )
    try:
        runner = await start_runner(api, service, service.communities(), **runner_options)
        try:
            yield World(api, service, store, runner)
        finally:
            await runner.stop()
            await service.intake.drain(5)  # as the runtime does, before the store closes
    finally:
        await closer.close()
        await api.stop()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with real_world(tmp_path) as running:
        yield running


async def test_commands_registered_for_the_mod_chat(world: World) -> None:
    (call,) = world.api.calls_to("setMyCommands")
    assert call["scope"] == {"type": "chat", "chat_id": MOD_CHAT}
    names = {c["command"] for c in call["commands"]}
    assert {"queue", "case", "approve", "reject", "help"} <= names
    assert names == {name for name, _ in world.service.command_help()}


async def test_newcomer_is_greeted_once(world: World) -> None:
    world.api.inject(tg.new_members_update(CHAT, ALICE))
    world.api.inject(tg.chat_member_update(CHAT, ALICE, old="left", new="member"))
    (greeting,) = await world.api.wait_for("sendMessage")
    await world.api.wait_polled()
    assert greeting["chat_id"] == CHAT
    assert "Welcome to acme, Alice!" in greeting["text"]
    assert len(world.api.calls_to("sendMessage")) == 1


async def test_toxic_message_deleted_and_answered_in_the_brand_voice(world: World) -> None:
    world.api.inject(tg.message_update(tg.message(CHAT, BOB, "you idiot", message_id=300)))
    (deleted,) = await world.api.wait_for("deleteMessage")
    assert (deleted["chat_id"], deleted["message_id"]) == (CHAT, 300)
    (reply,) = await world.api.wait_for("sendMessage")
    assert reply["chat_id"] == CHAT
    assert "Let's keep Acme friendly, Bob. I removed that message." in reply["text"]
    cases = await world.store.member_cases("acme", "telegram", "502")
    assert [(c.case_type.value, c.rule, c.message_id) for c in cases] == [("delete", "toxicity", "300")]


async def test_edited_message_is_checked_again(world: World) -> None:
    world.api.inject(tg.message_update(tg.message(CHAT, BOB, "hello there", message_id=310)))
    world.api.inject(tg.message_update(tg.message(CHAT, BOB, "hello idiot", message_id=310), edited=True))
    (deleted,) = await world.api.wait_for("deleteMessage")
    assert deleted["message_id"] == 310


async def test_moderators_are_exempt(world: World) -> None:
    world.api.inject(tg.message_update(tg.message(CHAT, MOD, "you idiot", message_id=320)))
    world.api.inject(tg.message_update(tg.message(CHAT, BOB, "you idiot", message_id=321)))
    await world.api.wait_for("deleteMessage")
    await world.api.wait_polled()
    assert [p["message_id"] for p in world.api.calls_to("deleteMessage")] == [321]


def _card_buttons(call: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in call["reply_markup"]["inline_keyboard"] for b in row]


async def _borderline_card(world: World, message_id: int) -> tuple[dict[str, Any], int]:
    world.api.inject(tg.message_update(tg.message(CHAT, BOB, "you dummy", message_id=message_id)))
    (card_call,) = await world.api.wait_for("sendMessage", lambda p: p["chat_id"] == MOD_CHAT)
    number = int(_card_buttons(card_call)[0].split(":")[2])
    card_message = next(m for (chat, _mid), m in world.api.sent.items() if chat == MOD_CHAT)
    return card_message, number


async def test_borderline_message_card_approved_by_moderator(world: World) -> None:
    card_message, number = await _borderline_card(world, 400)
    assert world.api.calls_to("deleteMessage") == []  # held for review
    assert "you dummy" in card_message["text"]
    assert _card_buttons(card_message) == [
        f"rv:{v}:{number}" for v in ("approve", "reject", "ban", "details")
    ]

    world.api.inject(tg.callback_update(MOD, card_message, f"rv:approve:{number}", query_id="ok1"))
    (deleted,) = await world.api.wait_for("deleteMessage")
    assert (deleted["chat_id"], deleted["message_id"]) == (CHAT, 400)
    await world.api.wait_for("sendMessage", lambda p: p["chat_id"] == CHAT and "Bob" in p["text"])
    (answer,) = await world.api.wait_for("answerCallbackQuery")
    assert answer["callback_query_id"] == "ok1"
    assert not answer.get("show_alert")
    edits = await world.api.wait_for("editMessageText")
    assert edits[-1]["message_id"] == card_message["message_id"]
    assert "APPROVED" in edits[-1]["text"]
    assert _card_buttons(edits[-1]) == [f"rv:details:{number}"]
    review = await world.store.get_review("acme", number)
    assert review is not None
    assert review.status is ReviewStatus.APPROVED
    assert review.resolved_by is not None
    assert "900" in review.resolved_by or "Mona" in review.resolved_by


async def test_non_moderator_button_press_is_refused(world: World) -> None:
    card_message, number = await _borderline_card(world, 410)
    world.api.inject(tg.callback_update(ALICE, card_message, f"rv:approve:{number}", query_id="no1"))
    (answer,) = await world.api.wait_for("answerCallbackQuery")
    assert answer["callback_query_id"] == "no1"
    assert answer["show_alert"] is True
    assert "moderator" in answer["text"].lower()
    await world.api.wait_polled()
    assert world.api.calls_to("deleteMessage") == []
    assert world.api.calls_to("editMessageText") == []
    review = await world.store.get_review("acme", number)
    assert review is not None
    assert review.status is ReviewStatus.PENDING


async def test_question_gets_the_faq_answer(world: World) -> None:
    world.api.inject(tg.message_update(tg.message(CHAT, ALICE, "how much does acme cost?", message_id=500)))
    (answer,) = await world.api.wait_for("sendMessage")
    assert answer["chat_id"] == CHAT
    assert "Acme is free for up to 3 users, Alice." in answer["text"]
    assert answer["reply_parameters"]["message_id"] == 500
    assert world.api.calls_to("deleteMessage") == []


async def test_flood_control_on_reply_is_waited_out(world: World) -> None:
    world.api.flood("sendMessage", retry_after=1)
    world.api.inject(tg.message_update(tg.message(CHAT, BOB, "you idiot", message_id=600)))
    await world.api.wait_for("sendMessage", count=2, within=6)
    tries = [c for c in world.api.calls if c.method == "sendMessage"]
    assert len(tries) == 2
    assert tries[1].at - tries[0].at >= 1.0
    assert tries[1].params["text"] == tries[0].params["text"]
    assert "Let's keep Acme friendly, Bob" in tries[1].params["text"]


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (400, tg.NO_RIGHTS_DELETE),
        (400, "Bad Request: message can't be deleted"),
        (403, "Forbidden: not enough rights to delete a message"),
    ],
)
async def test_missing_delete_right_reported_once_naming_it(
    world: World, status: int, description: str
) -> None:
    world.api.fail("deleteMessage", status=status, description=description, times=2)
    world.api.inject(tg.message_update(tg.message(CHAT, BOB, "you idiot", message_id=700)))
    world.api.inject(tg.message_update(tg.message(CHAT, ALICE, "idiot again", message_id=701)))
    await world.api.wait_for("deleteMessage", count=2)
    notices = await world.api.wait_for("sendMessage", lambda p: p["chat_id"] == MOD_CHAT)
    await world.api.wait_polled()
    assert len(world.sent_to(MOD_CHAT)) == 1
    assert "can_delete_messages" in notices[0]["text"]
    # The reply says the message was removed: with the delete refused it is not sent.
    assert world.sent_to(CHAT) == []
    world.api.inject(tg.message_update(tg.message(CHAT, BOB, "idiot once more", message_id=702)))
    await world.api.wait_for("sendMessage", lambda p: p["chat_id"] == CHAT)  # deletable again: answered


async def test_queue_command_for_moderators_only(world: World) -> None:
    _card, number = await _borderline_card(world, 800)
    world.api.inject(tg.message_update(tg.message(MOD_CHAT, MOD, "/queue")))
    world.api.inject(tg.message_update(tg.message(MOD_CHAT, ALICE, "/queue")))
    replies = await world.api.wait_for(
        "sendMessage", lambda p: p["chat_id"] == MOD_CHAT and "reply_parameters" in p, count=2
    )
    assert f"#{number}" in replies[0]["text"]
    assert "moderator" in replies[1]["text"].lower()
    assert f"#{number}" not in replies[1]["text"]


async def test_bot_removed_from_the_group_tells_moderators_once(world: World) -> None:
    me = {"id": tg.BOT_ID, "is_bot": True, "first_name": "Steward", "username": tg.BOT_USERNAME}
    world.api.inject(tg.chat_member_update(CHAT, me, old="administrator", new="left", mine=True, by=OWNER))
    world.api.inject(tg.chat_member_update(CHAT, me, old="left", new="kicked", mine=True, by=OWNER))
    (notice,) = await world.api.wait_for("sendMessage")
    await world.api.wait_polled()
    assert notice["chat_id"] == MOD_CHAT
    assert str(CHAT) in notice["text"]
    assert len(world.api.calls_to("sendMessage")) == 1


async def test_polling_survives_connection_drops_and_bad_gateway(world: World) -> None:
    world.api.drop("getUpdates", times=3)
    world.api.fail("getUpdates", status=502, times=3)
    world.api.inject(tg.message_update(tg.message(CHAT, BOB, "you idiot", message_id=950)))
    (deleted,) = await world.api.wait_for("deleteMessage", within=8)
    assert deleted["message_id"] == 950
    assert world.runner.application.updater is not None
    assert world.runner.application.updater.running


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_webhook_mode_checks_the_secret_token(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/tg-hook"
    options = {"mode": "webhook", "webhook_listen": "127.0.0.1", "webhook_port": port}
    async with real_world(tmp_path, webhook_path="tg-hook", webhook_url=url, **options) as world:
        secret = world.runner.webhook_secret
        assert secret
        assert world.api.webhook["url"] == url
        assert world.api.webhook["secret_token"] == secret
        assert world.api.calls_to("getUpdates") == []
        toxic = tg.message_update(tg.message(CHAT, BOB, "you idiot", message_id=960))
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json={"update_id": 1, **toxic}) as unsigned:
                assert unsigned.status == 403
            forged = {"X-Telegram-Bot-Api-Secret-Token": secret[::-1]}
            async with http.post(url, json={"update_id": 2, **toxic}, headers=forged) as wrong:
                assert wrong.status == 403
            assert world.api.calls_to("deleteMessage") == []
            signed = {"X-Telegram-Bot-Api-Secret-Token": secret}
            async with http.post(url, json={"update_id": 3, **toxic}, headers=signed) as accepted:
                assert accepted.status == 200
        (deleted,) = await world.api.wait_for("deleteMessage")
        assert deleted["message_id"] == 960


async def test_ban_and_details_buttons(world: World) -> None:
    card_message, number = await _borderline_card(world, 420)
    world.api.inject(tg.callback_update(MOD, card_message, f"rv:details:{number}", query_id="d1"))
    world.api.inject(tg.callback_update(MOD, card_message, f"rv:ban:{number}", query_id="b1"))
    (ban,) = await world.api.wait_for("banChatMember")
    assert (ban["chat_id"], ban["user_id"]) == (CHAT, 502)
    answers = {a["callback_query_id"]: a for a in await world.api.wait_for("answerCallbackQuery", count=2)}
    assert not answers["b1"].get("show_alert")
    details_shown = answers["d1"]["text"] + " ".join(p["text"] for p in world.sent_to(MOD_CHAT)[1:])
    assert f"#{number}" in details_shown
    review = await world.store.get_review("acme", number)
    assert review is not None
    assert review.status is ReviewStatus.APPROVED


async def test_reject_button_runs_nothing(world: World) -> None:
    card_message, number = await _borderline_card(world, 430)
    world.api.inject(tg.callback_update(MOD, card_message, f"rv:reject:{number}", query_id="r1"))
    edits = await world.api.wait_for("editMessageText")
    assert "REJECTED" in edits[-1]["text"]
    await world.api.wait_for("answerCallbackQuery")
    assert world.api.calls_to("deleteMessage") == []
    assert world.api.calls_to("banChatMember") == []
    review = await world.store.get_review("acme", number)
    assert review is not None
    assert review.status is ReviewStatus.REJECTED


async def test_previous_greeting_is_deleted_to_keep_the_chat_clean(world: World) -> None:
    world.api.inject(tg.new_members_update(CHAT, ALICE))
    (first,) = await world.api.wait_for("sendMessage")
    first_id = next(mid for (chat, mid), m in world.api.sent.items() if chat == CHAT and "Alice" in m["text"])
    world.api.inject(tg.chat_member_update(CHAT, BOB, old="left", new="member"))
    greetings = await world.api.wait_for("sendMessage", count=2)
    assert "Bob" in greetings[1]["text"]
    (deleted,) = await world.api.wait_for("deleteMessage")
    assert (deleted["chat_id"], deleted["message_id"]) == (CHAT, first_id)
    assert "Alice" in first["text"]


async def test_forum_topic_message_is_moderated_and_answered_in_its_topic(world: World) -> None:
    world.api.inject(tg.message_update(tg.message(CHAT, BOB, "you idiot", message_id=970, thread_id=7)))
    (deleted,) = await world.api.wait_for("deleteMessage")
    assert (deleted["chat_id"], deleted["message_id"]) == (CHAT, 970)
    (reply,) = await world.api.wait_for("sendMessage")
    assert (reply["chat_id"], reply["message_thread_id"]) == (CHAT, 7)
    cases = await world.store.member_cases("acme", "telegram", "502")
    assert [(c.channel_id, c.message_id) for c in cases] == [("7", "970")]
