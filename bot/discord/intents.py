"""Intents Steward needs, and clear warnings when Discord withholds message content."""

from __future__ import annotations

import logging

import discord

log = logging.getLogger(__name__)

PORTAL_HELP = (
    "Open https://discord.com/developers/applications, choose your application, go to 'Bot', and under "
    "'Privileged Gateway Intents' switch on 'Message Content Intent' and 'Server Members Intent'; "
    "then restart Steward."
)
EMPTY_CONTENT_WARNING = (
    "Discord is delivering messages without their text: the Message Content intent is not enabled, so "
    "Steward cannot moderate what members write. " + PORTAL_HELP
)
REFUSED_WARNING = (
    "Discord refused to connect: the bot asked for privileged intents that are not enabled for this "
    "application (close code 4014). " + PORTAL_HELP
)


def steward_intents(*, message_content: bool = True) -> discord.Intents:
    """Guilds, members, guild messages, DMs (members' appeals) and (privileged) message content."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    return intents


class IntentWatch:
    """Notices, once, that Discord sends messages with empty content (the intent is off)."""

    def __init__(self) -> None:
        self.warned = False

    def warn(self, text: str = EMPTY_CONTENT_WARNING) -> None:
        """Log the warning once."""
        if not self.warned:
            self.warned = True
            log.warning(text)

    def check_flags(self, intents: discord.Intents, flags: discord.ApplicationFlags | None) -> None:
        """Warn at start when the intent is not requested or the application lacks it."""
        granted = flags is None or flags.gateway_message_content or flags.gateway_message_content_limited
        if not intents.message_content or not granted:
            self.warn()

    def content_missing(self, message: discord.Message, me: discord.ClientUser | None) -> bool:
        """True when a message arrived stripped of its content (then it cannot be moderated)."""
        if message.content or message.attachments or message.embeds or message.stickers or message.poll:
            return False
        if any(s.content or s.attachments or s.embeds for s in message.message_snapshots):
            return False
        if me is not None and me in message.mentions:
            return False
        self.warn()
        return True
