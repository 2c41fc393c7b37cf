"""Raid protection: join-rate detection per community, raid mode, one alert, mass action on joiners.

When ``raid.joins`` members join a community within ``raid.within``, raid mode starts: the
``raid.overrides`` partial config is merged over every message's effective config (by default links
from members who joined in the last day are held for review), greetings pause, joiners may be timed
out (``raid.restrict_joiners``), and the moderators get ONE alert listing the joiners with the commands
that act on all of them (``/raid ban``, ``/raid kick``). Raid mode ends by itself ``raid.duration``
after the join rate last crossed the threshold, or with ``/raid off``. State is per process.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pydantic import ValidationError

from moderation.config.merge import deep_merge
from moderation.config.schema import CommunityConfig
from moderation.domain import Actor, MemberJoined, MemberRef
from moderation.errors import ActionFailed, Unsupported
from moderation.ports import ChatGateway, Clock

log = logging.getLogger(__name__)

MAX_JOINERS = 5000
"""Most joiners remembered per raid (the mass action covers these)."""

LISTED = 25
"""Joiners named in the alert; the rest are counted."""


class RaidHost(Protocol):
    """What raid protection needs from the service."""

    def gateway(self, platform: str) -> ChatGateway | None:
        """The gateway of one platform, if registered."""
        ...

    def gateways_for(self, community: str, also: str | None = None) -> list[ChatGateway]:
        """Registered gateways of a community's platforms."""
        ...


@dataclass(frozen=True)
class Joiner:
    """A member who joined around or during a raid."""

    member: MemberRef
    name: str
    at: datetime


@dataclass
class Raid:
    """One community's raid mode.

    Attributes:
        started: When it started.
        until: When it ends by itself.
        reason: Why it started (join rate, or the moderator who switched it on).
        joiners: Members who joined in the triggering window and since, oldest first.
        alerted: Whether the moderators were told.
    """

    started: datetime
    until: datetime
    reason: str
    joiners: list[Joiner] = field(default_factory=list)
    alerted: bool = False

    def add(self, joiner: Joiner) -> bool:
        """Remember a joiner once; return whether they were new."""
        key = (joiner.member.platform, joiner.member.user_id)
        if len(self.joiners) >= MAX_JOINERS or any(
            (j.member.platform, j.member.user_id) == key for j in self.joiners[-200:]
        ):
            return False
        self.joiners.append(joiner)
        return True


def alert_text(community: str, raid: Raid) -> str:
    """The one alert moderators get when raid mode starts."""
    names = ", ".join(f"{j.name} ({j.member.platform}:{j.member.user_id})" for j in raid.joiners[:LISTED])
    more = f" and {len(raid.joiners) - LISTED} more" if len(raid.joiners) > LISTED else ""
    return (
        f"Raid mode is ON in {community}: {raid.reason}. Stricter rules apply until "
        f"{raid.until:%H:%M} UTC. Joiners ({len(raid.joiners)}): {names}{more}. "
        "Use /raid ban or /raid kick to remove them all, /raid off to end raid mode."
    )


