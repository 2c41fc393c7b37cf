"""Telling a community's moderators something on every platform it lives on."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from moderation.ports import ChatGateway, ModeratorFileSender

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


@dataclass(frozen=True)
class Attachment:
    """A file to post with a notice (e.g. the digest's PNG chart)."""

    filename: str
    data: bytes


def takes_files(source: GatewaySource, community: str) -> bool:
    """Whether any of the community's gateways can post a file to its moderators."""
    return any(isinstance(g, ModeratorFileSender) for g in source.gateways_for(community))


async def tell_moderators_with_file(
    source: GatewaySource, community: str, text: str, attachment: Attachment | None
) -> int:
    """Like :func:`tell_moderators`, with ``attachment`` posted along (``text`` as its caption).

    Gateways that cannot post files, or fail to, get ``text`` alone; return how many platforms accepted.
    """
    if attachment is None:
        return await tell_moderators(source, community, text)
    sent = 0
    for gateway in source.gateways_for(community):
        try:
            if isinstance(gateway, ModeratorFileSender):
                try:
                    await gateway.send_moderator_file(community, attachment.filename, attachment.data, text)
                    sent += 1
                    continue
                except Exception:  # the edge of one upload: the text still goes out below
                    log.exception(
                        "could not post %s to %s moderators on %s",
                        attachment.filename,
                        community,
                        gateway.platform,
                    )
            await gateway.notify_moderators(community, text)
            sent += 1
        except Exception:  # the edge of one notification: other platforms still get it
            log.exception("could not tell %s moderators on %s", community, gateway.platform)
    return sent
