"""Parsing what the sandbox user types into sandbox actions and moderator commands."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.sandbox.world import RIGHTS

NAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_.-]{0,31}$")
_SPEAKER_RE = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,31}):(?:\s+(.*))?$", re.DOTALL)
_CHANNEL_RE = re.compile(r"^#?([a-z0-9_-]{1,32})$")
BUTTON_VERBS = ("approve", "reject", "ban", "details")


@dataclass(frozen=True)
class Say:
    """Post ``text`` as ``name`` (``None``: the current member) in the current channel."""

    name: str | None
    text: str


@dataclass(frozen=True)
class Reply:
    """Post ``text`` as the current member, replying to message ``message_id``."""

    message_id: str
    text: str


@dataclass(frozen=True)
class Edit:
    """The current member edits their message ``message_id`` to ``text``."""

    message_id: str
    text: str


@dataclass(frozen=True)
class Join:
    """A member joins the community."""

    name: str


@dataclass(frozen=True)
class Leave:
    """A member leaves the community."""

    name: str


@dataclass(frozen=True)
class SwitchChannel:
    """Switch the current channel (created on first use)."""

    name: str


@dataclass(frozen=True)
class ActAs:
    """Choose who types plain messages and commands."""

    name: str


@dataclass(frozen=True)
class ShowButtons:
    """Show a case's review card with its buttons."""

    case_number: int


@dataclass(frozen=True)
class Press:
    """Press a review card's button."""

    verb: str
    case_number: int


@dataclass(frozen=True)
class Trace:
    """Turn the decision trace line on or off."""

    on: bool


@dataclass(frozen=True)
class Deny:
    """Steward loses the right for ``action`` (``None``: gets every right back)."""

    action: str | None


@dataclass(frozen=True)
class Help:
    """Show the sandbox's commands and the moderator commands."""


@dataclass(frozen=True)
class Quit:
    """Leave the sandbox."""


@dataclass(frozen=True)
class Nothing:
    """An empty line."""


@dataclass(frozen=True)
class ServiceCommand:
    """A moderator command for the service, issued by ``as_name`` or the current member."""

    name: str
    args: tuple[str, ...]
    as_name: str | None = None


@dataclass(frozen=True)
class Usage:
    """A malformed sandbox command: ``message`` says how to use it."""

    message: str


Action = (
    Say
    | Reply
    | Edit
    | Join
    | Leave
    | SwitchChannel
    | ActAs
    | ShowButtons
    | Press
    | Trace
    | Deny
    | Help
    | Quit
    | Nothing
    | ServiceCommand
    | Usage
)

USAGE: dict[str, tuple[str, str]] = {
    "join": ("/join NAME", "add a member (shows the greeting), e.g. /join bob"),
    "reply": ("/reply ID TEXT", "reply to message ID as the member you type as, e.g. /reply 1003 agreed"),
    "edit": ("/edit ID TEXT", "edit your own message ID (edits are moderated too), e.g. /edit 1003 oops"),
    "leave": ("/leave NAME", "a member leaves, e.g. /leave bob"),
    "channel": ("/channel NAME", "switch channel, e.g. /channel memes"),
    "as": ("/as NAME", "type as NAME: mod (moderator), admin, or any member"),
    "buttons": ("/buttons CASE", "show a case's review card with its buttons, e.g. /buttons 3"),
    "press": (
        "/press VERB CASE",
        "press a card button: approve, reject, ban, details; e.g. /press approve 3",
    ),
    "trace": ("/trace on|off", "show or hide why Steward acted on each message"),
    "deny": (
        "/deny ACTION|off",
        "Steward lacks the right to ACTION (delete, timeout, kick, ban, reply, dm); off: all rights back",
    ),
    "help": ("/help", "this help and the moderator commands"),
    "quit": ("/quit", "leave the sandbox (Ctrl-D works too)"),
}
"""Sandbox command -> (syntax, what it does)."""


def usage(name: str) -> str:
    """One help line: the syntax of a sandbox command and what it does."""
    syntax, text = USAGE.get(name, USAGE["help"])
    return f"{syntax:<20} {text}"


LOCAL_COMMANDS = frozenset({*USAGE, "exit"})


def _name(arg: str) -> str | None:
    name = arg.lower()
    return name if NAME_RE.match(name) else None


def _case(arg: str) -> int | None:
    text = arg.lstrip("#")
    if not text.isdigit() or len(text) > 9:
        return None
    number = int(text)
    return number if number > 0 else None


def _local(name: str, args: list[str]) -> Action:
    bad = Usage(f"usage: {usage(name)}")
    if name in {"quit", "exit"}:
        return Quit()
    if name == "help":
        return Help()
    if name in {"join", "leave", "as"}:
        member = _name(args[0]) if len(args) == 1 else None
        if member is None:
            return Usage(f"{bad.message} (names: letters, digits, _ . -, up to 32)")
        if name == "join":
            return Join(member)
        return Leave(member) if name == "leave" else ActAs(member)
    if name == "channel":
        match = _CHANNEL_RE.match(args[0].lower()) if len(args) == 1 else None
        return SwitchChannel(match.group(1)) if match else bad
    if name == "buttons":
        number = _case(args[0]) if len(args) == 1 else None
        return ShowButtons(number) if number else bad
    if name == "press":
        if len(args) != 2 or args[0].lower() not in BUTTON_VERBS:
            return bad
        number = _case(args[1])
        return Press(args[0].lower(), number) if number else bad
    if name == "deny" and len(args) == 1 and args[0].lower() in {*RIGHTS, "off"}:
        return Deny(None if args[0].lower() == "off" else args[0].lower())
    if name == "trace" and len(args) == 1 and args[0].lower() in {"on", "off"}:
        return Trace(args[0].lower() == "on")
    return bad


def _message_command(name: str, text: str) -> Action:
    parts = text.split(maxsplit=2)
    if len(parts) < 3 or not parts[1].isdigit() or len(parts[1]) > 18:
        return Usage(f"usage: {usage(name)}")
    return Reply(parts[1], parts[2]) if name == "reply" else Edit(parts[1], parts[2])


def parse(line: str) -> Action:
    """Turn one typed line into an action; malformed sandbox commands become ``Usage``.

    Examples:
        ``alice: hello`` -> ``Say("alice", "hello")``; ``hello`` -> ``Say(None, "hello")``;
        ``/approve 3 looks fine`` -> ``ServiceCommand("approve", ("3", "looks", "fine"))``;
        ``bob: /queue`` -> ``ServiceCommand("queue", (), as_name="bob")``.
    """
    text = line.strip()
    if not text:
        return Nothing()
    speaker: str | None = None
    match = _SPEAKER_RE.match(text)
    if match:
        speaker = match.group(1).lower()
        text = (match.group(2) or "").strip()
        if not text:
            return Usage(f"{speaker} said nothing: type e.g. '{speaker}: hello'")
    if not text.startswith("/") or text == "/" or text.startswith("//"):
        return Say(speaker, text)
    head, *args = text[1:].split()
    name = head.lower()
    if name in LOCAL_COMMANDS:
        if speaker is not None:
            return Usage(f"/{name} is a sandbox command: type it without '{speaker}:'")
        if name in {"reply", "edit"}:
            return _message_command(name, text)
        return _local(name, args)
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", name):
        return Usage(f"unknown command /{head[:40]}; type /help")
    return ServiceCommand(name, tuple(args), as_name=speaker)
