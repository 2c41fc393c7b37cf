"""What every action planner receives: the rule, its reason, the voice and the template values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from moderation.config.schema import VoiceConfig
from moderation.voice.templates import TemplateError, render


@dataclass
class ActionContext:
    """Inputs for planning a rule's actions.

    Attributes:
        rule: Rule name (recorded on each planned action).
        reason: Why the rule fired (recorded as the platform reason).
        voice: The community's voice, for rendering texts.
        lang: Message language, for choosing template variants.
        values: Placeholder values (user, channel, community, rules_channel, rule, duration).
        problems: Filled with template problems met while planning (missing or invalid templates).
    """

    rule: str
    reason: str
    voice: VoiceConfig
    lang: str | None
    values: Mapping[str, str]
    problems: list[str] = field(default_factory=list)

    @property
    def platform_reason(self) -> str:
        """Short reason shown in the platform's audit log."""
        return f"{self.rule}: {self.reason}"[:200]

    def text(self, key: str, *, signed: bool = True) -> str | None:
        """Render template ``key``; on a missing/invalid template record a problem and return None."""
        try:
            return render(self.voice, key, self.lang, self.values, signed=signed)
        except TemplateError as exc:
            self.problems.append(f"{self.rule}: {exc.message}")
            return None