class RaidGuard:
    """Tracks joins per community and runs raid mode (see the module docstring)."""

    def __init__(self, clock: Clock, host: RaidHost) -> None:
        self._clock = clock
        self._host = host
        self._joins: dict[str, deque[Joiner]] = {}
        self._raids: dict[str, Raid] = {}
        self._merged: dict[str, tuple[CommunityConfig, CommunityConfig]] = {}
        self.alerts_sent = 0
        """Raid alerts sent since start (a counter for metrics and tests)."""

    def active(self, community: str) -> Raid | None:
        """The community's raid mode, if on (ending it first when its time is up)."""
        raid = self._raids.get(community)
        if raid is not None and self._clock.now() >= raid.until:
            log.info("raid mode ended by itself in %s (%d joiners)", community, len(raid.joiners))
            del self._raids[community]
            return None
        return raid

    def effective(self, community: str, cfg: CommunityConfig) -> CommunityConfig:
        """``cfg`` with ``raid.overrides`` merged on top while raid mode is on (cached per config)."""
        if not cfg.raid.overrides or self.active(community) is None:
            return cfg
        cached = self._merged.get(community)
        if cached is not None and cached[0] is cfg:
            return cached[1]
        data = cfg.model_dump(mode="json", by_alias=True, exclude={"overrides"})
        try:
            merged = CommunityConfig.model_validate(deep_merge(data, cfg.raid.overrides))
        except ValidationError as exc:
            log.warning("community %s: raid overrides do not apply: %s", community, exc.errors()[0]["msg"])
            merged = cfg
        merged = merged.model_copy(update={"overrides": cfg.overrides})
        self._merged[community] = (cfg, merged)
        return merged

    async def on_join(self, community: str, cfg: CommunityConfig, event: MemberJoined, member: Actor) -> bool:
        """Count a join; start raid mode when the rate crosses the threshold.

        Returns:
            Whether raid mode is on (the caller then skips the greeting unless ``raid.greet``).
        """
        settings = cfg.raid
        if not settings.enabled:
            return self.active(community) is not None
        now = self._clock.now()
        joiner = Joiner(
            MemberRef(event.scope.platform, event.scope.space_id, member.user_id), member.display_name, now
        )
        window = self._joins.setdefault(community, deque())
        window.append(joiner)
        while window and now - window[0].at > settings.within:
            window.popleft()
        while len(window) > settings.joins * 4:
            window.popleft()
        raid = self.active(community)
        crossed = len(window) >= settings.joins
        if raid is None and crossed:
            reason = f"{len(window)} joins within {int(settings.within.total_seconds())}s"
            raid = self._start(community, cfg, reason)
            for earlier in window:
                raid.add(earlier)
                await self._restrict(cfg, earlier)
            await self._alert(community, raid)
            return True
        if raid is None:
            return False
        if crossed:
            raid.until = max(raid.until, now + settings.duration)
        if raid.add(joiner):
            await self._restrict(cfg, joiner)
        return True

    def _start(self, community: str, cfg: CommunityConfig, reason: str) -> Raid:
        now = self._clock.now()
        raid = Raid(started=now, until=now + cfg.raid.duration, reason=reason)
        self._raids[community] = raid
        self._merged.pop(community, None)
        log.warning("raid mode started in %s: %s", community, reason)
        return raid

    async def switch_on(self, community: str, cfg: CommunityConfig, by: str) -> Raid:
        """Start raid mode by command (joiners of the current window included); alert once."""
        raid = self.active(community)
        if raid is not None:
            return raid
        raid = self._start(community, cfg, f"switched on by {by}")
        for earlier in self._joins.get(community, ()):
            raid.add(earlier)
        await self._alert(community, raid)
        return raid

    def switch_off(self, community: str) -> Raid | None:
        """End raid mode now; return the raid that ended, if one was on."""
        self._merged.pop(community, None)
        self._joins.pop(community, None)
        return self._raids.pop(community, None)

    async def mass_action(self, community: str, verb: str, reason: str) -> tuple[list[Joiner], list[str]]:
        """Ban or kick every recorded joiner of the current raid; return (done, failure lines)."""
        raid = self.active(community)
        if raid is None:
            return [], []
        done: list[Joiner] = []
        failures: list[str] = []
        for joiner in list(raid.joiners):
            gateway = self._host.gateway(joiner.member.platform)
            if gateway is None:
                failures.append(f"{joiner.name}: no {joiner.member.platform} connection")
                continue
            try:
                if verb == "ban":
                    await gateway.ban_member(joiner.member, reason, 1)
                else:
                    await gateway.kick_member(joiner.member, reason)
            except (ActionFailed, Unsupported) as exc:
                failures.append(f"{joiner.name}: {exc}")
                continue
            done.append(joiner)
        return done, failures

    async def _restrict(self, cfg: CommunityConfig, joiner: Joiner) -> None:
        length = cfg.raid.restrict_joiners
        gateway = self._host.gateway(joiner.member.platform)
        if length is None or gateway is None:
            return
        try:
            await gateway.timeout_member(joiner.member, self._clock.now() + length, "raid mode: new member")
        except (ActionFailed, Unsupported) as exc:
            log.info("raid mode: could not restrict %s: %s", joiner.member.user_id, exc)

    async def _alert(self, community: str, raid: Raid) -> None:
        if raid.alerted:
            return
        raid.alerted = True
        self.alerts_sent += 1
        text = alert_text(community, raid)
        for gateway in self._host.gateways_for(community):
            try:
                await gateway.notify_moderators(community, text)
            except Exception:  # one platform failing must not silence the others
                log.exception("could not send the raid alert on %s", gateway.platform)
