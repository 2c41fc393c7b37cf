"""``DiscordGateway``: the core's ``ChatGateway`` carried out with discord.py."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta

import discord

from bot.discord.cards import card_embed, card_view
from bot.discord.errors import translated
from bot.service_port import ModerationPort as Service
from moderation.config.schema import DiscordPlatform
from moderation.domain import MemberRef, ReviewCard, Scope
from moderation.errors import ActionFailed

log = logging.getLogger(__name__)

MAX_TIMEOUT = timedelta(days=28)
_NO_PINGS = discord.AllowedMentions(everyone=False, roles=False, users=True, replied_user=True)


class DiscordGateway:
    """Carries out the core's actions on Discord through a logged-in discord.py client.

    Args:
        client: The running discord.py client.
        service: The moderation service (for communities' moderators' and log channels).
    """

    platform = "discord"

    def __init__(self, client: discord.Client, service: Service) -> None:
        self._client = client
        self._service = service
        self._cards: dict[tuple[str, int], tuple[int, int]] = {}
        self._hierarchy_reported: set[tuple[str, str]] = set()

    # ------------------------------------------------------------------ messages

    async def send_message(self, scope: Scope, text: str, *, reply_to: str | None = None) -> str:
        """Post in the scope's channel, as a reply when ``reply_to`` is given."""
        channel = self._channel(int(scope.channel_id), scope.space_id)
        reference = None
        if reply_to is not None:
            reference = discord.MessageReference(
                message_id=int(reply_to),
                channel_id=int(scope.channel_id),
                guild_id=int(scope.space_id),
                fail_if_not_exists=False,
            )
        with translated("reply", missing_permission="send_messages"):
            message = await channel.send(text[:2000], reference=reference, allowed_mentions=_NO_PINGS)  # type: ignore[arg-type]
        return str(message.id)

    async def delete_message(self, scope: Scope, message_id: str) -> None:
        """Delete a message; an already deleted one counts as success."""
        channel = self._channel(int(scope.channel_id), scope.space_id)
        try:
            with translated("delete", missing_permission="manage_messages"):
                await channel.get_partial_message(int(message_id)).delete()
        except ActionFailed as exc:
            if exc.reason != "not_found":
                raise
            log.debug("message %s was already gone", message_id)

    async def send_direct(self, member: MemberRef, text: str) -> str:
        """DM a member; ``ActionFailed(reason="dm_closed")`` when they do not accept DMs."""
        with translated("dm"):
            dm = await self._client.create_dm(discord.Object(int(member.user_id)))
            message = await dm.send(text[:2000])
        return str(message.id)

    # ------------------------------------------------------------------ members

    async def timeout_member(self, member: MemberRef, until: datetime, reason: str) -> None:
        """Time a member out (``Member.timeout``), capped at Discord's 28 days."""
        guild = self._guild(member.space_id, "timeout")
        target = await self._member(guild, member.user_id, "timeout")
        now = datetime.now(UTC)
        until = min(until, now + MAX_TIMEOUT - timedelta(seconds=5))
        try:
            with translated("timeout", missing_permission="moderate_members"):
                await target.timeout(until, reason=reason[:512] or None)
        except ActionFailed as exc:
            raise await self._explain_forbidden(exc, guild, target, "moderate_members") from exc

    async def lift_timeout(self, member: MemberRef, reason: str) -> None:
        """End a member's timeout at once (``communication_disabled_until`` cleared)."""
        guild = self._guild(member.space_id, "timeout")
        target = await self._member(guild, member.user_id, "timeout")
        try:
            with translated("timeout", missing_permission="moderate_members"):
                await target.timeout(None, reason=reason[:512] or None)
        except ActionFailed as exc:
            raise await self._explain_forbidden(exc, guild, target, "moderate_members") from exc

    async def kick_member(self, member: MemberRef, reason: str) -> None:
        """Kick a member."""
        guild = self._guild(member.space_id, "kick")
        try:
            with translated("kick", missing_permission="kick_members"):
                await guild.kick(discord.Object(int(member.user_id)), reason=reason[:512] or None)
        except ActionFailed as exc:
            raise await self._explain_forbidden(
                exc, guild, guild.get_member(int(member.user_id)), "kick_members"
            ) from exc

    async def ban_member(self, member: MemberRef, reason: str, delete_message_days: int = 0) -> None:
        """Ban a member, removing up to 7 days of their messages."""
        guild = self._guild(member.space_id, "ban")
        seconds = max(0, min(delete_message_days, 7)) * 86400
        try:
            with translated("ban", missing_permission="ban_members"):
                await guild.ban(
                    discord.Object(int(member.user_id)),
                    reason=reason[:512] or None,
                    delete_message_seconds=seconds,
                )
        except ActionFailed as exc:
            raise await self._explain_forbidden(
                exc, guild, guild.get_member(int(member.user_id)), "ban_members"
            ) from exc

    async def unban_member(self, member: MemberRef, reason: str) -> None:
        """Lift a ban (not being banned counts as success)."""
        guild = self._guild(member.space_id, "unban")
        try:
            with translated("unban", missing_permission="ban_members"):
                await guild.unban(discord.Object(int(member.user_id)), reason=reason[:512] or None)
        except ActionFailed as exc:
            if exc.reason != "not_found":
                raise

    # ------------------------------------------------------------------ moderators

    async def send_review_card(self, community: str, card: ReviewCard) -> str | None:
        """Post a review card in the moderators' channel, or refresh the one already posted."""
        settings = self._discord_settings(community)
        if settings is None or settings.mod_channel_id is None:
            return None
        embed, view = card_embed(card), card_view(card)
        known = self._cards.get((community, card.case_number))
        if known is not None:
            channel_id, message_id = known
            channel = self._channel(channel_id, None)
            try:
                with translated("review_card", missing_permission="send_messages"):
                    await channel.get_partial_message(message_id).edit(embed=embed, view=view)
                return str(message_id)
            except ActionFailed as exc:
                if exc.reason != "not_found":
                    raise
        channel = self._channel(int(settings.mod_channel_id), None)
        with translated("review_card", missing_permission="send_messages"):
            message = await channel.send(embed=embed, view=view)
        self.remember_card(community, card.case_number, channel.id, message.id)
        return str(message.id)

    def remember_card(self, community: str, case_number: int, channel_id: int, message_id: int) -> None:
        """Remember where a case's card is, so the next refresh edits it."""
        self._cards[(community, case_number)] = (channel_id, message_id)

    async def notify_moderators(self, community: str, text: str) -> None:
        """Post a notice in the moderators' channel (no-op when none is configured)."""
        settings = self._discord_settings(community)
        if settings is None or settings.mod_channel_id is None:
            return
        channel = self._channel(int(settings.mod_channel_id), None)
        with translated("notify", missing_permission="send_messages"):
            await channel.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())

    async def send_moderator_file(
        self, community: str, filename: str, data: bytes, caption: str
    ) -> str | None:
        """Post ``caption`` with ``data`` attached as ``filename`` in the moderators' channel."""
        settings = self._discord_settings(community)
        if settings is None or settings.mod_channel_id is None:
            return None
        channel = self._channel(int(settings.mod_channel_id), None)
        upload = discord.File(io.BytesIO(data), filename=filename)
        with translated("notify", missing_permission="attach_files"):
            message = await channel.send(
                caption[:2000], file=upload, allowed_mentions=discord.AllowedMentions.none()
            )
        return str(message.id)

    async def log_line(self, community: str, text: str) -> None:
        """Post one line in the community's mod-log channel, if configured (best effort)."""
        settings = self._discord_settings(community)
        if settings is None or settings.log_channel_id is None:
            return
        channel = self._channel(int(settings.log_channel_id), None)
        try:
            with translated("log"):
                await channel.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
        except ActionFailed as exc:
            log.warning("could not write to the mod-log channel of %s: %s", community, exc)

    # ------------------------------------------------------------------ helpers

    def _discord_settings(self, community: str) -> DiscordPlatform | None:
        return self._service.community_config(community).platforms.discord

    def _channel(self, channel_id: int, guild_id: str | None) -> discord.PartialMessageable:
        gid = int(guild_id) if guild_id is not None else None
        return self._client.get_partial_messageable(channel_id, guild_id=gid)

    def _guild(self, space_id: str, action: str) -> discord.Guild:
        guild = self._client.get_guild(int(space_id))
        if guild is None:
            raise ActionFailed(action, "removed", detail=f"the bot is not in guild {space_id}")
        return guild

    async def _member(self, guild: discord.Guild, user_id: str, action: str) -> discord.Member:
        member = guild.get_member(int(user_id))
        if member is not None:
            return member
        with translated(action):
            return await guild.fetch_member(int(user_id))

    async def _explain_forbidden(
        self, exc: ActionFailed, guild: discord.Guild, target: discord.Member | None, permission: str
    ) -> ActionFailed:
        """Tell a missing permission from a role-hierarchy refusal (the bot cannot act above itself)."""
        if exc.reason != "missing_permissions":
            return exc
        me = guild.me
        has_permission = me is not None and getattr(me.guild_permissions, permission)
        above = (
            target is not None
            and me is not None
            and (target.id == guild.owner_id or target.top_role >= me.top_role)
        )
        if not has_permission or not above or target is None:
            return exc
        detail = f"{target.display_name}'s highest role is not below the bot's; move the bot's role higher"
        key = (str(guild.id), str(target.id))
        community = None
        if key not in self._hierarchy_reported:
            self._hierarchy_reported.add(key)
            community = self._service.community_for(self.platform, str(guild.id))
        if community is not None:
            try:
                await self.notify_moderators(
                    community, f"I could not {exc.action} {target.display_name}: {detail}."
                )
            except ActionFailed:
                log.warning("could not report a role-hierarchy refusal in %s", community)
        return ActionFailed(exc.action, "hierarchy", missing_permission=None, detail=detail)
