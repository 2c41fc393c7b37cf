"""Review cards: embeds with persistent buttons whose custom ids carry the verb and the case number."""

from __future__ import annotations

import logging
from typing import Any, Protocol, runtime_checkable

import discord

from moderation.domain import ReviewCard, ReviewStatus

log = logging.getLogger(__name__)

CUSTOM_ID = "steward:rv:{verb}:{case}"
TEMPLATE = r"steward:rv:(?P<verb>approve|reject|ban|details):(?P<case>\d+)"
VERBS: tuple[tuple[str, str, discord.ButtonStyle], ...] = (
    ("approve", "Approve", discord.ButtonStyle.success),
    ("reject", "Reject", discord.ButtonStyle.secondary),
    ("ban", "Ban", discord.ButtonStyle.danger),
    ("details", "Details", discord.ButtonStyle.primary),
)
_COLOURS = {
    ReviewStatus.PENDING: discord.Colour.orange(),
    ReviewStatus.APPROVED: discord.Colour.green(),
    ReviewStatus.REJECTED: discord.Colour.light_grey(),
    ReviewStatus.EXPIRED: discord.Colour.dark_grey(),
}


@runtime_checkable
class CardHost(Protocol):
    """A client that knows what to do when a card's button is clicked."""

    async def on_card_button(
        self, interaction: discord.Interaction[Any], verb: str, case_number: int
    ) -> None:
        """Handle a click on a review card button."""
        ...


class CardButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TEMPLATE):
    """A review card button; registered with ``add_dynamic_items`` so clicks work after a restart."""

    def __init__(self, verb: str, case_number: int, *, disabled: bool = False) -> None:
        label, style = next((lbl, st) for v, lbl, st in VERBS if v == verb)
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=label,
            style=style,
            custom_id=CUSTOM_ID.format(verb=verb, case=case_number),
            disabled=disabled,
        )
        super().__init__(button)
        self.verb = verb
        self.case_number = case_number

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Button[discord.ui.View],
        match: Any,
        /,
    ) -> CardButton:
        """Rebuild the button from a clicked custom id."""
        return cls(str(match["verb"]), int(match["case"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Pass the click to the client."""
        client = interaction.client
        if isinstance(client, CardHost):
            await client.on_card_button(interaction, self.verb, self.case_number)
        else:  # pragma: no cover - only our bot registers this item
            log.warning("card button clicked on a client that cannot handle it")


def card_view(card: ReviewCard) -> discord.ui.View:
    """Buttons of a card (all but Details disabled once it is no longer pending)."""
    view = discord.ui.View(timeout=None)
    done = card.status is not ReviewStatus.PENDING
    for verb, _label, _style in VERBS:
        view.add_item(CardButton(verb, card.case_number, disabled=done and verb != "details"))
    return view


def card_embed(card: ReviewCard) -> discord.Embed:
    """The embed moderators see."""
    embed = discord.Embed(
        title=f"Case #{card.case_number} · {card.rule}",
        description=_quote(card.excerpt),
        colour=_COLOURS.get(card.status, discord.Colour.default()),
    )
    embed.add_field(
        name="Member", value=f"<@{card.member.user_id}> ({card.member.display_name})", inline=True
    )
    embed.add_field(name="Channel", value=f"<#{card.channel_id}>", inline=True)
    embed.add_field(name="Status", value=str(card.status), inline=True)
    embed.add_field(name="Why", value=card.reason[:1024] or "-", inline=False)
    if card.held_actions:
        held = ", ".join(str(a) for a in card.held_actions)
        embed.add_field(name="Approving will", value=held, inline=False)
    if card.suggested_reply:
        embed.add_field(name="Suggested reply", value=card.suggested_reply[:1024], inline=False)
    embed.set_footer(text=f"{card.community} · {card.platform}")
    return embed


def _quote(text: str) -> str:
    body = text.replace("`", "ˋ")[:1500]
    return "\n".join(f"> {line}" for line in body.splitlines()) or "> (no text)"
