"""Telling a community's moderators something on every platform it lives on."""

from __future__ import annotations

import logging
from typing import Protocol

from moderation.ports import ChatGateway

log = logging.getLogger(__name__)


class GatewaySource(Protocol):
    """The part of the service that knows the gateways (``ModerationService.gateways_for``)."""

    def gateways_for(self, community: str, also: str | None = None) -> list[ChatGateway]:
        """Registered gateways of the community's platforms."""
        ...


async def tell_moderators(source: GatewaySource, community: str, text: str) -> int:
    """Send ``text`` to the moderators' channel on each platform; return how many accepted it.

    One platform failing does not stop the others (logged).
    """
    sent = 0
    for gateway in source.gateways_for(community):
        try:
            await gateway.notify_moderators(community, text)
            sent += 1
        except Exception:  # the edge of one notification: other platforms still get it
            log.exception("could not tell %s moderators on %s", community, gateway.platform)
    return sent
