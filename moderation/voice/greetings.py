"""Greetings for newcomers, with an optional reminder to read the rules channel."""

from __future__ import annotations

from collections.abc import Mapping

from moderation.config.schema import CommunityConfig
from moderation.voice.templates import pick_lang, render_text


def render_greeting(cfg: CommunityConfig, lang: str | None, values: Mapping[str, str]) -> str | None:
    """The greeting for a newcomer, or ``None`` when greetings are off or have no text.

    ``rules_channel`` defaults to ``greetings.rules_channel``; the rules reminder is appended on a new
    line only when a rules channel is known.

    Raises:
        TemplateError: If a greeting template is invalid (``validate_templates`` reports it at load).
    """
    greetings = cfg.greetings
    if not greetings.enabled:
        return None
    template = pick_lang(greetings.text, lang, cfg.voice.default_lang)
    if not template:
        return None
    filled = {"community": cfg.community, **values}
    if greetings.rules_channel and not filled.get("rules_channel"):
        filled["rules_channel"] = greetings.rules_channel
    text = render_text(template, filled)
    reminder = pick_lang(greetings.rules_reminder, lang, cfg.voice.default_lang)
    if reminder and filled.get("rules_channel"):
        text = f"{text}\n{render_text(reminder, filled)}"
    return text
