"""Scheduled work of the beyond features."""

from __future__ import annotations

from typing import Protocol

from moderation.beyond.verification import Verifier


class HasVerifier(Protocol):
    """The service, as far as these jobs need it."""

    verifier: Verifier


async def verification_deadlines(service: HasVerifier) -> int:
    """Fail verifications past their deadline (kick or keep restricted); return how many."""
    return await service.verifier.expire()
