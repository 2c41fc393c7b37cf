"""Brand-voice templates: whitelisted ``{placeholders}`` only, per-language variants, a signature.

Templates are parsed with ``string.Formatter().parse`` and rebuilt by concatenation: a field must be a
plain whitelisted name (no ``{user.__class__}``, ``{user[0]}``, ``{user!r}`` or ``{user:>10}``), and
values are inserted verbatim, so a member named ``{community}`` shows up as ``{community}`` and is
never interpreted as a template.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from moderation.config.schema import CommunityConfig, LangText, VoiceConfig
from moderation.errors import ConfigError

PLACEHOLDERS = frozenset(
    {"user", "channel", "community", "rules_channel", "case", "duration", "rule", "answer"}
)
"""The only names a template may use."""

_FORMATTER = string.Formatter()


class TemplateError(ConfigError):
    """A template is malformed, uses a forbidden placeholder, or does not exist."""


def parse_template(template: str) -> list[tuple[str, str | None]]:
    """Split a template into (literal text, placeholder name or None) pairs.

    Raises:
        TemplateError: On bad brace syntax or any field that is not a plain whitelisted name.
    """
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise TemplateError(f"bad template syntax ({exc}); write {{{{ and }}}} for literal braces") from exc
    parts: list[tuple[str, str | None]] = []
    for literal, field, spec, conversion in parsed:
        if field is None:
            parts.append((literal, None))
            continue
        if conversion or spec:
            raise TemplateError(f"placeholder {{{field}}} may not use !conversion or :format")
        if field not in PLACEHOLDERS:
            allowed = ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
            raise TemplateError(f"unknown placeholder {{{field}}}; allowed: {allowed}")
        parts.append((literal, field))
    return parts


def render_text(template: str, values: Mapping[str, str]) -> str:
    """Fill a template's placeholders with ``values`` (missing values become empty text).

    Raises:
        TemplateError: If the template is invalid.
    """
    out: list[str] = []
    for literal, field in parse_template(template):
        out.append(literal)
        if field is not None:
            out.append(str(values.get(field, "")))
    return "".join(out)


def pick_lang(texts: LangText, lang: str | None, default_lang: str) -> str | None:
    """Choose a variant: ``lang``, then ``default_lang``, then ``default``, then the first one."""
    for key in (lang, default_lang, "default"):
        if key is not None and key in texts:
            return texts[key]
    return next(iter(texts.values()), None)


def render(
    voice: VoiceConfig, key: str, lang: str | None, values: Mapping[str, str], *, signed: bool = True
) -> str:
    """Render the reply template ``key`` in the best language, with the signature appended.

    Args:
        voice: The community's voice config.
        key: Template name in ``voice.replies``.
        lang: Preferred language.
        values: Placeholder values (only whitelisted names are ever read).
        signed: Append ``voice.signature`` (itself a template) on a new line.

    Raises:
        TemplateError: If there is no such template or it is invalid.
    """
    texts = voice.replies.get(key)
    template = pick_lang(texts, lang, voice.default_lang) if texts else None
    if template is None:
        raise TemplateError(f"no reply template {key!r}", path=f"voice.replies.{key}")
    text = render_text(template, values)
    if signed and voice.signature:
        text = f"{text}\n{render_text(voice.signature, values)}"
    return text


def _check(errors: list[str], path: str, template: str) -> None:
    try:
        parse_template(template)
    except TemplateError as exc:
        errors.append(f"{path}: {exc.message}")


def validate_templates(cfg: CommunityConfig) -> list[str]:
    """Every template problem in a community config, as ``path: message`` strings.

    Checks replies, the signature, greetings, FAQ answers, and that rules only name existing replies.
    """
    errors: list[str] = []
    for key, texts in cfg.voice.replies.items():
        for lang, template in texts.items():
            _check(errors, f"voice.replies.{key}.{lang}", template)
    if cfg.voice.signature:
        _check(errors, "voice.signature", cfg.voice.signature)
    for lang, template in cfg.greetings.text.items():
        _check(errors, f"greetings.text.{lang}", template)
    for lang, template in cfg.greetings.rules_reminder.items():
        _check(errors, f"greetings.rules_reminder.{lang}", template)
    for name, entry in cfg.faq.entries.items():
        for lang, template in entry.answer.items():
            _check(errors, f"faq.entries.{name}.answer.{lang}", template)
    for name, rule in cfg.rules.items():
        refs: dict[str, str | None] = {"reply": rule.actions.reply, "notify": rule.actions.notify}
        refs["warn.template"] = rule.actions.warn.template if rule.actions.warn else None
        for where, ref in refs.items():
            if ref is not None and not cfg.voice.replies.get(ref):
                errors.append(f"rules.{name}.actions.{where}: no reply template {ref!r} in voice.replies")
    return errors
