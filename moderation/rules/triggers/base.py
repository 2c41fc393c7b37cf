"""What every trigger receives and returns, and the typed wrapper the registry holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

from moderation.domain import InboundMessage
from moderation.normalize import normalize
from moderation.ports import Classification
from moderation.records import MemberRecord
from moderation.rules.windows import DuplicateWindows, FloodWindows

Band = Literal["act", "review"]


@dataclass(frozen=True)
class TriggerResult:
    """A trigger's verdict.

    Attributes:
        fired: Whether it matched.
        band: ``act`` or ``review`` when fired (``review`` only from the classifier's review band).
        reason: Readable reason, whether it fired or not.
    """

    fired: bool
    band: Band | None = None
    reason: str = ""

    @classmethod
    def hit(cls, reason: str, band: Band = "act") -> TriggerResult:
        """A fired result."""
        return cls(True, band, reason)

    @classmethod
    def miss(cls, reason: str) -> TriggerResult:
        """A result that did not fire."""
        return cls(False, None, reason)


@dataclass
class TriggerContext:
    """Everything a trigger may look at for one message (normalised text computed once, lazily).

    Attributes:
        msg: The message.
        member: What the store knows about the author (``message_count`` excludes this message).
        classification: Classifier scores, if the message was classified.
        now: Evaluation time.
        flood: Flood windows (this message already recorded).
        duplicates: Duplicate-text windows (this message already recorded).
    """

    msg: InboundMessage
    member: MemberRecord | None
    classification: Classification | None
    now: datetime
    flood: FloodWindows = field(default_factory=FloodWindows)
    duplicates: DuplicateWindows = field(default_factory=DuplicateWindows)

    @cached_property
    def skeleton(self) -> str:
        """``normalize(text)`` with repeated letters collapsed."""
        return normalize(self.msg.text)

    @cached_property
    def skeleton_runs(self) -> str:
        """``normalize(text, collapse=False)``: repeated letters kept (for run-aware word patterns)."""
        return normalize(self.msg.text, collapse=False)


C = TypeVar("C", bound=BaseModel)


@dataclass(frozen=True)
class TriggerSpec(Generic[C]):
    """A registered trigger: its config type and the function that checks it."""

    name: str
    config_type: type[C]
    check: Callable[[C, TriggerContext], TriggerResult]

    def run(self, cfg: BaseModel, ctx: TriggerContext) -> TriggerResult:
        """Check ``cfg`` (which must be of ``config_type``) against a message."""
        if not isinstance(cfg, self.config_type):
            raise TypeError(f"trigger {self.name} expects {self.config_type.__name__}")
        return self.check(cfg, ctx)
