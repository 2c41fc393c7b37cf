"""Shared setup of the community manager tests: a community, a harness on SQLite, message helpers."""

from __future__ import annotations

import dataclasses
import textwrap
from datetime import timedelta

from moderation.domain import Actor, InboundMessage, MessageMeta
from moderation.storage.store import SqlStore
from tests.harness import MEMBER, MODERATOR, Harness, make_message

BOB = Actor(platform="sandbox", user_id="1002", display_name="bob")
CAROL = Actor(platform="sandbox", user_id="1003", display_name="carol")

COMMUNITY = textwrap.dedent(
    """\
    community: acme
    platforms:
      sandbox: {}
      telegram: {chat_ids: ["-1001234"], mod_chat_id: "-1009999"}
    levels: {"sandbox:mod": 50, "sandbox:admin": 100}
    faq:
      mode: answer
      threshold: 0.5
      question_at: 0.5
      entries:
        password:
          questions: {en: ["how do I reset my password"]}
          answer: {en: "Open Settings, then Reset password."}
    responses: {staff_window: 30m, remind_after: 2h}
    mood: {window: 15m, baseline: 24h, factor: 3, min_count: 5, min_baseline: 0.02, cooldown: 1h}
    """
)
SCORES = {
    "?": {"question": 0.9},
    "idiot": {"toxic": 0.95},
}


def manager_store(h: Harness) -> SqlStore:
    assert isinstance(h.store, SqlStore)
    return h.store


async def flush(h: Harness) -> None:
    """Write the tracker's queued records now (in production a timer does it within half a second)."""
    assert h.service.manager is not None
    await h.service.manager.flush()


async def say(h: Harness, text: str, *, author: Actor = MEMBER, channel: str | None = None) -> InboundMessage:
    msg = make_message(text, author=author, channel_id=channel, sent_at=h.clock.now())
    await h.push(msg)
    await flush(h)
    return msg


async def reply(h: Harness, to: InboundMessage, text: str, *, author: Actor) -> InboundMessage:
    msg = make_message(text, author=author, channel_id=to.scope.channel_id, sent_at=h.clock.now())
    meta = MessageMeta(reply_to=to.message_id, reply_to_author=to.author.user_id)
    msg = dataclasses.replace(msg, meta=meta)
    await h.push(msg)
    await flush(h)
    return msg


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


__all__ = ["BOB", "CAROL", "COMMUNITY", "MEMBER", "MODERATOR", "SCORES", "Harness"]
