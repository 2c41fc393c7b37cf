"""Update handlers: guard, translate, call the service; commands and buttons for moderators."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from telegram import Chat, ChatMember, Message, Update, User
from telegram.ext import ContextTypes, filters

from bot.service_port import ModerationPort
from bot.telegram import translate
from bot.telegram.cards import card_keyboard, card_text, parse_callback
from bot.telegram.gateway import TelegramGateway
from bot.telegram.roles import AdminCache
from moderation.domain import Actor, CommandReply, ModeratorCommand
from moderation.errors import CommandError

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
_GROUPS = (Chat.GROUP, Chat.SUPERGROUP)
_ALERT_LIMIT = 200
_DEDUPE_SECONDS = 120.0


class ModChats:
    """Moderators' chats of every community (read from the live configuration on each use)."""

    def __init__(self, service: ModerationPort, communities: Callable[[], Iterable[str]]) -> None:
        self._service = service
        self._communities = communities

    def mapping(self) -> dict[str, str]:
        """Mod chat id -> community."""
        found: dict[str, str] = {}
        for community in self._communities():
            telegram = self._service.community_config(community).platforms.telegram
            if telegram is not None and telegram.mod_chat_id:
                found[str(telegram.mod_chat_id)] = community
        return found

    def community_chats(self, community: str) -> list[str]:
        """Chats of a community plus its moderators' chat (where moderator roles may come from)."""
        telegram = self._service.community_config(community).platforms.telegram
        if telegram is None:
            return []
        chats = list(telegram.chat_ids)
        if telegram.mod_chat_id:
            chats.append(str(telegram.mod_chat_id))
        return chats


class ModChatFilter(filters.MessageFilter):
    """Matches messages posted in a configured moderators' chat."""

    def __init__(self, mod_chats: ModChats) -> None:
        super().__init__(name="ModChatFilter")
        self._mod_chats = mod_chats

    def filter(self, message: Message) -> bool:
        """Whether the message's chat is a moderators' chat."""
        return str(message.chat.id) in self._mod_chats.mapping()


