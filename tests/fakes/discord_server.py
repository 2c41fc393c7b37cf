"""A fake Discord (websocket gateway + REST under /api/v10) on 127.0.0.1 for the real discord.py client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_payloads import (
    ADMIN_ROLE,
    ADMINISTRATOR,
    ALICE,
    BAN_MEMBERS,
    BOB,
    BOSS,
    BOT,
    BOT_PERMS,
    BOT_ROLE,
    CATEGORY,
    EMBED_LINKS,
    EVERYONE_PERMS,
    GENERAL,
    GUILD,
    INTENT_DIRECT_MESSAGES,
    INTENT_MEMBERS,
    INTENT_MESSAGE_CONTENT,
    JSON,
    KICK_MEMBERS,
    LOG_CHANNEL,
    MANAGE_CHANNELS,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MOD,
    MOD_CHANNEL,
    MOD_ROLE,
    MODERATE_MEMBERS,
    OWNER,
    PRIVILEGED,
    READ_HISTORY,
    SEND_MESSAGES,
    THREAD,
    VIEW_CHANNEL,
    WELCOME,
    FakeGuild,
    acme_guild,
    channel_payload,
    iso,
    member_payload,
    role_payload,
    snowflake,
    user_payload,
)
from tests.fakes.discord_rest import FakeRest, Fault, Recorded

__all__ = [
    "ADMINISTRATOR",
    "ADMIN_ROLE",
    "ALICE",
    "BAN_MEMBERS",
    "BOB",
    "BOSS",
    "BOT",
    "BOT_PERMS",
    "BOT_ROLE",
    "CATEGORY",
    "EMBED_LINKS",
    "EVERYONE_PERMS",
    "GENERAL",
    "GUILD",
    "INTENT_DIRECT_MESSAGES",
    "INTENT_MEMBERS",
    "INTENT_MESSAGE_CONTENT",
    "JSON",
    "KICK_MEMBERS",
    "LOG_CHANNEL",
    "MANAGE_CHANNELS",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "MOD",
    "MODERATE_MEMBERS",
    "MOD_CHANNEL",
    "MOD_ROLE",
    "OWNER",
    "PRIVILEGED",
    "READ_HISTORY",
    "SEND_MESSAGES",
    "THREAD",
    "VIEW_CHANNEL",
    "WELCOME",
    "FakeDiscord",
    "FakeGuild",
    "Fault",
    "Recorded",
    "acme_guild",
    "channel_payload",
    "iso",
    "member_payload",
    "role_payload",
    "running",
    "snowflake",
    "user_payload",
]


class FakeDiscord(FakeRest):
    """Serves Discord's gateway and REST API on 127.0.0.1 (aiohttp); records requests; injects faults.

    Args:
        guilds: Guilds sent in GUILD_CREATE after READY.
        bot_id: The bot's user id (also its application id unless ``app_id`` is given).
        allowed_intents: Privileged intents enabled "in the developer portal"; identifying with any other
            privileged intent closes the socket with 4014 like Discord does.
        closed_dms: User ids whose DMs are closed (403 50007).
    """

    def __init__(
        self,
        guilds: list[FakeGuild],
        *,
        bot_id: str = "900",
        app_id: str | None = None,
        allowed_intents: int = PRIVILEGED,
        closed_dms: set[str] | None = None,
    ) -> None:
        self.guilds = {g.id: g for g in guilds}
        self.bot_user = user_payload(bot_id, "Steward", bot=True)
        self.app_id = app_id or bot_id
        self.allowed_intents = allowed_intents
        self.closed_dms = set(closed_dms or ())
        self.app_flags = 1 << 19  # GATEWAY_MESSAGE_CONTENT_LIMITED
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.messages: dict[str, JSON] = {}
        self.commands: dict[str, list[JSON]] = {}
        self.bans: dict[tuple[str, str], JSON] = {}
        self.identifies: list[JSON] = []
        self.resumes: list[JSON] = []
        self.gateway_events: list[JSON] = []
        self.session_id = "fake-session"
        self._seq = 0
        self._ws: web.WebSocketResponse | None = None
        self._connected = asyncio.Event()
        self._ready_sent = asyncio.Event()
        self._request_event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._dms: dict[str, str] = {}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server: Any = site._server
        self.port = int(server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Close the socket and the server."""
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        """Point discord.py at this fake (only its two base URLs), restoring them afterwards."""
        import discord.gateway
        import discord.http
        import yarl

        old_gw = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        old_base = discord.http.Route.BASE
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        discord.http.Route.BASE = self.api_base
        try:
            yield
        finally:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gw
            discord.http.Route.BASE = old_base

    # ------------------------------------------------------------------ test controls

    def fail(
        self,
        method: str,
        path: str,
        *,
        status: int = 403,
        code: int = 50013,
        message: str = "Missing Permissions",
        times: int = 1,
    ) -> Fault:
        """Make matching requests fail with a Discord error body (``times=-1``: always)."""
        fault = Fault(method, path, status, {"message": message, "code": code}, times)
        self.faults.append(fault)
        return fault

    def rate_limit(self, method: str, path: str, *, retry_after: float = 0.3, times: int = 1) -> Fault:
        """Answer matching requests with 429 and the headers discord.py reads."""
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        headers = {
            "Via": "1.1 google",
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Reset": str(time.time() + retry_after),
            "X-RateLimit-Bucket": "fakebucket",
            "X-RateLimit-Scope": "user",
            "Retry-After": str(retry_after),
        }
        fault = Fault(method, path, 429, body, times, headers)
        self.faults.append(fault)
        return fault

    def requests_to(self, method: str, pattern: str) -> list[Recorded]:
        """Recorded requests whose path matches a regex."""
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    async def wait_request(
        self,
        method: str,
        pattern: str,
        *,
        count: int = 1,
        within: float = 5.0,
        where: Callable[[Recorded], bool] | None = None,
    ) -> list[Recorded]:
        """Wait until ``count`` successful requests match; return them."""

        def found() -> list[Recorded]:
            hits = [r for r in self.requests_to(method, pattern) if r.status < 400]
            return [r for r in hits if where is None or where(r)]

        async with asyncio.timeout(within):
            while len(found()) < count:
                self._request_event.clear()
                await self._request_event.wait()
        return found()

    async def wait_ready(self, within: float = 5.0) -> None:
        """Wait until READY and the GUILD_CREATEs have been sent."""
        async with asyncio.timeout(within):
            await self._ready_sent.wait()

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send a DISPATCH event to the connected client."""
        async with asyncio.timeout(5):
            await self._connected.wait()
        await self._send_dispatch(event, data)

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the gateway socket with a resumable code (the client should RESUME)."""
        self._ready_sent.clear()
        self._connected.clear()
        if self._ws is not None:
            await self._ws.close(code=code)

    async def wait_connected(self, within: float = 5.0) -> None:
        """Wait until a client is connected (after IDENTIFY or RESUME)."""
        async with asyncio.timeout(within):
            await self._connected.wait()

    # ------------------------------------------------------------------ payload builders

    def message(
        self,
        guild_id: str,
        channel_id: str,
        author_id: str,
        content: str,
        *,
        message_id: str | None = None,
        mentions: list[str] | None = None,
        attachments: list[JSON] | None = None,
        reply_to: str | None = None,
        forward_of: JSON | None = None,
    ) -> JSON:
        """A MESSAGE_CREATE payload from a member of a guild (the fake remembers the message)."""
        guild = self.guilds[guild_id]
        member = guild.members[author_id]
        mention_users = []
        for uid in mentions or []:
            m = guild.members.get(uid)
            user = m["user"] if m else user_payload(uid, f"user{uid}")
            mention_users.append(user | {"member": {k: v for k, v in (m or {}).items() if k != "user"}})
        data: JSON = {
            "id": message_id or snowflake(),
            "type": 19 if reply_to else 0,
            "channel_id": channel_id,
            "guild_id": guild_id,
            "author": member["user"],
            "member": {k: v for k, v in member.items() if k != "user"},
            "content": content,
            "timestamp": iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mention_users,
            "mention_roles": [],
            "attachments": attachments or [],
            "embeds": [],
            "pinned": False,
            "flags": 0,
            "components": [],
        }
        if reply_to:
            data["message_reference"] = {
                "message_id": reply_to,
                "channel_id": channel_id,
                "guild_id": guild_id,
            }
            ref = self.messages.get(reply_to)
            data["referenced_message"] = ref
        if forward_of is not None:
            data["message_reference"] = {
                "type": 1,
                "message_id": forward_of["id"],
                "channel_id": forward_of["channel_id"],
                "guild_id": forward_of.get("guild_id"),
            }
            keys = ("type", "content", "embeds", "attachments", "timestamp", "edited_timestamp", "flags")
            data["message_snapshots"] = [{"message": {k: forward_of[k] for k in keys}}]
        self.messages[data["id"]] = data
        return data

    async def send_message(self, *args: Any, **kwargs: Any) -> JSON:
        """Build a message with :meth:`message`, strip content as Discord does without the intent, send it."""
        data = self.message(*args, **kwargs)
        await self.dispatch("MESSAGE_CREATE", self._visible(data))
        return data

    def direct_message(self, author: JSON, content: str) -> JSON:
        """A MESSAGE_CREATE payload for a DM from ``author`` (a user object) to the bot: no guild, and
        the user's DM channel (the one the bot's own DMs to them go to)."""
        channel_id = self._dms.setdefault(author["id"], snowflake())
        data: JSON = {
            "id": snowflake(),
            "type": 0,
            "channel_id": channel_id,
            "channel_type": 1,
            "author": author,
            "content": content,
            "timestamp": iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "flags": 0,
            "components": [],
        }
        self.messages[data["id"]] = data
        return data

    async def send_direct_message(self, author: JSON, content: str) -> JSON:
        """Dispatch a DM to the bot if it asked for DM intents (Discord keeps DMs' text without the
        Message Content intent)."""
        data = self.direct_message(author, content)
        intents = self.identifies[-1]["intents"] if self.identifies else 0
        if intents & INTENT_DIRECT_MESSAGES:
            await self.dispatch("MESSAGE_CREATE", data)
        return data

    def dms_to(self, user_id: str) -> list[Recorded]:
        """Messages the bot sent successfully to a user's DM channel."""
        channel = self._dms.get(user_id)
        if channel is None:
            return []
        return [r for r in self.requests_to("POST", rf"/channels/{channel}/messages") if r.status < 400]

    async def wait_dm(
        self, user_id: str, where: Callable[[str], bool] | None = None, *, within: float = 5.0
    ) -> str:
        """Wait for the bot's DM to a user (whose text satisfies ``where``); return its text."""
        async with asyncio.timeout(within):
            while True:
                texts = [r.json.get("content") or "" for r in self.dms_to(user_id)]
                hits = [t for t in texts if where is None or where(t)]
                if hits:
                    return hits[-1]
                self._request_event.clear()
                await self._request_event.wait()

    def _visible(self, data: JSON) -> JSON:
        intents = self.identifies[-1]["intents"] if self.identifies else 0
        if intents & INTENT_MESSAGE_CONTENT:
            return data
        mentioned = any(u["id"] == self.bot_user["id"] for u in data.get("mentions", []))
        if mentioned:
            return data
        stripped = {"content": "", "embeds": [], "attachments": [], "components": []}
        snapshots = [{"message": s["message"] | stripped} for s in data.get("message_snapshots", [])]
        return data | stripped | ({"message_snapshots": snapshots} if snapshots else {})

    def interaction(
        self,
        guild_id: str,
        channel_id: str,
        user_id: str,
        *,
        kind: int,
        data: JSON,
        message: JSON | None = None,
    ) -> JSON:
        """An INTERACTION_CREATE payload (kind 2: slash command, 3: component)."""
        guild = self.guilds[guild_id]
        member = guild.members[user_id]
        perms = self.member_permissions(guild_id, user_id)
        payload: JSON = {
            "id": snowflake(),
            "application_id": self.app_id,
            "type": kind,
            "data": data,
            "guild_id": guild_id,
            "guild": {"id": guild_id, "locale": "en-US", "features": []},
            "channel_id": channel_id,
            "channel": self._channel(guild_id, channel_id),
            "member": member | {"permissions": str(perms)},
            "token": "itoken-" + snowflake(),
            "version": 1,
            "app_permissions": str(self.member_permissions(guild_id, self.bot_user["id"])),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild_id},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        return payload

    def slash(self, guild_id: str, channel_id: str, user_id: str, name: str, **options: Any) -> JSON:
        """An application command interaction for a synced command."""
        cmd = next(c for c in self.commands.get(guild_id, []) if c["name"] == name)
        opts = []
        for key, value in options.items():
            kind = 4 if isinstance(value, int) else 3
            opts.append({"name": key, "type": kind, "value": value})
        data = {"id": cmd["id"], "name": name, "type": 1, "guild_id": guild_id, "options": opts}
        return self.interaction(guild_id, channel_id, user_id, kind=2, data=data)

    def click(self, guild_id: str, user_id: str, message: JSON, custom_id: str) -> JSON:
        """A button click (component interaction) on a message the bot posted."""
        data = {"custom_id": custom_id, "component_type": 2}
        return self.interaction(guild_id, message["channel_id"], user_id, kind=3, data=data, message=message)

    def member_permissions(self, guild_id: str, user_id: str) -> int:
        """Guild-level permissions of a member (owner and administrators get everything)."""
        guild = self.guilds[guild_id]
        if user_id == guild.owner_id:
            return (1 << 53) - 1
        roles = {r["id"]: r for r in guild.roles}
        perms = int(roles[guild.id]["permissions"]) if guild.id in roles else 0
        for rid in guild.members.get(user_id, {}).get("roles", []):
            perms |= int(roles[rid]["permissions"])
        if perms & ADMINISTRATOR:
            return (1 << 53) - 1
        return perms

    def _channel(self, guild_id: str, channel_id: str) -> JSON:
        guild = self.guilds.get(guild_id)
        for ch in (guild.channels + guild.threads) if guild else []:
            if ch["id"] == channel_id:
                return ch | {"guild_id": guild_id}
        return channel_payload(channel_id, "unknown") | {"guild_id": guild_id}

    # ------------------------------------------------------------------ gateway

    async def _send_dispatch(self, event: str, data: JSON) -> None:
        self._seq += 1
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        self.gateway_events.append(frame)
        if self._ws is not None and not self._ws.closed:
            await self._ws.send_str(json.dumps(frame))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            op, data = frame.get("op"), frame.get("d")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                await self._identify(ws, data)
            elif op == 6:
                await self._resume(ws, data)
            elif op == 8:
                await self._chunk(data)
        if self._ws is ws:
            self._connected.clear()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: JSON) -> None:
        self.identifies.append(data)
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED & ~self.allowed_intents:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self._seq = 0
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": gid, "unavailable": True} for gid in self.guilds],
            "session_id": self.session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": [0, 1],
            "application": {"id": self.app_id, "flags": self.app_flags},
            "private_channels": [],
            "relationships": [],
        }
        self._connected.set()
        await self._send_dispatch("READY", ready)
        for guild in self.guilds.values():
            await self._send_dispatch("GUILD_CREATE", guild.payload())
        self._ready_sent.set()

    async def _resume(self, ws: web.WebSocketResponse, data: JSON) -> None:
        self.resumes.append(data)
        if data.get("session_id") != self.session_id:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        self._connected.set()
        await self._send_dispatch("RESUMED", {})
        self._ready_sent.set()

    async def _chunk(self, data: JSON) -> None:
        guild = self.guilds.get(str(data.get("guild_id")))
        if guild is None:
            return
        chunk = {
            "guild_id": guild.id,
            "members": list(guild.members.values()),
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": data.get("nonce"),
        }
        await self._send_dispatch("GUILD_MEMBERS_CHUNK", chunk)

    def _request_seen(self) -> None:
        self._request_event.set()


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    """Start a fake, patch discord.py's base URLs at it, and stop/restore afterwards."""
    await fake.start()
    try:
        with fake.patched():
            yield fake
    finally:
        await fake.stop()
