from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.sandbox.gateway import SandboxGateway
from bot.sandbox.reader import read_lines
from bot.sandbox.render import Renderer
from bot.sandbox.session import SandboxSession
from bot.sandbox.world import World
from moderation.domain import (
    ActionKind,
    Actor,
    CommandReply,
    Decision,
    InboundMessage,
    MemberJoined,
    MemberLeft,
    MemberRef,
    ModeratorCommand,
    Outcome,
    ReviewCard,
    ReviewStatus,
    RuleTrace,
    Scope,
)
from moderation.errors import ActionFailed
from tests.fakes.core import FrozenClock


@dataclass
class FakeService:
    """Acts through the sandbox gateway like the real service would, on fixed words."""

    gateway: SandboxGateway
    clock: FrozenClock
    messages: list[InboundMessage] = field(default_factory=list)
    joins: list[MemberJoined] = field(default_factory=list)
    leaves: list[MemberLeft] = field(default_factory=list)
    commands: list[ModeratorCommand] = field(default_factory=list)
    buttons: list[tuple[str, int, Actor]] = field(default_factory=list)
    cards: dict[int, ReviewCard] = field(default_factory=dict)

    async def handle_message(self, msg: InboundMessage) -> Decision:
        self.messages.append(msg)
        ref = MemberRef("sandbox", msg.scope.space_id, msg.author.user_id)
        if "boom" in msg.text:
            raise RuntimeError("service bug")
        if "idiot" in msg.text:
            await self.gateway.delete_message(msg.scope, msg.message_id)
            await self.gateway.send_message(msg.scope, "Let's keep it kind.", reply_to=msg.message_id)
            await self.gateway.send_direct(ref, "You were warned.")
            await self.gateway.timeout_member(ref, self.clock.now() + timedelta(minutes=10), "toxicity")
            trace = RuleTrace("toxicity", True, "act", "toxic 0.95 >= act_at 0.92")
            return Decision(Outcome.ACT, traces=(trace,))
        if "maybe" in msg.text:
            number = len(self.cards) + 1
            card = ReviewCard(
                community=msg.scope.community,
                case_number=number,
                status=ReviewStatus.PENDING,
                platform="sandbox",
                member=msg.author,
                channel_id=msg.scope.channel_id,
                rule="toxicity",
                reason="toxic 0.70 >= review_at 0.60",
                excerpt=msg.text,
                held_actions=(ActionKind.DELETE,),
            )
            self.cards[number] = card
            await self.gateway.send_review_card(msg.scope.community, card)
            trace = RuleTrace("toxicity", True, "review", "toxic 0.70 >= review_at 0.60")
            return Decision(Outcome.REVIEW, traces=(trace,))
        return Decision(Outcome.IGNORE)

    async def handle_join(self, event: MemberJoined) -> None:
        self.joins.append(event)
        await self.gateway.send_message(event.scope, f"Welcome, {event.member.display_name}!")

    async def handle_leave(self, event: MemberLeft) -> None:
        self.leaves.append(event)

    async def handle_command(self, cmd: ModeratorCommand) -> CommandReply:
        self.commands.append(cmd)
        if cmd.name == "case" and cmd.args and cmd.args[0].isdigit() and int(cmd.args[0]) in self.cards:
            return CommandReply(text="", card=self.cards[int(cmd.args[0])])
        if "mod" not in cmd.caller.roles:
            return CommandReply(text="Only moderators can do that.")
        return CommandReply(text=f"ran {cmd.name} {' '.join(cmd.args)}".strip())

    async def handle_button(self, scope: Scope, caller: Actor, verb: str, case_number: int) -> CommandReply:
        self.buttons.append((verb, case_number, caller))
        return CommandReply(text=f"{verb} case #{case_number} by {caller.display_name}")

    def command_help(self) -> list[tuple[str, str]]:
        return [("queue", "Show the pending reviews."), ("approve", "Approve a review.")]


@dataclass
class Harness:
    session: SandboxSession
    service: FakeService
    world: World
    out: io.StringIO
    clock: FrozenClock

    async def feed(self, data: bytes) -> str:
        start = self.out.tell()
        await self.session.run(read_lines(io.BytesIO(data)))
        self.out.seek(start)
        text = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return text


@pytest.fixture
def h() -> Harness:
    out = io.StringIO()
    clock = FrozenClock()
    world = World(community="acme")
    renderer = Renderer(out, colour=False)
    gateway = SandboxGateway(world, renderer)
    service = FakeService(gateway, clock)
    session = SandboxSession(service, world, renderer, clock)
    session.seed()
    return Harness(session, service, world, out, clock)


async def test_join_greets_and_messages_carry_numeric_ids(h: Harness) -> None:
    out = await h.feed(b"/join bob\nbob: hi @alice and @nobody see https://x.y/z\nalice: hello\n")
    assert "→ bob (id 67104) joined acme" in out
    assert "Steward: Welcome, bob!" in out
    assert "#general bob: hi @alice" in out
    first, second = h.service.messages
    assert first.author.user_id == "67104"
    assert first.scope.platform == "sandbox"
    assert first.scope.channel_id == "100"
    assert first.meta.links == ("https://x.y/z",)
    assert first.meta.mentions == ()  # alice had not joined yet
    assert second.author.display_name == "alice"
    assert [j.member.display_name for j in h.service.joins] == ["bob", "alice"]
    assert all(m.message_id.isdigit() for m in h.service.messages)


