"""The real python-telegram-bot Application against the fake Bot API: translation, commands, buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.telegram.app import TelegramRunner
from moderation.domain import Decision, InboundMessage
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_harness import CHAT, MOD_CHAT, RecordingService, eventually, start_runner

ALICE = tg.user(501, "Alice", "alice")
BOB = tg.user(502, "Bob")
MOD = tg.user(900, "Mona", "mona")
OWNER = tg.user(901, "Otto")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    server.set_admins(CHAT, MOD, creator=OWNER)
    server.set_admins(MOD_CHAT, MOD)
    yield server
    await server.stop()


@pytest.fixture
def service() -> RecordingService:
    return RecordingService.for_chats()


@pytest.fixture
async def runner(api: FakeBotApi, service: RecordingService) -> AsyncIterator[TelegramRunner]:
    running = await start_runner(api, service)
    yield running
    await running.stop()


async def test_start_registers_gateway_and_scoped_commands(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    assert service.gateways == [runner.gateway]
    assert [c.method for c in api.calls[:1]] == ["getMe"]
    assert "deleteWebhook" in [c.method for c in api.calls]
    (commands,) = api.calls_to("setMyCommands")
    assert commands["scope"] == {"type": "chat", "chat_id": MOD_CHAT}
    assert [c["command"] for c in commands["commands"]] == ["queue", "approve", "help"]
    polls = await api.wait_for("getUpdates")
    assert set(polls[0]["allowed_updates"]) == {
        "message",
        "edited_message",
        "chat_member",
        "my_chat_member",
        "callback_query",
    }


async def test_text_message_with_links_mentions_reply_and_forward(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    original = tg.message(CHAT, BOB, "earlier", message_id=10)
    text = "hey @bob see https://spam.example/x and this now"
    msg = tg.message(
        CHAT,
        ALICE,
        text,
        message_id=11,
        reply_to=original,
        forwarded_from=BOB,
        text_links={"this": "https://hidden.example/y"},
        text_mentions={"now": tg.user(777, "NoUsername")},
    )
    api.inject(tg.message_update(msg))
    await eventually(lambda: len(service.messages) == 1, what="message delivered")
    got = service.messages[0]
    assert got.text == text
    assert got.message_id == "11"
    assert (got.scope.community, got.scope.space_id, got.scope.channel_id) == ("acme", str(CHAT), str(CHAT))
    assert got.scope.category_id is None
    assert got.author.user_id == "501"
    assert got.author.display_name == "Alice"
    assert got.author.roles == ()
    assert got.author.level == 0
    assert got.meta.links == ("https://spam.example/x", "https://hidden.example/y")
    assert got.meta.mentions == ("@bob", "777")
    assert got.meta.reply_to == "10"
    assert got.meta.reply_to_author == "502"
    assert got.meta.is_forward is True
    assert got.meta.edited is False


async def test_caption_edit_and_forum_topic(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    topic_start = {
        "message_id": 7,
        "date": 1,
        "chat": tg.chat(CHAT, is_forum=True),
        "from": dict(MOD),
        "forum_topic_created": {"name": "Help", "icon_color": 7322096},
    }
    api.inject(tg.message_update(tg.message(CHAT, ALICE, caption="look 🙂 at www.x.io/a", message_id=20)))
    api.inject(tg.message_update(tg.message(CHAT, ALICE, "fixed text", message_id=20), edited=True))
    api.inject(tg.message_update(tg.message(CHAT, ALICE, "in a topic", thread_id=7, reply_to=topic_start)))
    await eventually(lambda: len(service.messages) == 3, what="three messages")
    caption, edited, topic = service.messages
    assert caption.text == "look 🙂 at www.x.io/a"
    assert caption.meta.links == ("www.x.io/a",)  # UTF-16 offsets after an emoji
    assert caption.meta.attachments == ("photo",)
    assert edited.message_id == "20"
    assert edited.meta.edited is True
    assert edited.text == "fixed text"
    assert topic.scope.channel_id == "7"
    assert topic.scope.category_id == str(CHAT)
    assert topic.meta.reply_to is None  # topic messages are not replies to the topic's first message


async def test_roles_from_administrators_are_cached(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    for sender in (MOD, OWNER, ALICE, MOD):
        api.inject(tg.message_update(tg.message(CHAT, sender, "hello")))
    await eventually(lambda: len(service.messages) == 4, what="four messages")
    assert [m.author.roles for m in service.messages] == [("admin",), ("creator", "admin"), (), ("admin",)]
    assert len([p for p in api.calls_to("getChatAdministrators") if p["chat_id"] == CHAT]) == 1


async def test_ignores_private_foreign_and_bot_own_messages(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    api.inject(tg.message_update(tg.message(ALICE["id"], ALICE, "private hello")))
    api.inject(tg.message_update(tg.message(-100555, ALICE, "another group")))
    bot_user = {"id": tg.BOT_ID, "is_bot": True, "first_name": "Steward"}
    api.inject(tg.message_update(tg.message(CHAT, bot_user, "my own reply")))
    api.inject(tg.message_update(tg.message(CHAT, BOB, "counted")))
    await eventually(lambda: len(service.messages) >= 1, what="the group message")
    await api.wait_polled()
    assert [m.text for m in service.messages] == ["counted"]


async def test_join_reported_once_from_both_update_kinds_and_leave(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    api.inject(tg.new_members_update(CHAT, ALICE))
    api.inject(tg.chat_member_update(CHAT, ALICE, old="left", new="member"))
    api.inject(tg.chat_member_update(CHAT, BOB, old="kicked", new="restricted"))
    api.inject(tg.chat_member_update(CHAT, MOD, old="member", new="administrator"))  # not a join
    api.inject(tg.left_member_update(CHAT, BOB))
    api.inject(tg.chat_member_update(CHAT, BOB, old="member", new="left"))
    await eventually(lambda: len(service.joins) == 2 and len(service.leaves) == 1, what="joins and leave")
    await api.wait_polled()
    assert [j.member.user_id for j in service.joins] == ["501", "502"]
    assert service.joins[0].scope.space_id == str(CHAT)
    assert service.joins[0].member.display_name == "Alice"
    assert [event.member.user_id for event in service.leaves] == ["502"]
    assert len(service.joins) == 2
    assert len(service.leaves) == 1


async def test_moderator_command_in_mod_chat(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    api.inject(tg.message_update(tg.message(MOD_CHAT, MOD, f"/approve@{tg.BOT_USERNAME} 17 looks fine")))
    api.inject(tg.message_update(tg.message(MOD_CHAT, ALICE, "/queue")))
    api.inject(tg.message_update(tg.message(MOD_CHAT, MOD, "/notacommand")))
    await eventually(lambda: len(service.commands) == 2, what="two commands")
    approve, queue = service.commands
    assert (approve.name, approve.args) == ("approve", ("17", "looks", "fine"))
    assert approve.caller.roles == ("admin",)  # admin in the community chat and the mod chat
    assert approve.scope.space_id == str(MOD_CHAT)
    assert queue.caller.roles == ()
    replies = await api.wait_for("sendMessage", lambda p: p["chat_id"] == MOD_CHAT, count=2)
    assert replies[0]["text"] == "ran approve 17 looks fine"
    assert replies[1]["text"] == "Sorry, /queue is for moderators only."
    assert service.messages == []  # the mod chat is not moderated


async def test_command_in_community_chat_is_a_plain_message(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    api.inject(tg.message_update(tg.message(CHAT, MOD, "/queue")))
    await eventually(lambda: len(service.messages) == 1, what="message")
    assert service.commands == []


def _card_message(case: int) -> dict[str, Any]:
    return {
        "message_id": 4242,
        "date": 1,
        "chat": tg.chat(MOD_CHAT),
        "from": {"id": tg.BOT_ID, "is_bot": True, "first_name": "Steward"},
        "text": f"Case #{case}",
    }


async def test_button_refused_for_non_moderator(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    api.inject(tg.callback_update(ALICE, _card_message(17), "rv:approve:17", query_id="q1"))
    (answer,) = await api.wait_for("answerCallbackQuery")
    assert answer == {
        "callback_query_id": "q1",
        "text": "Only moderators can use these buttons.",
        "show_alert": True,
    }
    assert [(b[2], b[3]) for b in service.buttons] == [("approve", 17)]
    assert api.calls_to("editMessageText") == []


async def test_button_for_moderator_answers_and_ignores_foreign_data(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    api.inject(tg.callback_update(MOD, _card_message(17), "rv:reject:17", query_id="q2"))
    api.inject(tg.callback_update(MOD, _card_message(17), "something-else", query_id="q3"))
    answers = await api.wait_for("answerCallbackQuery", count=2)
    by_id = {a["callback_query_id"]: a for a in answers}
    assert by_id["q2"]["text"] == "reject #17"
    assert not by_id["q2"].get("show_alert")
    assert by_id["q3"]["show_alert"] is True
    assert len(service.buttons) == 1
    scope, caller, _verb, _n = service.buttons[0]
    assert scope.space_id == str(MOD_CHAT)
    assert caller.user_id == "900"


async def test_bot_removed_is_reported_once(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    bot_user = {"id": tg.BOT_ID, "is_bot": True, "first_name": "Steward", "username": tg.BOT_USERNAME}
    api.inject(tg.chat_member_update(CHAT, bot_user, old="administrator", new="kicked", mine=True, by=OWNER))
    api.inject(tg.chat_member_update(CHAT, bot_user, old="kicked", new="left", mine=True, by=OWNER))
    notes = await api.wait_for("sendMessage", lambda p: p["chat_id"] == MOD_CHAT)
    await api.wait_polled()
    assert len(api.calls_to("sendMessage")) == 1
    assert "removed" in notes[0]["text"]
    assert "Otto" in notes[0]["text"]


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


async def test_group_upgrade_tells_moderators_the_new_id(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner
) -> None:
    upgraded = tg.message(CHAT, OWNER, None, extra={"migrate_to_chat_id": -100777})
    api.inject(tg.message_update(upgraded))
    (notice,) = await api.wait_for("sendMessage")
    assert notice["chat_id"] == MOD_CHAT
    assert "-100777" in notice["text"]
    assert service.messages == []


async def test_removed_from_the_mod_chat_is_only_logged(
    api: FakeBotApi, service: RecordingService, runner: TelegramRunner, caplog: pytest.LogCaptureFixture
) -> None:
    bot_user = {"id": tg.BOT_ID, "is_bot": True, "first_name": "Steward", "username": tg.BOT_USERNAME}
    api.inject(tg.chat_member_update(MOD_CHAT, bot_user, old="member", new="left", mine=True, by=OWNER))
    await api.wait_polled()
    await eventually(lambda: "removed from chat" in caplog.text, what="a log line")
    assert api.calls_to("sendMessage") == []
