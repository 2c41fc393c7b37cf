"""The sandbox's ChatGateway: carries out the core's actions by showing them in the console."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from bot.sandbox.render import Renderer, when
from bot.sandbox.world import MAX_REMEMBERED, PLATFORM, RIGHTS, Member, World
from moderation.domain import MemberRef, ReviewCard, ReviewStatus, Scope
from moderation.errors import ActionFailed


def reports_dir_for(database_url: str) -> Path:
    """Where the sandbox saves images: ``steward-reports`` beside a SQLite file, else in the temp dir."""
    if database_url.startswith("sqlite") and ":///" in database_url:
        path = database_url.split(":///", 1)[1].split("?", 1)[0]
        if path and path != ":memory:":
            return Path(path).parent / "steward-reports"
    return Path(tempfile.gettempdir()) / "steward-reports"


class SandboxGateway:
    """Implements ``moderation.ports.ChatGateway`` (and ``ModeratorFileSender``) for the console community.

    Args:
        world: The console community.
        renderer: Where actions are shown.
        reports_dir: Where files for the moderators (the digest chart) are saved; default in the temp dir.
    """

    platform = PLATFORM

    def __init__(self, world: World, renderer: Renderer, *, reports_dir: Path | None = None) -> None:
        self._world = world
        self._render = renderer
        self.reports_dir = reports_dir or Path(tempfile.gettempdir()) / "steward-reports"
        self._cards: dict[tuple[str, int], str] = {}

    def _allow(self, action: str) -> None:
        if action in self._world.refused:
            right = RIGHTS[action]
            self._render.event(f"[refused] {action}: Steward lacks the {right} right", "red")
            raise ActionFailed(action, "missing_permissions", missing_permission=right, detail="sandbox")

    def _member(self, action: str, ref: MemberRef) -> Member:
        self._allow(action)
        member = self._world.by_id(ref.user_id)
        if member is None:
            raise ActionFailed(action, "not_found", detail=f"no sandbox member with id {ref.user_id}")
        return member

    async def send_message(self, scope: Scope, text: str, *, reply_to: str | None = None) -> str:
        """Post as Steward in the scope's channel, quoting ``reply_to`` if it is known."""
        self._allow("reply")
        text = self._world.readable(text)
        posted = self._world.post(scope.channel_id, "Steward", text)
        original = self._world.messages.get(reply_to) if reply_to else None
        quoted = (original.author, original.text) if original is not None else None
        self._render.bot_message(self._world.channel_name(scope.channel_id), posted.message_id, text, quoted)
        return posted.message_id

    async def delete_message(self, scope: Scope, message_id: str) -> None:
        """Delete a message; deleting twice or an unknown id is a no-op, as on the platforms."""
        posted = self._world.messages.get(message_id)
        if posted is None or posted.deleted:
            return
        self._allow("delete")
        posted.deleted = True
        channel = self._world.channel_name(posted.channel_id)
        self._render.event(f"[deleted] message {message_id} by {posted.author} in #{channel}", "red")

    async def send_direct(self, member: MemberRef, text: str) -> str:
        """Show a DM; members who left, were removed or closed their DMs cannot receive one."""
        target = self._member("dm", member)
        if not target.present or target.dms_closed:
            raise ActionFailed("dm", "dm_closed", detail=f"{target.name} does not accept direct messages")
        posted = self._world.post(f"dm:{member.user_id}", "Steward", text)
        self._render.direct(target.name, self._world.readable(text))
        return posted.message_id

    async def timeout_member(self, member: MemberRef, until: datetime, reason: str) -> None:
        """Mute a member: the sandbox refuses their messages until ``until``."""
        target = self._member("timeout", member)
        target.muted_until = until
        self._render.event(f"[timeout] {target.name} muted until {when(until)} — {reason}", "red")

    async def kick_member(self, member: MemberRef, reason: str) -> None:
        """Remove a member, who may join again."""
        target = self._member("kick", member)
        target.present = False
        self._render.event(f"[kick] {target.name} removed from the community — {reason}", "red")

    async def ban_member(self, member: MemberRef, reason: str, delete_message_days: int = 0) -> None:
        """Ban a member; with ``delete_message_days`` their messages are removed too."""
        target = self._member("ban", member)
        target.present = False
        target.banned = True
        extra = f" (deleting {delete_message_days} day(s) of messages)" if delete_message_days else ""
        self._render.event(f"[ban] {target.name} banned{extra} — {reason}", "red")
        if delete_message_days:
            for posted in self._world.messages.values():
                if posted.author == target.name and not posted.deleted:
                    posted.deleted = True

    async def unban_member(self, member: MemberRef, reason: str) -> None:
        """Lift a ban."""
        target = self._member("unban", member)
        target.banned = False
        self._render.event(f"[unban] {target.name} may join again — {reason}", "green")

    async def send_review_card(self, community: str, card: ReviewCard) -> str | None:
        """Show a case's review card in the moderators' view; a later send refreshes the same card."""
        text = f"review card #{card.case_number} ({card.status.value})"
        known = self._world.messages.get(self._cards.get((community, card.case_number), ""))
        if known is None:
            known = self._world.post("mod", "Steward", text)
            self._cards[(community, card.case_number)] = known.message_id
            if len(self._cards) > MAX_REMEMBERED:
                del self._cards[next(iter(self._cards))]
        known.text = text
        pending = card.status is ReviewStatus.PENDING  # resolved cards lose their buttons
        self._render.card(card, self._world.channel_name(card.channel_id), buttons=pending)
        return known.message_id

    async def notify_moderators(self, community: str, text: str) -> None:
        """Show a note for the moderators."""
        text = self._world.readable(text)
        self._world.post("mod", "Steward", text)
        self._render.moderators(text)

    async def send_moderator_file(
        self, community: str, filename: str, data: bytes, caption: str
    ) -> str | None:
        """Show ``caption`` to the moderators and save the file under :attr:`reports_dir`."""
        caption = self._world.readable(caption)
        posted = self._world.post("mod", "Steward", caption)
        self._render.moderators(caption)
        try:
            self.reports_dir.mkdir(parents=True, exist_ok=True)
            path = self.reports_dir / Path(filename).name
            path.write_bytes(data)
        except OSError as exc:
            raise ActionFailed("notify", "error", detail=f"cannot save {filename}: {exc}") from exc
        self._render.event(f"[chart] saved to {path}", "cyan")
        return posted.message_id
