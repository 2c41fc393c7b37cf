"""Shared building blocks of the config schema: the strict base model, durations, probabilities."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)

from moderation.config.patterns import check_pattern

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """Parse ``90s``, ``10m``, ``1h``, ``7d``, ``2w`` or a number of seconds into a timedelta.

    Raises:
        ValueError: If the value is not a duration.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration like '10m', '1h' or '7d' is required, not a boolean")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=float(value))
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    raise ValueError(f"{value!r} is not a duration; write e.g. '30s', '10m', '1h', '7d' or '2w'")


def format_duration(value: timedelta) -> str:
    """Format a timedelta back into the shortest YAML duration string."""
    seconds = int(value.total_seconds())
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    Field(json_schema_extra={"type": "string", "pattern": _DURATION.pattern}),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def _check_regex(pattern: str) -> str:
    check_pattern(pattern)
    return pattern


RegexPattern = Annotated[str, AfterValidator(_check_regex)]
"""A regular expression, compiled at load; patterns prone to catastrophic backtracking are refused."""
LangText = dict[str, str]
"""Text per language code (``en``, ``ar``, ``ru``, ``fa``...); ``default`` may be used as a fallback."""


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable.

    Numbers are accepted where text is expected (``guild_ids: [1100]``, ``channel: 1200``): YAML users
    rarely quote ids.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)
