"""TelegramGateway through the real Bot client (with rate limiter) against the fake Bot API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError

from bot.telegram.app import TelegramRunner
from bot.telegram.errors import to_action_failed
from moderation.domain import ActionKind, Actor, MemberRef, ReviewCard, ReviewStatus, Scope
from moderation.errors import ActionFailed
from tests.fakes import telegram_api as tg
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_harness import CHAT, MOD_CHAT, RecordingService, fake_options, start_runner

SCOPE = Scope("telegram", "acme", str(CHAT), str(CHAT))
MEMBER = MemberRef("telegram", str(CHAT), "501")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def runner(api: FakeBotApi) -> AsyncIterator[TelegramRunner]:
    running = await start_runner(api, RecordingService.for_chats())
    yield running
    await running.stop()


def _card(status: ReviewStatus = ReviewStatus.PENDING) -> ReviewCard:
    return ReviewCard(
        community="acme",
        case_number=17,
        status=status,
        platform="telegram",
        member=Actor("telegram", "501", "Alice"),
        channel_id=str(CHAT),
        rule="toxicity",
        reason="toxic 0.7 >= review_at 0.6",
        excerpt="<b>not markup</b>",
        held_actions=(ActionKind.DELETE, ActionKind.TIMEOUT),
    )


async def test_reply_in_topic_and_plain_send(api: FakeBotApi, runner: TelegramRunner) -> None:
    gw = runner.gateway
    topic = Scope("telegram", "acme", str(CHAT), "7", str(CHAT))
    first = await gw.send_message(topic, "Let's keep it kind", reply_to="55")
    second = await gw.send_message(SCOPE, "hello all")
    reply, plain = api.calls_to("sendMessage")
    assert reply["chat_id"] == CHAT
    assert reply["message_thread_id"] == 7
    assert reply["reply_parameters"] == {"message_id": 55, "allow_sending_without_reply": True}
    assert "reply_parameters" not in plain
    assert "message_thread_id" not in plain
    assert first != second
    assert first.isdigit()


async def test_delete_is_idempotent_and_missing_right_is_named(
    api: FakeBotApi, runner: TelegramRunner
) -> None:
    gw = runner.gateway
    await gw.delete_message(SCOPE, "10")
    api.fail("deleteMessage", description=tg.NOT_FOUND_DELETE)
    await gw.delete_message(SCOPE, "11")  # already gone: success
    api.fail("deleteMessage", description=tg.NO_RIGHTS_DELETE)
    with pytest.raises(ActionFailed) as info:
        await gw.delete_message(SCOPE, "12")
    assert info.value.reason == "missing_permissions"
    assert info.value.missing_permission == "can_delete_messages"
    assert [p["message_id"] for p in api.calls_to("deleteMessage")] == [10, 11, 12]


async def test_timeout_ban_unban_kick(api: FakeBotApi, runner: TelegramRunner) -> None:
    gw = runner.gateway
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    await gw.timeout_member(MEMBER, until, "flood")
    (restrict,) = api.calls_to("restrictChatMember")
    assert (restrict["chat_id"], restrict["user_id"]) == (CHAT, 501)
    assert restrict["until_date"] == int(until.timestamp())
    assert restrict["permissions"]["can_send_messages"] is False
    await gw.ban_member(MEMBER, "spam", delete_message_days=1)
    await gw.ban_member(MEMBER, "spam")
    revoke, keep = api.calls_to("banChatMember")
    assert revoke["revoke_messages"] is True
    assert keep["revoke_messages"] is False
    await gw.unban_member(MEMBER, "appeal")
    assert api.calls_to("unbanChatMember")[-1]["only_if_banned"] is True
    await gw.kick_member(MEMBER, "rules")
    kick_ban = api.calls_to("banChatMember")[-1]
    assert 0 < kick_ban["until_date"] - time.time() <= 61
    await gw.timeout_member(MEMBER, datetime.now(UTC) + timedelta(seconds=5), "short")
    short = api.calls_to("restrictChatMember")[-1]["until_date"] - time.time()
    assert 30 < short <= 36  # under 30 s Telegram would mute forever
    await gw.timeout_member(MEMBER, datetime.now(UTC) + timedelta(days=400), "long")
    long = api.calls_to("restrictChatMember")[-1]["until_date"] - time.time()
    assert 364 * 86400 < long <= 365 * 86400  # over 366 days Telegram would mute forever
    assert len(api.calls_to("unbanChatMember")) == 2


async def test_restrict_without_rights_and_hierarchy(api: FakeBotApi, runner: TelegramRunner) -> None:
    gw = runner.gateway
    api.fail("restrictChatMember", description=tg.NO_RIGHTS_RESTRICT)
    with pytest.raises(ActionFailed) as info:
        await gw.timeout_member(MEMBER, datetime.now(UTC) + timedelta(minutes=10), "x")
    assert (info.value.reason, info.value.missing_permission) == (
        "missing_permissions",
        "can_restrict_members",
    )
    api.fail("banChatMember", description="Bad Request: user is an administrator of the chat")
    with pytest.raises(ActionFailed) as info:
        await gw.ban_member(MEMBER, "x")
    assert info.value.reason == "hierarchy"
    api.fail("banChatMember", status=403, description=tg.NOT_A_MEMBER)
    with pytest.raises(ActionFailed) as info:
        await gw.ban_member(MEMBER, "x")
    assert info.value.reason == "removed"


async def test_direct_message_closed(api: FakeBotApi, runner: TelegramRunner) -> None:
    gw = runner.gateway
    assert (await gw.send_direct(MEMBER, "a private word")).isdigit()
    assert api.calls_to("sendMessage")[-1]["chat_id"] == 501
    api.fail("sendMessage", status=403, description=tg.CANT_INITIATE)
    with pytest.raises(ActionFailed) as info:
        await gw.send_direct(MEMBER, "again")
    assert info.value.reason == "dm_closed"


async def test_review_card_posted_then_refreshed(api: FakeBotApi, runner: TelegramRunner) -> None:
    gw = runner.gateway
    card_id = await gw.send_review_card("acme", _card())
    assert card_id is not None
    (posted,) = api.calls_to("sendMessage")
    assert posted["chat_id"] == MOD_CHAT
    assert "parse_mode" not in posted
    assert "Case #17" in posted["text"]
    assert "<b>not markup</b>" in posted["text"]
    buttons = [b["callback_data"] for row in posted["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["rv:approve:17", "rv:reject:17", "rv:ban:17", "rv:details:17"]
    again = await gw.send_review_card("acme", _card(ReviewStatus.APPROVED))
    assert again == card_id
    (edit,) = api.calls_to("editMessageText")
    assert edit["message_id"] == int(card_id)
    assert "APPROVED" in edit["text"]
    assert [b["callback_data"] for row in edit["reply_markup"]["inline_keyboard"] for b in row] == [
        "rv:details:17"
    ]
    assert await gw.send_review_card("acme", _card(ReviewStatus.APPROVED)) == card_id  # not modified: ok
    assert len(api.calls_to("sendMessage")) == 1


async def test_no_mod_chat_means_no_card_and_no_notice(api: FakeBotApi) -> None:
    running = await start_runner(api, RecordingService.for_chats(mod_chat=None))
    try:
        assert await running.gateway.send_review_card("acme", _card()) is None
        await running.gateway.notify_moderators("acme", "hello")
        assert api.calls_to("sendMessage") == []
        assert api.calls_to("setMyCommands") == []
    finally:
        await running.stop()


async def test_flood_control_is_waited_out(api: FakeBotApi, runner: TelegramRunner) -> None:
    api.flood("sendMessage", retry_after=1)
    started = time.monotonic()
    message_id = await runner.gateway.send_message(SCOPE, "eventually")
    waited = time.monotonic() - started
    tries = [c for c in api.calls if c.method == "sendMessage"]
    assert len(tries) == 2
    assert tries[1].at - tries[0].at >= 1.0
    assert waited >= 1.0
    assert message_id.isdigit()


async def test_flood_control_beyond_retries_is_retryable_failure(api: FakeBotApi) -> None:
    running = await start_runner(api, RecordingService.for_chats(), rate_limit_retries=0)
    try:
        api.flood("sendMessage", retry_after=3)
        with pytest.raises(ActionFailed) as info:
            await running.gateway.send_message(SCOPE, "now")
        assert (info.value.reason, info.value.retryable) == ("rate_limited", True)
    finally:
        await running.stop()


def test_error_mapping_table() -> None:
    cases = [
        (BadRequest("Not enough rights to send text messages to the chat"), "send", "missing_permissions"),
        (Forbidden("Forbidden: bot was blocked by the user"), "warn", "dm_closed"),
        (Forbidden("Forbidden: bot was kicked from the supergroup chat"), "ban", "removed"),
        (BadRequest("Chat not found"), "ban", "not_found"),
        (BadRequest("Can't remove chat owner"), "ban", "hierarchy"),
        (NetworkError("httpx.ConnectError"), "reply", "network"),
        (BadRequest("Wrong file identifier"), "reply", "bad_request"),
    ]
    for exc, action, reason in cases:
        failure = to_action_failed(action, exc)
        assert failure.reason == reason, exc
        assert failure.action == action
    assert to_action_failed("reply", NetworkError("x")).retryable
    assert to_action_failed("reply", BadRequest("Have no rights to send a message")).missing_permission == (
        "can_send_messages"
    )


async def test_commands_registered_per_mod_chat_survive_failure(api: FakeBotApi) -> None:
    api.fail("setMyCommands", description="Bad Request: chat not found")
    running = await start_runner(api, RecordingService.for_chats())
    try:
        assert running.application.running
        await asyncio.sleep(0)
        assert len(api.calls_to("setMyCommands")) == 1
    finally:
        await running.stop()


async def test_bad_token_fails_start_cleanly(api: FakeBotApi) -> None:
    api.fail("getMe", status=401, description="Unauthorized")
    with pytest.raises(InvalidToken):
        await start_runner(api, RecordingService.for_chats())
    assert api.calls_to("getUpdates") == []


async def test_unreachable_at_start_raises_and_cleans_up(api: FakeBotApi) -> None:
    api.fail("deleteWebhook", status=502, times=10)
    options = fake_options(api, bootstrap_retries=1)
    runner = TelegramRunner(RecordingService.for_chats(), options, communities=lambda: ["acme"])
    with pytest.raises(NetworkError):
        await runner.start()
    assert not runner.application.running
    assert len(api.calls_to("deleteWebhook")) == 2  # first try + 1 bootstrap retry


async def test_deletions_are_not_paced_like_group_messages(api: FakeBotApi, runner: TelegramRunner) -> None:
    started = time.monotonic()
    await asyncio.gather(*(runner.gateway.delete_message(SCOPE, str(n)) for n in range(30)))
    assert time.monotonic() - started < 2.5  # 20 per minute per group would take over a minute
    assert len(api.calls_to("deleteMessage")) == 30
    api.flood("deleteMessage", retry_after=1)
    await runner.gateway.delete_message(SCOPE, "31")  # a 429 is still waited out and retried
    assert [p["message_id"] for p in api.calls_to("deleteMessage")][-2:] == [31, 31]
