"""Review cards for the moderators' chat: text, inline keyboard and the buttons' callback data."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from moderation.domain import ReviewCard, ReviewStatus

PREFIX = "rv"
VERBS = ("approve", "reject", "ban", "details")
_LABELS = {"approve": "✅ Approve", "reject": "↩️ Reject", "ban": "⛔ Ban", "details": "🔎 Details"}
_MAX_EXCERPT = 600


def callback_data(verb: str, case_number: int) -> str:
    """The ``callback_data`` of a card button, e.g. ``rv:approve:17`` (well under Telegram's 64 bytes)."""
    return f"{PREFIX}:{verb}:{case_number}"


def parse_callback(data: str | None) -> tuple[str, int] | None:
    """``(verb, case_number)`` from a card button's data, or ``None`` if it is not one of ours."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != PREFIX or parts[1] not in VERBS or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def card_text(card: ReviewCard) -> str:
    """Plain-text body of a review card (no parse mode, so user text cannot inject markup)."""
    excerpt = card.excerpt if len(card.excerpt) <= _MAX_EXCERPT else card.excerpt[:_MAX_EXCERPT] + "…"
    lines = [
        f"Case #{card.case_number} · {card.status.value.upper()}",
        f"Member: {card.member.display_name} ({card.member.platform} {card.member.user_id})",
        f"Where: {card.platform} {card.channel_id}",
        f"Rule: {card.rule} — {card.reason}",
        f"Message: {excerpt}",
    ]
    if card.held_actions:
        lines.append("On approve: " + ", ".join(kind.value for kind in card.held_actions))
    if card.suggested_reply:
        lines.append(f"Suggested reply: {card.suggested_reply}")
    return "\n".join(lines)


def card_keyboard(card: ReviewCard) -> InlineKeyboardMarkup | None:
    """Buttons for a pending card (Approve, Reject / Ban, Details); only Details once resolved."""
    number = card.case_number
    if card.status != ReviewStatus.PENDING:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(_LABELS["details"], callback_data=callback_data("details", number))]]
        )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_LABELS["approve"], callback_data=callback_data("approve", number)),
                InlineKeyboardButton(_LABELS["reject"], callback_data=callback_data("reject", number)),
            ],
            [
                InlineKeyboardButton(_LABELS["ban"], callback_data=callback_data("ban", number)),
                InlineKeyboardButton(_LABELS["details"], callback_data=callback_data("details", number)),
            ],
        ]
    )
