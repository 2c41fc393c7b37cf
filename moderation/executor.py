"""Runs planned actions through a platform's ChatGateway, with bounded retries and failure reports."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from moderation.domain import ActionKind, MemberRef, PlannedAction, Scope
from moderation.errors import ActionFailed, Unsupported
from moderation.ports import ChatGateway, Clock

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Target:
    """Who and what a decision's actions are about.

    Attributes:
        community: Community name.
        scope: Where the message was posted.
        member: The member to act on.
        message_id: The message to delete or reply to, if any.
    """

    community: str
    scope: Scope
    member: MemberRef
    message_id: str | None


@dataclass(frozen=True)
class ActionResult:
    """What happened to one planned action.

    Attributes:
        action: The planned action.
        ok: Whether the platform carried it out.
        message_id: Id of the message the action posted (replies, warnings), if any.
        error: The final failure, when not ``ok``.
        attempts: How many times it was tried.
    """

    action: PlannedAction
    ok: bool
    message_id: str | None = None
    error: ActionFailed | None = None
    attempts: int = 1

    def describe(self) -> str:
        """One line for the decision's failure list."""
        if self.ok or self.error is None:
            return f"{self.action.kind}: ok"
        extra = f" (missing {self.error.missing_permission})" if self.error.missing_permission else ""
        return f"{self.action.kind}: {self.error.reason}{extra} after {self.attempts} attempt(s)"


class PermissionNotices:
    """Remembers which missing-permission problems were already reported to moderators."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str, str]] = set()

    def first_time(self, community: str, platform: str, action: str) -> bool:
        """Return True the first time a (community, platform, action) problem is seen."""
        key = (community, platform, action)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


def missing_permission_text(platform: str, error: ActionFailed) -> str:
    """Moderator-facing explanation of a missing platform permission."""
    right = error.missing_permission or "the needed permission"
    return (
        f"I could not {error.action} on {platform}: the bot is missing the '{right}' permission. "
        "Please grant it; I will not repeat this message."
    )


def still_there(result: ActionResult) -> bool:
    """Whether a delete left the message in place (``not_found`` means it is already gone)."""
    return not result.ok and (result.error is None or result.error.reason != "not_found")


def skipped_reply(action: PlannedAction) -> ActionResult:
    """The result of a reply not sent because its rule's delete failed.

    A rule's reply is written for a removed message ("I removed that message"); sending it while the
    message is still there would tell the member something untrue. Warnings and timeouts still run.
    """
    error = ActionFailed("reply", "skipped", detail="not sent: the rule's delete failed")
    return ActionResult(action, ok=False, error=error, attempts=0)


class Executor:
    """Carries out planned actions one by one; a failure never stops the others.

    Retryable failures (rate limits, network) are retried with exponential backoff, at most
    ``attempts`` times in all and never sleeping longer than ``max_delay`` between tries.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        attempts: int = 3,
        base_delay: float = 0.5,
        max_delay: float = 5.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._attempts = max(1, attempts)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self.notices = PermissionNotices()

    async def run(
        self, gateway: ChatGateway, target: Target, actions: Sequence[PlannedAction]
    ) -> list[ActionResult]:
        """Run every action in order and return one result per action."""
        deleting = any(a.kind is ActionKind.DELETE for a in actions)
        results: list[ActionResult] = []
        undeleted: set[str] = set()  # rules whose delete failed: their replies would be untrue
        for action in actions:
            if action.kind is ActionKind.REPLY and action.rule in undeleted:
                results.append(skipped_reply(action))
                continue
            result = await self.run_one(gateway, target, action, reply_to_message=not deleting)
            if action.kind is ActionKind.DELETE and still_there(result):
                undeleted.add(action.rule)
            results.append(result)
            if result.error is not None and result.error.reason == "missing_permissions":
                await self._report_missing(gateway, target, result.error)
        return results

    async def run_one(
        self, gateway: ChatGateway, target: Target, action: PlannedAction, *, reply_to_message: bool = True
    ) -> ActionResult:
        """Run one action with bounded retries; never raises."""
        attempt = 0
        while True:
            attempt += 1
            try:
                message_id = await self._dispatch(gateway, target, action, reply_to_message)
            except ActionFailed as exc:
                error = exc
            except Unsupported as exc:
                error = ActionFailed(str(action.kind), "unsupported", detail=str(exc))
            except Exception as exc:  # an adapter bug must not stop the other actions
                log.exception("gateway %s raised on %s", gateway.platform, action.kind)
                error = ActionFailed(str(action.kind), "error", detail=repr(exc)[:200])
            else:
                return ActionResult(action, ok=True, message_id=message_id, attempts=attempt)
            if not error.retryable or attempt >= self._attempts:
                log.warning("action %s failed on %s: %s", action.kind, gateway.platform, error)
                return ActionResult(action, ok=False, error=error, attempts=attempt)
            await self._sleep(min(self._max_delay, self._base_delay * 2 ** (attempt - 1)))

    async def _dispatch(
        self, gateway: ChatGateway, target: Target, action: PlannedAction, reply_to_message: bool
    ) -> str | None:
        kind = action.kind
        reason = action.reason or action.rule
        if kind is ActionKind.DELETE:
            if target.message_id is None:
                raise ActionFailed("delete", "not_found", detail="no message to delete")
            await gateway.delete_message(target.scope, target.message_id)
            return None
        if kind is ActionKind.REPLY:
            reply_to = target.message_id if reply_to_message else None
            return await gateway.send_message(target.scope, action.text or "", reply_to=reply_to)
        if kind is ActionKind.WARN:
            return await self._warn(gateway, target, action, reply_to_message)
        if kind is ActionKind.TIMEOUT:
            if action.duration is None:
                raise ActionFailed("timeout", "invalid", detail="timeout without a duration")
            until = self._clock.now() + action.duration
            await gateway.timeout_member(target.member, until, reason)
            return None
        if kind is ActionKind.KICK:
            await gateway.kick_member(target.member, reason)
            return None
        if kind is ActionKind.BAN:
            await gateway.ban_member(target.member, reason, action.delete_message_days)
            return None
        if kind is ActionKind.NOTIFY:
            await gateway.notify_moderators(target.community, action.text or reason)
            return None
        # REVIEW is handled by the review queue, never by a gateway.
        return None

    async def _warn(
        self, gateway: ChatGateway, target: Target, action: PlannedAction, reply_to_message: bool
    ) -> str:
        text = action.text or ""
        if action.dm:
            try:
                return await gateway.send_direct(target.member, text)
            except ActionFailed as exc:
                if exc.reason != "dm_closed":
                    raise
                log.info("DM closed for %s; warning in the channel", target.member.user_id)
        reply_to = target.message_id if reply_to_message else None
        return await gateway.send_message(target.scope, text, reply_to=reply_to)

    async def _report_missing(self, gateway: ChatGateway, target: Target, error: ActionFailed) -> None:
        if not self.notices.first_time(target.community, gateway.platform, error.action):
            return
        try:
            await gateway.notify_moderators(
                target.community, missing_permission_text(gateway.platform, error)
            )
        except Exception:  # reporting is best effort; the failure is already in the decision
            log.exception("could not tell moderators about a missing permission")
