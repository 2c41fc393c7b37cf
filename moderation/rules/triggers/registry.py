"""Explicit registry of trigger types: the key in ``triggers:`` -> its config type and check."""

from __future__ import annotations

from typing import Any

from moderation.config.schema import (
    ClassifierTrigger,
    DuplicatesTrigger,
    FloodTrigger,
    LinksTrigger,
    MentionsTrigger,
    NewMemberTrigger,
    WordsTrigger,
)
from moderation.rules.triggers import classifier, duplicates, flood, links, mentions, new_member, words
from moderation.rules.triggers.base import TriggerSpec

TRIGGERS: dict[str, TriggerSpec[Any]] = {
    "classifier": TriggerSpec("classifier", ClassifierTrigger, classifier.check),
    "words": TriggerSpec("words", WordsTrigger, words.check),
    "links": TriggerSpec("links", LinksTrigger, links.check),
    "mentions": TriggerSpec("mentions", MentionsTrigger, mentions.check),
    "flood": TriggerSpec("flood", FloodTrigger, flood.check),
    "duplicates": TriggerSpec("duplicates", DuplicatesTrigger, duplicates.check),
    "new_member": TriggerSpec("new_member", NewMemberTrigger, new_member.check),
}
"""Trigger type -> implementation. Adding a trigger: a module, a schema model, one line here."""

WINDOWED = frozenset({"flood", "duplicates"})
"""Triggers that read the engine's sliding windows."""
