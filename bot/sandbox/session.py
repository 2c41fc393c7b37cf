"""The sandbox session: turns typed lines into events for the moderation service and shows results."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import AsyncIterable
from typing import Protocol

from bot.sandbox import parser as p
from bot.sandbox.parser import usage
from bot.sandbox.render import Renderer, when
from bot.sandbox.text import show
from bot.sandbox.world import RIGHTS, ROLE_MEMBERS, Member, Posted, World
from moderation.domain import (
    Actor,
    CommandReply,
    Decision,
    InboundMessage,
    MemberJoined,
    MemberLeft,
    MessageMeta,
    ModeratorCommand,
    Outcome,
    Scope,
)
from moderation.ports import Clock

log = logging.getLogger(__name__)

_LINK_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_MENTION_RE = re.compile(r"@([A-Za-z0-9_][A-Za-z0-9_.-]{0,31})")

HELP_LINES = (
    f"{'alice: hello':<20} speak as alice in the current channel (new names join automatically)",
    f"{'hello':<20} speak as the member you type as (see /as; at start: you)",
    usage("join"),
    usage("leave"),
    usage("reply"),
    usage("edit"),
    usage("channel"),
    usage("as"),
    f"{'/queue /approve 1':<20} moderator commands: type /as mod first; /help lists them all",
    usage("buttons"),
    usage("press"),
    usage("trace"),
    usage("deny"),
    usage("help"),
    usage("quit"),
)


class SandboxService(Protocol):
    """The part of ``moderation.service.ModerationService`` the sandbox drives."""

    async def handle_message(self, msg: InboundMessage) -> Decision:
        """Moderate a message."""
        ...

    async def handle_join(self, event: MemberJoined) -> None:
        """Greet a newcomer."""
        ...

    async def handle_leave(self, event: MemberLeft) -> None:
        """Note a departure."""
        ...

    async def handle_command(self, cmd: ModeratorCommand) -> CommandReply:
        """Run a moderator command (never raises)."""
        ...

    async def handle_button(self, scope: Scope, caller: Actor, verb: str, case_number: int) -> CommandReply:
        """Run a review card button."""
        ...

    def command_help(self) -> list[tuple[str, str]]:
        """(name, one-line help) of every moderator command."""
        ...


def describe(decision: Decision) -> str | None:
    """One line on why Steward acted, or ``None`` when it ignored the message."""
    if decision.outcome is Outcome.IGNORE and not decision.dry_run:
        return None
    fired = [t for t in decision.traces if t.fired]
    reasons = "; ".join(f"{t.rule}: {t.reason}" for t in fired) or "no rule fired"
    mode = " (dry run: nothing done)" if decision.dry_run else ""
    return f"{decision.outcome.value}{mode} — {reasons}"


class SandboxSession:
    """One console community session driving a moderation service."""

    def __init__(self, service: SandboxService, world: World, renderer: Renderer, clock: Clock) -> None:
        self._service = service
        self._world = world
        self._render = renderer
        self._clock = clock
        self.show_trace = True

    def seed(self) -> None:
        """Create the current channel and the members ``mod``, ``admin`` and ``you`` (without greetings)."""
        self._world.channel_id(self._world.current_channel)
        for name in (*ROLE_MEMBERS, self._world.current_actor):
            if name not in self._world.members:
                self._world.add_member(name, self._clock.now())

    async def run(self, lines: AsyncIterable[str]) -> None:
        """Handle lines until ``/quit`` or the end of input."""
        async for line in lines:
            if not await self.handle_line(line):
                return

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; return ``False`` to stop. Never raises for bad input."""
        action = p.parse(line)
        try:
            return await self._dispatch(action)
        except BrokenPipeError:  # the reader of our output went away (e.g. ``| head``): stop quietly
            return False
        except Exception:  # the edge: one line must never end the session
            log.exception("sandbox: failed to handle %s", type(action).__name__)
            self._render.error("Steward hit an internal error on that line (details in the log); carry on.")
            return True

    async def _dispatch(self, action: p.Action) -> bool:
        match action:
            case p.Quit():
                self._render.notice("bye")
                return False
            case p.Nothing():
                pass
            case p.Usage(message):
                self._render.error(message)
            case p.Help():
                self._render.help(HELP_LINES)
                self._render.line(
                    "Moderator commands (type /as mod first; /pause and /reload need /as admin):"
                )
                self._render.help(
                    [f"/{name:<19} {show(text, limit=200)}" for name, text in self._service.command_help()]
                )
            case p.Trace(on):
                self.show_trace = on
                self._render.notice(f"trace {'on' if on else 'off'}")
            case p.Deny(None):
                self._world.refused.clear()
                self._render.notice("Steward has every right again")
            case p.Deny(str(denied)):
                self._world.refused.add(denied)
                self._render.notice(f"Steward now lacks {RIGHTS[denied]}: every {denied} fails (/deny off)")
            case p.SwitchChannel(name):
                self._world.current_channel = name
                self._render.notice(f"now in #{name} (id {self._world.channel_id(name)})")
            case p.ActAs(name):
                await self._ensure_member(name)
                self._world.current_actor = name
                self._render.notice(f"you now type as {name}")
            case p.Join(name):
                await self._join(name)
            case p.Leave(name):
                await self._leave(name)
            case p.Say(name, text):
                await self._say(name or self._world.current_actor, text)
            case p.Reply(message_id, text):
                await self._reply(message_id, text)
            case p.Edit(message_id, text):
                await self._edit(message_id, text)
            case p.ServiceCommand():
                await self._command(action)
            case p.ShowButtons(number):
                await self._command(p.ServiceCommand("case", (str(number),)), buttons=True)
            case p.Press(verb, number):
                caller = await self._ensure_member(self._world.current_actor)
                scope = self._world.scope()
                reply = await self._service.handle_button(scope, caller.actor, verb, number)
                self._show_reply(caller.name, reply, buttons=False)
        return True

    async def _ensure_member(self, name: str) -> Member:
        member = self._world.members.get(name)
        if member is None or (not member.present and not member.banned):
            return await self._join(name)
        return member

    async def _join(self, name: str) -> Member:
        now = self._clock.now()
        member = self._world.members.get(name)
        if member is not None and member.banned:
            self._render.error(f"{name} is banned from {self._world.community} and cannot join")
            return member
        if member is not None and member.present:
            self._render.notice(f"{name} is already here")
            return member
        if member is None:
            member = self._world.add_member(name, now)
        else:
            member.present = True
            member.actor = dataclasses.replace(member.actor, joined_at=now)
        self._render.event(f"→ {name} (id {member.actor.user_id}) joined {self._world.community}", "green")
        await self._service.handle_join(MemberJoined(self._world.scope(), member.actor, now))
        return member

    async def _leave(self, name: str) -> None:
        member = self._world.members.get(name)
        if member is None or not member.present:
            self._render.error(f"{name} is not here")
            return
        member.present = False
        self._render.event(f"← {name} left {self._world.community}", "yellow")
        await self._service.handle_leave(MemberLeft(self._world.scope(), member.actor, self._clock.now()))

    def _may_post(self, member: Member) -> bool:
        if member.banned:
            self._render.error(f"{member.name} is banned and cannot post")
            return False
        if member.muted_until is not None and member.muted_until > self._clock.now():
            self._render.error(f"{member.name} is timed out until {when(member.muted_until)} and cannot post")
            return False
        return True

    def _visible(self, message_id: str) -> Posted | None:
        posted = self._world.messages.get(message_id)
        if posted is None or posted.deleted or posted.channel_id.startswith(("dm:", "mod")):
            self._render.error(
                f"there is no message {message_id} to answer or edit (deleted, or never posted)"
            )
            return None
        return posted

    async def _say(self, name: str, text: str, *, reply_to: Posted | None = None) -> None:
        member = await self._ensure_member(name)
        if not self._may_post(member):
            return
        scope = self._world.scope()
        meta = self._meta(text)
        if reply_to is not None:
            self._render.quote(reply_to.author, reply_to.text)
            original = self._world.members.get(reply_to.author)
            author_id = original.actor.user_id if original is not None else None
            meta = dataclasses.replace(meta, reply_to=reply_to.message_id, reply_to_author=author_id)
        posted = self._world.post(scope.channel_id, name, text)
        self._render.member_message(self._world.current_channel, name, posted.message_id, text)
        await self._moderate(
            InboundMessage(scope, member.actor, posted.message_id, text, self._clock.now(), meta)
        )

    async def _reply(self, message_id: str, text: str) -> None:
        posted = self._visible(message_id)
        if posted is not None:
            await self._say(self._world.current_actor, text, reply_to=posted)

    async def _edit(self, message_id: str, text: str) -> None:
        posted = self._visible(message_id)
        name = self._world.current_actor
        if posted is None:
            return
        if posted.author != name:
            self._render.error(f"message {message_id} is {posted.author}'s; only its author can edit it")
            return
        member = await self._ensure_member(name)
        if not self._may_post(member):
            return
        posted.text = text
        channel = self._world.channel_name(posted.channel_id)
        self._render.member_message(channel, f"{name} (edited)", message_id, text)
        meta = dataclasses.replace(self._meta(text), edited=True)
        scope = self._world.scope(channel)
        await self._moderate(InboundMessage(scope, member.actor, message_id, text, self._clock.now(), meta))

    async def _moderate(self, msg: InboundMessage) -> None:
        decision = await self._service.handle_message(msg)
        line = describe(decision) if self.show_trace else None
        if line:
            self._render.trace(line)

    def _meta(self, text: str) -> MessageMeta:
        mentions = []
        for name in _MENTION_RE.findall(text):
            member = self._world.members.get(name.lower())
            if member is not None:
                mentions.append(member.actor.user_id)
        return MessageMeta(links=tuple(_LINK_RE.findall(text)), mentions=tuple(mentions))

    async def _command(self, cmd: p.ServiceCommand, *, buttons: bool = False) -> None:
        caller = await self._ensure_member(cmd.as_name or self._world.current_actor)
        command = ModeratorCommand(self._world.scope(), caller.actor, cmd.name, cmd.args)
        reply = await self._service.handle_command(command)
        self._show_reply(caller.name, reply, buttons=buttons)

    def _show_reply(self, caller: str, reply: CommandReply, *, buttons: bool) -> None:
        if reply.text:
            self._render.reply(caller, reply.text)
        if reply.card is not None and buttons:  # other commands: the text says it all
            self._render.card(reply.card, self._world.channel_name(reply.card.channel_id))
