"""Mentions trigger: more than ``max`` members mentioned in one message."""

from __future__ import annotations

import re

from moderation.config.schema import MentionsTrigger
from moderation.rules.triggers.base import TriggerContext, TriggerResult

_AT_MENTION = re.compile(r"(?<![\w@<])@([A-Za-z0-9_][\w.]{0,63})")
_DISCORD_MENTION = re.compile(r"<@[!&]?(\d{1,25})>")
_TEXT_CAP = 20_000


def count_mentions(ctx: TriggerContext) -> int:
    """Distinct mentions in a message.

    The platform's parsed ``meta.mentions`` and Discord ``<@id>`` tokens are ids; ``@name`` tokens in
    the text are names, often of the same people, so the count is the larger of the two sets rather
    than their sum (no double counting when an adapter reports both).
    """
    text = ctx.msg.text[:_TEXT_CAP]
    ids = {m.lower().lstrip("@") for m in ctx.msg.meta.mentions}
    ids.update(_DISCORD_MENTION.findall(text))
    names = {m.lower().rstrip(".") for m in _AT_MENTION.findall(text)}
    return max(len(ids), len(names))


def check(cfg: MentionsTrigger, ctx: TriggerContext) -> TriggerResult:
    """Fire when the distinct mention count exceeds ``max``."""
    count = count_mentions(ctx)
    if count > cfg.max:
        return TriggerResult.hit(f"{count} mentions > max {cfg.max}")
    return TriggerResult.miss(f"{count} mentions <= max {cfg.max}")
