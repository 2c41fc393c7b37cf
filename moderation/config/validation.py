"""Turning pydantic errors and cross-reference problems into ConfigErrors with file, line and key path."""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from moderation.config.schema import CommunityConfig
from moderation.config.yamltext import KeyPath, LineMap, format_path
from moderation.errors import ConfigError
from moderation.voice.templates import validate_templates


@dataclass(frozen=True)
class Layer:
    """One source of configuration data: a file and where its keys sit."""

    file: str
    data: Mapping[str, Any]
    lines: LineMap


def locate(layers: Sequence[Layer], path: KeyPath) -> tuple[str | None, int | None]:
    """Find the file and line that provide ``path``: the highest layer holding it, else its nearest parent.

    Args:
        layers: Sources, lowest first.
        path: Key path into the merged data.

    Returns:
        ``(file, line)``; either may be None when nothing is known.
    """
    for depth in range(len(path), -1, -1):
        prefix = path[:depth]
        for layer in reversed(layers):
            if prefix in layer.lines and (prefix or depth == len(path)):
                return layer.file, layer.lines[prefix]
    top = layers[-1] if layers else None
    return (top.file, 1) if top else (None, None)


def split_loc(data: Any, loc: Sequence[str | int]) -> tuple[KeyPath, tuple[str | int, ...]]:
    """Split a pydantic error location into the part present in ``data`` and the rest."""
    current = data
    path: list[str | int] = []
    for index, part in enumerate(loc):
        in_map = isinstance(current, Mapping) and isinstance(part, str) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_map or in_list:
            current = current[part]
        else:
            return tuple(path), tuple(loc[index:])
        path.append(part)
    return tuple(path), ()


def _message(error: Mapping[str, Any], known: Sequence[str]) -> str:
    kind = error["type"]
    msg = str(error["msg"])
    if kind == "extra_forbidden":
        key = error["loc"][-1]
        hint = difflib.get_close_matches(str(key), known, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        if not hint and known:
            suggestion = f"; known keys: {', '.join(known)}"
        return f"unknown key '{key}'{suggestion}"
    if kind == "missing":
        return f"missing required key '{error['loc'][-1]}'"
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str | int | float | bool) or value is None:
        shown = repr(value)
        return f"{msg} (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    return msg


def known_keys(loc: Sequence[str | int]) -> list[str]:
    """Keys the schema allows at a location (to suggest a fix for a typo)."""
    model: Any = CommunityConfig
    for part in loc:
        model = _step(model, part)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(field.alias or name for name, field in model.model_fields.items())
    return []


def _step(annotation: Any, part: str | int) -> Any:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            found = _step(arg, part)
            if found is not None:
                return found
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
        for name, field in annotation.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    if origin is dict and isinstance(part, str):
        return get_args(annotation)[1]
    if origin is list and isinstance(part, int):
        return get_args(annotation)[0]
    return None


def validation_problems(exc: ValidationError, data: Mapping[str, Any]) -> list[tuple[KeyPath, str]]:
    """Convert a pydantic ValidationError on ``data`` into ``(key path, message)`` pairs.

    Paths stop where ``data`` stops (a missing key is appended); alternatives of a union reported at
    the same path are joined with "or".
    """
    grouped: dict[KeyPath, list[str]] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        path, rest = split_loc(data, loc)
        if error["type"] == "missing" and rest:
            path = (*path, rest[0])
        message = _message(error, known_keys(loc[:-1]) if error["type"] == "extra_forbidden" else [])
        messages = grouped.setdefault(path, [])
        if message not in messages:
            messages.append(message)
    return [(path, " or ".join(messages)) for path, messages in grouped.items()]


def place(
    problems: Sequence[tuple[KeyPath, str]],
    layers: Sequence[Layer],
    *,
    prefix: KeyPath = (),
    scope: Mapping[str, Any] | None = None,
) -> list[ConfigError]:
    """Turn ``(path, message)`` problems into ConfigErrors pointing at the file and line responsible.

    Args:
        problems: Problems with paths relative to the validated data.
        layers: Sources of that data, lowest first; their line maps are keyed from the document root.
        prefix: Where the validated data sits in the documents (``("overrides", 2, "config")``).
        scope: The data under ``prefix`` (an override's config); a problem outside it is reported at
            ``prefix`` and says where it arose after merging.

    Returns:
        The errors.
    """
    errors: list[ConfigError] = []
    for path, message in problems:
        text = message
        where = path
        if scope is not None:
            _, rest = split_loc(scope, path)
            if len(rest) > 1:
                where = ()
                text = f"{message} (at {format_path(path) or 'the top level'} once this override is merged)"
        full = (*prefix, *where)
        file, line = locate(layers, full)
        errors.append(ConfigError(text, file=file, line=line, path=format_path(full) or None))
    return errors


def reference_problems(cfg: CommunityConfig) -> list[tuple[KeyPath, str]]:
    """Rule actions that name a template missing from ``voice.replies``.

    Returns:
        ``(key path, message)`` pairs.
    """
    replies = cfg.voice.replies
    problems: list[tuple[KeyPath, str]] = []

    def check(path: KeyPath, key: str | None) -> None:
        if key is None or key in replies:
            return
        hint = difflib.get_close_matches(key, list(replies), n=1)
        extra = f"; did you mean '{hint[0]}'?" if hint else ""
        problems.append((path, f"template '{key}' is not defined in voice.replies{extra}"))

    for name, rule in cfg.rules.items():
        base: KeyPath = ("rules", name, "actions")
        check((*base, "reply"), rule.actions.reply)
        check((*base, "notify"), rule.actions.notify)
        if rule.actions.warn is not None:
            check((*base, "warn", "template"), rule.actions.warn.template)
    for key, texts in replies.items():
        if not texts:
            problems.append((("voice", "replies", key), f"template '{key}' has no text in any language"))
    return problems


def _split_message(message: str) -> tuple[KeyPath, str]:
    """Split a ``"voice.replies.x.en: problem"`` message into a key path and the problem."""
    head, sep, rest = message.partition(": ")
    if sep and head and " " not in head:
        return tuple(head.split(".")), rest
    return ("voice", "replies"), message


def semantic_problems(cfg: CommunityConfig) -> list[tuple[KeyPath, str]]:
    """Every check beyond the schema: template references, then ``validate_templates`` (placeholders)."""
    problems = reference_problems(cfg)
    seen = {path for path, _ in problems}
    for message in validate_templates(cfg):
        path, problem = _split_message(message)
        if path not in seen:
            seen.add(path)
            problems.append((path, problem))
    return problems
