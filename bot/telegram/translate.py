"""Translate python-telegram-bot objects into the core's platform-free events."""

from __future__ import annotations

from datetime import datetime

from telegram import ChatMember, ChatMemberUpdated, Message, MessageEntity, User

from moderation.domain import Actor, InboundMessage, MemberJoined, MemberLeft, MessageMeta, Scope

PLATFORM = "telegram"
_LINKS = (MessageEntity.URL, MessageEntity.TEXT_LINK)
_MENTIONS = (MessageEntity.MENTION, MessageEntity.TEXT_MENTION)
_ATTACHMENTS = ("photo", "video", "animation", "document", "audio", "voice", "video_note", "sticker", "poll")


def scope_for(message: Message, community: str) -> Scope:
    """The scope of a message: a forum topic is a channel (its thread id) whose category is the chat.

    Ids stay numeric as everywhere in the core; a message outside topics has the chat as its channel.
    """
    chat_id = str(message.chat.id)
    if message.is_topic_message and message.message_thread_id is not None:
        return Scope(PLATFORM, community, chat_id, str(message.message_thread_id), chat_id)
    return Scope(PLATFORM, community, chat_id, chat_id)


def chat_scope(chat_id: int | str, community: str) -> Scope:
    """The scope of a whole chat (joins, leaves, commands)."""
    return Scope(PLATFORM, community, str(chat_id), str(chat_id))


def actor(user: User, roles: tuple[str, ...] = (), joined_at: datetime | None = None) -> Actor:
    """An ``Actor`` for a Telegram user; the service computes the level from ``roles``."""
    return Actor(
        platform=PLATFORM,
        user_id=str(user.id),
        display_name=user.full_name,
        roles=roles,
        joined_at=joined_at,
        is_bot=user.is_bot,
    )


def message_text(message: Message) -> str:
    """The text or caption of a message ("" when it has neither)."""
    return message.text or message.caption or ""


def message_meta(message: Message, *, edited: bool = False) -> MessageMeta:
    """Links, mentions, attachments, reply and forward facts Telegram already parsed."""
    if message.text is not None:
        entities = message.parse_entities([*_LINKS, *_MENTIONS])
    else:
        entities = message.parse_caption_entities([*_LINKS, *_MENTIONS])
    links: list[str] = []
    mentions: list[str] = []
    for entity, value in entities.items():
        if entity.type == MessageEntity.TEXT_LINK and entity.url:
            links.append(entity.url)
        elif entity.type == MessageEntity.URL:
            links.append(value)
        elif entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            mentions.append(str(entity.user.id))
        elif entity.type == MessageEntity.MENTION:
            mentions.append(value)
    reply = message.reply_to_message
    # In forums every topic message "replies" to the topic's creation message: that is not a reply.
    if reply is not None and reply.forum_topic_created is not None:
        reply = None
    reply_author = reply.from_user if reply is not None else None
    return MessageMeta(
        links=tuple(links),
        mentions=tuple(mentions),
        attachments=tuple(kind for kind in _ATTACHMENTS if getattr(message, kind, None)),
        reply_to=str(reply.message_id) if reply is not None else None,
        reply_to_author=str(reply_author.id) if reply_author is not None else None,
        is_forward=message.forward_origin is not None,
        edited=edited,
    )


def inbound(
    message: Message, community: str, roles: tuple[str, ...], *, edited: bool = False
) -> InboundMessage:
    """An ``InboundMessage`` for a group message with a known author."""
    assert message.from_user is not None
    sent_at = (message.edit_date if edited else None) or message.date
    return InboundMessage(
        scope=scope_for(message, community),
        author=actor(message.from_user, roles),
        message_id=str(message.message_id),
        text=message_text(message),
        sent_at=sent_at,
        meta=message_meta(message, edited=edited),
    )


def _present(member: ChatMember) -> bool:
    if member.status in (ChatMember.LEFT, ChatMember.BANNED):
        return False
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return True


def membership_change(update: ChatMemberUpdated) -> str | None:
    """``"joined"``, ``"left"`` or ``None`` for a chat_member status change."""
    before, after = _present(update.old_chat_member), _present(update.new_chat_member)
    if not before and after:
        return "joined"
    if before and not after:
        return "left"
    return None


def joined(user: User, community: str, chat_id: int, at: datetime) -> MemberJoined:
    """A ``MemberJoined`` event."""
    return MemberJoined(scope=chat_scope(chat_id, community), member=actor(user, joined_at=at), joined_at=at)


def left(user: User, community: str, chat_id: int, at: datetime) -> MemberLeft:
    """A ``MemberLeft`` event."""
    return MemberLeft(scope=chat_scope(chat_id, community), member=actor(user), left_at=at)
