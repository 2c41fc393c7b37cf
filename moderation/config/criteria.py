"""Whether an override's criteria hold in a given scope (platform, channel, role, level...)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from moderation.config.schema import Criteria, parse_level_criterion

_COMPARE: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class ScopeContext:
    """Where and by whom a message was sent, as far as overrides care.

    Attributes:
        platform: ``discord``, ``telegram`` or ``sandbox``.
        channel: Channel id (sandbox: the channel name).
        category: Category / parent channel id, if any.
        roles: Platform-local role tokens (``role:3100``, ``perm:administrator``, ``admin``, ``mod``).
        level: The member's trust level.
        user: The member's platform user id.
        lang: Language of the message, if detected.
    """

    platform: str
    channel: str
    category: str | None = None
    roles: tuple[str, ...] = ()
    level: int = 0
    user: str = ""
    lang: str | None = None


def _values(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def _role_matches(wanted: str, ctx: ScopeContext) -> bool:
    for token in ctx.roles:
        if wanted in (token, f"{ctx.platform}:{token}") or (
            token.startswith("role:") and token[5:] == wanted
        ):
            return True
    return False


def level_matches(condition: str | int, level: int) -> bool:
    """Whether ``level`` satisfies a level criterion such as ``">=50"`` or ``10``."""
    op, number = parse_level_criterion(condition)
    return _COMPARE[op](level, number)


def matches(criteria: Criteria, ctx: ScopeContext) -> bool:
    """Whether every condition given in ``criteria`` holds for ``ctx`` (lists mean "one of")."""
    c = criteria
    checks: list[bool] = []
    if c.platform is not None:
        checks.append(ctx.platform in _values(c.platform))
    if c.channel is not None:
        checks.append(ctx.channel in _values(c.channel))
    if c.category is not None:
        checks.append(ctx.category is not None and ctx.category in _values(c.category))
    if c.role is not None:
        checks.append(any(_role_matches(role, ctx) for role in _values(c.role)))
    if c.level is not None:
        checks.append(level_matches(c.level, ctx.level))
    if c.user is not None:
        users = _values(c.user)
        checks.append(ctx.user in users or f"{ctx.platform}:{ctx.user}" in users)
    if c.lang is not None:
        checks.append(ctx.lang is not None and ctx.lang in _values(c.lang))
    if c.any is not None:
        checks.append(any(matches(sub, ctx) for sub in c.any))
    if c.all is not None:
        checks.append(all(matches(sub, ctx) for sub in c.all))
    if c.not_ is not None:
        checks.append(not matches(c.not_, ctx))
    return all(checks)
