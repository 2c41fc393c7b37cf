"""Map python-telegram-bot errors to the core's ``ActionFailed`` with a reason and the missing right."""

from __future__ import annotations

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from moderation.errors import ActionFailed

# The administrator right each action needs (names as in ChatMemberAdministrator / promoteChatMember).
RIGHT_FOR_ACTION = {
    "delete": "can_delete_messages",
    "timeout": "can_restrict_members",
    "kick": "can_restrict_members",
    "ban": "can_restrict_members",
    "unban": "can_restrict_members",
    "reply": "can_send_messages",
    "send": "can_send_messages",
    "card": "can_send_messages",
    "notify": "can_send_messages",
}

_NOT_FOUND = (
    "message to delete not found",
    "message to edit not found",
    "message not found",
    "chat not found",
    "user not found",
    "participant_id_invalid",
)
_RIGHTS = (
    "not enough rights",
    "chat_admin_required",
    "need administrator rights",
    "have no rights",
    "message can't be deleted",
    "not an administrator",
)
_HIERARCHY = (
    "user is an administrator",
    "can't remove chat owner",
    "user_admin_invalid",
    "can't restrict self",
)
_DM_CLOSED = (
    "bot can't initiate conversation",
    "bot was blocked by the user",
    "user is deactivated",
    "bot can't send messages to bots",
)
_REMOVED = ("bot is not a member", "bot was kicked", "group chat was deactivated", "chat was deleted")


def is_already_deleted(exc: TelegramError) -> bool:
    """Whether a deleteMessage error means the message is gone already (idempotent success)."""
    return isinstance(exc, BadRequest) and "message to delete not found" in exc.message.lower()


def is_not_modified(exc: TelegramError) -> bool:
    """Whether an edit failed only because nothing changed."""
    return isinstance(exc, BadRequest) and "message is not modified" in exc.message.lower()


def missing_right(message: str, action: str) -> str:
    """Name the administrator right a refusal is about, from the error text or the action."""
    text = message.lower()
    if "delete" in text:
        return "can_delete_messages"
    if "restrict" in text or "ban" in text or "kick" in text:
        return "can_restrict_members"
    if "send" in text:
        return "can_send_messages"
    return RIGHT_FOR_ACTION.get(action, "administrator")


def to_action_failed(action: str, exc: TelegramError) -> ActionFailed:
    """Translate a Telegram error raised while running ``action`` into ``ActionFailed``."""
    text = exc.message
    low = text.lower()
    if isinstance(exc, RetryAfter):
        return ActionFailed(action, "rate_limited", retryable=True, detail=text)
    if isinstance(exc, ChatMigrated):
        return ActionFailed(action, "migrated", detail=f"chat moved to {exc.new_chat_id}")
    if isinstance(exc, Forbidden | BadRequest):
        if any(s in low for s in _DM_CLOSED):
            return ActionFailed(action, "dm_closed", detail=text)
        if any(s in low for s in _REMOVED):
            return ActionFailed(action, "removed", detail=text)
        if any(s in low for s in _HIERARCHY):
            return ActionFailed(action, "hierarchy", detail=text)
        if any(s in low for s in _RIGHTS) or isinstance(exc, Forbidden):
            return ActionFailed(
                action, "missing_permissions", missing_permission=missing_right(text, action), detail=text
            )
        if any(s in low for s in _NOT_FOUND):
            return ActionFailed(action, "not_found", detail=text)
        return ActionFailed(action, "bad_request", detail=text)
    if isinstance(exc, TimedOut | NetworkError):
        return ActionFailed(action, "network", retryable=True, detail=text)
    return ActionFailed(action, "error", detail=text)
