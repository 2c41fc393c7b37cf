"""What the service needs of the live configuration (``ConfigHolder`` implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from moderation.config.configset import ConfigSet


class ReloadOutcome(Protocol):
    """What ``ConfigHolder.reload()`` returns (only the fields the service reads)."""

    @property
    def ok(self) -> bool:
        """Whether the new configuration is live."""
        ...

    @property
    def errors(self) -> Sequence[str]:
        """What was wrong, when not ok."""
        ...


class ConfigSource(Protocol):
    """The live configuration (``moderation.config.reload.ConfigHolder``)."""

    @property
    def current(self) -> ConfigSet:
        """The last good configuration set."""
        ...

    def reload(self) -> ReloadOutcome:
        """Re-read the files; a bad edit keeps the last good set."""
        ...