class Handlers:
    """The Application's callbacks. Each one handles one update; errors go to the error handler."""

    def __init__(
        self, service: ModerationPort, gateway: TelegramGateway, admins: AdminCache, mod_chats: ModChats
    ) -> None:
        self._service = service
        self._gateway = gateway
        self._admins = admins
        self._mod_chats = mod_chats
        self._recent: dict[tuple[str, int, int], float] = {}
        self._removed_from: set[int] = set()
        self._unknown_logged: set[int] = set()

    # ------------------------------------------------------------------ members' messages

    def _community(self, chat_id: int, title: str | None = None) -> str | None:
        """The community a member chat belongs to; moderators' chats are not moderated."""
        if str(chat_id) in self._mod_chats.mapping():
            return None
        community = self._service.community_for(translate.PLATFORM, str(chat_id))
        if community is None and chat_id not in self._unknown_logged:
            self._unknown_logged.add(chat_id)  # tells an admin setting up the id to put in the YAML
            log.info("telegram: chat %s (%s) is not in any community's chat_ids; ignoring it", chat_id, title)
        return community

    async def on_message(self, update: Update, context: Context) -> None:
        """Moderate a group message (new or edited); service messages announce joins and leaves."""
        message = update.message or update.edited_message
        if message is None or message.chat.type not in _GROUPS:
            return
        community = self._community(message.chat.id, message.chat.title)
        if community is None:
            return
        if message.migrate_to_chat_id is not None:
            await self._migrated(community, message.chat.id, message.migrate_to_chat_id)
            return
        if message.new_chat_members:
            for member in message.new_chat_members:
                await self._joined(community, message.chat.id, member, message.date)
            return
        if message.left_chat_member is not None:
            await self._left(community, message.chat.id, message.left_chat_member, message.date)
            return
        author = message.from_user
        if author is None or author.id == context.bot.id or message.is_automatic_forward:
            return
        if message.sender_chat is not None or not translate.message_text(message):
            return  # anonymous admins, channels posting, stickers and other text-less messages
        roles = await self._admins.roles(message.chat.id, author.id)
        edited = update.edited_message is not None
        await self._service.handle_message(translate.inbound(message, community, roles, edited=edited))

    async def on_chat_member(self, update: Update, context: Context) -> None:
        """Joins and leaves from ``chat_member`` updates (bots need admin rights to get them)."""
        change = update.chat_member
        if change is None:
            return
        statuses = {change.old_chat_member.status, change.new_chat_member.status}
        if statuses & {ChatMember.ADMINISTRATOR, ChatMember.OWNER}:
            self._admins.invalidate(change.chat.id)
        community = self._community(change.chat.id, change.chat.title)
        if community is None:
            return
        kind = translate.membership_change(change)
        user = change.new_chat_member.user
        if kind == "joined":
            await self._joined(community, change.chat.id, user, change.date)
        elif kind == "left":
            await self._left(community, change.chat.id, user, change.date)

    async def on_my_chat_member(self, update: Update, context: Context) -> None:
        """The bot's own status changed: removed from a chat, or given/taken admin rights."""
        change = update.my_chat_member
        if change is None:
            return
        chat_id = change.chat.id
        community = self._service.community_for(translate.PLATFORM, str(chat_id))
        status = change.new_chat_member.status
        if status == ChatMember.ADMINISTRATOR:
            self._removed_from.discard(chat_id)
            return
        if status not in (ChatMember.LEFT, ChatMember.BANNED) or community is None:
            self._removed_from.discard(chat_id)
            return
        log.warning("telegram: the bot was removed from chat %s (%s) of %s", chat_id, status, community)
        if chat_id in self._removed_from:
            return
        self._removed_from.add(chat_id)
        if str(chat_id) in self._mod_chats.mapping():
            return  # removed from the moderators' chat itself: the log is the only place left to tell
        by = change.from_user.full_name if change.from_user else "someone"
        text = f"I was removed from Telegram chat {change.chat.title or chat_id} ({chat_id}) by {by}."
        await self._gateway.notify_moderators(
            community, text + " I no longer moderate it; add me back as admin."
        )

    async def _migrated(self, community: str, old_id: int, new_id: int) -> None:
        """A group became a supergroup with a new id: the YAML must list the new id."""
        text = (
            f"Telegram group {old_id} was upgraded to a supergroup with the new id {new_id}. "
            f"Replace {old_id} by {new_id} in the chat_ids of community {community}, then /reload."
        )
        log.warning("telegram: %s", text)
        await self._gateway.notify_moderators(community, text)

    def _first_time(self, kind: str, chat_id: int, user_id: int) -> bool:
        """Telegram reports a join both as a service message and as chat_member: act once."""
        now = time.monotonic()
        self._recent = {k: t for k, t in self._recent.items() if now - t < _DEDUPE_SECONDS}
        key = (kind, chat_id, user_id)
        if key in self._recent:
            return False
        self._recent[key] = now
        return True

    async def _joined(self, community: str, chat_id: int, user: User, at: datetime) -> None:
        if user.is_bot or not self._first_time("join", chat_id, user.id):
            return
        self._recent.pop(("leave", chat_id, user.id), None)
        await self._service.handle_join(translate.joined(user, community, chat_id, at))

    async def _left(self, community: str, chat_id: int, user: User, at: datetime) -> None:
        if user.is_bot or not self._first_time("leave", chat_id, user.id):
            return
        self._recent.pop(("join", chat_id, user.id), None)
        await self._service.handle_leave(translate.left(user, community, chat_id, at))

    # ------------------------------------------------------------------ moderators

    async def _caller(self, community: str, user: User) -> Actor:
        roles: list[str] = []
        for chat in self._mod_chats.community_chats(community):
            for role in await self._admins.roles(int(chat), user.id):
                if role not in roles:
                    roles.append(role)
        return translate.actor(user, tuple(roles))

    async def on_command(self, update: Update, context: Context) -> None:
        """A moderator command typed in a moderators' chat (the service checks the level)."""
        message = update.message
        if message is None or message.from_user is None or not message.text:
            return
        community = self._mod_chats.mapping().get(str(message.chat.id))
        if community is None:
            return
        name = message.text.split()[0][1:].split("@")[0].lower()
        caller = await self._caller(community, message.from_user)
        scope = translate.chat_scope(message.chat.id, community)
        cmd = ModeratorCommand(scope=scope, caller=caller, name=name, args=tuple(context.args or ()))
        reply = await self._service.handle_command(cmd)
        await self._send_reply(message, community, reply)

    async def on_private_command(self, update: Update, context: Context) -> None:
        """A member's command in a private chat with the bot: ``/appeal``, ``/verify``."""
        message = update.message
        if message is None or message.from_user is None or not message.text:
            return
        name = message.text.split()[0][1:].split("@")[0].lower()
        scope = translate.chat_scope(message.chat.id, "")
        caller = translate.actor(message.from_user)
        cmd = ModeratorCommand(scope=scope, caller=caller, name=name, args=tuple(context.args or ()))
        reply = await self._service.handle_command(cmd)
        if reply.text:
            await message.reply_text(reply.text[:4096])

    async def _send_reply(self, message: Message, community: str, reply: CommandReply) -> None:
        if reply.text:
            await message.reply_text(reply.text[:4096], do_quote=True)
        if reply.card is not None:
            card = reply.card
            sent = await message.get_bot().send_message(
                message.chat.id, card_text(card)[:4096], reply_markup=card_keyboard(card)
            )
            self._gateway.remember_card(community, card.case_number, message.chat.id, sent.message_id)

    async def on_button(self, update: Update, context: Context) -> None:
        """A review card button: run it through the service and refresh the card."""
        query = update.callback_query
        if query is None:
            return
        parsed = parse_callback(query.data)
        card_message = query.message
        community = self._mod_chats.mapping().get(str(card_message.chat.id)) if card_message else None
        if parsed is None or community is None or card_message is None:
            await query.answer("This button is not active.", show_alert=True)
            return
        verb, number = parsed
        caller = await self._caller(community, query.from_user)
        scope = translate.chat_scope(card_message.chat.id, community)
        try:
            reply = await self._service.handle_button(scope, caller, verb, number)
        except CommandError as exc:
            await query.answer(exc.user_message[:_ALERT_LIMIT], show_alert=True)
            return
        if reply.card is not None and isinstance(card_message, Message):
            self._gateway.remember_card(community, number, card_message.chat.id, card_message.message_id)
            await self._gateway.send_review_card(community, reply.card)
        long_text = len(reply.text) > _ALERT_LIMIT
        await query.answer(
            reply.text[: _ALERT_LIMIT - 1] + "…" if long_text else reply.text,
            show_alert=reply.ephemeral or long_text,
        )
        if long_text and isinstance(card_message, Message):
            await card_message.reply_text(reply.text[:4096], do_quote=True)

    async def on_error(self, update: object, context: Context) -> None:
        """Log an error raised while handling an update; the bot keeps running."""
        log.error("telegram: error while handling %r", update, exc_info=context.error)
