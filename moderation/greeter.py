"""Greeting newcomers in the brand voice, by DM or in a channel, keeping only the latest greeting."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from moderation.config.schema import CommunityConfig
from moderation.domain import ActionKind, Actor, MemberJoined, MemberRef, PlannedAction, Scope
from moderation.errors import ActionFailed
from moderation.executor import Executor, Target
from moderation.ports import ChatGateway
from moderation.voice.greetings import render_greeting

log = logging.getLogger(__name__)


def greeting_channel(cfg: CommunityConfig, event: MemberJoined) -> str:
    """Where to greet: ``greetings.channel``, else Discord's welcome channel, else where they joined."""
    if cfg.greetings.channel:
        return cfg.greetings.channel
    discord = cfg.platforms.discord
    if event.scope.platform == "discord" and discord is not None and discord.welcome_channel_id:
        return discord.welcome_channel_id
    return event.scope.channel_id


class Greeter:
    """Sends greetings and remembers the last one per channel (to delete it when the next arrives)."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self._last: dict[tuple[str, str, str], str] = {}
        self._lock = asyncio.Lock()

    async def greet(
        self, gateway: ChatGateway, community: str, cfg: CommunityConfig, event: MemberJoined, member: Actor
    ) -> str | None:
        """Greet ``member`` as configured; return the greeting's message id, if one was sent."""
        greetings = cfg.greetings
        if not greetings.enabled:
            return None
        channel = greeting_channel(cfg, event)
        values = {
            "user": member.display_name,
            "community": community,
            "channel": channel,
            "rules_channel": greetings.rules_channel or "",
        }
        text = render_greeting(cfg, None, values)
        if not text:
            return None
        if greetings.dm:
            try:
                ref = MemberRef(event.scope.platform, event.scope.space_id, member.user_id)
                return await gateway.send_direct(ref, text)
            except ActionFailed as exc:
                log.info("greeting DM to %s failed (%s); greeting in the channel", member.user_id, exc.reason)
        scope = dataclasses.replace(event.scope, community=community, channel_id=channel)
        return await self._in_channel(gateway, community, scope, text, greetings.delete_previous)

    async def _in_channel(
        self, gateway: ChatGateway, community: str, scope: Scope, text: str, delete_previous: bool
    ) -> str | None:
        key = (community, scope.platform, scope.channel_id)
        async with self._lock:
            try:
                sent = await gateway.send_message(scope, text)
            except ActionFailed as exc:
                log.warning("could not greet in %s on %s: %s", scope.channel_id, scope.platform, exc)
                return None
            previous = self._last.get(key)
            self._last[key] = sent
        if delete_previous and previous is not None:
            target = Target(community, scope, MemberRef(scope.platform, scope.space_id, ""), previous)
            await self._executor.run_one(gateway, target, PlannedAction(ActionKind.DELETE, rule="greeting"))
        return sent
