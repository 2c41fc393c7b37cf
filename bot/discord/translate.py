"""Translate discord.py objects into the core's events (raw SDK objects never enter the core)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import discord

from moderation.domain import Actor, InboundMessage, MemberJoined, MemberLeft, MemberRef, MessageMeta, Scope

PLATFORM = "discord"
PERM_TOKENS = ("administrator", "manage_guild", "ban_members", "moderate_members", "manage_messages")
_LINK = re.compile(r"https?://[^\s<>()\"']+|discord(?:\.gg|(?:app)?\.com/invite)/[\w-]+", re.IGNORECASE)


def role_tokens(user: discord.Member | discord.User) -> tuple[str, ...]:
    """Level tokens of a member: ``role:<id>`` per role and ``perm:<name>`` per moderation permission."""
    if not isinstance(user, discord.Member):
        return ()
    tokens = [f"role:{role.id}" for role in user.roles if not role.is_default()]
    perms = user.guild_permissions
    tokens += [f"perm:{name}" for name in PERM_TOKENS if getattr(perms, name)]
    return tuple(tokens)


def actor(user: discord.Member | discord.User) -> Actor:
    """The core's view of a member (level 0: the service computes it from the roles)."""
    joined = user.joined_at if isinstance(user, discord.Member) else None
    return Actor(
        platform=PLATFORM,
        user_id=str(user.id),
        display_name=user.display_name,
        roles=role_tokens(user),
        joined_at=joined,
        is_bot=user.bot,
    )


def scope(community: str, guild_id: int, channel: object) -> Scope:
    """Scope of a channel; a thread is a channel whose category is its parent channel."""
    channel_id = str(getattr(channel, "id", channel))
    category: int | None
    if isinstance(channel, discord.Thread):
        category = channel.parent_id
    else:
        category = getattr(channel, "category_id", None)
    return Scope(
        platform=PLATFORM,
        community=community,
        space_id=str(guild_id),
        channel_id=channel_id,
        category_id=str(category) if category is not None else None,
    )


def links(text: str) -> tuple[str, ...]:
    """Links and invites found in a message's text, in order, without duplicates."""
    return tuple(dict.fromkeys(m.group(0).rstrip(".,!?;:") for m in _LINK.finditer(text)))


def message_text(message: discord.Message) -> str:
    """What a member wrote; for a forwarded message, the forwarded text."""
    if message.content or not message.message_snapshots:
        return message.content
    return "\n".join(s.content for s in message.message_snapshots if s.content)


def message_meta(message: discord.Message, *, edited: bool = False) -> MessageMeta:
    """Structured facts Discord already parsed: links, mentions, attachments, reply and forward."""
    found = list(links(message_text(message)))
    embeds = [*message.embeds, *(e for s in message.message_snapshots for e in s.embeds)]
    for embed in embeds:
        if embed.url and embed.url not in found:
            found.append(embed.url)
    attachments = [*message.attachments, *(a for s in message.message_snapshots for a in s.attachments)]
    ref = message.reference
    is_forward = ref is not None and ref.type is discord.MessageReferenceType.forward
    reply_to = reply_author = None
    if ref is not None and not is_forward and ref.message_id is not None:
        reply_to = str(ref.message_id)
        resolved = ref.resolved
        if isinstance(resolved, discord.Message):
            reply_author = str(resolved.author.id)
    return MessageMeta(
        links=tuple(found),
        mentions=tuple(dict.fromkeys(str(u.id) for u in message.mentions)),
        attachments=tuple(a.url for a in attachments),
        reply_to=reply_to,
        reply_to_author=reply_author,
        is_forward=is_forward,
        edited=edited,
    )


def inbound(community: str, message: discord.Message, *, edited: bool = False) -> InboundMessage:
    """An ``InboundMessage`` for a guild message (or its edit)."""
    guild = message.guild
    if guild is None:
        raise ValueError("only guild messages are moderated")
    sent_at = (message.edited_at if edited else None) or message.created_at
    author = message.author
    if not isinstance(author, discord.Member):  # an update without member data: use the cached member
        author = guild.get_member(author.id) or author
    return InboundMessage(
        scope=scope(community, guild.id, message.channel),
        author=actor(author),
        message_id=str(message.id),
        text=message_text(message),
        sent_at=sent_at.astimezone(UTC),
        meta=message_meta(message, edited=edited),
    )


def joined(community: str, member: discord.Member, channel_id: str, now: datetime) -> MemberJoined:
    """A ``MemberJoined`` event; ``channel_id`` is where a greeting would go by default."""
    return MemberJoined(
        scope=Scope(PLATFORM, community, str(member.guild.id), channel_id),
        member=actor(member),
        joined_at=member.joined_at or now,
    )


def left(
    community: str, guild_id: int, user: discord.User | discord.Member, channel_id: str, now: datetime
) -> MemberLeft:
    """A ``MemberLeft`` event."""
    return MemberLeft(
        scope=Scope(PLATFORM, community, str(guild_id), channel_id), member=actor(user), left_at=now
    )


def member_ref(guild_id: int, user_id: int) -> MemberRef:
    """Address of a member for actions."""
    return MemberRef(PLATFORM, str(guild_id), str(user_id))
