"""Config schema of raid protection, verification on join and appeals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import (
    Field,
    field_validator,
)

from moderation.config.sections.base import (
    Duration,
    LangText,
    Strict,
)

# ---------------------------------------------------------------- raid protection


def _default_raid_overrides() -> dict[str, Any]:
    return {
        "rules": {
            "raid_new_member_links": {
                "description": "During a raid, new members' links wait for review.",
                "match": "all",
                "priority": 100,
                "triggers": {"new_member": {"joined_within": "1d"}, "links": {"only_allowed": True}},
                "actions": {"delete": True, "review": True},
            }
        }
    }


class RaidConfig(Strict):
    """Raid protection: many joins in a short time switch the community into raid mode."""

    enabled: bool = Field(True, description="Watch the join rate.")
    joins: int = Field(20, ge=2, description="This many joins within 'within' start raid mode.")
    within: Duration = Field(default=timedelta(seconds=60), description="Window for counting joins.")
    duration: Duration = Field(
        default=timedelta(minutes=30),
        description="Raid mode ends by itself this long after the join rate last crossed the threshold.",
    )
    restrict_joiners: Duration | None = Field(
        None, description="Time out every member who joins during raid mode for this long (unset: no)."
    )
    greet: bool = Field(False, description="Greet newcomers during raid mode.")
    overrides: dict[str, Any] = Field(
        default_factory=_default_raid_overrides,
        description="Partial community config merged on top while raid mode is on "
        "(default: links from members who joined in the last day are held for review).",
    )

    @field_validator("overrides")
    @classmethod
    def _no_identity(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = sorted({"community", "overrides", "raid"} & set(value))
        if bad:
            raise ValueError(f"raid overrides cannot set {', '.join(bad)}")
        return value


class VerificationConfig(Strict):
    """Hold newcomers (restricted) until they answer a simple question with ``/verify <answer>``."""

    enabled: bool = Field(False, description="Verify newcomers on join.")
    time_limit: Duration = Field(default=timedelta(minutes=10), description="Time to answer.")
    on_fail: Literal["kick", "restrict"] = Field(
        "kick", description="What happens to a newcomer who does not answer in time."
    )
    skip_known_after: Duration = Field(
        default=timedelta(days=1),
        description="Members Steward first saw longer ago than this (returning members) skip verification.",
    )
    question: LangText = Field(
        default_factory=lambda: {"en": "What is 2 + 3?"}, description="The question per language."
    )
    answers: dict[str, list[str]] = Field(
        default_factory=lambda: {"en": ["5", "five"]},
        description="Accepted answers per language (any language's answer counts; case-insensitive).",
    )


class AppealsConfig(Strict):
    """Members' appeals against a warning, timeout or ban (``/appeal <case> <text>``, once per case)."""

    enabled: bool = Field(False, description="Let members appeal their cases.")
    window: Duration = Field(
        default=timedelta(days=14), description="How long after the case an appeal is accepted."
    )
