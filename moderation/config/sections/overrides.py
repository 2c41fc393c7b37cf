"""Config schema of override blocks: criteria and the partial config they merge."""

from __future__ import annotations

import re
from typing import Any

from pydantic import (
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from moderation.config.sections.base import (
    Strict,
)

# ---------------------------------------------------------------- overrides

_LEVEL = re.compile(r"^\s*(>=|<=|==|>|<|=)?\s*(-?\d{1,18})\s*$")


def parse_level_criterion(value: str | int) -> tuple[str, int]:
    """Parse an override's ``level`` criterion into an operator and a number.

    ``">=50"`` -> ``(">=", 50)``; ``"50"``, ``"=50"`` and ``50`` -> ``("==", 50)``.

    Raises:
        ValueError: If it is not a comparison with a whole number.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return "==", value
    match = _LEVEL.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a level condition; write e.g. '>=50', '<=10', '>5', '<5' or '50'")
    op = match.group(1) or "=="
    return ("==" if op == "=" else op), int(match.group(2))


class Criteria(Strict):
    """Conditions of an override block; all given conditions must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    platform: str | list[str] | None = Field(None, description="discord, telegram or sandbox (or a list).")
    channel: str | list[str] | None = Field(
        None, description="Channel id(s); the sandbox numbers its channels from 100 in listed order."
    )
    category: str | list[str] | None = Field(None, description="Category or parent channel id(s).")
    role: str | list[str] | None = Field(
        None, description="Role token(s): '3100' or 'role:3100', 'admin', or 'discord:role:3100'."
    )
    level: str | int | None = Field(None, description="'>=50', '<10', '50'...")
    user: str | list[str] | None = Field(None, description="User id(s), or '<platform>:<id>'.")
    lang: str | list[str] | None = Field(None, description="Language(s) of the message.")
    any: list[Criteria] | None = Field(None, description="Holds when any of these criteria hold.")
    all: list[Criteria] | None = Field(None, description="Holds when all of these criteria hold.")
    not_: Criteria | None = Field(None, alias="not", description="Holds when these criteria do not.")

    @field_validator("platform", "channel", "category", "role", "user", "lang", "any", "all")
    @classmethod
    def _no_empty_list(cls, value: object) -> object:
        if isinstance(value, list) and not value:
            raise ValueError("an empty list matches nothing; give at least one value or remove the key")
        return value

    @field_validator("level")
    @classmethod
    def _level(cls, value: str | int | None) -> str | int | None:
        if isinstance(value, str):
            parse_level_criterion(value)
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Criteria:
        if not self.model_fields_set:
            raise ValueError("empty criteria would match everything; give at least one condition")
        return self


class Override(Criteria):
    """Criteria plus a partial ``config`` merged over the community config when they hold."""

    config: dict[str, Any] = Field(
        description="Partial community config merged on top when the criteria hold."
    )

    @model_validator(mode="after")
    def _needs_criteria(self) -> Override:
        if self.model_fields_set <= {"config"}:
            raise ValueError("an override needs at least one criterion besides config")
        if "overrides" in self.config or "community" in self.config:
            raise ValueError("an override's config cannot set 'overrides' or 'community'")
        return self
