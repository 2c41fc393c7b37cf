"""REST half of the fake Discord: routes under /api/v10, recorded requests and injected faults."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.discord_payloads import JSON, FakeGuild, iso, snowflake, user_payload

Reply = tuple[int, Any, dict[str, str]]


@dataclass(frozen=True)
class RestFile:
    """A file uploaded with a multipart/form-data request (``files[n]``)."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Recorded:
    """One REST request the fake received (a multipart body is its ``payload_json`` plus ``files``)."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]
    query: dict[str, str]
    status: int = 0
    files: list[RestFile] = field(default_factory=list)

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


class FakeRest:
    """Discord's REST API as far as Steward uses it; state lives on the instance (see ``FakeDiscord``)."""

    guilds: dict[str, FakeGuild]
    bot_user: JSON
    app_id: str
    app_flags: int
    closed_dms: set[str]
    requests: list[Recorded]
    faults: list[Fault]
    messages: dict[str, JSON]
    commands: dict[str, list[JSON]]
    bans: dict[tuple[str, str], JSON]
    _dms: dict[str, str]

    @property
    def gateway_url(self) -> str:
        """Where the gateway listens (``FakeDiscord`` knows its port)."""
        raise NotImplementedError

    def _request_seen(self) -> None:
        """Hook called after every request."""

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: list[RestFile] = []
        if request.can_read_body and request.content_type == "multipart/form-data":
            body, files = await _read_multipart(request)
        elif request.can_read_body:
            raw = await request.read()
            if raw and request.content_type == "application/json":
                body = json.loads(raw)
            elif raw:
                body = raw.decode("utf-8", "replace")
        rec = Recorded(request.method, path, body, dict(request.headers), dict(request.query), files=files)
        self.requests.append(rec)
        try:
            status, payload, headers = self._fault(request.method, path) or self._route(rec)
        finally:
            self._request_seen()
        rec.status = status
        if payload is None:
            return web.Response(status=status, headers=headers)
        return web.Response(
            status=status, body=json.dumps(payload).encode(), content_type="application/json", headers=headers
        )

    def _fault(self, method: str, path: str) -> Reply | None:
        for fault in self.faults:
            if fault.matches(method, path):
                fault.times -= 1
                return fault.status, fault.body, dict(fault.headers)
        return None

    def _route(self, rec: Recorded) -> Reply:
        for method, pattern, handler in self._routes():
            if method != rec.method:
                continue
            m = re.fullmatch(pattern, rec.path)
            if m:
                return handler(rec, *m.groups())
        return 404, {"message": "404: Not Found", "code": 0}, {}

    def _routes(self) -> list[tuple[str, str, Callable[..., Reply]]]:
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

    def _app_info(self, rec: Recorded) -> Reply:
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

    def _put_commands(self, rec: Recorded, app_id: str, guild_id: str) -> Reply:
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

    def _post_message(self, rec: Recorded, channel_id: str) -> Reply:
        if len(rec.json.get("content") or "") > 2000:  # Discord's real answer to an over-long message
            error = {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
            return (
                400,
                {"message": "Invalid Form Body", "code": 50035, "errors": {"content": {"_errors": [error]}}},
                {},
            )
        if channel_id in self._dms.values():
            user_id = next(u for u, c in self._dms.items() if c == channel_id)
            if user_id in self.closed_dms:
                return 403, {"message": "Cannot send messages to this user", "code": 50007}, {}
        data = self._bot_message(channel_id, rec.json)
        data["attachments"] = [_attachment(channel_id, f) for f in rec.files]
        self.messages[data["id"]] = data
        return 200, data, {}

    def _patch_message(self, rec: Recorded, channel_id: str, message_id: str) -> Reply:
        msg = self.messages.get(message_id)
        if msg is None:
            return 404, {"message": "Unknown Message", "code": 10008}, {}
        for key in ("content", "embeds", "components"):
            if key in rec.json:
                msg[key] = rec.json[key]
        msg["edited_timestamp"] = iso()
        return 200, msg, {}

    def _delete_message(self, rec: Recorded, channel_id: str, message_id: str) -> Reply:
        if self.messages.pop(message_id, None) is None:
            return 404, {"message": "Unknown Message", "code": 10008}, {}
        return 204, None, {}

    def _member_or_404(self, guild_id: str, user_id: str) -> JSON | None:
        guild = self.guilds.get(guild_id)
        return guild.members.get(user_id) if guild else None

    def _get_member(self, rec: Recorded, guild_id: str, user_id: str) -> Reply:
        member = self._member_or_404(guild_id, user_id)
        if member is None:
            return 404, {"message": "Unknown Member", "code": 10007}, {}
        return 200, member, {}

    def _patch_member(self, rec: Recorded, guild_id: str, user_id: str) -> Reply:
        member = self._member_or_404(guild_id, user_id)
        if member is None:
            return 404, {"message": "Unknown Member", "code": 10007}, {}
        if "communication_disabled_until" in rec.json:
            member["communication_disabled_until"] = rec.json["communication_disabled_until"]
        return 200, member, {}

    def _kick(self, rec: Recorded, guild_id: str, user_id: str) -> Reply:
        guild = self.guilds.get(guild_id)
        if guild is None or guild.members.pop(user_id, None) is None:
            return 404, {"message": "Unknown Member", "code": 10007}, {}
        return 204, None, {}

    def _ban(self, rec: Recorded, guild_id: str, user_id: str) -> Reply:
        self.bans[(guild_id, user_id)] = dict(rec.query) | rec.json  # discord.py sends a query parameter
        guild = self.guilds.get(guild_id)
        if guild is not None:
            guild.members.pop(user_id, None)
        return 204, None, {}

    def _unban(self, rec: Recorded, guild_id: str, user_id: str) -> Reply:
        if self.bans.pop((guild_id, user_id), None) is None:
            return 404, {"message": "Unknown Ban", "code": 10026}, {}
        return 204, None, {}

    def _open_dm(self, rec: Recorded) -> Reply:
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

    def _callback(self, rec: Recorded, interaction_id: str, token: str) -> Reply:
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

    def _followup(self, rec: Recorded, app_id: str, token: str) -> Reply:
        return 200, self._bot_message("0", rec.json), {}

    def _edit_webhook_message(self, rec: Recorded, app_id: str, token: str, message_id: str) -> Reply:
        return 200, self._bot_message("0", rec.json), {}


async def _read_multipart(request: web.Request) -> tuple[JSON, list[RestFile]]:
    """discord.py's multipart body: a ``payload_json`` field and ``files[n]`` parts."""
    form = await request.post()
    payload: JSON = {}
    files: list[RestFile] = []
    for name, value in form.items():
        if isinstance(value, web.FileField):
            files.append(RestFile(name, value.filename, value.content_type, value.file.read()))
        elif name == "payload_json" and isinstance(value, str):
            payload = json.loads(value)
    return payload, files


def _attachment(channel_id: str, upload: RestFile) -> JSON:
    attachment_id = snowflake()
    url = f"https://cdn.discordapp.com/attachments/{channel_id}/{attachment_id}/{upload.filename}"
    return {
        "id": attachment_id,
        "filename": upload.filename,
        "size": len(upload.data),
        "url": url,
        "proxy_url": url,
        "content_type": upload.content_type,
    }
