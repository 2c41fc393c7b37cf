"""Trust levels: a member's level from the community's ``levels:`` map."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.config.schema import CommunityConfig


def resolve_level(cfg: CommunityConfig, platform: str, user_id: str, roles: Sequence[str]) -> int:
    """Compute a member's level: the highest value among their matching ``levels:`` keys.

    Keys are ``"<platform>:<token>"`` for each platform-local role token the adapter set (e.g.
    ``discord:role:3100``, ``discord:perm:administrator``, ``telegram:admin``, ``sandbox:mod``) and
    ``"user:<platform>:<user id>"`` for one member.

    Args:
        cfg: The community config.
        platform: ``discord``, ``telegram`` or ``sandbox``.
        user_id: The member's platform id.
        roles: The member's role tokens.

    Returns:
        The highest matching level, or 0 when no key matches.
    """
    levels = cfg.levels
    found = [levels[key] for key in (f"{platform}:{token}" for token in roles) if key in levels]
    user_key = f"user:{platform}:{user_id}"
    if user_key in levels:
        found.append(levels[user_key])
    return max(found, default=0)
