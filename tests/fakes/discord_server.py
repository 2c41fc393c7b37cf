"""A fake Discord (websocket gateway + REST under /api/v10) on 127.0.0.1 for the real discord.py client."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

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


@dataclass
class Recorded:
    """One REST request the fake received."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]
    query: dict[str, str]
    status: int = 0

    @property
    def json(self) -> JSON:
        """The body as a dict (empty if none)."""
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class Fault:
    """An injected failure for requests matching ``method`` and the ``path`` regex."""

    method: str
    path: str
    status: int
    body: JSON
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        return self.times != 0 and self.method == method and re.fullmatch(self.path, path) is not None


class FakeDiscord:
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

    # ------------------------------------------------------------------ REST

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if raw and request.content_type == "application/json":
                body = json.loads(raw)
            elif raw:
                body = raw.decode("utf-8", "replace")
        rec = Recorded(request.method, path, body, dict(request.headers), dict(request.query))
        self.requests.append(rec)
        try:
            status, payload, headers = self._fault(request.method, path) or self._route(rec)
        finally:
            self._request_event.set()
        rec.status = status
        if payload is None:
            return web.Response(status=status, headers=headers)
        return web.Response(
            status=status, body=json.dumps(payload).encode(), content_type="application/json", headers=headers
        )

    def _fault(self, method: str, path: str) -> tuple[int, Any, dict[str, str]] | None:
        for fault in self.faults:
            if fault.matches(method, path):
                fault.times -= 1
                return fault.status, fault.body, dict(fault.headers)
        return None

    def _route(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        for method, pattern, handler in self._routes():
            if method != rec.method:
                continue
            m = re.fullmatch(pattern, rec.path)
            if m:
                return handler(rec, *m.groups())
        return 404, {"message": "404: Not Found", "code": 0}, {}

    def _routes(self) -> list[tuple[str, str, Callable[..., tuple[int, Any, dict[str, str]]]]]:
        return [
            ("GET", r"/users/@me", lambda r: (200, self.bot_user, {})),
            ("GET", r"/oauth2/applications/@me", self._app_info),
            ("GET", r"/gateway(?:/bot)?", lambda r: (200, {"url": self.gateway_url, "shards": 1}, {})),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self._put_commands),
            ("PUT", r"/applications/(\d+)/commands", lambda r, a: (200, [], {})),
            ("POST", r"/channels/(\d+)/messages", self._post_message),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self._patch_message),
            ("DELETE", r"/channels/(\d+)/messages/(\d+)", self._delete_message),
            ("PATCH", r"/guilds/(\d+)/members/(\d+)", self._patch_member),
            ("GET", r"/guilds/(\d+)/members/(\d+)", self._get_member),
            ("DELETE", r"/guilds/(\d+)/members/(\d+)", self._kick),
            ("PUT", r"/guilds/(\d+)/bans/(\d+)", self._ban),
            ("DELETE", r"/guilds/(\d+)/bans/(\d+)", self._unban),
            ("POST", r"/users/@me/channels", self._open_dm),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self._followup),
            ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", self._edit_webhook_message),
        ]

    def _app_info(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        return (
            200,
            {
                "id": self.app_id,
                "name": "Steward",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": user_payload("1", "owner"),
                "verify_key": "0" * 64,
                "flags": self.app_flags,
                "summary": "",
                "team": None,
                "interactions_endpoint_url": None,
            },
            {},
        )

    def _put_commands(self, rec: Recorded, app_id: str, guild_id: str) -> tuple[int, Any, dict[str, str]]:
        out = []
        for cmd in rec.body or []:
            out.append(
                cmd
                | {
                    "id": snowflake(),
                    "application_id": app_id,
                    "guild_id": guild_id,
                    "version": snowflake(),
                    "type": cmd.get("type", 1),
                }
            )
        self.commands[guild_id] = out
        return 200, out, {}

    def _bot_message(self, channel_id: str, body: JSON, *, author: JSON | None = None) -> JSON:
        guild_id = next(
            (
                g.id
                for g in self.guilds.values()
                if any(c["id"] == channel_id for c in g.channels + g.threads)
            ),
            None,
        )
        data: JSON = {
            "id": snowflake(),
            "type": 19 if body.get("message_reference") else 0,
            "channel_id": channel_id,
            "author": author or self.bot_user,
            "content": body.get("content") or "",
            "timestamp": iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "flags": int(body.get("flags") or 0),
        }
        if guild_id:
            data["guild_id"] = guild_id
        if body.get("message_reference"):
            data["message_reference"] = body["message_reference"] | {"channel_id": channel_id}
        return data

    def _post_message(self, rec: Recorded, channel_id: str) -> tuple[int, Any, dict[str, str]]:
        if channel_id in self._dms.values():
            user_id = next(u for u, c in self._dms.items() if c == channel_id)
            if user_id in self.closed_dms:
                return 403, {"message": "Cannot send messages to this user", "code": 50007}, {}
        data = self._bot_message(channel_id, rec.json)
        self.messages[data["id"]] = data
        return 200, data, {}

    def _patch_message(
        self, rec: Recorded, channel_id: str, message_id: str
    ) -> tuple[int, Any, dict[str, str]]:
        msg = self.messages.get(message_id)
        if msg is None:
            return 404, {"message": "Unknown Message", "code": 10008}, {}
        for key in ("content", "embeds", "components"):
            if key in rec.json:
                msg[key] = rec.json[key]
        msg["edited_timestamp"] = iso()
        return 200, msg, {}

    def _delete_message(
        self, rec: Recorded, channel_id: str, message_id: str
    ) -> tuple[int, Any, dict[str, str]]:
        if self.messages.pop(message_id, None) is None:
            return 404, {"message": "Unknown Message", "code": 10008}, {}
        return 204, None, {}

    def _member_or_404(self, guild_id: str, user_id: str) -> JSON | None:
        guild = self.guilds.get(guild_id)
        return guild.members.get(user_id) if guild else None

    def _get_member(self, rec: Recorded, guild_id: str, user_id: str) -> tuple[int, Any, dict[str, str]]:
        member = self._member_or_404(guild_id, user_id)
        if member is None:
            return 404, {"message": "Unknown Member", "code": 10007}, {}
        return 200, member, {}

    def _patch_member(self, rec: Recorded, guild_id: str, user_id: str) -> tuple[int, Any, dict[str, str]]:
        member = self._member_or_404(guild_id, user_id)
        if member is None:
            return 404, {"message": "Unknown Member", "code": 10007}, {}
        if "communication_disabled_until" in rec.json:
            member["communication_disabled_until"] = rec.json["communication_disabled_until"]
        return 200, member, {}

    def _kick(self, rec: Recorded, guild_id: str, user_id: str) -> tuple[int, Any, dict[str, str]]:
        guild = self.guilds.get(guild_id)
        if guild is None or guild.members.pop(user_id, None) is None:
            return 404, {"message": "Unknown Member", "code": 10007}, {}
        return 204, None, {}

    def _ban(self, rec: Recorded, guild_id: str, user_id: str) -> tuple[int, Any, dict[str, str]]:
        self.bans[(guild_id, user_id)] = dict(rec.query) | rec.json  # discord.py sends a query parameter
        guild = self.guilds.get(guild_id)
        if guild is not None:
            guild.members.pop(user_id, None)
        return 204, None, {}

    def _unban(self, rec: Recorded, guild_id: str, user_id: str) -> tuple[int, Any, dict[str, str]]:
        if self.bans.pop((guild_id, user_id), None) is None:
            return 404, {"message": "Unknown Ban", "code": 10026}, {}
        return 204, None, {}

    def _open_dm(self, rec: Recorded) -> tuple[int, Any, dict[str, str]]:
        user_id = str(rec.json["recipient_id"])
        channel_id = self._dms.setdefault(user_id, snowflake())
        user = next(
            (g.members[user_id]["user"] for g in self.guilds.values() if user_id in g.members),
            user_payload(user_id, f"user{user_id}"),
        )
        return (
            200,
            {"id": channel_id, "type": 1, "recipients": [user], "last_message_id": None, "flags": 0},
            {},
        )

    def _callback(self, rec: Recorded, interaction_id: str, token: str) -> tuple[int, Any, dict[str, str]]:
        kind = int(rec.json.get("type", 0))
        data = rec.json.get("data") or {}
        interaction: JSON = {
            "id": interaction_id,
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(int(data.get("flags") or 0) & 64),
        }
        out: JSON = {"interaction": interaction}
        if kind in (4, 7):
            message = self._bot_message("0", data)
            interaction["response_message_id"] = message["id"]
            out["resource"] = {"type": kind, "message": message}
        return 200, out, {}

    def _followup(self, rec: Recorded, app_id: str, token: str) -> tuple[int, Any, dict[str, str]]:
        return 200, self._bot_message("0", rec.json), {}

    def _edit_webhook_message(
        self, rec: Recorded, app_id: str, token: str, message_id: str
    ) -> tuple[int, Any, dict[str, str]]:
        return 200, self._bot_message("0", rec.json), {}


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord) -> AsyncIterator[FakeDiscord]:
    """Start a fake, patch discord.py's base URLs at it, and stop/restore afterwards."""
    await fake.start()
    try:
        with fake.patched():
            yield fake
    finally:
        await fake.stop()


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
