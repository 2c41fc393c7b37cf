"""FAQ answers: turn a member's question into a reply (answer mode) or a suggestion for review."""

from __future__ import annotations

import dataclasses
import logging

from moderation.config.schema import CommunityConfig, VoiceConfig
from moderation.domain import ActionKind, Decision, InboundMessage, Outcome, PlannedAction, RuleTrace
from moderation.ports import Classification, FaqMatcher
from moderation.voice.faq import faq_questions
from moderation.voice.templates import TemplateError, pick_lang, render, render_text

log = logging.getLogger(__name__)

FAQ_RULE = "faq"
"""The pseudo-rule name FAQ answers are traced and cased under."""

ANSWER_TEMPLATE = "faq_answer"
"""Optional voice template wrapping an answer (placeholders: answer, user, community)."""


def voice_answer(voice: VoiceConfig, answer: str, lang: str | None, values: dict[str, str]) -> str:
    """An FAQ answer (itself a template) in the brand voice: wrapped by ``faq_answer`` if defined, signed."""
    filled = render_text(answer, values)
    if ANSWER_TEMPLATE in voice.replies:
        return render(voice, ANSWER_TEMPLATE, lang, {**values, "answer": filled})
    if voice.signature:
        return f"{filled}\n{render_text(voice.signature, values)}"
    return filled


class FaqHelper:
    """Applies the community's FAQ to messages no rule acted on."""

    def __init__(self, matcher: FaqMatcher) -> None:
        self.matcher = matcher

    @staticmethod
    def wants_question(cfg: CommunityConfig) -> bool:
        """Whether this config needs the ``question`` score."""
        return cfg.faq.enabled and bool(cfg.faq.entries)

    async def apply(
        self,
        cfg: CommunityConfig,
        msg: InboundMessage,
        classification: Classification | None,
        decision: Decision,
    ) -> Decision:
        """Return ``decision`` with an FAQ reply (or a held suggestion) added when a question matches."""
        faq = cfg.faq
        if not self.wants_question(cfg) or classification is None:
            return decision
        question = classification.labels.get("question", 0.0)
        if question < faq.question_at:
            return decision
        lang = classification.lang
        try:
            match = await self.matcher.match(msg.text, lang, faq_questions(faq))
        except Exception:  # a broken matcher must not lose the message's decision
            log.exception("FAQ matcher failed")
            return decision
        if match is None or match.entry not in faq.entries or match.score < faq.threshold:
            best = f"best {match.entry} {match.score:.2f}" if match is not None else "no entry matched"
            trace = RuleTrace(
                FAQ_RULE, fired=False, reason=f"question {question:.2f}; {best} < {faq.threshold}"
            )
            return dataclasses.replace(decision, traces=(*decision.traces, trace))
        entry = faq.entries[match.entry]
        values = {
            "user": msg.author.display_name,
            "community": cfg.community,
            "channel": msg.scope.channel_id,
        }
        answer = pick_lang(entry.answer, lang, cfg.voice.default_lang) or ""
        try:
            text = voice_answer(cfg.voice, answer, lang, values)
        except TemplateError:
            log.exception("FAQ answer %r has a bad template", match.entry)
            return decision
        action = PlannedAction(ActionKind.REPLY, rule=FAQ_RULE, text=text, reason=f"FAQ {match.entry}")
        reason = f"question {question:.2f} >= {faq.question_at}; "
        reason += f"FAQ '{match.entry}' {match.score:.2f} >= {faq.threshold}"
        if faq.mode == "answer":
            trace = RuleTrace(FAQ_RULE, fired=True, band="act", reason=reason)
            return dataclasses.replace(
                decision, outcome=Outcome.REPLY, actions=(action,), traces=(*decision.traces, trace)
            )
        trace = RuleTrace(FAQ_RULE, fired=True, band="review", reason=reason + " (suggested)")
        return dataclasses.replace(
            decision, outcome=Outcome.REVIEW, held_actions=(action,), traces=(*decision.traces, trace)
        )
