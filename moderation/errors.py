"""Typed errors of the core: configuration, commands, actions and unsupported features."""

from __future__ import annotations


class StewardError(Exception):
    """Base class of every error Steward raises on purpose."""


class ConfigError(StewardError):
    """A configuration file is invalid.

    Attributes:
        message: What is wrong, in words an admin understands.
        file: Path of the YAML file, if known.
        line: 1-based line number, if known.
        path: Key path inside the document, e.g. ``rules.toxicity.triggers.classifier.act_at``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        key = f" at {self.path}" if self.path else ""
        return f"{where}{key}: {self.message}"


class ConfigErrors(StewardError):
    """Several configuration errors found in one load, reported together."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class CommandError(StewardError):
    """A moderator command failed in a way the caller should be told about.

    Attributes:
        user_message: Text shown to the caller.
    """

    def __init__(self, user_message: str) -> None:
        self.user_message = user_message
        super().__init__(user_message)


class PermissionDenied(CommandError):
    """The caller's level is too low for a command or button."""


class ActionFailed(StewardError):
    """A platform refused or could not carry out an action.

    Attributes:
        action: The action kind that failed (``delete``, ``timeout``...).
        reason: Short machine-readable reason (``missing_permissions``, ``not_found``, ``rate_limited``,
            ``dm_closed``, ``hierarchy``, ``network``, ``removed``).
        retryable: Whether trying again later may succeed.
        missing_permission: The platform right that is missing, when known.
        detail: Free text from the platform.
    """

    def __init__(
        self,
        action: str,
        reason: str,
        *,
        retryable: bool = False,
        missing_permission: str | None = None,
        detail: str = "",
    ) -> None:
        self.action = action
        self.reason = reason
        self.retryable = retryable
        self.missing_permission = missing_permission
        self.detail = detail
        super().__init__(f"{action} failed: {reason}" + (f" ({detail})" if detail else ""))


class Unsupported(StewardError):
    """A platform cannot do what was asked (e.g. kicking in the sandbox's read-only mode)."""


class NotFound(StewardError):
    """A stored record (case, review, member) does not exist."""


class Conflict(StewardError):
    """A state change is not allowed from the current state (e.g. approving a rejected review)."""