async def test_toxic_message_is_deleted_quoted_warned_and_muted(h: Harness) -> None:
    out = await h.feed(b"alice: you idiot\nalice: still here?\n")
    msg_id = h.service.messages[0].message_id
    assert f"[deleted] message {msg_id} by alice in #general" in out
    assert "replying to alice: “you idiot”" in out
    assert "[DM to alice] You were warned." in out
    assert "[timeout] alice muted until 12:10:00 UTC — toxicity" in out
    assert "↳ act — toxicity: toxic 0.95 >= act_at 0.92" in out
    assert "alice is timed out until 12:10:00 UTC and cannot post" in out
    assert len(h.service.messages) == 1


async def test_review_card_buttons_and_commands_use_the_current_actor(h: Harness) -> None:
    out = await h.feed(
        b"carol: maybe rude\n/queue\n/as mod\n/queue\n/approve 1 looks fine\n/buttons 1\n/press approve 1\n"
    )
    assert "╭─ Review card · case #1 · pending · acme" in out
    assert "│ rule        toxicity" in out
    assert "│ excerpt     “maybe rude”" in out
    assert "[Approve] [Reject] [Ban] [Details]" in out
    assert "/press approve 1" in out
    assert "[reply to you] Only moderators can do that." in out
    assert "[reply to mod] ran queue" in out
    assert "[reply to mod] ran approve 1 looks fine" in out
    callers = [(c.name, c.caller.display_name, c.caller.roles) for c in h.service.commands]
    assert callers[:3] == [("queue", "you", ()), ("queue", "mod", ("mod",)), ("approve", "mod", ("mod",))]
    assert h.service.commands[2].args == ("1", "looks", "fine")
    verb, number, caller = h.service.buttons[0]
    assert (verb, number, caller.display_name) == ("approve", 1, "mod")
    assert "approve case #1 by mod" in out


async def test_channels_leave_rejoin_and_prefixed_commands(h: Harness) -> None:
    out = await h.feed(b"/channel memes\nbob: lol\n/leave bob\n/leave bob\n/join bob\nbob: /stats\n")
    assert "now in #memes (id 101)" in out
    assert h.service.messages[0].scope.channel_id == "101"
    assert "← bob left acme" in out
    assert "! bob is not here" in out
    assert h.service.leaves[0].member.display_name == "bob"
    # rejoining keeps the id and greets again
    assert [j.member.user_id for j in h.service.joins] == ["67104", "67104"]
    assert h.service.commands[-1].caller.display_name == "bob"


async def test_hostile_input_never_crashes(h: Harness) -> None:
    big = b"a" * 100_000
    data = b"".join(
        [
            b"alice: bad \xff\xfe utf8 \xc3\x28\n",
            b"alice: " + big + b"\n",
            b"alice: \x1b[2J\x07 \xe2\x80\xae evil\n",
            b"/join\n/press nope 1\n/approve\n",
            b"alice: boom\n",
            b"alice: after\n",
        ]
    )
    out = await h.feed(data)
    texts = [m.text for m in h.service.messages]
    assert texts[0] == "bad \ufffd\ufffd utf8 \ufffd("
    assert texts[1] == "a" * 100_000  # the service gets the whole text
    assert "… [+99600 chars]" in out  # the console shows a clipped one
    assert texts[2] == "\x1b[2J\x07 \u202e evil"
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "\x07" not in out
    assert "\\x1b[2J\\x07 \\u202e evil" in out
    assert "usage: /join NAME" in out
    assert "usage: /press VERB CASE" in out
    assert h.service.commands[-1].name == "approve"  # the service answers bad moderator commands
    assert "internal error" in out
    assert texts[-1] == "after"


async def test_quit_stops_before_the_rest(h: Harness) -> None:
    out = await h.feed(b"alice: one\n/quit\nalice: two\n")
    assert [m.text for m in h.service.messages] == ["one"]
    assert out.rstrip().endswith("· bye")


async def test_gateway_is_idempotent_and_fails_typed(h: Harness) -> None:
    gateway = h.service.gateway
    await h.feed(b"alice: hi\n")
    scope = h.world.scope()
    msg_id = h.service.messages[0].message_id
    await gateway.delete_message(scope, msg_id)
    await gateway.delete_message(scope, msg_id)
    await gateway.delete_message(scope, "999999")
    assert h.out.getvalue().count("[deleted]") == 1
    with pytest.raises(ActionFailed) as missing:
        await gateway.kick_member(MemberRef("sandbox", "1", "424242"), "x")
    assert missing.value.reason == "not_found"
    alice = h.world.members["alice"]
    await gateway.kick_member(h.world.member_ref(alice), "spam")
    with pytest.raises(ActionFailed) as closed:
        await gateway.send_direct(h.world.member_ref(alice), "hello")
    assert closed.value.reason == "dm_closed"
    await gateway.ban_member(h.world.member_ref(alice), "spam", delete_message_days=1)
    out = await h.feed(b"/join alice\nalice: back\n")
    assert "alice is banned from acme and cannot join" in out
    assert "alice is banned and cannot post" in out
    await gateway.unban_member(h.world.member_ref(alice), "appeal")
    out = await h.feed(b"/join alice\n")
    assert "→ alice" in out


