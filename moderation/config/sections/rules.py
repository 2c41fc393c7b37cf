"""Config schema of rules: triggers, actions and the strike ladder."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import (
    Field,
    model_validator,
)

from moderation.config.sections.base import (
    Duration,
    Probability,
    RegexPattern,
    Strict,
)

# ---------------------------------------------------------------- triggers


class ClassifierTrigger(Strict):
    """Fires on a classifier label's probability: review between the bands, act above ``act_at``."""

    label: str = Field(description="Classifier label, e.g. toxic, spam, question, threat.")
    review_at: Probability | None = Field(None, description="Send to review at or above this score.")
    act_at: Probability | None = Field(None, description="Act at or above this score.")

    @model_validator(mode="after")
    def _bands(self) -> ClassifierTrigger:
        if self.review_at is None and self.act_at is None:
            raise ValueError("set review_at, act_at or both")
        if self.review_at is not None and self.act_at is not None and self.review_at > self.act_at:
            raise ValueError(f"review_at ({self.review_at}) must not exceed act_at ({self.act_at})")
        return self


class WordsTrigger(Strict):
    """Fires on listed words (matched after normalisation against evasion) or regular expressions."""

    words: list[str] = Field(default_factory=list, description="Words or phrases to catch.")
    patterns: list[RegexPattern] = Field(
        default_factory=list, description="Regular expressions (checked at load)."
    )
    allow: list[str] = Field(default_factory=list, description="Words never caught (e.g. 'scunthorpe').")
    substring: bool = Field(False, description="Match inside words too, not only whole words.")


class LinksTrigger(Strict):
    """Fires on links: denied domains, invites, or any domain outside the allow-list."""

    deny_domains: list[str] = Field(default_factory=list, description="Domains (and subdomains) to catch.")
    allow_domains: list[str] = Field(default_factory=list, description="Domains never caught.")
    only_allowed: bool = Field(False, description="Catch every link whose domain is not allowed.")
    invites: bool = Field(True, description="Catch Discord and Telegram invite links.")


class MentionsTrigger(Strict):
    """Fires when a message mentions more than ``max`` members."""

    max: int = Field(5, ge=0, description="Most mentions allowed in one message.")


class FloodTrigger(Strict):
    """Fires when a member sends ``messages`` messages within ``within``."""

    messages: int = Field(5, ge=2, description="Messages from one member that count as a flood.")
    within: Duration = Field(default=timedelta(seconds=5), description="Time window for those messages.")


class DuplicatesTrigger(Strict):
    """Fires when ``members`` different members post the same text within ``within`` (spam waves)."""

    members: int = Field(3, ge=2, description="Different members posting the same text.")
    within: Duration = Field(default=timedelta(minutes=1), description="Time window for those posts.")
    min_length: int = Field(10, ge=1, description="Ignore texts shorter than this (e.g. 'hi').")


class NewMemberTrigger(Strict):
    """Fires for members who joined less than ``joined_within`` ago or are within their first messages."""

    joined_within: Duration | None = Field(None, description="Joined less than this long ago.")
    first_messages: int | None = Field(None, ge=1, description="Within their first N messages.")

    @model_validator(mode="after")
    def _one(self) -> NewMemberTrigger:
        if self.joined_within is None and self.first_messages is None:
            raise ValueError("set joined_within, first_messages or both")
        return self


class TriggersConfig(Strict):
    """Triggers of a rule, keyed by type. ``match`` on the rule says whether any or all must fire."""

    classifier: ClassifierTrigger | None = None
    words: WordsTrigger | None = None
    links: LinksTrigger | None = None
    mentions: MentionsTrigger | None = None
    flood: FloodTrigger | None = None
    duplicates: DuplicatesTrigger | None = None
    new_member: NewMemberTrigger | None = None


# ---------------------------------------------------------------- actions


class WarnAction(Strict):
    """Warn the member with a voice template; each warning is a strike."""

    template: str = Field(description="Key in voice.replies.")
    dm: bool = Field(True, description="Send by direct message (falls back to the channel).")


class BanAction(Strict):
    """Ban the member."""

    delete_message_days: int = Field(0, ge=0, le=7, description="Days of their messages to delete (Discord).")


class ActionsConfig(Strict):
    """What a rule does when it fires (in its act band), or holds for review (review band)."""

    delete: bool = Field(False, description="Delete the message.")
    reply: str | None = Field(None, description="Key in voice.replies to answer with.")
    warn: WarnAction | None = Field(None, description="Warn the member (counts as a strike).")
    timeout: Duration | None = Field(None, description="Time the member out (mute) for this long.")
    kick: bool = Field(False, description="Remove the member (they may rejoin).")
    ban: BanAction | None = Field(None, description="Ban the member.")
    review: bool = Field(False, description="Hold every other action for a moderator's approval.")
    notify: str | None = Field(None, description="Key in voice.replies sent to the moderators' channel.")


class RuleConfig(Strict):
    """One moderation rule: triggers, then actions."""

    enabled: bool = Field(True, description="Switch the rule off without deleting it.")
    mode: Literal["live", "dry_run"] = Field(
        "live", description="dry_run records the decision and trace but acts on nothing."
    )
    description: str = Field("", description="What the rule is for (shown in /explain and cases).")
    match: Literal["any", "all"] = Field("any", description="Fire when any trigger fires, or only all.")
    priority: int = Field(0, description="Higher runs first; the first rule that acts stops the rest.")
    triggers: TriggersConfig = Field(default_factory=TriggersConfig, description="What makes the rule fire.")
    actions: ActionsConfig = Field(default_factory=ActionsConfig, description="What it does when it fires.")


class StrikeStep(Strict):
    """A rung of the strike ladder: ``count`` strikes within ``within`` lead to ``action``."""

    count: int = Field(ge=1, description="Strikes needed.")
    within: Duration = Field(description="Window in which the strikes are counted, e.g. 7d.")
    action: Literal["timeout", "kick", "ban"] = Field(description="What happens.")
    duration: Duration | None = Field(None, description="For timeouts.")

    @model_validator(mode="after")
    def _duration(self) -> StrikeStep:
        if self.action == "timeout" and self.duration is None:
            raise ValueError("a timeout step needs a duration")
        return self


class StrikesConfig(Strict):
    """Escalation from warnings; strikes older than the largest ``within`` no longer count."""

    enabled: bool = Field(True, description="Escalate repeated warnings.")
    ladder: list[StrikeStep] = Field(
        default_factory=list, description="Steps; the highest step whose count is reached applies."
    )
