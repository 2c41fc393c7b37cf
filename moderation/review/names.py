"""Recently seen display names, so moderators can write ``/history @name``."""

from __future__ import annotations

from collections import OrderedDict

from moderation.domain import Actor


class RecentNames:
    """Display name -> (platform, user id) of recently seen members, bounded (names can change)."""

    def __init__(self, limit: int = 50_000) -> None:
        self._names: OrderedDict[tuple[str, str], tuple[str, str]] = OrderedDict()
        self._limit = limit

    def remember(self, community: str, actor: Actor) -> None:
        """Note that ``actor`` was just seen under their display name."""
        key = (community, actor.display_name.casefold())
        self._names[key] = (actor.platform, actor.user_id)
        self._names.move_to_end(key)
        while len(self._names) > self._limit:
            self._names.popitem(last=False)

    def find(self, community: str, name: str) -> tuple[str, str] | None:
        """The member last seen under ``name`` (case-insensitive), if any."""
        return self._names.get((community, name.casefold()))
