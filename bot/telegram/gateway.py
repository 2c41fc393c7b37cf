"""``TelegramGateway``: the core's ``ChatGateway`` carried out through the Bot API."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from telegram import Bot, ChatPermissions, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import MessageLimit
from telegram.error import TelegramError

from bot.service_port import ModerationPort
from bot.telegram.cards import card_keyboard, card_text
from bot.telegram.errors import is_already_deleted, is_not_modified, to_action_failed
from moderation.domain import MemberRef, ReviewCard, Scope
from moderation.errors import ActionFailed

log = logging.getLogger(__name__)
T = TypeVar("T")
MIN_RESTRICTION = timedelta(seconds=35)
"""Shortest restriction Telegram honours as a time limit (under 30 s it means forever)."""
MAX_RESTRICTION = timedelta(days=365)
"""Longest restriction we ask for: Telegram reads more than 366 days as forever."""


def chat_and_topic(scope: Scope) -> tuple[int, int | None]:
    """``(chat_id, thread_id)`` of a scope: a channel other than the chat itself is a forum topic."""
    chat = int(scope.space_id)
    if scope.channel_id in ("", scope.space_id):
        return chat, None
    return chat, int(scope.channel_id)


def _clip(text: str) -> str:
    limit = MessageLimit.MAX_TEXT_LENGTH
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TelegramGateway:
    """Runs the core's actions on Telegram; every failure becomes ``ActionFailed`` (the service reports it).

    Args:
        bot: The Application's bot (its requests go through the rate limiter).
        service: Used to find a chat's community and the community's moderators' chat.
        now: Clock for kick's short ban.
    """

    platform = "telegram"

    def __init__(
        self, bot: Bot, service: ModerationPort, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._bot = bot
        self._service = service
        self._now = now
        self._cards: dict[tuple[str, int], tuple[int, int]] = {}

    # ------------------------------------------------------------------ helpers

    def mod_chat(self, community: str) -> int | None:
        """The community's moderators' chat id, if configured."""
        telegram = self._service.community_config(community).platforms.telegram
        if telegram is None or not telegram.mod_chat_id:
            return None
        return int(telegram.mod_chat_id)

    def remember_card(self, community: str, case_number: int, chat_id: int, message_id: int) -> None:
        """Record where a case's card is shown so a later refresh edits it."""
        self._cards[(community, case_number)] = (chat_id, message_id)

    async def _call(self, action: str, space_id: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except TelegramError as exc:
            failure = to_action_failed(action, exc)
            log.info("telegram: %s in chat %s failed: %s", action, space_id, failure)
            raise failure from exc

    # ------------------------------------------------------------------ ChatGateway

    async def send_message(self, scope: Scope, text: str, *, reply_to: str | None = None) -> str:
        """Post in the scope's chat (and forum topic), as a reply when ``reply_to`` is given."""
        chat_id, thread = chat_and_topic(scope)
        reply = ReplyParameters(int(reply_to), allow_sending_without_reply=True) if reply_to else None
        sent = await self._call(
            "reply",
            scope.space_id,
            lambda: self._bot.send_message(
                chat_id, _clip(text), message_thread_id=thread, reply_parameters=reply
            ),
        )
        return str(sent.message_id)

    async def delete_message(self, scope: Scope, message_id: str) -> None:
        """Delete a message; one that is already gone counts as deleted."""
        try:
            await self._bot.delete_message(int(scope.space_id), int(message_id))
        except TelegramError as exc:
            if is_already_deleted(exc):
                return
            failure = to_action_failed("delete", exc)
            log.info("telegram: delete in chat %s failed: %s", scope.space_id, failure)
            raise failure from exc

    async def send_direct(self, member: MemberRef, text: str) -> str:
        """Message a member privately (``dm_closed`` if they never started the bot)."""
        sent = await self._call(
            "warn", member.space_id, lambda: self._bot.send_message(int(member.user_id), _clip(text))
        )
        return str(sent.message_id)

    async def timeout_member(self, member: MemberRef, until: datetime, reason: str) -> None:
        """Restrict a member from sending anything until ``until``.

        Telegram treats an end less than 30 seconds or more than 366 days away as "forever", so short
        timeouts are stretched to just over 30 seconds and long ones shortened to 365 days.
        """
        now = self._now()
        until = min(max(until, now + MIN_RESTRICTION), now + MAX_RESTRICTION)
        await self._call(
            "timeout",
            member.space_id,
            lambda: self._bot.restrict_chat_member(
                int(member.space_id),
                int(member.user_id),
                ChatPermissions.no_permissions(),
                until_date=until,
                use_independent_chat_permissions=True,
            ),
        )

    async def lift_timeout(self, member: MemberRef, reason: str) -> None:
        """End a restriction at once ("pass True for all permissions to lift restrictions")."""
        await self._call(
            "timeout",
            member.space_id,
            lambda: self._bot.restrict_chat_member(
                int(member.space_id),
                int(member.user_id),
                ChatPermissions.all_permissions(),
                use_independent_chat_permissions=True,
            ),
        )

    async def kick_member(self, member: MemberRef, reason: str) -> None:
        """Remove a member who may come back: a short ban, then an unban."""
        chat, user = int(member.space_id), int(member.user_id)
        until = self._now() + timedelta(seconds=60)
        await self._call(
            "kick", member.space_id, lambda: self._bot.ban_chat_member(chat, user, until_date=until)
        )
        await self._call(
            "kick", member.space_id, lambda: self._bot.unban_chat_member(chat, user, only_if_banned=True)
        )

    async def ban_member(self, member: MemberRef, reason: str, delete_message_days: int = 0) -> None:
        """Ban a member; ``delete_message_days > 0`` also removes their messages (revoke_messages)."""
        await self._call(
            "ban",
            member.space_id,
            lambda: self._bot.ban_chat_member(
                int(member.space_id), int(member.user_id), revoke_messages=delete_message_days > 0
            ),
        )

    async def unban_member(self, member: MemberRef, reason: str) -> None:
        """Lift a ban (a member who is not banned is left alone)."""
        await self._call(
            "unban",
            member.space_id,
            lambda: self._bot.unban_chat_member(
                int(member.space_id), int(member.user_id), only_if_banned=True
            ),
        )

    async def send_review_card(self, community: str, card: ReviewCard) -> str | None:
        """Post a card with buttons in the moderators' chat, or edit the case's card if already shown."""
        chat_id = self.mod_chat(community)
        if chat_id is None:
            return None
        text, markup = _clip(card_text(card)), card_keyboard(card)
        shown = self._cards.get((community, card.case_number))
        if shown is not None and shown[0] == chat_id and await self._edit_card(shown, text, markup):
            return str(shown[1])
        sent = await self._call(
            "card", str(chat_id), lambda: self._bot.send_message(chat_id, text, reply_markup=markup)
        )
        self.remember_card(community, card.case_number, chat_id, sent.message_id)
        return str(sent.message_id)

    async def _edit_card(
        self, shown: tuple[int, int], text: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        try:
            await self._bot.edit_message_text(
                text, chat_id=shown[0], message_id=shown[1], reply_markup=markup
            )
        except TelegramError as exc:
            if is_not_modified(exc):
                return True
            log.info("telegram: card %s could not be edited (%s); posting a new one", shown, exc)
            return False
        return True

    async def notify_moderators(self, community: str, text: str) -> None:
        """Post in the community's moderators' chat (nothing if none is configured)."""
        chat_id = self.mod_chat(community)
        if chat_id is None:
            return
        await self._call("notify", str(chat_id), lambda: self._bot.send_message(chat_id, _clip(text)))

    async def send_moderator_file(
        self, community: str, filename: str, data: bytes, caption: str
    ) -> str | None:
        """Post an image (``sendPhoto``, multipart upload) with ``caption`` in the moderators' chat.

        A caption over Telegram's 1024 characters goes out first as its own message; the photo then
        carries the caption's first line (a failed photo after that is logged: the text got through).
        """
        chat_id = self.mod_chat(community)
        if chat_id is None:
            return None
        limit = MessageLimit.CAPTION_LENGTH
        if len(caption) <= limit:
            sent = await self._call(
                "notify",
                str(chat_id),
                lambda: self._bot.send_photo(chat_id, data, caption=caption, filename=filename),
            )
            return str(sent.message_id)
        text = await self._call(
            "notify", str(chat_id), lambda: self._bot.send_message(chat_id, _clip(caption))
        )
        title = caption.splitlines()[0][:limit]
        try:
            await self._call(
                "notify",
                str(chat_id),
                lambda: self._bot.send_photo(chat_id, data, caption=title, filename=filename),
            )
        except ActionFailed as exc:
            log.warning("telegram: the image %s for %s was not posted: %s", filename, community, exc)
        return str(text.message_id)
