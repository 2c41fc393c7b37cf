"""A fake Telegram Bot API server (aiohttp on 127.0.0.1) that the real python-telegram-bot talks to.

It speaks the Bot API's HTTP shape: ``POST /bot<token>/<method>`` with form, multipart or JSON bodies
(PTB JSON-encodes every non-string field), answers ``{"ok": true, "result": ...}`` or Telegram's real
error replies, records every call, long-polls ``getUpdates`` over injected updates, and injects faults.
The update builders of ``tests.fakes.telegram_updates`` are re-exported here.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.telegram_updates import (
    admin_member,
    callback_update,
    chat,
    chat_member_update,
    left_member_update,
    message,
    message_update,
    new_members_update,
    user,
)

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "TOKEN",
    "ApiCall",
    "FakeBotApi",
    "Upload",
    "admin_member",
    "callback_update",
    "chat",
    "chat_member_update",
    "left_member_update",
    "message",
    "message_update",
    "new_members_update",
    "user",
]

TOKEN = "123456:TEST-token"
BOT_ID = 123456
BOT_USERNAME = "steward_test_bot"

# Fields that are free text: never JSON-decoded even when they look like numbers.
_TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "url",
        "secret_token",
        "callback_query_id",
        "parse_mode",
        "inline_message_id",
        "ip_address",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "description",
        "short_description",
        "name",
    }
)

NOT_FOUND_DELETE = "Bad Request: message to delete not found"
NO_RIGHTS_DELETE = "Bad Request: not enough rights to delete a message"
NO_RIGHTS_RESTRICT = "Bad Request: not enough rights to restrict/unrestrict chat member"
NOT_A_MEMBER = "Forbidden: bot is not a member of the supergroup chat"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"


@dataclass
class ApiCall:
    """One Bot API request the fake received."""

    method: str
    params: dict[str, Any]
    at: float


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request (``sendPhoto``'s ``photo``, ...)."""

    method: str
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class _Fault:
    method: str
    times: int
    status: int
    description: str
    retry_after: int | None = None
    drop: bool = False


