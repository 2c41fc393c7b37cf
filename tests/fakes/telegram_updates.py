"""Builders of realistic Telegram update payloads (JSON dicts) for the fake Bot API server."""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from typing import Any


def admin_member(user_payload: Mapping[str, Any]) -> dict[str, Any]:
    """A ``ChatMemberAdministrator`` with every right."""
    rights = [
        "can_be_edited",
        "can_manage_chat",
        "can_change_info",
        "can_delete_messages",
        "can_invite_users",
        "can_restrict_members",
        "can_pin_messages",
        "can_promote_members",
        "can_manage_video_chats",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
    ]
    member: dict[str, Any] = {"status": "administrator", "user": dict(user_payload), "is_anonymous": False}
    member.update(dict.fromkeys(rights, True))
    member["can_be_edited"] = False
    return member


# ---------------------------------------------------------------------- payload builders


def user(user_id: int, first_name: str | None = None, username: str | None = None) -> dict[str, Any]:
    """A ``User`` object."""
    payload: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}"}
    if username:
        payload["username"] = username
    return payload


def chat(chat_id: int, *, title: str = "Acme", is_forum: bool = False) -> dict[str, Any]:
    """A ``Chat`` object (supergroup for negative ids, private otherwise)."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
    payload: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": title}
    if is_forum:
        payload["is_forum"] = True
    return payload


_msg_ids = itertools.count(100)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_offset(text: str, needle: str) -> tuple[int, int]:
    index = text.index(needle)
    return _utf16_len(text[:index]), _utf16_len(needle)


def message(
    chat_id: int,
    sender: Mapping[str, Any],
    text: str | None = None,
    *,
    message_id: int | None = None,
    caption: str | None = None,
    thread_id: int | None = None,
    reply_to: Mapping[str, Any] | None = None,
    forwarded_from: Mapping[str, Any] | None = None,
    text_links: Mapping[str, str] | None = None,
    text_mentions: Mapping[str, Mapping[str, Any]] | None = None,
    date: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``Message`` with entities computed like Telegram does (UTF-16 offsets).

    ``url``, ``mention`` and ``bot_command`` entities are detected in the text; ``text_links`` maps a
    substring to a hidden URL and ``text_mentions`` a substring to a user without a username.
    """
    body = text if text is not None else caption or ""
    payload: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_msg_ids),
        "date": date if date is not None else int(time.time()),
        "chat": chat(chat_id, is_forum=thread_id is not None),
        "from": dict(sender),
    }
    entities = _entities(body, text_links or {}, text_mentions or {})
    if text is not None:
        payload["text"] = text
        if entities:
            payload["entities"] = entities
    if caption is not None:
        payload["caption"] = caption
        payload["photo"] = [{"file_id": "f1", "file_unique_id": "u1", "width": 90, "height": 90}]
        if entities:
            payload["caption_entities"] = entities
    if thread_id is not None:
        payload["message_thread_id"] = thread_id
        payload["is_topic_message"] = True
    if reply_to is not None:
        payload["reply_to_message"] = dict(reply_to)
    if forwarded_from is not None:
        payload["forward_origin"] = {
            "type": "user",
            "date": payload["date"] - 60,
            "sender_user": dict(forwarded_from),
        }
    if extra:
        payload.update(extra)
    return payload


def _entities(
    text: str, text_links: Mapping[str, str], text_mentions: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    position = 0
    for word in text.split(" "):
        start = position
        position += len(word) + 1
        if not word:
            continue
        kind = None
        if word.startswith("/") and start == 0 and len(word) > 1:
            kind = "bot_command"
        elif word.startswith(("http://", "https://")) or ("." in word.strip(".,") and "/" in word):
            kind = "url"
        elif word.startswith("@") and len(word) > 1:
            kind = "mention"
        if kind:
            entities.append(
                {"type": kind, "offset": _utf16_len(text[:start]), "length": _utf16_len(word.rstrip(".,!?"))}
            )
    for needle, url in text_links.items():
        offset, length = _utf16_offset(text, needle)
        entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    for needle, member in text_mentions.items():
        offset, length = _utf16_offset(text, needle)
        entities.append({"type": "text_mention", "offset": offset, "length": length, "user": dict(member)})
    return sorted(entities, key=lambda e: int(e["offset"]))


def message_update(msg: Mapping[str, Any], *, edited: bool = False) -> dict[str, Any]:
    """An update carrying a (possibly edited) message."""
    if edited:
        return {"edited_message": {**msg, "edit_date": int(time.time())}}
    return {"message": dict(msg)}


def new_members_update(chat_id: int, *members: Mapping[str, Any]) -> dict[str, Any]:
    """A service message announcing new members (``new_chat_members``)."""
    first = members[0]
    return {
        "message": {
            "message_id": next(_msg_ids),
            "date": int(time.time()),
            "chat": chat(chat_id),
            "from": dict(first),
            "new_chat_members": [dict(m) for m in members],
        }
    }


def left_member_update(chat_id: int, member: Mapping[str, Any]) -> dict[str, Any]:
    """A service message announcing that a member left (``left_chat_member``)."""
    return {
        "message": {
            "message_id": next(_msg_ids),
            "date": int(time.time()),
            "chat": chat(chat_id),
            "from": dict(member),
            "left_chat_member": dict(member),
        }
    }


def chat_member_update(
    chat_id: int,
    member: Mapping[str, Any],
    *,
    old: str = "left",
    new: str = "member",
    mine: bool = False,
    by: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``chat_member`` (or ``my_chat_member`` when ``mine``) status change."""

    def status(value: str) -> dict[str, Any]:
        if value == "administrator":
            return admin_member(member)
        if value == "restricted":
            return {
                "status": "restricted",
                "user": dict(member),
                "is_member": True,
                "until_date": 0,
                **dict.fromkeys(
                    [
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                        "can_edit_tag",
                        "can_react_to_messages",
                    ],
                    False,
                ),
            }
        if value == "kicked":
            return {"status": "kicked", "user": dict(member), "until_date": 0}
        return {"status": value, "user": dict(member)}

    body = {
        "chat": chat(chat_id),
        "from": dict(by or member),
        "date": int(time.time()),
        "old_chat_member": status(old),
        "new_chat_member": status(new),
    }
    return {"my_chat_member" if mine else "chat_member": body}


def callback_update(
    presser: Mapping[str, Any], card_message: Mapping[str, Any], data: str, *, query_id: str | None = None
) -> dict[str, Any]:
    """A ``callback_query`` for a button press on a message the bot sent."""
    return {
        "callback_query": {
            "id": query_id or str(next(_msg_ids) * 7919),
            "from": dict(presser),
            "message": dict(card_message),
            "chat_instance": "42",
            "data": data,
        }
    }
