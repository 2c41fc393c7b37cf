"""Preparing an inbound message for the core: cleaning, its action target, language-dependent config."""

from __future__ import annotations

import dataclasses

from moderation.config.schema import CommunityConfig, Criteria
from moderation.domain import InboundMessage, MemberRef
from moderation.executor import Target
from moderation.review.text import clean_text


def sanitised(msg: InboundMessage, community: str, level: int) -> InboundMessage:
    """The message as the core handles it: community set, level resolved, hostile characters cleaned."""
    author = dataclasses.replace(msg.author, level=level, display_name=clean_text(msg.author.display_name))
    scope = dataclasses.replace(msg.scope, community=community)
    return dataclasses.replace(msg, text=clean_text(msg.text), author=author, scope=scope)


def target_of(community: str, msg: InboundMessage) -> Target:
    """Where a decision about ``msg`` acts: its channel, message and author."""
    member = MemberRef(msg.scope.platform, msg.scope.space_id, msg.author.user_id)
    return Target(community, msg.scope, member, msg.message_id)


def has_lang_overrides(cfg: CommunityConfig) -> bool:
    """Whether any override depends on the language (then the classifier must run before resolving)."""

    def uses_lang(criteria: Criteria | None) -> bool:
        if criteria is None:
            return False
        nested = [*(criteria.any or ()), *(criteria.all or ()), criteria.not_]
        return criteria.lang is not None or any(uses_lang(c) for c in nested)

    return any(uses_lang(o) for o in cfg.overrides)