def test_channel_ids_in_steward_texts_read_as_names() -> None:
    world = World(community="acme")
    world.channel_id("general")
    world.channel_id("memes")
    assert world.readable("your message in 100 was removed; see 101.") == (
        "your message in #general was removed; see #memes."
    )
    assert world.readable("1000 people, id 1001, 10.0.100, http://x/100, #100") == (
        "1000 people, id 1001, 10.0.100, http://x/100, #100"
    )


async def test_help_lists_sandbox_and_moderator_commands_for_anyone(h: Harness) -> None:
    out = await h.feed(b"/help\n")
    assert "/join NAME" in out
    assert "/press VERB CASE" in out
    assert "/queue               Show the pending reviews." in out
    assert "/approve             Approve a review." in out
    assert h.service.commands == []  # listing help needs no moderator rights


class _ClosedPipe(io.StringIO):
    def write(self, _text: str) -> int:
        raise BrokenPipeError


async def test_a_closed_output_pipe_ends_the_session_quietly() -> None:
    clock = FrozenClock()
    world = World(community="acme")
    renderer = Renderer(_ClosedPipe(), colour=False)
    service = FakeService(SandboxGateway(world, renderer), clock)
    session = SandboxSession(service, world, renderer, clock)
    assert await session.handle_line("alice: hello") is False


def test_colour_only_styles_and_never_unescapes() -> None:
    out = io.StringIO()
    renderer = Renderer(out, colour=True)
    renderer.member_message("general", "alice", "1001", "hi \x1b[31m")
    text = out.getvalue()
    assert "\x1b[1malice\x1b[0m" in text
    assert "hi \\x1b[31m" in text
    assert text.count("\x1b[") == 6  # three styled parts, each opened and reset
    plain = io.StringIO()
    Renderer(plain).member_message("general", "alice", "1001", "hi")  # StringIO is no terminal
    assert "\x1b" not in plain.getvalue()


async def test_resolved_cards_lose_their_buttons(h: Harness) -> None:
    await h.feed(b"carol: maybe rude\n")
    pending = h.service.cards[1]
    start = h.out.tell()
    approved = dataclasses.replace(pending, status=ReviewStatus.APPROVED)
    await h.service.gateway.send_review_card("acme", approved)
    shown = h.out.getvalue()[start:]
    assert "case #1 · approved" in shown
    assert "[Approve]" not in shown
    assert "approved: no buttons any more" in shown


def test_ascii_terminals_get_ascii_glyphs() -> None:
    class AsciiOut(io.StringIO):
        encoding = "ascii"

    out = AsciiOut()
    renderer = Renderer(out, colour=False)
    renderer.event("→ bob joined")
    renderer.bot_message("general", "1002", "hi", ("bob", "hello"))
    assert out.getvalue() == '-> bob joined\n  | replying to bob: "hello"\n#general Steward: hi  [1002]\n'


async def test_replies_and_edits_reach_the_service_with_their_meta(h: Harness) -> None:
    await h.feed(b"bob: hello all\n")
    first = h.service.messages[0]
    bobs = first.message_id.encode()
    out = await h.feed(b"/as alice\n/reply " + bobs + b" hi bob\n/edit " + bobs + b" mine now?\n")
    reply = h.service.messages[1]
    assert reply.meta.reply_to == first.message_id
    assert reply.meta.reply_to_author == first.author.user_id
    assert "┆ replying to bob: “hello all”" in out
    assert f"message {first.message_id} is bob's; only its author can edit it" in out
    out = await h.feed(b"/as bob\n/edit " + bobs + b" you idiot\n/reply " + bobs + b" gone?\n/edit 999 x\n")
    edited = h.service.messages[-1]
    assert edited.message_id == first.message_id
    assert edited.meta.edited is True
    assert edited.text == "you idiot"
    assert f"#general bob (edited): you idiot  [{first.message_id}]" in out
    assert f"[deleted] message {first.message_id} by bob" in out  # the fake service acts on the edit
    assert f"there is no message {first.message_id}" in out  # deleted messages cannot be answered
    assert "there is no message 999" in out
    assert "usage: /reply ID TEXT" in (await h.feed(b"/reply 1001\n"))


def test_the_world_forgets_the_oldest_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.sandbox.world as world_module

    monkeypatch.setattr(world_module, "MAX_REMEMBERED", 3)
    world = World(community="acme")
    ids = [world.post("100", "alice", f"m{i}").message_id for i in range(5)]
    assert list(world.messages) == ids[2:]
