"""Rendering what a platform would show: messages, deletions, DMs, sanctions and review cards."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from bot.sandbox.parser import BUTTON_VERBS
from bot.sandbox.text import show
from moderation.domain import ReviewCard

_ASCII = str.maketrans(
    {"→": "->", "←": "<-", "·": "-", "“": '"', "”": '"', "↳": "->", "…": "...", "—": "--", "┆": "|"}
)
"""Replacements for the console's own glyphs when the terminal cannot show Unicode."""

_STYLES = {
    "dim": "2",
    "bold": "1",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def wants_colour(out: TextIO) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class BannerInfo:
    """What the start banner tells a newcomer."""

    community: str
    config_dir: str
    database: str
    classifier: str
    channels: Sequence[str]


class Renderer:
    """Writes sandbox output lines; untrusted text always goes through ``show``."""

    def __init__(self, out: TextIO, *, colour: bool | None = None) -> None:
        self._out = out
        self._colour = wants_colour(out) if colour is None else colour
        encoding = (getattr(out, "encoding", None) or "utf-8").lower().replace("-", "")
        self._unicode = encoding in {"utf8", "utf16", "utf32"}

    def _style(self, text: str, *styles: str) -> str:
        if not self._colour or not styles:
            return text
        codes = ";".join(_STYLES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def line(self, text: str = "", *styles: str) -> None:
        """Write one line (already safe) and flush so pipes and terminals see it at once."""
        if not self._unicode:
            text = text.translate(_ASCII)
        self._out.write(self._style(text, *styles) + "\n")
        self._out.flush()

    def member_message(self, channel: str, author: str, message_id: str, text: str) -> None:
        """A member's message as the channel shows it."""
        head = self._style(f"#{channel}", "dim") + " " + self._style(show(author, limit=32), "bold")
        self.line(f"{head}: {show(text)}  " + self._style(f"[{message_id}]", "dim"))

    def quote(self, author: str, original: str) -> None:
        """The message the next one replies to."""
        self.line(f"  ┆ replying to {show(author, limit=32)}: “{show(original, limit=80)}”", "dim")

    def bot_message(self, channel: str, message_id: str, text: str, quoted: tuple[str, str] | None) -> None:
        """A message Steward posted, quoting the message it replies to."""
        if quoted is not None:
            self.quote(*quoted)
        head = self._style(f"#{channel}", "dim") + " " + self._style("Steward", "bold", "cyan")
        body = show(text, limit=2000, keep_newlines=True).replace("\n", "\n    ")
        self.line(f"{head}: {body}  " + self._style(f"[{message_id}]", "dim"))

    def event(self, text: str, colour: str = "yellow") -> None:
        """A platform event: deletion, sanction, join, leave."""
        self.line(text, colour)

    def direct(self, name: str, text: str) -> None:
        """A direct message to a member."""
        body = show(text, limit=2000, keep_newlines=True).replace("\n", "\n    ")
        self.line(self._style(f"[DM to {show(name, limit=32)}]", "magenta") + f" {body}")

    def moderators(self, text: str) -> None:
        """A notification in the moderators' channel."""
        body = show(text, limit=2000, keep_newlines=True).replace("\n", "\n    ")
        self.line(self._style("[to moderators]", "blue") + f" {body}")

    def reply(self, caller: str, text: str) -> None:
        """A command's answer, shown to the caller."""
        body = show(text, limit=4000, keep_newlines=True).replace("\n", "\n  ")
        self.line(self._style(f"[reply to {show(caller, limit=32)}]", "green") + f" {body}")

    def notice(self, text: str) -> None:
        """Sandbox information (not something a platform would show)."""
        self.line(f"· {text}", "dim")

    def error(self, text: str) -> None:
        """A sandbox error or usage line."""
        self.line(f"! {show(text, limit=400)}", "red")

    def trace(self, text: str) -> None:
        """Why Steward acted (sandbox only)."""
        self.line(f"  ↳ {show(text, limit=400, keep_newlines=True)}", "dim")

    def card(self, card: ReviewCard, channel: str, *, buttons: bool = True) -> None:
        """A review card as a box with its case, rule, reason, excerpt and buttons."""
        top, side, bottom = ("╭─", "│", "╰─") if self._unicode else ("+-", "|", "+-")
        status = card.status.value
        self.line(f"{top} Review card · case #{card.case_number} · {status} · {card.community}", "bold")
        rows = [
            ("rule", card.rule),
            ("member", f"{card.member.display_name} (id {card.member.user_id}) in #{channel}"),
            ("reason", card.reason),
            ("excerpt", f"“{card.excerpt}”"),
        ]
        if card.held_actions:
            rows.append(("on approve", ", ".join(a.value for a in card.held_actions)))
        if card.suggested_reply:
            rows.append(("suggested", card.suggested_reply))
        for key, value in rows:
            self.line(f"{side} {key:<11} {show(value, limit=300)}")
        if buttons:
            self.line(f"{side} " + " ".join(f"[{v.capitalize()}]" for v in BUTTON_VERBS), "bold")
            hint = " · ".join(f"/press {v} {card.case_number}" for v in BUTTON_VERBS)
            self.line(f"{bottom} {hint}", "dim")
        else:
            self.line(f"{bottom} {status}: no buttons any more", "dim")

    def banner(self, info: BannerInfo, help_lines: Sequence[str]) -> None:
        """The start banner: which community, config and database, and how to type."""
        channels = " ".join(f"#{c}" for c in info.channels)
        self.line(f"Steward sandbox — community {info.community!r}", "bold")
        self.line(f"config: {info.config_dir}   database: {info.database}   classifier: {info.classifier}")
        self.line(f"channels: {channels}   moderators type as 'mod' (role mod), admins as 'admin'")
        self.help(help_lines)
        self.line("try: /join bob   then   alice: you are an idiot   then   /as mod   and   /queue", "bold")

    def help(self, help_lines: Sequence[str]) -> None:
        """The sandbox's command list."""
        for text in help_lines:
            self.line(f"  {text}")


def when(at: datetime) -> str:
    """A timestamp for sanctions: ``15:42:07 UTC``."""
    return at.strftime("%H:%M:%S UTC")