@dataclass
class FakeBotApi:
    """The fake Bot API server. ``await start()`` then point PTB at ``base_url``."""

    token: str = TOKEN
    bot_id: int = BOT_ID
    bot_username: str = BOT_USERNAME
    calls: list[ApiCall] = field(default_factory=list)
    admins: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    members: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5000))
    _faults: list[_Fault] = field(default_factory=list)
    _changed: asyncio.Event | None = None
    _runner: web.AppRunner | None = None
    _closing: bool = False
    port: int = 0
    sent: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    deleted: set[tuple[int, int]] = field(default_factory=set)
    closed_dms: set[int] = field(default_factory=set)
    uploads: list[Upload] = field(default_factory=list)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        self._changed = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening (pending long polls end)."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """What ``TELEGRAM_API_BASE_URL`` should be (PTB's base_url is this plus ``/bot``)."""
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ test controls

    def inject(self, update: Mapping[str, Any]) -> int:
        """Queue an update for ``getUpdates`` (an ``update_id`` is assigned); return its id."""
        update_id = next(self._update_ids)
        self._updates.append({**update, "update_id": update_id})
        self._notify()
        return update_id

    def fail(
        self,
        method: str,
        *,
        status: int = 400,
        description: str = "Bad Request",
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (``*`` = any) fail with a Bot API error."""
        self._faults.append(_Fault(method, times, status, description, retry_after))

    def flood(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer 429 Too Many Requests with ``parameters.retry_after``."""
        self.fail(
            method,
            status=429,
            description=f"Too Many Requests: retry after {retry_after}",
            times=times,
            retry_after=retry_after,
        )

    def drop(self, method: str, times: int = 1) -> None:
        """Drop the connection without an answer on the next ``times`` calls to ``method``."""
        self._faults.append(_Fault(method, times, 0, "", drop=True))

    def set_admins(
        self, chat_id: int, *users: Mapping[str, Any], creator: Mapping[str, Any] | None = None
    ) -> None:
        """Set a chat's administrators (``getChatAdministrators``)."""
        entries: list[dict[str, Any]] = []
        if creator is not None:
            entries.append({"status": "creator", "user": dict(creator), "is_anonymous": False})
        for admin in users:
            entries.append(admin_member(admin))
        self.admins[chat_id] = entries

    def member_message(self, chat_id: int, sender: Mapping[str, Any], text: str) -> dict[str, Any]:
        """A message a member posted (known to the fake, e.g. for deletion); also injected as an update."""
        payload = message(chat_id, sender, text, message_id=next(self._message_ids))
        self.sent[(chat_id, payload["message_id"])] = payload
        self.inject({"message": payload})
        return payload

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every call to ``method``, in order."""
        return [c.params for c in self.calls if c.method == method]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] = lambda _p: True,
        *,
        within: float = 5.0,
        count: int = 1,
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` calls to ``method`` match ``predicate``; return them."""
        deadline = time.monotonic() + within
        while True:
            found = [p for p in self.calls_to(method) if predicate(p)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(c.method, c.params) for c in self.calls if c.method != "getUpdates"]
                raise AssertionError(f"no {count} matching {method} call(s) within {within}s; saw {seen}")
            await asyncio.sleep(0.02)

    async def wait_polled(self, after: int | None = None, *, within: float = 5.0) -> None:
        """Wait until the client has polled for updates past ``after`` (default: all injected ones)."""
        target = (self._updates[-1]["update_id"] if self._updates else 0) if after is None else after
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            offsets = [int(p.get("offset") or 0) for p in self.calls_to("getUpdates")]
            if offsets and max(offsets) > target:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"client never confirmed update {target}")

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_params(request)
        self.uploads.extend(
            Upload(method, name, f.filename, f.content_type, f.file.read()) for name, f in files.items()
        )
        self.calls.append(ApiCall(method, params, time.monotonic()))
        self._notify()
        fault = self._take_fault(method)
        if fault is not None:
            if fault.drop:
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError
            if fault.status >= 500:
                return web.Response(status=fault.status, text="Bad Gateway")
            extra = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
            return _error(fault.status, fault.description, extra)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in (method, "*") and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------------ methods

    def _me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Steward",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }

    async def _m_getMe(self, _p: dict[str, Any]) -> Any:
        return self._me()

    async def _m_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        timeout = float(p.get("timeout") or 0)
        allowed = p.get("allowed_updates")
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if allowed:  # Telegram drops updates of kinds the bot did not ask for
            self._updates = [u for u in self._updates if any(k in u for k in allowed)]
        deadline = time.monotonic() + timeout
        while not self._updates:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._changed is None or self._closing:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        limit = int(p.get("limit") or 100)
        return self._updates[:limit]

    async def _m_deleteWebhook(self, _p: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    async def _m_setWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = dict(p)
        return True

    async def _m_getWebhookInfo(self, _p: dict[str, Any]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        cid = int(chat_id)
        return {"id": cid, "type": "supergroup" if cid < 0 else "private", "title": f"chat {cid}"}

    async def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        if int(p["chat_id"]) in self.closed_dms:
            return _error(403, CANT_INITIATE)
        if len(p.get("text", "")) > 4096:
            return _error(400, "Bad Request: message is too long")
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(p["chat_id"]),
            "from": self._me(),
            "text": p.get("text", ""),
        }
        if "reply_markup" in p:
            message["reply_markup"] = p["reply_markup"]
        if "message_thread_id" in p:
            message["message_thread_id"] = p["message_thread_id"]
        self.sent[(int(p["chat_id"]), message["message_id"])] = message
        return message

    async def _m_sendPhoto(self, p: dict[str, Any]) -> Any:
        caption = p.get("caption", "")
        if len(caption) > 1024:
            return _error(400, "Bad Request: message caption is too long")
        upload = next((u for u in reversed(self.uploads) if u.method == "sendPhoto"), None)
        if p.get("photo") != "<file>" or upload is None:
            return _error(400, "Bad Request: there is no photo in the request")
        width, height = _png_size(upload.data)
        if not width:
            return _error(400, "Bad Request: IMAGE_PROCESS_FAILED")
        message_id = next(self._message_ids)
        size = {
            "file_id": f"photo-{message_id}",
            "file_unique_id": f"u{message_id}",
            "width": width,
            "height": height,
            "file_size": len(upload.data),
        }
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(p["chat_id"]),
            "from": self._me(),
            "photo": [size],
        }
        if caption:
            message["caption"] = caption
        self.sent[(int(p["chat_id"]), message_id)] = message
        return message

    async def _m_editMessageText(self, p: dict[str, Any]) -> Any:
        key = (int(p["chat_id"]), int(p["message_id"]))
        message = self.sent.get(key)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        if message.get("text") == p.get("text") and message.get("reply_markup") == p.get("reply_markup"):
            return _error(400, "Bad Request: message is not modified")
        message = {**message, "text": p.get("text", ""), "edit_date": int(time.time())}
        message.pop("reply_markup", None)
        if "reply_markup" in p:
            message["reply_markup"] = p["reply_markup"]
        self.sent[key] = message
        return message

    async def _m_deleteMessage(self, p: dict[str, Any]) -> Any:
        key = (int(p["chat_id"]), int(p["message_id"]))
        if key in self.deleted:
            return _error(400, NOT_FOUND_DELETE)
        self.deleted.add(key)
        self.sent.pop(key, None)
        return True

    async def _m_restrictChatMember(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_banChatMember(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_unbanChatMember(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_getChatMember(self, p: dict[str, Any]) -> Any:
        chat_id, user_id = int(p["chat_id"]), int(p["user_id"])
        for admin in self.admins.get(chat_id, []):
            if admin["user"]["id"] == user_id:
                return admin
        if (chat_id, user_id) in self.members:
            return self.members[(chat_id, user_id)]
        return {"status": "member", "user": user(user_id)}

    async def _m_getChatAdministrators(self, p: dict[str, Any]) -> Any:
        return self.admins.get(int(p["chat_id"]), [])

    async def _m_setMyCommands(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_deleteMyCommands(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_answerCallbackQuery(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_close(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_logOut(self, _p: dict[str, Any]) -> Any:
        return True


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, web.FileField]]:
    if request.content_type == "application/json":
        raw = await request.json()
        return (dict(raw) if isinstance(raw, dict) else {}), {}
    form = await request.post()
    params: dict[str, Any] = dict(request.query)
    files: dict[str, web.FileField] = {}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = "<file>"
            files[key] = value
            continue
        if not isinstance(value, str):
            params[key] = "<file>"
            continue
        params[key] = value if key in _TEXT_FIELDS else _maybe_json(value)
    return params, files


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR, or ``(0, 0)`` if ``data`` is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return 0, 0
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _error(status: int, description: str, parameters: Mapping[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = dict(parameters)
    return web.json_response(body, status=status)
