"""Discord payload builders for the fake Discord: users, members, roles, channels, guilds, a ready guild."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

# Permission bits (Discord's values).
ADMINISTRATOR = 1 << 3
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
READ_HISTORY = 1 << 16
MODERATE_MEMBERS = 1 << 40
EVERYONE_PERMS = VIEW_CHANNEL | SEND_MESSAGES | READ_HISTORY | EMBED_LINKS

# Gateway intents bits.
INTENT_MEMBERS = 1 << 1
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_DIRECT_MESSAGES = 1 << 12
PRIVILEGED = INTENT_MEMBERS | INTENT_MESSAGE_CONTENT | (1 << 8)

_snowflakes = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    """Return a fresh snowflake string."""
    return str(next(_snowflakes))


def iso(dt: datetime | None = None) -> str:
    """Discord's ISO-8601 timestamp."""
    return (dt or datetime.now(UTC)).isoformat()


def user_payload(user_id: str, name: str, *, bot: bool = False) -> JSON:
    """A Discord user object."""
    return {
        "id": user_id,
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


def member_payload(user: JSON, roles: list[str] | None = None, *, joined_at: str | None = None) -> JSON:
    """A guild member object."""
    return {
        "user": user,
        "nick": None,
        "avatar": None,
        "roles": list(roles or []),
        "joined_at": joined_at or iso(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }


def role_payload(role_id: str, name: str, *, permissions: int = 0, position: int = 1) -> JSON:
    """A role object."""
    return {
        "id": role_id,
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def channel_payload(channel_id: str, name: str, *, kind: int = 0, parent_id: str | None = None) -> JSON:
    """A guild channel (0 text, 4 category, 11 public thread)."""
    data: JSON = {
        "id": channel_id,
        "type": kind,
        "name": name,
        "position": 0,
        "parent_id": parent_id,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }
    if kind in (11, 12):
        data.pop("permission_overwrites")
        data.update(
            owner_id="1",
            message_count=0,
            member_count=1,
            thread_metadata={
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso(),
                "locked": False,
            },
        )
    return data


@dataclass
class FakeGuild:
    """A guild the fake serves: channels, roles (the @everyone role has the guild's id) and members."""

    id: str
    name: str = "Acme"
    owner_id: str = "1"
    channels: list[JSON] = field(default_factory=list)
    threads: list[JSON] = field(default_factory=list)
    roles: list[JSON] = field(default_factory=list)
    members: dict[str, JSON] = field(default_factory=dict)

    def add_member(self, member: JSON) -> None:
        """Add or replace a member."""
        self.members[member["user"]["id"]] = member

    def payload(self) -> JSON:
        """The GUILD_CREATE payload."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": self.owner_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": self.roles,
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "unavailable": False,
            "large": False,
            "joined_at": iso(),
            "member_count": len(self.members),
            "members": list(self.members.values()),
            "channels": self.channels,
            "threads": self.threads,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


# ---------------------------------------------------------------------- a ready-made guild

GUILD = "1100"
CATEGORY = "1190"
GENERAL = "1200"
THREAD = "1250"
MOD_CHANNEL = "1300"
WELCOME = "1400"
LOG_CHANNEL = "1500"
BOT = "900"
ALICE = "5001"
BOB = "5002"
MOD = "5100"
BOSS = "5200"
OWNER = "1"
MOD_ROLE = "3100"
BOT_ROLE = "3200"
ADMIN_ROLE = "3300"
BOT_PERMS = EVERYONE_PERMS | MANAGE_MESSAGES | MODERATE_MEMBERS | KICK_MEMBERS | BAN_MEMBERS | MANAGE_CHANNELS


def acme_guild(*, bot_permissions: int = BOT_PERMS) -> FakeGuild:
    """Guild 1100: #general (1200, in category 1190) with a thread (1250), #mods, #welcome, #log;
    roles mods (3100, below the bot), bot (3200), admins (3300, above the bot); members alice, bob, a
    moderator, an admin ("boss") and the bot."""
    guild = FakeGuild(
        id=GUILD,
        name="Acme",
        owner_id=OWNER,
        roles=[
            role_payload(GUILD, "@everyone", permissions=EVERYONE_PERMS, position=0),
            role_payload(MOD_ROLE, "mods", permissions=MODERATE_MEMBERS | MANAGE_MESSAGES, position=2),
            role_payload(BOT_ROLE, "steward", permissions=bot_permissions, position=5),
            role_payload(ADMIN_ROLE, "admins", permissions=ADMINISTRATOR, position=8),
        ],
        channels=[
            channel_payload(CATEGORY, "community", kind=4),
            channel_payload(GENERAL, "general", parent_id=CATEGORY),
            channel_payload(MOD_CHANNEL, "mods"),
            channel_payload(WELCOME, "welcome"),
            channel_payload(LOG_CHANNEL, "mod-log"),
        ],
        threads=[channel_payload(THREAD, "help thread", kind=11, parent_id=GENERAL)],
    )
    guild.add_member(member_payload(user_payload(BOT, "Steward", bot=True), [BOT_ROLE]))
    guild.add_member(member_payload(user_payload(OWNER, "owner")))
    guild.add_member(member_payload(user_payload(ALICE, "alice")))
    guild.add_member(member_payload(user_payload(BOB, "bob")))
    guild.add_member(member_payload(user_payload(MOD, "mo"), [MOD_ROLE]))
    guild.add_member(member_payload(user_payload(BOSS, "boss"), [ADMIN_ROLE]))
    return guild
