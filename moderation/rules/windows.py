"""In-memory sliding windows for the flood and duplicate-text triggers (bounded, self-expiring)."""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta

MemberKey = tuple[str, str, str]
"""(community, platform, user id)."""

MAX_HORIZON = timedelta(hours=1)
"""Nothing older than this is kept, whatever a trigger's ``within`` says."""


class FloodWindows:
    """Recent message times per member, bounded in members and in entries per member."""

    def __init__(self, *, max_members: int = 50_000, max_per_member: int = 100) -> None:
        self._times: OrderedDict[MemberKey, deque[datetime]] = OrderedDict()
        self._max_members = max_members
        self._max_per_member = max_per_member

    def record(self, key: MemberKey, at: datetime) -> None:
        """Add one message by a member at ``at``."""
        times = self._times.get(key)
        if times is None:
            times = deque(maxlen=self._max_per_member)
            self._times[key] = times
        else:
            self._times.move_to_end(key)
        times.append(at)
        while times and times[0] < at - MAX_HORIZON:
            times.popleft()
        while len(self._times) > self._max_members:
            self._times.popitem(last=False)
        # members at the cold end who have been quiet past the horizon are forgotten (amortised O(1))
        while self._times:
            oldest = next(iter(self._times.values()))
            if oldest and oldest[-1] >= at - MAX_HORIZON:
                break
            self._times.popitem(last=False)

    def count(self, key: MemberKey, now: datetime, within: timedelta) -> int:
        """Messages by a member in ``(now - within, now]``."""
        times = self._times.get(key)
        if not times:
            return 0
        start = now - within
        return sum(1 for t in times if start < t <= now)

    def __len__(self) -> int:
        return len(self._times)


class DuplicateWindows:
    """Which members recently posted each normalised text; least recently used texts are dropped."""

    def __init__(self, *, max_texts: int = 20_000, max_members_per_text: int = 100) -> None:
        self._texts: OrderedDict[tuple[str, str], dict[tuple[str, str], datetime]] = OrderedDict()
        self._max_texts = max_texts
        self._max_members = max_members_per_text

    def record(self, community: str, text: str, member: tuple[str, str], at: datetime) -> None:
        """Record that ``member`` (platform, user id) posted ``text`` (already normalised) at ``at``."""
        key = (community, text)
        posters = self._texts.get(key)
        if posters is None:
            posters = {}
            self._texts[key] = posters
        else:
            self._texts.move_to_end(key)
        posters.pop(member, None)
        posters[member] = at
        for who in [w for w, t in posters.items() if t < at - MAX_HORIZON]:
            del posters[who]
        while len(posters) > self._max_members:
            del posters[next(iter(posters))]
        while len(self._texts) > self._max_texts:
            self._texts.popitem(last=False)
        self._expire_oldest(at)

    def _expire_oldest(self, now: datetime) -> None:
        """Drop texts at the cold end whose latest post is past the horizon (amortised O(1))."""
        while self._texts:
            key, posters = next(iter(self._texts.items()))
            if posters and max(posters.values()) >= now - MAX_HORIZON:
                return
            del self._texts[key]

    def members(self, community: str, text: str, now: datetime, within: timedelta) -> int:
        """Distinct members who posted ``text`` in ``(now - within, now]``."""
        posters = self._texts.get((community, text), {})
        start = now - within
        return sum(1 for t in posters.values() if start < t <= now)

    def __len__(self) -> int:
        return len(self._texts)
